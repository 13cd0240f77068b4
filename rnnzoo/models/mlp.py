"""A multilayer perceptron over the whole sequence (model.name='mlp'): the
order-free control for sequence classification.

  h_0 = flatten(x)                           x [B, T, D] -> [B, T * D]
  h_1 = relu(W_1 h_0 + b_1)
  h_l = relu(W_l h_{l-1} + b_l) (+ h_{l-1} when residual)   l = 2..L
  logits = W_o h_L + b_o

Every position has its own weights, so a fixed permutation of the positions
is learned as easily as the order itself: on MNIST-1D (Greydanus 2020,
"Scaling down deep learning") such a model scores the same on the shuffled
signal as on the original, about 68%, where a GRU falls from 91% to 57%.
The defaults are that paper's MLP (the mnist1d repository's
notebooks/models.py): two ReLU layers of 100 units, the second residual,
about 15k parameters on 40 steps.

It serves tasks with real inputs read out at the last step, all of the same
length (it reads no mask).
"""

from typing import Sequence

import jax.numpy as jnp
import flax.linen as nn
import ml_collections

from rnnzoo import options
from rnnzoo.models import base

USES_CELLS = False


def default_config() -> ml_collections.ConfigDict:
  """The `config.model` section, with every field documented."""
  return ml_collections.ConfigDict(dict(
      name='mlp',
      hidden_sizes=(100, 100),  # units of each ReLU layer, bottom first
      residual=True,            # layers after the first add their input
                                # (their width must equal the one below)
  ))


def check_config(config: ml_collections.ConfigDict) -> None:
  """Raises a ValueError naming the first impossible field of config.model."""
  m = config.model
  sizes = tuple(m.hidden_sizes)
  if not sizes:
    raise ValueError('model.hidden_sizes=() is not allowed: give the units '
                     'of at least one layer, e.g. (100, 100)')
  for size in sizes:
    options.check_number('model.hidden_sizes', size, minimum=1, integer=True)
  options.check_bool('model.residual', m.residual)
  if m.residual and len(set(sizes)) > 1:
    raise ValueError(f'model.hidden_sizes={sizes} is not allowed with '
                     'model.residual=True: a residual layer adds its input, '
                     'so every layer needs the same width')


def check_task(config: ml_collections.ConfigDict, task) -> None:
  """Real inputs, read out at the last step."""
  del config
  base.check_serves('mlp', task, readouts=('last',), input_kinds=('real',))


class MLP(base.Model):
  """Flattened inputs, ReLU layers, a dense readout (see the module
  docstring)."""

  batch_fields = ('x',)

  hidden_sizes: Sequence[int]
  output_size: int
  residual: bool = True

  @nn.compact
  def __call__(self, batch, *, train: bool = False):
    """batch x [B, T, D] -> logits [B, O]."""
    del train
    x = batch['x']
    h = jnp.reshape(x, (x.shape[0], -1))
    for index, size in enumerate(self.hidden_sizes):
      new = nn.relu(nn.Dense(size, name=f'layer{index}')(h))
      h = h + new if self.residual and index > 0 else new
    return nn.Dense(self.output_size, name='readout')(h)


def build(config: ml_collections.ConfigDict, task) -> MLP:
  """The MLP of `config` for `task`."""
  return MLP(hidden_sizes=tuple(config.model.hidden_sizes),
             output_size=task.output_size, residual=config.model.residual)
