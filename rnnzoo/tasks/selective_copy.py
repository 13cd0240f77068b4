"""Selective copying: recall the few tokens scattered among noise, in order."""

import dataclasses
import math

import jax
import jax.numpy as jnp

from rnnzoo.tasks import base

VOCAB_SIZE = 16
MARKER = 0               # asks for the next recalled token
EMPTY = VOCAB_SIZE - 1   # the noise between the tokens
NUM_SYMBOLS = VOCAB_SIZE - 2  # data tokens are 1..14


@dataclasses.dataclass(frozen=True)
class SelectiveCopy(base.Synthetic, base.Classification):
  """Selective copying (Gu & Dao 2023, "Mamba: linear-time sequence modeling
  with selective state spaces", section 3.1; the task of Feng et al. 2024,
  "Were RNNs all we needed?", section 4.1, as their code generates it).

  `tokens` = M data tokens, each drawn uniformly from 1..14, sit at sorted
  random distinct positions among `slots` = L steps of noise (15); M markers
  (0) follow. At the i-th marker the network must output the i-th data
  token. Unlike copying memory, the gaps vary, so the state must decide per
  input whether to store it: a recurrence whose gates ignore the state
  cannot count, and one layer of minGRU or minLSTM falls short where
  several layers succeed (Feng et al. 2024, Table 1).

  Inputs are token ids ('tokens', 16 of them); targets y [B, M] are the data
  tokens, scored at the last M steps only. Loss: cross-entropy over those
  steps (metric 'ce', nats); 'accuracy' per token and 'exact' (all M right)
  on them too. Trivial baseline: a uniform guess among the 14 data tokens:
  ce = ln 14, accuracy = 1/14, exact = 14^-M.
  """

  name = 'selective_copy'
  input_kind = 'tokens'
  readout = 'every'
  metric = 'accuracy'
  slots: int = 64
  tokens: int = 8

  def validate(self):
    super().validate()
    base.check_number('tokens', self.tokens, minimum=1, maximum=1000,
                      integer=True)
    base.check_number('slots', self.slots, minimum=self.tokens,
                      maximum=100_000, integer=True)

  @property
  def seq_len(self) -> int:
    return self.slots + self.tokens

  @property
  def input_size(self):
    return VOCAB_SIZE

  @property
  def output_size(self):
    return VOCAB_SIZE

  def sample(self, key, batch_size):
    """x [B, L + M] token ids, y [B, M] the data tokens in order."""
    key_tokens, key_places = jax.random.split(key)
    tokens = jax.random.randint(key_tokens, (batch_size, self.tokens), 1,
                                1 + NUM_SYMBOLS)
    # The M smallest of L uniform keys per row: M distinct sorted positions.
    places = jax.random.uniform(key_places, (batch_size, self.slots))
    positions = jnp.sort(jnp.argsort(places, axis=1)[:, :self.tokens], axis=1)
    rows = jnp.arange(batch_size)[:, None]
    noise = jnp.full((batch_size, self.slots), EMPTY, jnp.int32)
    sequence = noise.at[rows, positions].set(tokens)
    markers = jnp.full((batch_size, self.tokens), MARKER, jnp.int32)
    return {'x': jnp.concatenate([sequence, markers], 1),
            'y': tokens.astype(jnp.int32), 'weight': jnp.ones(batch_size)}

  def _answers(self, outputs):
    return outputs[:, -self.tokens:]

  def loss(self, outputs, batch):
    return super().loss(self._answers(outputs), batch)

  def metrics(self, outputs, batch):
    answers = self._answers(outputs)
    correct = jnp.all(jnp.argmax(answers, -1) == batch['y'], axis=1)
    return super().metrics(answers, batch) | {
        'exact': (jnp.sum(correct * batch['weight']),
                  jnp.sum(batch['weight']))}

  def baseline(self):
    return {'ce': math.log(NUM_SYMBOLS), 'accuracy': 1 / NUM_SYMBOLS,
            'exact': NUM_SYMBOLS ** -self.tokens}
