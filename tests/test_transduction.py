"""The reverse, sort and addition tasks: their data checked in NumPy, their
metrics on crafted outputs, their baselines by closed form or enumeration."""

import itertools
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from rnnzoo import tasks
from rnnzoo.tasks import transduction

PAD, BOS, EOS, FIRST = 0, 1, 2, 3


def _rows(task, batch_size=64, seed=0):
  batch = jax.tree_util.tree_map(np.asarray,
                                 task.sample(jax.random.PRNGKey(seed),
                                             batch_size))
  assert batch['src'].shape == (batch_size, task.source_len)
  assert batch['tgt_in'].shape == (batch_size, task.target_len)
  for b in range(batch_size):
    src = batch['src'][b]
    n_src = int(batch['src_mask'][b].sum())
    np.testing.assert_array_equal(batch['src_mask'][b], src != PAD)
    assert np.all(src[n_src:] == PAD)
    n_tgt = int(batch['tgt_mask'][b].sum()) - 1
    out = batch['tgt_out'][b]
    assert out[n_tgt] == EOS and np.all(out[n_tgt + 1:] == PAD)
    np.testing.assert_array_equal(batch['tgt_in'][b, 0], BOS)
    np.testing.assert_array_equal(batch['tgt_in'][b, 1:n_tgt + 1],
                                  out[:n_tgt])
    assert np.all(batch['tgt_in'][b, n_tgt + 1:] == PAD)
    yield src[:n_src], out[:n_tgt], int(batch['length'][b])


@pytest.mark.parametrize('name,function', [
    ('reverse', lambda s: s[::-1]), ('sort', np.sort)])
def test_symbol_strings_are_reversed_or_sorted(name, function):
  task = tasks.get(name, min_len=2, max_len=7, symbols=5)
  lengths = set()
  for src, target, length in _rows(task):
    assert length == len(src) and 2 <= length <= 7
    assert np.all((src >= FIRST) & (src < FIRST + 5))
    np.testing.assert_array_equal(target, function(src))
    lengths.add(length)
  assert lengths == set(range(2, 8))


def _number(tokens):
  return int(''.join(str(t - FIRST) for t in tokens))


def test_addition_writes_the_sum_of_two_numbers():
  task = tasks.get('addition', min_len=1, max_len=4)
  plus = FIRST + 10
  seen = set()
  for src, target, length in _rows(task, 128):
    (split,) = np.flatnonzero(src == plus)
    a, b = src[:split], src[split + 1:]
    for operand in (a, b):
      assert 1 <= len(operand) <= 4
      assert np.all((operand >= FIRST) & (operand < plus))
      assert len(operand) == 1 or operand[0] != FIRST  # no leading zero
    assert length == max(len(a), len(b))
    assert np.all(target < plus) and (len(target) == 1 or target[0] != FIRST)
    assert _number(target) == _number(a) + _number(b)
    seen.add((len(a), len(b)))
  assert len(seen) == 16


@pytest.mark.parametrize('options,match', [
    (dict(min_len=0), r'min_len=0.*>= 1'),
    (dict(min_len=5, max_len=4), r'max_len=4.*>= 5'),
    (dict(bucket=0), r'bucket=0.*>= 1'),
    (dict(symbols=1), r'symbols=1.*>= 2'),
])
def test_impossible_options_are_refused(options, match):
  with pytest.raises(ValueError, match=match):
    tasks.get('reverse', **options)


def test_metrics_on_crafted_outputs():
  task = tasks.get('reverse', min_len=1, max_len=4, bucket=2)
  # Targets of 1, 3 and 4 symbols; the third example has weight 0.
  tgt_out = jnp.array([[5, 2, 0, 0, 0], [3, 4, 5, 2, 0], [6, 6, 6, 6, 2]])
  batch = {'tgt_out': tgt_out, 'tgt_mask': tgt_out != 0,
           'length': jnp.array([1, 3, 4]), 'weight': jnp.array([1., 1., 0.])}
  tokens = jnp.array([[5, 2, 7, 7, 7],      # right; past its EOS ignored
                      [3, 4, 6, 2, 0],      # 3 of 4 right
                      [0, 0, 0, 0, 0]])     # weight 0
  # Logits: probability 1/2 on the target at every position.
  vocab = task.output_size
  logits = jnp.log(jnp.where(jax.nn.one_hot(tgt_out, vocab) > 0, 0.5,
                             0.5 / (vocab - 1)))
  got = {k: float(s) / float(c) for k, (s, c) in
         task.metrics({'logits': logits, 'tokens': tokens}, batch).items()}
  assert got['sequence_accuracy'] == 0.5
  assert got['token_accuracy'] == pytest.approx(5 / 6)
  assert got['ce'] == pytest.approx(math.log(2), rel=1e-5)
  assert got['sequence_accuracy_len1_2'] == 1.0
  assert got['token_accuracy_len1_2'] == 1.0
  assert got['sequence_accuracy_len3_4'] == 0.0
  assert got['token_accuracy_len3_4'] == pytest.approx(3 / 4)
  assert float(task.loss({'logits': logits}, batch)) == pytest.approx(
      math.log(2), rel=1e-5)


def test_symbol_string_baseline_closed_form():
  # Lengths 2 and 3 equally likely over K = 3 symbols, buckets of one length.
  base = tasks.get('sort', min_len=2, max_len=3, symbols=3,
                   bucket=1).baseline()
  assert base['sequence_accuracy'] == pytest.approx((3 ** -2 + 3 ** -3) / 2)
  # E[L] = 2.5: (2.5 / 3 + 1) / 3.5 of the positions.
  assert base['token_accuracy'] == pytest.approx((2.5 / 3 + 1) / 3.5)
  assert base['ce'] == pytest.approx(2.5 * math.log(3) / 3.5)
  assert base['sequence_accuracy_len3_3'] == pytest.approx(1 / 27)
  assert base['token_accuracy_len2_2'] == pytest.approx((2 / 3 + 1) / 3)


@pytest.mark.parametrize('digits', [(1, 1), (2, 1), (1, 3), (2, 2), (3, 3)])
def test_carry_probability_by_enumeration(digits):
  ranges = [range(0 if n == 1 else 10 ** (n - 1), 10 ** n) for n in digits]
  longer = 10 ** max(digits)
  pairs = list(itertools.product(*ranges))
  want = sum(a + b >= longer for a, b in pairs) / len(pairs)
  assert float(transduction.carry_probability(*digits)) == pytest.approx(want)


def test_addition_baseline_by_enumeration():
  task = tasks.get('addition', min_len=1, max_len=2, bucket=1)
  numbers = {n: range(0 if n == 1 else 10 ** (n - 1), 10 ** n) for n in (1, 2)}
  seq, symbols, positions = {1: 0, 2: 0, 'all': 0}, {}, {}
  for key in seq:
    symbols[key] = positions[key] = 0.0
  for n_a, n_b in itertools.product((1, 2), repeat=2):
    weight = 1 / 4 / (len(numbers[n_a]) * len(numbers[n_b]))
    for a, b in itertools.product(numbers[n_a], numbers[n_b]):
      digits = len(str(a + b))
      for key in ('all', max(n_a, n_b)):
        seq[key] += weight * 10.0 ** -digits
        symbols[key] += weight * digits
        positions[key] += weight * (digits + 1)
  base = task.baseline()
  mass = {'all': 1.0, 1: 0.25, 2: 0.75}
  for key, suffix in (('all', ''), (1, '_len1_1'), (2, '_len2_2')):
    assert base['sequence_accuracy' + suffix] == pytest.approx(
        seq[key] / mass[key])
    assert base['token_accuracy' + suffix] == pytest.approx(
        (symbols[key] / 10 + mass[key]) / positions[key])
  assert base['ce'] == pytest.approx(
      symbols['all'] * math.log(10) / positions['all'])


def test_the_tasks_are_registered_with_their_sizes():
  assert tasks.get('reverse', symbols=20).output_size == 23
  task = tasks.get('addition', max_len=5)
  assert (task.input_size, task.source_len, task.target_len) == (14, 11, 7)
