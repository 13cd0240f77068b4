"""The Jordan network as its report draws it (model.name='jordan'): the
output units are the prediction, and their previous values recur.

Jordan 1986 ("Serial order: a parallel distributed processing approach",
ICS report 8604), one hidden layer of U units and O output units, O the
task's outputs:

  s_t = mu s_{t-1} + y_{t-1}            context units, one per output
  u_t = act(x_t W_x + s_t W_s + b)      hidden layer [B, U]
  z_t = u_t W_y + b_y                   logits (classes) or predictions
  y_t = softmax(z_t) for classes, z_t for real outputs

with y_{-1} = s_{-1} = 0: the `jordan` cell (`rnnzoo.cells.jordan`) with
H = O, whose pre-activations z_t are the outputs the loss reads; no
readout follows. Token inputs enter through an embedding of encoder_size
units (0: U), as in model 'rnn'.

Teacher forcing (teacher_forcing=True): in training, the context reads the
previous *target* y*_{t-1} (one-hot for classes) in place of the network's
previous output, as Williams & Zipser 1989 train output-feedback networks;
no state then depends on the network and all steps run at once
(`Jordan.teacher_forced`). Evaluation always feeds back the network's own
outputs. It needs a target at every step, aligned with the inputs.

Unlike model 'rnn' with cell 'jordan' (sigmoid outputs that a separate
readout maps to the logits), here what recurs is the prediction itself.
"""

import flax.linen as nn
import jax
import jax.numpy as jnp
import ml_collections

from rnnzoo import cells
from rnnzoo import options
from rnnzoo import recurrence
from rnnzoo.models import base
from rnnzoo.tasks import base as tasks_base

USES_CELLS = False


def default_config() -> ml_collections.ConfigDict:
  """The `config.model` section, with every field documented."""
  return ml_collections.ConfigDict(dict(
      name='jordan',
      hidden_units=128,         # U, the hidden layer
      self_connection=0.0,      # mu in [0, 1): the context units' decay
      activation='sigmoid',     # of the hidden layer: sigmoid, tanh or relu
      encoder_size=0,           # tokens: the embedding's width (0: U)
      teacher_forcing=False,    # in training, feed back the previous target
                                # instead of the previous output
  ))


def check_config(config: ml_collections.ConfigDict) -> None:
  """Raises a ValueError naming the first impossible field of config.model
  (the cell's own checks, under the model's field names)."""
  m = config.model
  options.check_number('model.hidden_units', m.hidden_units, minimum=1,
                       integer=True)
  options.check_number('model.encoder_size', m.encoder_size, minimum=0,
                       integer=True)
  options.check_bool('model.teacher_forcing', m.teacher_forcing)
  try:
    _cell(m, 'identity')
  except ValueError as error:
    raise ValueError(f'model.{error}') from None


def check_task(config: ml_collections.ConfigDict, task) -> None:
  """Real or token inputs, read out at the last step or at every step;
  teacher forcing only where a class target stands at every step."""
  base.check_serves('jordan', task)
  if config.model.teacher_forcing and not (
      task.readout == 'every' and _classes(task)):
    lacks = ([f'readout={task.readout!r}'] if task.readout != 'every' else
             []) + ([] if _classes(task) else ['no class targets'])
    raise ValueError(
        f'model.teacher_forcing=True is not allowed with task {task.name!r}: '
        'it feeds back the previous class target, which needs a task read '
        "out at every step with class targets (copy, char_lm, tagging), "
        f"and {task.name!r} has {' and '.join(lacks)}; use "
        'model.teacher_forcing=False')


def _classes(task) -> bool:
  return isinstance(task, tasks_base.Classification)


def _cell(m, output_activation):
  return cells.get('jordan', hidden_units=m.hidden_units,
                   self_connection=m.self_connection,
                   activation=m.activation,
                   output_activation=output_activation,
                   emit_pre_activation=True)


class Jordan(base.Model):
  """The Jordan network (see the module docstring).

  Attributes:
    cell: the `jordan` cell, emitting its pre-activations.
    input_kind: 'real' or 'tokens'.
    input_size: D for reals, the vocabulary size for tokens.
    output_size: O, the output units.
    readout: 'last' (the last valid step) or 'every'.
    encoder_size: tokens: the embedding's width (0: the hidden units).
    teacher_forcing: in training, the previous targets recur.
  """

  batch_fields = ('x', 'mask', 'y')

  cell: cells.Cell
  input_kind: str
  input_size: int
  output_size: int
  readout: str
  encoder_size: int = 0
  teacher_forcing: bool = False

  @nn.compact
  def __call__(self, batch, *, train: bool = False):
    """batch x [B, T, D] or [B, T] ids, mask [B, T], y [B, T] class ids
    (read under teacher forcing) -> [B, O] or [B, T, O]."""
    x, mask = batch['x'], batch.get('mask')
    if self.input_kind == 'tokens':
      x = nn.Embed(self.input_size,
                   self.encoder_size or self.cell.hidden_units,
                   name='encoder')(x)
    xs = jnp.swapaxes(x, 0, 1)
    params = self.param('jordan', lambda key: self.cell.init(
        key, xs.shape[-1], self.output_size))
    # Checked at every call, so that init refuses misaligned targets.
    targets = _aligned_targets(batch) if self.teacher_forcing else None
    if targets is not None and train:
      previous = jax.nn.one_hot(targets[:, :-1], self.output_size)
      fed_back = jnp.pad(previous, ((0, 0), (1, 0), (0, 0)))
      zs = self.cell.teacher_forced(params, xs, jnp.swapaxes(fed_back, 0, 1))
    else:
      zs, _ = recurrence.unroll(
          self.cell, params, xs,
          mask=None if mask is None else jnp.swapaxes(mask, 0, 1))
    if self.readout == 'every':
      return jnp.swapaxes(zs, 0, 1)
    return base.at_last_valid_step(zs, mask)


def _aligned_targets(batch):
  """batch['y'] [B, T], refused (when the model is built on the task's
  first batch) unless it has a class id at every step of x."""
  y, steps = batch['y'], batch['x'].shape[:2]
  if y.shape != steps or not jnp.issubdtype(y.dtype, jnp.integer):
    raise ValueError(
        f'model.teacher_forcing=True is not allowed here: the targets y '
        f'have shape {y.shape} ({y.dtype}), and feeding back the previous '
        f'target needs a class id at every step of x, shape {steps}; use '
        'model.teacher_forcing=False')
  return y


def build(config: ml_collections.ConfigDict, task) -> Jordan:
  """The Jordan network of `config` for `task`: softmax outputs for class
  targets, linear ones for real targets."""
  m = config.model
  return Jordan(
      cell=_cell(m, 'softmax' if _classes(task) else 'identity'),
      input_kind=task.input_kind, input_size=task.input_size,
      output_size=task.output_size, readout=task.readout,
      encoder_size=m.encoder_size, teacher_forcing=m.teacher_forcing)
