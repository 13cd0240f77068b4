"""A task whose answer lies in the future: name the symbol k steps ahead."""

import dataclasses
import math

import jax
import jax.numpy as jnp

from rnnzoo.tasks import base

END = 0  # the label of the last `shift` steps, which have nothing ahead


@dataclasses.dataclass(frozen=True)
class Lookahead(base.Synthetic, base.Classification):
  """Label every step with the symbol `shift` steps later.

  Inputs: seq_len symbols drawn uniformly from 1..num_symbols, one-hot
  (num_symbols + 1 features). Target at step t: the symbol at t + shift, or
  0 ('end') for the last `shift` steps. A network that reads only the past
  can do no better than chance on the first T - shift steps: that is this
  task's baseline (accuracy (shift + (T - shift) / n) / T, cross-entropy
  (T - shift) ln n / T, with n symbols), which a bidirectional network can
  beat and a unidirectional one cannot.

  Loss: cross-entropy at every step; metrics 'accuracy' and 'ce'.
  """

  name = 'lookahead'
  readout = 'every'
  seq_len: int = 50
  shift: int = 5
  num_symbols: int = 8

  def validate(self):
    super().validate()
    base.check_number('seq_len', self.seq_len, minimum=2, maximum=10_000,
                      integer=True)
    base.check_number('num_symbols', self.num_symbols, minimum=2, integer=True)
    base.check_number('shift', self.shift, minimum=1,
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
    targets = jnp.concatenate([
        symbols[:, self.shift:],
        jnp.full((batch_size, self.shift), END, symbols.dtype)], axis=1)
    return {'x': jax.nn.one_hot(symbols, self.input_size), 'y': targets,
            'weight': jnp.ones(batch_size)}

  def baseline(self):
    ahead = self.seq_len - self.shift
    return {'accuracy': (self.shift + ahead / self.num_symbols) / self.seq_len,
            'ce': ahead * math.log(self.num_symbols) / self.seq_len}
