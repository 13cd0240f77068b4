"""The registry of recurrent cells: `get(name, **options)` and `names()`.

  cell = cells.get('gru', reset_after=False)
  params = cell.init(jax.random.key(0), input_size, hidden_size)

Every cell follows the contract of `rnnzoo.cells.base.Cell`. Adding a cell is
one module here, one entry in `_REGISTRY` and one case in
`tests/conftest.py`, which the registry-parametrised tests run.
"""

from rnnzoo import options
from rnnzoo.cells import base
from rnnzoo.cells import cwrnn
from rnnzoo.cells import dilated
from rnnzoo.cells import exprnn
from rnnzoo.cells import gru
from rnnzoo.cells import indrnn
from rnnzoo.cells import jordan
from rnnzoo.cells import linear
from rnnzoo.cells import lstm
from rnnzoo.cells import min_rnn
from rnnzoo.cells import mist
from rnnzoo.cells import nested_lstm
from rnnzoo.cells import qrnn
from rnnzoo.cells import ran
from rnnzoo.cells import scrn
from rnnzoo.cells import simple_recurrent_unit
from rnnzoo.cells import vanilla

Cell = base.Cell
Dilated = dilated.Dilated
LinearCell = linear.LinearCell

_REGISTRY = options.Registry('cell', (
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
    min_rnn.MinGRU,
    min_rnn.MinLSTM,
    qrnn.QRNN,
    simple_recurrent_unit.SRU,
    exprnn.ExpRNN,
    vanilla.NpRNN,
    vanilla.RIN,
    scrn.SCRN,
    mist.MIST,
    nested_lstm.NestedLSTM,
    jordan.Jordan,
))

names = _REGISTRY.names
get = _REGISTRY.get
defaults = _REGISTRY.defaults
register = _REGISTRY.register
