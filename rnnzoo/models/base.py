"""The model contract, and what every model shares.

A model is a Flax Linen module, called as

  outputs = model.apply(variables, batch, train=False, rngs=...)

where `batch` is the task's batch dict (`rnnzoo.tasks.base`). It reads the
fields named in its `batch_fields` and returns what the task's `loss` and
`metrics` read: [B, O] when the task reads out at the last step, [B, T, O]
at every step.

A model that `carries_state` (the recurrent network) also serves the tasks
whose rows are streams (`Task.carries_state`):

  outputs, carries = model.apply(variables, batch, carries=carries, ...)
  carries = model.apply(variables, batch_size, method='zero_carries')

starts each row from the carry given (or from the initial one where the
batch's `reset` is set) and returns the final carries, which the next window
of the streams starts from.

Each model lives in a module of `rnnzoo.models` that gives
  default_config()      its `config.model` section: `name` and every field,
                        documented;
  check_config(config)  a ValueError naming the first impossible field;
  check_task(config, task)
                        a ValueError naming `model.name`, the task and what
                        the model can serve, for a task it cannot serve;
  build(config, task)   the module, for a config that passed both checks;
  USES_CELLS            whether it reads `config.cell` (the section goes with
                        the model: `rnnzoo.config_util.switch_model`); if so
  layer_cells(config)   the cell of each layer, which `rnnzoo.assembly`
                        builds first, naming config.cell in its errors.
"""

from typing import ClassVar

import flax.linen as nn
import jax
import jax.numpy as jnp


class Model(nn.Module):
  """Base class of the models: defaults for `constrain` and `num_params`."""

  batch_fields: ClassVar[tuple[str, ...]] = ('x',)
  # Whether `rnnzoo.diagnostics` (gradient through time, gates) applies.
  recurrent_diagnostics: ClassVar[bool] = False
  # Whether it passes a carry from one window of a stream to the next.
  carries_state: ClassVar[bool] = False

  def constrain(self, variables):
    """The variables projected back onto their allowed set after an update
    (identity here)."""
    return variables

  def num_params(self, variables) -> int:
    """Trainable parameters: every entry of variables['params']."""
    return sum(a.size for a in jax.tree_util.tree_leaves(variables['params']))


def init_batch(model: Model, shapes: dict) -> dict:
  """A batch for `model.init` of the given field shapes (`jax.eval_shape` of
  the task's `prepare`): the fields the model reads, zeros, masks all
  valid."""
  return {name: (jnp.ones if shape.dtype == jnp.bool_ else jnp.zeros)(
      shape.shape, shape.dtype)
          for name, shape in shapes.items() if name in model.batch_fields}


def check_serves(name: str, task, *, readouts=('last', 'every'),
                 input_kinds=('real', 'tokens')) -> None:
  """Raises a ValueError unless `task`'s readout and input kind are among
  those model `name` serves."""
  for field, value, allowed in (('readout', task.readout, readouts),
                                ('input_kind', task.input_kind, input_kinds)):
    if value not in allowed:
      raise ValueError(
          f'model.name={name!r} cannot serve task {task.name!r}: the task '
          f'has {field}={value!r}, and the model serves {field} in '
          f'{list(allowed)}; choose another model or task')


def at_last_valid_step(ys, mask):
  """Time-major ys [T, B, ...] -> [B, ...] at each row's last valid step:
  the last step when mask (batch-major [B, T]) is None."""
  batch_size = ys.shape[1]
  lengths = (jnp.full(batch_size, ys.shape[0]) if mask is None
             else mask.sum(1))
  return ys[lengths - 1, jnp.arange(batch_size)]


def batch_axes(carry_of, batch_size: int):
  """Per leaf of the carry tree `carry_of(n)` for n rows, the axis of the
  rows (leading for most cells, after the dilation for the dilated cell):
  the one that grows with n. Only shapes are computed."""
  rows, more = (jax.eval_shape(lambda n=n: carry_of(n))
                for n in (batch_size, batch_size + 1))
  return jax.tree_util.tree_map(
      lambda a, b: [x != y for x, y in zip(a.shape, b.shape)].index(True),
      rows, more)


def init_layer(key, cell, input_size: int, hidden_size: int,
               bidirectional: bool):
  """A recurrent layer's params: the cell's, or {'fw', 'bw'} with one set
  per direction when `bidirectional`."""
  if not bidirectional:
    return cell.init(key, input_size, hidden_size)
  k_fw, k_bw = jax.random.split(key)
  return {'fw': cell.init(k_fw, input_size, hidden_size),
          'bw': cell.init(k_bw, input_size, hidden_size)}
