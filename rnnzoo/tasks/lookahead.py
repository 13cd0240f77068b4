"""A task whose answer lies in the future: name the symbol k steps ahead."""

import dataclasses
import math

import jax
import jax.numpy as jnp

from rnnzoo.tasks import base

END = 0  # the label of the last `shift` steps, which have nothing ahead


@dataclasses.dataclass(frozen=True)
class Lookahead(base.Synthetic, base.Classification):
  """Label every step with the symbol `shift` steps later, answered
  `delay` steps late.

  Inputs: seq_len symbols drawn uniformly from 1..num_symbols, one-hot
  (num_symbols + 1 features). Target at step t: the symbol at
  t + shift - delay, or 0 ('end') where that step lies outside the sequence.
  Without a delay, a network that reads only the past can do no better than
  chance on the T - shift steps that have a symbol ahead, which a
  bidirectional network can label; with delay >= shift a forward network
  has seen every symbol it must name when it names it: the control of
  Schuster & Paliwal 1997, who compare bidirectional networks with forward
  ones allowed to answer late.

  Baseline: chance on every symbol label, the 'end' labels right
  (accuracy (e + (T - e) / n) / T, cross-entropy (T - e) ln n / T, with e
  'end' labels and n symbols).

  Loss: cross-entropy at every step; metrics 'accuracy' and 'ce'.
  """

  name = 'lookahead'
  readout = 'every'
  seq_len: int = 50
  shift: int = 5
  num_symbols: int = 8
  delay: int = 0

  def validate(self):
    super().validate()
    base.check_number('seq_len', self.seq_len, minimum=2, maximum=10_000,
                      integer=True)
    base.check_number('num_symbols', self.num_symbols, minimum=2, integer=True)
    base.check_number('shift', self.shift, minimum=1,
                      maximum=self.seq_len - 1, integer=True)
    base.check_number('delay', self.delay, minimum=0,
                      maximum=self.seq_len - 1, integer=True)

  @property
  def input_size(self):
    return self.num_symbols + 1

  @property
  def output_size(self):
    return self.num_symbols + 1

  def sample(self, key, batch_size):
    symbols = jax.random.randint(key, (batch_size, self.seq_len), 1,
                                 self.num_symbols + 1)
    source = jnp.arange(self.seq_len) + self.shift - self.delay
    inside = (source >= 0) & (source < self.seq_len)
    targets = jnp.where(inside, symbols[:, jnp.clip(source, 0,
                                                    self.seq_len - 1)], END)
    return {'x': jax.nn.one_hot(symbols, self.input_size), 'y': targets,
            'weight': jnp.ones(batch_size)}

  def _symbol_labels(self) -> int:
    """How many steps are labelled with a symbol (the rest with 'end')."""
    return self.seq_len - abs(self.shift - self.delay)

  def baseline(self):
    symbols, steps = self._symbol_labels(), self.seq_len
    return {'accuracy': (steps - symbols + symbols / self.num_symbols) / steps,
            'ce': symbols * math.log(self.num_symbols) / steps}
