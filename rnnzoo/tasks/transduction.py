r"""Sequence-to-sequence tasks on symbol strings: reverse, sort, add.

Each example is a source string and a target string of symbols, generated
on the device. Token ids: PAD = 0, BOS = 1 (begins the decoder's input),
EOS = 2 (ends every target), the task's symbols from 3 on. A batch:

  src [B, S] int32        the source, right-padded with PAD
  src_mask [B, S] bool    True on the source's symbols
  tgt_in [B, U] int32     BOS, the target, PAD...   (the decoder's inputs
                          under teacher forcing)
  tgt_out [B, U] int32    the target, EOS, PAD...   (what it must emit)
  tgt_mask [B, U] bool    True on the target and its EOS
  length [B] int32        the input length that evaluation buckets by
  weight [B] float32

S is the longest source and U the longest target plus its EOS.

The model's outputs are a dict: 'logits' [B, U, V], the decoder's scores
under teacher forcing, and 'tokens' [B, U], the emitted answer (greedy
decoding at evaluation, PAD after its EOS; see rnnzoo.models.seq2seq).
Loss: the token cross-entropy over the target and its EOS (metric 'ce',
nats). Metrics: 'sequence_accuracy', the fraction of answers right at every
position up to and including the EOS, and 'token_accuracy', the fraction of
target and EOS positions right, each also per bucket of input lengths
(`bucket` lengths wide from `min_len`: 'sequence_accuracy_len10_19', ...).

Trivial baseline: the predictor that knows the target's length (so places
the EOS right and gives it probability 1) but not its symbols, and guesses
each one uniformly among the task's `alphabet` symbols. For targets of
length L over K symbols: sequence accuracy E[K^-L], token accuracy
(E[L]/K + 1)/(E[L] + 1), ce E[L] ln K / (E[L] + 1), the expectations over
the task's lengths (in a bucket, over the bucket's).
"""

import dataclasses
import fractions
import math
from typing import ClassVar

import jax
import jax.numpy as jnp

from rnnzoo.tasks import base

PAD, BOS, EOS = 0, 1, 2
FIRST_SYMBOL = 3


def _where_valid(tokens, lengths):
  """tokens [B, T] with every position at or past `lengths` [B] set to PAD."""
  valid = jnp.arange(tokens.shape[1])[None, :] < lengths[:, None]
  return jnp.where(valid, tokens, PAD)


def _reverse_valid(tokens, lengths):
  """Each row's first `lengths` tokens in reverse order, then PAD."""
  index = lengths[:, None] - 1 - jnp.arange(tokens.shape[1])[None, :]
  flipped = jnp.take_along_axis(tokens, jnp.clip(index, 0), axis=1)
  return _where_valid(flipped, lengths)


@dataclasses.dataclass(frozen=True)
class Transduction(base.Synthetic):
  """What the three tasks share; subclasses give `examples` and the length
  distribution `length_table`."""

  input_kind = 'tokens'
  readout = 'sequence'
  metric = 'sequence_accuracy'
  higher_is_better = True
  pad: ClassVar[int] = PAD
  bos: ClassVar[int] = BOS
  eos: ClassVar[int] = EOS
  min_len: int = 1
  max_len: int = 10
  bucket: int = 10

  def validate(self):
    super().validate()
    base.check_number('min_len', self.min_len, minimum=1, maximum=1000,
                      integer=True)
    base.check_number('max_len', self.max_len, minimum=self.min_len,
                      maximum=1000, integer=True)
    base.check_number('bucket', self.bucket, minimum=1, integer=True)

  @property
  def alphabet(self) -> int:
    """K: how many symbols a target position can hold."""
    raise NotImplementedError

  @property
  def input_size(self):
    return FIRST_SYMBOL + self.alphabet

  @property
  def output_size(self):
    return FIRST_SYMBOL + self.alphabet

  @property
  def source_len(self) -> int:
    """S, the longest source."""
    raise NotImplementedError

  @property
  def target_len(self) -> int:
    """U, the longest target plus its EOS."""
    raise NotImplementedError

  def examples(self, key, batch_size):
    """(src [B, S], target [B, U - 1], target lengths [B], lengths [B]):
    PAD-padded symbol ids and the lengths buckets read."""
    raise NotImplementedError

  def length_table(self) -> list[tuple[int, float, int]]:
    """(input length, probability, target length) over every case."""
    raise NotImplementedError

  def sample(self, key, batch_size):
    src, target, target_lengths, lengths = self.examples(key, batch_size)
    positions = jnp.arange(self.target_len)[None, :]
    padded = jnp.pad(target, ((0, 0), (0, 1)), constant_values=PAD)
    tgt_out = jnp.where(positions == target_lengths[:, None], EOS, padded)
    tgt_in = jnp.pad(target, ((0, 0), (1, 0)), constant_values=BOS)
    return {'src': src.astype(jnp.int32), 'src_mask': src != PAD,
            'tgt_in': tgt_in.astype(jnp.int32),
            'tgt_out': tgt_out.astype(jnp.int32),
            'tgt_mask': positions <= target_lengths[:, None],
            'length': lengths.astype(jnp.int32),
            'weight': jnp.ones(batch_size)}

  def buckets(self) -> list[tuple[int, int]]:
    """(first, last) input length of each bucket."""
    return [(lo, min(lo + self.bucket - 1, self.max_len))
            for lo in range(self.min_len, self.max_len + 1, self.bucket)]

  def _scored(self, batch):
    return {'y': batch['tgt_out'], 'mask': batch['tgt_mask'],
            'weight': batch['weight']}

  def loss(self, outputs, batch):
    return base.mean(base.cross_entropy(outputs['logits'],
                                        self._scored(batch)))

  def metrics(self, outputs, batch):
    mask = batch['tgt_mask']
    correct = (outputs['tokens'] == batch['tgt_out']) & mask
    right = correct.sum(1)
    count = mask.sum(1)
    exact = right == count
    result = {'ce': base.cross_entropy(outputs['logits'], self._scored(batch))}

    def add(suffix, weight):
      result['sequence_accuracy' + suffix] = (jnp.sum(weight * exact),
                                              jnp.sum(weight))
      result['token_accuracy' + suffix] = (jnp.sum(weight * right),
                                           jnp.sum(weight * count))

    add('', batch['weight'])
    for lo, hi in self.buckets():
      inside = (batch['length'] >= lo) & (batch['length'] <= hi)
      add(f'_len{lo}_{hi}', batch['weight'] * inside)
    return result

  def baseline(self):
    table = self.length_table()
    result = _uniform_guess(table, self.alphabet)
    for lo, hi in self.buckets():
      inside = [row for row in table if lo <= row[0] <= hi]
      for name, value in _uniform_guess(inside, self.alphabet).items():
        if name != 'ce':
          result[f'{name}_len{lo}_{hi}'] = value
    return result


def _uniform_guess(table, alphabet):
  """The trivial predictor's scores (see the module docstring) over the
  (length, probability, target length) rows of `table`."""
  mass = sum(p for _, p, _ in table)
  symbols = sum(p * n for _, p, n in table)
  positions = symbols + mass
  return {'sequence_accuracy': sum(p * alphabet ** -n for _, p, n in table)
                               / mass,
          'token_accuracy': (symbols / alphabet + mass) / positions,
          'ce': symbols * math.log(alphabet) / positions}


@dataclasses.dataclass(frozen=True)
class _SymbolString(Transduction):
  """A source of `length` ~ U{min_len..max_len} symbols drawn uniformly and
  independently from `symbols` of them; the target has the same length."""

  symbols: int = 8

  def validate(self):
    super().validate()
    base.check_number('symbols', self.symbols, minimum=2, maximum=1000,
                      integer=True)

  @property
  def alphabet(self):
    return self.symbols

  @property
  def source_len(self):
    return self.max_len

  @property
  def target_len(self):
    return self.max_len + 1

  def transform(self, src, lengths):
    raise NotImplementedError

  def examples(self, key, batch_size):
    k_len, k_sym = jax.random.split(key)
    lengths = jax.random.randint(k_len, (batch_size,), self.min_len,
                                 self.max_len + 1)
    symbols = jax.random.randint(k_sym, (batch_size, self.max_len),
                                 FIRST_SYMBOL, FIRST_SYMBOL + self.symbols)
    src = _where_valid(symbols, lengths)
    return src, self.transform(src, lengths), lengths, lengths

  def length_table(self):
    p = 1 / (self.max_len - self.min_len + 1)
    return [(n, p, n) for n in range(self.min_len, self.max_len + 1)]


@dataclasses.dataclass(frozen=True)
class Reverse(_SymbolString):
  """Reverse a string: x_1 .. x_n -> x_n .. x_1 (the toy task of Sutskever,
  Vinyals & Le 2014, "Sequence to sequence learning with neural networks",
  NeurIPS, section 3.3, whose reversed source helped their LSTM; here the
  reversal is the task)."""

  name = 'reverse'

  def transform(self, src, lengths):
    return _reverse_valid(src, lengths)


@dataclasses.dataclass(frozen=True)
class Sort(_SymbolString):
  """Sort a string's symbols in ascending order (the sorting task of
  Vinyals, Bengio & Kudlur 2016, "Order matters: sequence to sequence for
  sets", ICLR, on symbols instead of reals)."""

  name = 'sort'

  def transform(self, src, lengths):
    big = FIRST_SYMBOL + self.symbols
    return _where_valid(jnp.sort(jnp.where(src == PAD, big, src), 1), lengths)


def _operand_range(digits: int) -> tuple[int, int]:
  """The smallest and largest number of `digits` digits (0..9 for one)."""
  return (0 if digits == 1 else 10 ** (digits - 1)), 10 ** digits - 1


def _series(first: int, last: int, offset: int) -> int:
  """sum_{b = first}^{last} (b - offset), 0 if empty."""
  if last < first:
    return 0
  return (first + last - 2 * offset) * (last - first + 1) // 2


def carry_probability(digits_a: int, digits_b: int) -> fractions.Fraction:
  """P(a + b has one digit more than the longer of a and b), for a and b
  uniform among the numbers of `digits_a` and `digits_b` digits."""
  (a0, a1), (b0, b1) = _operand_range(digits_a), _operand_range(digits_b)
  threshold = 10 ** max(digits_a, digits_b)
  # For a given b the a in [max(a0, T - b), a1] carry: all of them when
  # b >= T - a0, b - (T - a1 - 1) of them when T - a1 <= b < T - a0.
  full = max(b0, threshold - a0)
  count = (a1 - a0 + 1) * max(0, b1 - full + 1)
  count += _series(max(b0, threshold - a1), min(b1, full - 1),
                   threshold - a1 - 1)
  return fractions.Fraction(count, (a1 - a0 + 1) * (b1 - b0 + 1))


@dataclasses.dataclass(frozen=True)
class Addition(Transduction):
  """Add two numbers written as decimal digit strings: "123+45" -> "168"
  (the addition task of Zaremba & Sutskever 2014, "Learning to execute",
  arXiv:1410.4615, without the program around it).

  Each operand has a number of digits drawn uniformly from min_len..max_len
  and is uniform among the numbers of that many digits (no leading zero;
  0..9 for one digit); the target is the sum, most significant digit first.
  The length buckets read is the longer operand's number of digits.
  Symbols: the digits 0..9 (ids 3..12) and '+' (id 13); the answer's
  alphabet is the 10 digits.
  """

  name = 'addition'

  @property
  def alphabet(self):
    return 10

  @property
  def input_size(self):
    return FIRST_SYMBOL + 11

  @property
  def output_size(self):
    return FIRST_SYMBOL + 11

  @property
  def source_len(self):
    return 2 * self.max_len + 1

  @property
  def target_len(self):
    return self.max_len + 2

  def examples(self, key, batch_size):
    k_a, k_b = jax.random.split(key)
    digits_a, len_a = self._operand(k_a, batch_size)
    digits_b, len_b = self._operand(k_b, batch_size)
    total, len_sum = _add_digits(digits_a, digits_b)
    width = self.source_len
    j = jnp.arange(width)[None, :]
    a_part = jnp.take_along_axis(_reverse_valid(digits_a, len_a),
                                 jnp.clip(j, 0, self.max_len - 1), 1)
    b_index = jnp.clip(j - len_a[:, None] - 1, 0, self.max_len - 1)
    b_part = jnp.take_along_axis(_reverse_valid(digits_b, len_b), b_index, 1)
    plus = FIRST_SYMBOL + 10
    src = jnp.where(j < len_a[:, None], a_part,
                    jnp.where(j == len_a[:, None], plus, b_part))
    src = _where_valid(src, len_a + len_b + 1)
    target = _reverse_valid(total, len_sum)
    return src, target, len_sum, jnp.maximum(len_a, len_b)

  def _operand(self, key, batch_size):
    """Token ids of a number's digits, least significant first, and its
    number of digits; PAD past them."""
    k_len, k_digit = jax.random.split(key)
    lengths = jax.random.randint(k_len, (batch_size,), self.min_len,
                                 self.max_len + 1)
    digits = jax.random.randint(k_digit, (batch_size, self.max_len), 0, 10)
    leading = jnp.arange(self.max_len)[None, :] == lengths[:, None] - 1
    nonzero = jax.random.randint(jax.random.fold_in(k_digit, 1),
                                 (batch_size, self.max_len), 1, 10)
    digits = jnp.where(leading & (lengths[:, None] > 1), nonzero, digits)
    return _where_valid(digits + FIRST_SYMBOL, lengths), lengths

  def length_table(self):
    lengths = range(self.min_len, self.max_len + 1)
    p = 1 / len(lengths) ** 2
    table = []
    for len_a in lengths:
      for len_b in lengths:
        longer = max(len_a, len_b)
        carry = float(carry_probability(len_a, len_b))
        table += [(longer, p * (1 - carry), longer),
                  (longer, p * carry, longer + 1)]
    return table


def _add_digits(a, b):
  """Column addition of digit token ids, least significant first:
  (sum's token ids [B, M + 1] least significant first, its digits [B])."""
  value = lambda t: jnp.where(t == PAD, 0, t - FIRST_SYMBOL)
  columns = jnp.pad(value(a) + value(b), ((0, 0), (0, 1)))

  def step(carry, column):
    total = column + carry
    return total // 10, total % 10

  _, digits = jax.lax.scan(step, jnp.zeros(a.shape[0], a.dtype), columns.T)
  digits = digits.T
  used = jnp.arange(digits.shape[1])[None, :]
  length = jnp.max(jnp.where(digits > 0, used + 1, 1), axis=1)
  return _where_valid(digits + FIRST_SYMBOL, length), length
