"""The GRU (both placements of the reset gate) and the minimal gated unit."""

import dataclasses

import jax.numpy as jnp

from rnnzoo import rowwise
from rnnzoo.cells import base
from rnnzoo.cells import layer_norm

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

  norm='layer' normalises the pre-activations as the layer-normalised GRU
  of Ba, Kiros & Hinton 2016 ("Layer normalization", arXiv:1607.06450) does
  in its authors' code (ryankiros/layer-norm, lngru_layer): the input and
  the recurrent matmul outputs each in two groups, [r, z] jointly and the
  candidate's n alone, the candidate's recurrent term before the reset gate
  scales it (reset_after=True) or after the gated state's matmul
  (reset_after=False):

    [x_r, x_z, x_n] = LN(x_t W_x; g_x, beta_x) + b
    [a_r, a_z] = LN(h_{t-1} W_h[:, rz]; g_h[rz], beta_h[rz])
    n_t = tanh(x_n + r_t * LN(h_{t-1} W_h[:, n]))       reset_after
    n_t = tanh(x_n + LN((r_t * h_{t-1}) W_h[:, n]))     otherwise

  with g_h[n], beta_h[n] in the candidate's LN (norm='layer_per_gate': r
  and z normalised apart too; see `rnnzoo.cells.layer_norm`). The bias b is added after the normalisation
  as in the paper's LSTM, and beta_h[n] takes the place of b_hn, which is
  then not a parameter. Extra parameters g_x, beta_x, g_h, beta_h [3H]:
  gains 1, biases 0.
  """

  name = 'gru'
  blocks = 3
  reset_after: bool = True
  norm: str = ''

  def validate(self):
    base.check_bool('reset_after', self.reset_after)
    base.check_choice('norm', self.norm, layer_norm.KINDS)

  def init(self, key, input_size, hidden_size):
    base.check_sizes(input_size, hidden_size)
    w_x, w_h = base.block_weights(key, input_size, hidden_size, 3, 3)
    params = {'w_x': w_x, 'w_h': w_h, 'b': jnp.zeros(3 * hidden_size)}
    if self.norm:
      params |= layer_norm.params('x', 3 * hidden_size)
      params |= layer_norm.params('h', 3 * hidden_size)
    elif self.reset_after:
      params['b_hn'] = jnp.zeros(hidden_size)
    return params

  def _groups(self):
    """Normalisation groups of the gate blocks r, z (and of n on its own)."""
    return layer_norm.groups(self.norm, (2,))

  def _norm_rz(self, params, a_rz):
    """The recurrent pre-activations of r and z, normalised when `norm`."""
    if not self.norm:
      return a_rz
    rz = slice(0, a_rz.shape[-1])
    return layer_norm.layer_norm(a_rz, params['g_h'][rz], params['beta_h'][rz],
                                 self._groups())

  def _norm_n(self, params, a_n):
    """The candidate's recurrent term, normalised when `norm`."""
    if not self.norm:
      return a_n
    n = slice(2 * a_n.shape[-1], None)
    return layer_norm.layer_norm(a_n, params['g_h'][n], params['beta_h'][n])

  def project(self, params, xs):
    if not self.norm:
      return super().project(params, xs)
    return layer_norm.apply(params, 'x', rowwise.matmul(xs, params['w_x']),
                            self._groups() + (1,)) + params['b']

  def recurrent(self, params, carry):
    if self.reset_after:
      return carry @ params['w_h']
    hidden_size = carry.shape[-1]
    return carry @ params['w_h'][:, :2 * hidden_size], carry

  def forward(self, params, carry, inputs_t, r):
    x_r, x_z, x_n = jnp.split(inputs_t, 3, axis=-1)
    if self.reset_after:
      a_rz, a_n = jnp.split(r, [2 * carry.shape[-1]], axis=-1)
      a_r, a_z = jnp.split(self._norm_rz(params, a_rz), 2, axis=-1)
      reset = sigmoid(x_r + a_r)
      n = jnp.tanh(x_n + reset * (self._norm_n(params, a_n) +
                                  params.get('b_hn', 0.0)))
    else:
      a_rz, h_prev = r
      a_r, a_z = jnp.split(self._norm_rz(params, a_rz), 2, axis=-1)
      reset = sigmoid(x_r + a_r)
      w_hn = params['w_h'][:, 2 * carry.shape[-1]:]
      n = jnp.tanh(x_n + self._norm_n(params, (reset * h_prev) @ w_hn))
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
