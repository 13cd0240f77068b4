"""A gated convolutional network (model.name='conv_glu'; Dauphin, Fan, Auli &
Grangier 2017, "Language Modeling with Gated Convolutional Networks",
ICML).

  H_0 = E[w_1..T]                      (an embedding for tokens; a dense
                                        layer for real inputs)
  h_l(X) = (X * W_l + b_l) ⊗ σ(X * V_l + c_l)        GLU  (eq. 1)
  h_l(X) = tanh(X * W_l + b_l) ⊗ σ(X * V_l + c_l)    GTU  (gate='gtu')
  H_l = H_{l-1} + h_l(H_{l-1})          l = 1..L     (residual blocks)
  outputs_t = W_o H_L[t] + b_o          (a readout at every step)

`*` is a 1-D convolution over time of width k, made causal by padding k - 1
steps on the left only, so that output t reads inputs 1..t and never a
later one (the paper's "zero-padding the beginning of the sequence"). The
paper's blocks also hold bottleneck convolutions and weight normalisation,
and its output is an adaptive softmax; here a block is one gated
convolution of the model's width and the readout a dense layer.

It serves tasks read out at every step (character language modelling);
padding on the right cannot reach a valid step, so it reads no mask.
"""

import flax.linen as nn
import jax
import jax.numpy as jnp
import ml_collections

from rnnzoo import options
from rnnzoo import rowwise
from rnnzoo.models import base

USES_CELLS = False
GATES = ('glu', 'gtu')


def default_config() -> ml_collections.ConfigDict:
  """The `config.model` section, with every field documented."""
  return ml_collections.ConfigDict(dict(
      name='conv_glu',
      channels=128,     # width of the embedding and of every block
      num_blocks=4,     # residual gated convolution blocks, L
      kernel_size=4,    # k: each block reads its k - 1 previous steps too
      gate='glu',       # 'glu': (X*W + b) ⊗ σ(X*V + c); 'gtu': tanh(...)
  ))


def check_config(config: ml_collections.ConfigDict) -> None:
  """Raises a ValueError naming the first impossible field of config.model."""
  m = config.model
  for field in ('channels', 'num_blocks', 'kernel_size'):
    options.check_number(f'model.{field}', m[field], minimum=1, integer=True)
  options.check_choice('model.gate', m.gate, GATES)


def check_task(config: ml_collections.ConfigDict, task) -> None:
  """Tasks read out at every step."""
  del config
  base.check_serves('conv_glu', task, readouts=('every',))


def causal_conv(x: jax.Array, kernel: jax.Array, bias: jax.Array) -> jax.Array:
  """x [B, T, C_in], kernel [k, C_in, C_out] -> [B, T, C_out]: output t is
  sum_j x[t - (k - 1) + j] kernel[j] + bias, x before step 0 being zero."""
  width = kernel.shape[0]
  return jax.lax.conv_general_dilated(
      x, kernel, window_strides=(1,), padding=[(width - 1, 0)],
      dimension_numbers=('NWC', 'WIO', 'NWC')) + bias


class GatedBlock(nn.Module):
  """H + h(H): one gated causal convolution with a residual connection."""

  channels: int
  kernel_size: int
  gate: str = 'glu'

  @nn.compact
  def __call__(self, h):
    shape = (self.kernel_size, h.shape[-1], self.channels)
    init = nn.initializers.lecun_normal()
    w = self.param('w', init, shape)
    v = self.param('v', init, shape)
    b = self.param('b', nn.initializers.zeros, (self.channels,))
    c = self.param('c', nn.initializers.zeros, (self.channels,))
    linear = causal_conv(h, w, b)
    if self.gate == 'gtu':
      linear = jnp.tanh(linear)
    return h + linear * jax.nn.sigmoid(causal_conv(h, v, c))


class ConvGLU(base.Model):
  """Encoder, `num_blocks` gated blocks, a readout at every step."""

  batch_fields = ('x',)

  input_kind: str
  input_size: int
  output_size: int
  channels: int = 128
  num_blocks: int = 4
  kernel_size: int = 4
  gate: str = 'glu'

  @nn.compact
  def __call__(self, batch, *, train: bool = False):
    """batch x [B, T] ids or [B, T, D] reals -> [B, T, O]."""
    del train
    if self.input_kind == 'tokens':
      h = nn.Embed(self.input_size, self.channels, name='encoder')(batch['x'])
    else:
      h = rowwise.apply(nn.Dense(self.channels, name='encoder'),
                        batch['x'])
    for index in range(self.num_blocks):
      h = GatedBlock(self.channels, self.kernel_size, self.gate,
                     name=f'block{index}')(h)
    return rowwise.apply(nn.Dense(self.output_size, name='readout'), h)


def build(config: ml_collections.ConfigDict, task) -> ConvGLU:
  """The network of `config` for `task`."""
  m = config.model
  return ConvGLU(input_kind=task.input_kind, input_size=task.input_size,
                 output_size=task.output_size, channels=m.channels,
                 num_blocks=m.num_blocks, kernel_size=m.kernel_size,
                 gate=m.gate)
