"""The Simple Recurrent Unit of Lei et al., registered as 'sru'.

Not the Statistical Recurrent Unit (Oliva, Poczos & Schneider 2017), also
called SRU, nor the sliced RNN (SRNN, Yu & Liu 2018).
"""

import dataclasses
import math

import jax
import jax.numpy as jnp

from rnnzoo import rowwise
from rnnzoo.cells import base
from rnnzoo.cells import linear

ACTIVATIONS = {'tanh': jnp.tanh, 'identity': lambda c: c}


@dataclasses.dataclass(frozen=True)
class SRU(linear.LinearCell):
  """Simple recurrent unit, the form linear in its state (Lei, Zhang & Artzi
  2017, "Training RNNs as fast as CNNs", arXiv:1709.02755v1-v2, eqs. 3-7;
  the `v1` form of the authors' `sru` package):

    [x~_t, u_f, u_r, (x'_t)] = x_t W_x
    f_t = sigmoid(u_f + b_f)
    r_t = sigmoid(u_r + b_r)
    c_t = f_t * c_{t-1} + (1 - f_t) * x~_t
    h_t = r_t * g(c_t) + (1 - r_t) * x'_t        (the highway connection)

  x'_t = x_t when D = H, else a fourth projection x_t W_x[:, 3H:]. g is tanh
  (`activation='tanh'`, the default) or the identity. No gate reads the
  previous state, so the cell runs on an associative scan (parallel=True,
  the default). The EMNLP 2018 version adds v * c_{t-1} inside f and r,
  which is not linear in c; it is not this cell.

  Parameters: w_x [D, 3H] (blocks x~, f, r), or [D, 4H] when D != H (plus
  the highway projection x'); b [2H] (b_f, b_r); carry (h, c). Init as the
  authors': w_x ~ U(+-sqrt(3 / D)) (variance 1/D), zero biases.
  """

  name = 'sru'
  activation: str = 'tanh'

  def validate(self):
    super().validate()
    base.check_choice('activation', self.activation, tuple(ACTIVATIONS))

  @property
  def output_is_state(self):
    return False

  def init(self, key, input_size, hidden_size):
    base.check_sizes(input_size, hidden_size)
    blocks = 3 if input_size == hidden_size else 4
    limit = math.sqrt(3.0 / input_size)
    w_x = jax.random.uniform(key, (input_size, blocks * hidden_size),
                             jnp.float32, -limit, limit)
    return {'w_x': w_x, 'b': jnp.zeros(2 * hidden_size)}

  def hidden_size(self, params):
    return params['b'].shape[0] // 2

  def project(self, params, xs):
    """[x~, u_f + b_f, u_r + b_r, x'] [T, B, 4H]."""
    hidden_size = self.hidden_size(params)
    projected = rowwise.matmul(xs, params['w_x'])
    gates = projected[..., hidden_size:3 * hidden_size] + params['b']
    highway = xs if projected.shape[-1] == 3 * hidden_size else (
        projected[..., 3 * hidden_size:])
    return jnp.concatenate([projected[..., :hidden_size], gates, highway], -1)

  def coefficients(self, params, inputs):
    candidate, u_f, _, _ = jnp.split(inputs, 4, axis=-1)
    f = base.sigmoid(u_f)
    return f, (1 - f) * candidate

  def output(self, params, inputs, c):
    _, _, u_r, highway = jnp.split(inputs, 4, axis=-1)
    r = base.sigmoid(u_r)
    return r * ACTIVATIONS[self.activation](c) + (1 - r) * highway

  def gates(self, params, inputs):
    _, u_f, u_r, _ = jnp.split(inputs, 4, axis=-1)
    return {'f': base.sigmoid(u_f), 'r': base.sigmoid(u_r)}
