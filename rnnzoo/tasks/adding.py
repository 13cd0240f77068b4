"""The adding problem."""

import dataclasses

import jax
import jax.numpy as jnp

from rnnzoo.tasks import base


@dataclasses.dataclass(frozen=True)
class Adding(base.Synthetic):
  """The adding problem (Hochreiter & Schmidhuber 1997, "Long short-term
  memory", Neural Computation 9; the variant of Arjovsky et al. 2016, Le et
  al. 2015 and Li et al. 2018).

  Each step has two inputs: a number drawn from U[0, 1] and a marker. Exactly
  two markers are 1; the target, read at the last step, is the sum of the two
  marked numbers. variant='halves' puts one marker in the first half
  (positions [0, T//2)) and one in the second ([T//2, T)); variant='anywhere'
  (Bai et al. 2018, the TCN paper) picks two distinct positions anywhere.

  Loss and metric: mean squared error. Trivial baseline: always predicting 1
  gives MSE = Var(U1 + U2) = 1/6 (0.1667; papers that print 0.1767 are off).
  """

  name = 'adding'
  readout = 'last'
  metric = 'mse'
  higher_is_better = False
  seq_len: int = 100
  variant: str = 'halves'

  def validate(self):
    super().validate()
    base.check_number('seq_len', self.seq_len, minimum=2, maximum=10_000,
                      integer=True)
    base.check_choice('variant', self.variant, ('halves', 'anywhere'))

  @property
  def input_size(self):
    return 2

  @property
  def output_size(self):
    return 1

  def sample(self, key, batch_size):
    """A batch: x [B, T, 2] (value, marker), y [B]."""
    length = self.seq_len
    k_values, k_first, k_second = jax.random.split(key, 3)
    values = jax.random.uniform(k_values, (batch_size, length))
    if self.variant == 'halves':
      half = length // 2
      first = jax.random.randint(k_first, (batch_size,), 0, half)
      second = jax.random.randint(k_second, (batch_size,), half, length)
    else:
      first = jax.random.randint(k_first, (batch_size,), 0, length)
      second = jax.random.randint(k_second, (batch_size,), 0, length - 1)
      second = second + (second >= first)
    positions = jnp.arange(length)
    markers = ((positions == first[:, None]) |
               (positions == second[:, None])).astype(jnp.float32)
    return {'x': jnp.stack([values, markers], -1),
            'y': jnp.sum(values * markers, -1),
            'weight': jnp.ones(batch_size)}

  def loss(self, outputs, batch):
    return base.mean(base.squared_error(outputs, batch))

  def metrics(self, outputs, batch):
    return {'mse': base.squared_error(outputs, batch)}

  def baseline(self):
    return {'mse': 1 / 6}
