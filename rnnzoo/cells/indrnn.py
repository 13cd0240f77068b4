"""The independently recurrent neural network."""

import dataclasses

import jax
import jax.numpy as jnp

from rnnzoo.cells import base


@dataclasses.dataclass(frozen=True)
class IndRNN(base.Cell):
  """IndRNN (Li, Li, Cook, Zhu & Gao 2018, "Independently recurrent neural
  network (IndRNN): building a longer and deeper RNN", CVPR; eq. 2):

    h_t = relu(x_t W_x + u * h_{t-1} + b)

  The recurrent weight u [H] is elementwise, so a unit only ever reads its
  own past; units mix through the next layer's W_x. Parameters: w_x [D, H],
  u [H], b [H]; carry h.

  The gradient through T steps scales with u^T, so the paper keeps
  |u| <= gamma^(1/T) (gamma: the largest tolerated growth, 2 for the adding
  problem). With seq_len = T > 0, u ~ U(0, gamma^(1/T)) and, in the top layer
  of a network that reads only the last step (last_layer=True),
  u ~ U(gamma^(-1/T), gamma^(1/T)); without it, u ~ U(0, 1) (all ones in a
  last layer) and the bound is 1, the authors' default. With recurrent_clip,
  `constrain` (applied after every optimizer update) clips u to the bound.
  """

  name = 'indrnn'
  activation: str = 'relu'
  seq_len: int = 0
  gamma: float = 2.0
  last_layer: bool = False
  recurrent_clip: bool = True
  input_std: float = 0.0

  def validate(self):
    base.check_choice('activation', self.activation, base.ACTIVATIONS)
    base.check_number('seq_len', self.seq_len, minimum=0, integer=True)
    base.check_number('gamma', self.gamma, minimum=1, strict=True)
    base.check_bool('last_layer', self.last_layer)
    base.check_bool('recurrent_clip', self.recurrent_clip)
    base.check_number('input_std', self.input_std, minimum=0)

  @property
  def bound(self) -> float:
    """The largest allowed |u|: gamma^(1/seq_len), or 1 when seq_len is 0."""
    return self.gamma ** (1 / self.seq_len) if self.seq_len else 1.0

  def init(self, key, input_size, hidden_size):
    base.check_sizes(input_size, hidden_size)
    k_x, k_u = jax.random.split(key)
    w_x = base.input_weights(k_x, input_size, hidden_size, self.input_std)
    low = 1 / self.bound if self.last_layer else 0.0
    u = jax.random.uniform(k_u, (hidden_size,), jnp.float32, low, self.bound)
    return {'w_x': w_x, 'u': u, 'b': jnp.zeros(hidden_size)}

  def recurrent(self, params, carry):
    return params['u'] * carry

  def forward(self, params, carry, inputs_t, r):
    h = base.ACTIVATIONS[self.activation](inputs_t + r)
    return h, h, {}

  def constrain(self, params):
    if not self.recurrent_clip:
      return params
    return params | {'u': jnp.clip(params['u'], -self.bound, self.bound)}
