"""The GRU (both placements of the reset gate) and the minimal gated unit."""

import dataclasses

import jax.numpy as jnp

from rnnzoo.cells import base

sigmoid = base.sigmoid


@dataclasses.dataclass(frozen=True)
class GRU(base.Cell):
  """Gated recurrent unit (Cho et al. 2014, "Learning phrase representations
  using RNN encoder-decoder for statistical machine translation", EMNLP).

    [a_r, a_z, a_n] = h_{t-1} W_h,  [x_r, x_z, x_n] = x_t W_x + b
    r_t = sigmoid(x_r + a_r)
    z_t = sigmoid(x_z + a_z)
    n_t = tanh(x_n + r_t * (a_n + b_hn))           reset_after=True
    n_t = tanh(x_n + (r_t * h_{t-1}) W_h[:, n])    reset_after=False
    h_t = (1 - z_t) * n_t + z_t * h_{t-1}

  reset_after=True is the form of cuDNN, PyTorch and Flax (the reset gate
  scales the recurrent matmul's output; arXiv:1406.1078v1); False is the form
  of the published paper (the reset gate scales h before the matmul; v3).
  Parameters: w_x [D, 3H], w_h [H, 3H], b [3H], gate blocks r, z, n, plus
  b_hn [H] when reset_after; carry h. Zero biases.
  """

  name = 'gru'
  blocks = 3
  reset_after: bool = True

  def validate(self):
    base.check_bool('reset_after', self.reset_after)

  def init(self, key, input_size, hidden_size):
    base.check_sizes(input_size, hidden_size)
    w_x, w_h = base.block_weights(key, input_size, hidden_size, 3, 3)
    params = {'w_x': w_x, 'w_h': w_h, 'b': jnp.zeros(3 * hidden_size)}
    if self.reset_after:
      params['b_hn'] = jnp.zeros(hidden_size)
    return params

  def recurrent(self, params, carry):
    if self.reset_after:
      return carry @ params['w_h']
    hidden_size = carry.shape[-1]
    return carry @ params['w_h'][:, :2 * hidden_size], carry

  def forward(self, params, carry, inputs_t, r):
    x_r, x_z, x_n = jnp.split(inputs_t, 3, axis=-1)
    if self.reset_after:
      a_r, a_z, a_n = jnp.split(r, 3, axis=-1)
      reset = sigmoid(x_r + a_r)
      n = jnp.tanh(x_n + reset * (a_n + params['b_hn']))
    else:
      a_rz, h_prev = r
      a_r, a_z = jnp.split(a_rz, 2, axis=-1)
      reset = sigmoid(x_r + a_r)
      w_hn = params['w_h'][:, 2 * carry.shape[-1]:]
      n = jnp.tanh(x_n + (reset * h_prev) @ w_hn)
    z = sigmoid(x_z + a_z)
    h = (1 - z) * n + z * carry
    return h, h, {'r': reset, 'z': z}


@dataclasses.dataclass(frozen=True)
class MGU(base.Cell):
  """Minimal gated unit (Zhou, Wu, Zhang & Zhou 2016, "Minimal gated unit for
  recurrent neural networks", IJAC 13(3); arXiv:1603.09420, eqs. 6a-6c):

    f_t = sigmoid(x_t W_x[:, f] + h_{t-1} W_h[:, f] + b_f)
    n_t = tanh(x_t W_x[:, n] + (f_t * h_{t-1}) W_h[:, n] + b_n)
    h_t = (1 - f_t) * h_{t-1} + f_t * n_t

  A GRU whose reset gate is its update gate, applied to h before the matmul
  as in the paper (Flax's MGUCell applies it after). Parameters: w_x [D, 2H],
  w_h [H, 2H], b [2H], blocks f, n; carry h. Zero biases.
  """

  name = 'mgu'
  blocks = 2

  def init(self, key, input_size, hidden_size):
    base.check_sizes(input_size, hidden_size)
    w_x, w_h = base.block_weights(key, input_size, hidden_size, 2, 2)
    return {'w_x': w_x, 'w_h': w_h, 'b': jnp.zeros(2 * hidden_size)}

  def recurrent(self, params, carry):
    return carry @ params['w_h'][:, :carry.shape[-1]], carry

  def forward(self, params, carry, inputs_t, r):
    a_f, h_prev = r
    x_f, x_n = jnp.split(inputs_t, 2, axis=-1)
    f = sigmoid(x_f + a_f)
    n = jnp.tanh(x_n + (f * h_prev) @ params['w_h'][:, carry.shape[-1]:])
    h = (1 - f) * carry + f * n
    return h, h, {'f': f}
