"""The registry of recurrent cells: `get(name, **options)` and `names()`.

  cell = cells.get('gru', reset_after=False)
  params = cell.init(jax.random.key(0), input_size, hidden_size)

Every cell follows the contract of `rnnzoo.cells.base.Cell`. Adding a cell is
one module here and one entry in `_CELLS`.
"""

import difflib

from rnnzoo.cells import base
from rnnzoo.cells import cwrnn
from rnnzoo.cells import dilated
from rnnzoo.cells import gru
from rnnzoo.cells import indrnn
from rnnzoo.cells import lstm
from rnnzoo.cells import ran
from rnnzoo.cells import vanilla

Cell = base.Cell
Dilated = dilated.Dilated

_CELLS: dict[str, type[base.Cell]] = {
    cls.name: cls for cls in (
        vanilla.Vanilla,
        vanilla.IRNN,
        lstm.LSTM,
        lstm.Peephole,
        gru.GRU,
        gru.MGU,
        ran.RAN,
        indrnn.IndRNN,
        cwrnn.CWRNN,
        dilated.Dilated,
    )
}


def names() -> list[str]:
  """The registered cell names, sorted."""
  return sorted(_CELLS)


def get(name: str, **options) -> base.Cell:
  """The cell `name` with `options` bound; a ValueError for unknown ones."""
  if name not in _CELLS:
    close = difflib.get_close_matches(str(name), names(), 1)
    hint = f"; did you mean '{close[0]}'?" if close else ''
    raise ValueError(
        f'cell name={name!r} is unknown: choose one of {names()}{hint}')
  return _CELLS[name].create(**options)


def defaults(name: str, **options) -> dict:
  """Every option of cell `name`, defaults overridden by `options`."""
  return get(name, **options).options()


def register(cls: type[base.Cell], *, replace: bool = False) -> None:
  """Adds a Cell class under `cls.name` (for notebook experiments)."""
  if cls.name in _CELLS and not replace:
    raise ValueError(f'cell name={cls.name!r} is already registered; pass '
                     'replace=True to replace it')
  _CELLS[cls.name] = cls
