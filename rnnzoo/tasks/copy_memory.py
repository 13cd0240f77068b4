"""The copying memory problem."""

import dataclasses
import math

import jax
import jax.numpy as jnp

from rnnzoo.tasks import base

NUM_RECALL = 10  # symbols to remember
BLANK, DELIMITER = 0, 9  # data symbols are 1..8


@dataclasses.dataclass(frozen=True)
class Copy(base.Synthetic, base.Classification):
  """Copying memory (Hochreiter & Schmidhuber 1997; the variant of Arjovsky,
  Shah & Bengio 2016, "Unitary evolution recurrent neural networks", ICML,
  section 5.1, as their code generates it).

  A sequence of T + 20 steps: 10 symbols drawn uniformly from 1..8, then
  T - 1 blanks (0), a delimiter (9) and 10 blanks. The target is T + 10
  blanks followed by the 10 symbols: the network must remember them over
  `delay` = T steps. variant='urnn' feeds one-hot inputs (10 features) and
  reads 9 classes (0..8); variant='tcn' (Bai et al. 2018) feeds the symbol as
  one number and ends the input with 11 nines instead of 9 and 10 blanks,
  with 10 output classes.

  Loss: cross-entropy averaged over all T + 20 steps (metric 'ce', nats).
  Also 'acc_last10': accuracy on the last 10 steps. Trivial baseline: blanks
  for T + 10 steps, then a uniform guess among the 8 symbols:
  ce = 10 ln 8 / (T + 20), acc_last10 = 1/8.
  """

  name = 'copy'
  readout = 'every'
  metric = 'ce'
  higher_is_better = False
  delay: int = 100
  variant: str = 'urnn'

  def validate(self):
    super().validate()
    base.check_number('delay', self.delay, minimum=1, maximum=10_000,
                      integer=True)
    base.check_choice('variant', self.variant, ('urnn', 'tcn'))

  @property
  def seq_len(self) -> int:
    return self.delay + 2 * NUM_RECALL

  @property
  def input_size(self):
    return 10 if self.variant == 'urnn' else 1

  @property
  def output_size(self):
    return 9 if self.variant == 'urnn' else 10

  def sample(self, key, batch_size):
    """x [B, T+20, 10 or 1], y [B, T+20] (symbol ids)."""
    symbols = jax.random.randint(key, (batch_size, NUM_RECALL), 1, 9)
    blanks = jnp.full((batch_size, self.delay - 1), BLANK)
    if self.variant == 'urnn':
      tail = [jnp.full((batch_size, 1), DELIMITER),
              jnp.full((batch_size, NUM_RECALL), BLANK)]
    else:
      tail = [jnp.full((batch_size, NUM_RECALL + 1), DELIMITER)]
    inputs = jnp.concatenate([symbols, blanks] + tail, axis=1)
    targets = jnp.concatenate(
        [jnp.full((batch_size, self.delay + NUM_RECALL), BLANK), symbols], 1)
    if self.variant == 'urnn':
      x = jax.nn.one_hot(inputs, 10)
    else:
      x = inputs[..., None].astype(jnp.float32)
    return {'x': x, 'y': targets.astype(jnp.int32),
            'weight': jnp.ones(batch_size)}

  def metrics(self, outputs, batch):
    last = {'y': batch['y'][:, -NUM_RECALL:], 'weight': batch['weight']}
    return super().metrics(outputs, batch) | {
        'acc_last10': base.accuracy(outputs[:, -NUM_RECALL:], last)}

  def baseline(self):
    return {'ce': NUM_RECALL * math.log(8) / self.seq_len,
            'acc_last10': 1 / 8}
