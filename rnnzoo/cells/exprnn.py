"""The exponential RNN: an orthogonal recurrence through expm."""

import dataclasses
import math

import jax
import jax.numpy as jnp

from rnnzoo import rowwise
from rnnzoo.cells import base


def skew(a: jax.Array) -> jax.Array:
  """A = triu(a, 1) - triu(a, 1)^T: skew-symmetric, read from the strict upper
  triangle of a [H, H] only."""
  upper = jnp.triu(a, 1)
  return upper - upper.T


def modrelu(z: jax.Array, b: jax.Array) -> jax.Array:
  """modReLU of real z (Arjovsky, Shah & Bengio 2016): sign(z) relu(|z| + b)."""
  return jnp.sign(z) * jax.nn.relu(jnp.abs(z) + b)


def rotation_angles(key: jax.Array, skew_init: str, count: int) -> jax.Array:
  """[count] the 2x2 blocks' entries of the initial A: henaff, theta ~
  U(-pi, pi); cayley, -sqrt((1 - cos u) / (1 + cos u)) with u ~ U(0, pi/2)."""
  if skew_init == 'henaff':
    return jax.random.uniform(key, (count,), jnp.float32, -math.pi, math.pi)
  u = jax.random.uniform(key, (count,), jnp.float32, 0.0, math.pi / 2)
  return -jnp.sqrt((1 - jnp.cos(u)) / (1 + jnp.cos(u)))


@dataclasses.dataclass(frozen=True)
class ExpRNN(base.Cell):
  """expRNN (Lezcano-Casado & Martinez-Rubio 2019, "Cheap orthogonal
  constraints in neural networks: a simple parametrization of the
  orthogonal and unitary group", ICML; arXiv:1901.08428):

    A = triu(a, 1) - triu(a, 1)^T          skew-symmetric
    W = expm(A)                            orthogonal, det W = +1
    h_t = modrelu(x_t W_x + h_{t-1} W, b)
    modrelu(z, b) = sign(z) relu(|z| + b)

  W is orthogonal by construction, whatever a is: no projection after the
  optimizer's updates. It is a weight derived from the parameters, computed
  once per sequence by `prepare` (outside the scan) and stored as w_h in the
  prepared params.

  Parameters: w_x [D, H] (no input bias), a [H, H] (only its strict upper
  triangle is a parameter: `num_params` counts H(H-1)/2), b [H] (modReLU's
  bias); carry h. Init as the authors' code (lezcano/expRNN): w_x
  Kaiming-normal for ReLU, N(0, 2/D); b ~ U(-0.01, 0.01); A block-diagonal
  with 2x2 blocks [[0, s_k], [-s_k, 0]] (a last unit alone when H is odd),
  s_k from `skew_init`: 'henaff' (Henaff, Szlam & LeCun 2016: rotations by
  angles U(-pi, pi)) or 'cayley' (Helfrich, Willmott & Ye 2018). The authors
  train a with a learning rate 10 times smaller than the other parameters:
  optim.lr_scale=0.1 with optim.lr_scale_params='(^|/)a$'.
  """

  name = 'exprnn'
  skew_init: str = 'henaff'

  def validate(self):
    base.check_choice('skew_init', self.skew_init, ('henaff', 'cayley'))

  def init(self, key, input_size, hidden_size):
    base.check_sizes(input_size, hidden_size)
    k_x, k_a, k_b = jax.random.split(key, 3)
    w_x = math.sqrt(2 / input_size) * jax.random.normal(
        k_x, (input_size, hidden_size), jnp.float32)
    angles = rotation_angles(k_a, self.skew_init, hidden_size // 2)
    superdiagonal = jnp.zeros(hidden_size - 1).at[::2].set(angles)
    a = skew(jnp.diag(superdiagonal, 1))
    b = jax.random.uniform(k_b, (hidden_size,), jnp.float32, -0.01, 0.01)
    return {'w_x': w_x, 'a': a, 'b': b}

  def prepare(self, params):
    return params | {'w_h': jax.scipy.linalg.expm(skew(params['a']))}

  def project(self, params, xs):
    return rowwise.matmul(xs, params['w_x'])

  def forward(self, params, carry, inputs_t, r):
    h = modrelu(inputs_t + r, params['b'])
    return h, h, {}

  def num_params(self, params):
    hidden_size = self.hidden_size(params)
    return (params['w_x'].size + hidden_size * (hidden_size - 1) // 2 +
            params['b'].size)
