"""The Elman RNN, and the IRNN: the same recurrence with ReLU and an identity init."""

import dataclasses

import jax
import jax.numpy as jnp

from rnnzoo.cells import base


@dataclasses.dataclass(frozen=True)
class Vanilla(base.Cell):
  """Elman RNN (Elman 1990, "Finding structure in time", Cognitive Science 14).

    h_t = act(x_t W_x + h_{t-1} W_h + b),    act = tanh or relu

  Parameters: w_x [D, H], w_h [H, H], b [H]; carry h. Weights: Glorot-uniform
  w_x (or N(0, input_std^2) when input_std > 0), orthogonal w_h (or the
  identity when recurrent_init='identity'), zero b.
  """

  name = 'vanilla'
  activation: str = 'tanh'
  recurrent_init: str = 'orthogonal'
  input_std: float = 0.0

  def validate(self):
    base.check_choice('activation', self.activation, base.ACTIVATIONS)
    base.check_choice('recurrent_init', self.recurrent_init,
                      ('orthogonal', 'identity'))
    base.check_number('input_std', self.input_std, minimum=0)

  def init(self, key, input_size, hidden_size):
    base.check_sizes(input_size, hidden_size)
    k_x, k_h = jax.random.split(key)
    w_x = base.input_weights(k_x, input_size, hidden_size, self.input_std)
    if self.recurrent_init == 'identity':
      w_h = jnp.eye(hidden_size, dtype=jnp.float32)
    else:
      w_h = base.orthogonal(k_h, hidden_size)
    return {'w_x': w_x, 'w_h': w_h, 'b': jnp.zeros(hidden_size, jnp.float32)}

  def forward(self, params, carry, inputs_t, r):
    h = base.ACTIVATIONS[self.activation](inputs_t + r)
    return h, h, {}


@dataclasses.dataclass(frozen=True)
class IRNN(Vanilla):
  """IRNN (Le, Jaitly & Hinton 2015, arXiv:1504.00941): the Elman RNN with

    h_t = relu(x_t W_x + h_{t-1} W_h + b),   W_h = I, b = 0 at init,

  and input weights W_x ~ N(0, 0.001^2), as in the IRNN baselines of the
  IndRNN paper's code. Same parameters and carry as `vanilla`.
  """

  name = 'irnn'
  activation: str = 'relu'
  recurrent_init: str = 'identity'
  input_std: float = 0.001
