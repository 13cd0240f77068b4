"""The structurally constrained recurrent network."""

import dataclasses

import jax
import jax.numpy as jnp

from rnnzoo import rowwise
from rnnzoo.cells import base


@dataclasses.dataclass(frozen=True)
class SCRN(base.Cell):
  """Structurally constrained RNN (Mikolov, Joulin, Chopra, Mathieu &
  Ranzato 2015, "Learning longer memory in recurrent neural networks", ICLR
  workshop; arXiv:1412.7753), in the form of the authors' code
  (facebookarchive/SCRNNs, mfactory.lua):

    s_t = (1 - alpha) x_t B + alpha s_{t-1}                slow context units
    f_t = sigmoid(x_t A + f_{t-1} R + s_{t-1} P)           fast hidden units
    h_t = [f_t, s_t]

  The hidden state h [B, H] holds the H - S fast units first and the S =
  slow_size context units last (slow_size=0: S = max(1, H // 6), the 20 of
  the README's 100 + 20 units); it is what the paper's decoder reads
  ([h_t; s_t]), so the readout sees both. The context's self-connection is
  fixed at alpha I (the code keeps it at 0.95 I by zeroing its gradient); the
  fast units read the previous context s_{t-1}, as the code does. No biases.

  Parameters: w_x [D, H] = [A | B], w_h [H, H - S] = [R; P] (the fast units'
  recurrent weights stacked over the context's); carry h. All weights
  N(0, 0.05^2), the code's 'frand' init.
  """

  name = 'scrn'
  slow_size: int = 0
  alpha: float = 0.95

  def validate(self):
    base.check_number('slow_size', self.slow_size, minimum=0, integer=True)
    base.check_number('alpha', self.alpha, minimum=0)
    if self.alpha >= 1:
      raise ValueError(f'alpha={self.alpha!r} is not allowed: the context '
                       'units decay with alpha in [0, 1)')

  def _fast_size(self, hidden_size: int) -> int:
    slow_size = self.slow_size or max(1, hidden_size // 6)
    if slow_size >= hidden_size:
      raise ValueError(
          f'hidden_size={hidden_size} is not allowed with slow_size='
          f'{slow_size}: the hidden size counts the fast and the slow '
          'units, so it must exceed slow_size')
    return hidden_size - slow_size

  def init(self, key, input_size, hidden_size):
    base.check_sizes(input_size, hidden_size)
    fast = self._fast_size(hidden_size)
    k_x, k_h = jax.random.split(key)
    return {'w_x': 0.05 * jax.random.normal(k_x, (input_size, hidden_size)),
            'w_h': 0.05 * jax.random.normal(k_h, (hidden_size, fast))}

  def project(self, params, xs):
    return rowwise.matmul(xs, params['w_x'])

  def forward(self, params, carry, inputs_t, r):
    fast = params['w_h'].shape[1]
    x_fast, x_slow = inputs_t[:, :fast], inputs_t[:, fast:]
    s = (1 - self.alpha) * x_slow + self.alpha * carry[:, fast:]
    h = jnp.concatenate([base.sigmoid(x_fast + r), s], axis=-1)
    return h, h, {}
