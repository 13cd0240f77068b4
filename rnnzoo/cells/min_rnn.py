"""minGRU and minLSTM: the GRU and the LSTM with gates that read only x_t."""

import dataclasses

import jax
import jax.numpy as jnp

from rnnzoo.cells import base
from rnnzoo.cells import linear


def _weights(key, input_size, hidden_size, blocks):
  base.check_sizes(input_size, hidden_size)
  return {'w_x': base.glorot_uniform(key, input_size, hidden_size, blocks),
          'b': jnp.zeros(blocks * hidden_size)}


@dataclasses.dataclass(frozen=True)
class MinGRU(linear.LinearCell):
  """minGRU (Feng, Tung, Ahmed, Bengio & Hajimirsadeghi 2024, "Were RNNs all
  we needed?", arXiv:2410.01201, section 3.1):

    [k_t, u_t] = x_t W_x + b
    z_t = sigmoid(u_t)
    h~_t = k_t                 (log_space: h~_t = g(k_t))
    h_t = (1 - z_t) * h_{t-1} + z_t * h~_t

  No gate reads h_{t-1}, so h_t = a_t * h_{t-1} + b_t with a_t = 1 - z_t and
  b_t = z_t * h~_t, and all steps run at once on an associative scan
  (parallel=True, the default). log_space=True is the paper's form for
  long sequences (appendix B.3): the candidate goes through
  g(x) = x + 1/2 (x >= 0), sigmoid(x) (x < 0), which keeps states positive,
  and the scan runs on log a_t = -softplus(u_t) and
  log b_t = -softplus(-u_t) + log g(k_t) (the Heinsen scan).

  Parameters: w_x [D, 2H], b [2H], blocks h~, z (the order of the authors'
  code); carry h. Glorot-uniform w_x, zero biases (the authors use
  PyTorch's Linear defaults).
  """

  name = 'mingru'
  blocks = 2
  log_space: bool = False

  def validate(self):
    super().validate()
    base.check_bool('log_space', self.log_space)

  def init(self, key, input_size, hidden_size):
    return _weights(key, input_size, hidden_size, 2)

  def _candidate(self, k):
    return linear.g(k) if self.log_space else k

  def coefficients(self, params, inputs):
    k, u = jnp.split(inputs, 2, axis=-1)
    z = base.sigmoid(u)
    return 1 - z, z * self._candidate(k)

  def log_coefficients(self, params, inputs):
    k, u = jnp.split(inputs, 2, axis=-1)
    return -jax.nn.softplus(u), -jax.nn.softplus(-u) + linear.log_g(k)

  def gates(self, params, inputs):
    return {'z': base.sigmoid(jnp.split(inputs, 2, axis=-1)[1])}


@dataclasses.dataclass(frozen=True)
class MinLSTM(linear.LinearCell):
  """minLSTM (Feng et al. 2024, "Were RNNs all we needed?",
  arXiv:2410.01201, section 3.2):

    [k_t, u_f, u_i] = x_t W_x + b
    f_t = sigmoid(u_f),  i_t = sigmoid(u_i)
    f'_t = f_t / (f_t + i_t),  i'_t = i_t / (f_t + i_t)
    h~_t = k_t                 (log_space: h~_t = g(k_t))
    h_t = f'_t * h_{t-1} + i'_t * h~_t

  The normalisation makes f' + i' = 1, so the state's scale does not grow
  with time. With d = softplus(-u_f) - softplus(-u_i) = log(i_t / f_t):
  f' = sigmoid(-d), i' = sigmoid(d), and in log space
  log f' = -softplus(d), log i' = -softplus(-d). log_space and parallel as
  in `mingru`.

  Parameters: w_x [D, 3H], b [3H], blocks h~, f, i (the order of the
  authors' code); carry h. Glorot-uniform w_x, zero biases.
  """

  name = 'minlstm'
  blocks = 3
  log_space: bool = False

  def validate(self):
    super().validate()
    base.check_bool('log_space', self.log_space)

  def init(self, key, input_size, hidden_size):
    return _weights(key, input_size, hidden_size, 3)

  @staticmethod
  def _log_ratio(u_f, u_i):
    """d = log(i_t / f_t)."""
    return jax.nn.softplus(-u_f) - jax.nn.softplus(-u_i)

  def coefficients(self, params, inputs):
    k, u_f, u_i = jnp.split(inputs, 3, axis=-1)
    d = self._log_ratio(u_f, u_i)
    candidate = linear.g(k) if self.log_space else k
    return base.sigmoid(-d), base.sigmoid(d) * candidate

  def log_coefficients(self, params, inputs):
    k, u_f, u_i = jnp.split(inputs, 3, axis=-1)
    d = self._log_ratio(u_f, u_i)
    return -jax.nn.softplus(d), -jax.nn.softplus(-d) + linear.log_g(k)

  def gates(self, params, inputs):
    _, u_f, u_i = jnp.split(inputs, 3, axis=-1)
    d = self._log_ratio(u_f, u_i)
    return {'f': base.sigmoid(-d), 'i': base.sigmoid(d)}
