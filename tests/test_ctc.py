"""CTC: best-path decoding and the edit distance against plain Python, the
loss against a sum over every path, the digit data, and a network that
learns to read it."""

import itertools
import os
import subprocess
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from rnnzoo import config_util
from rnnzoo import tasks
from rnnzoo import train
from rnnzoo.tasks import ctc

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def levenshtein(a, b):
  previous = list(range(len(b) + 1))
  for i, x in enumerate(a, 1):
    current = [i]
    for j, y in enumerate(b, 1):
      current.append(min(previous[j] + 1, current[j - 1] + 1,
                         previous[j - 1] + (x != y)))
    previous = current
  return previous[-1]


def collapse(path):
  """B: merge repeats, then drop blanks."""
  return [s for i, s in enumerate(path)
          if s != ctc.BLANK and (i == 0 or s != path[i - 1])]


def _decode(paths, lengths):
  logits = jax.nn.one_hot(jnp.array(paths), 5)
  mask = jnp.arange(len(paths[0])) < jnp.array(lengths)[:, None]
  symbols, kept = map(np.asarray, ctc.best_path(logits, mask))
  return [list(s[k]) for s, k in zip(symbols, kept)]


def test_best_path_merges_repeats_then_drops_blanks():
  paths = [[1, 1, 0, 1, 2, 2, 0, 0], [0, 3, 3, 3, 0, 0, 0, 4],
           [2, 0, 2, 0, 2, 2, 2, 2], [0] * 8]
  assert _decode(paths, [8, 7, 5, 8]) == [[1, 1, 2], [3], [2, 2, 2], []]


def test_edit_distance_matches_levenshtein():
  rng = np.random.RandomState(0)
  paths = rng.randint(5, size=(200, 12))
  lengths = rng.randint(1, 13, size=200)
  labels = rng.randint(1, 5, size=(200, 6))
  label_lengths = rng.randint(0, 7, size=200)
  label_mask = np.arange(6) < label_lengths[:, None]
  mask = np.arange(12) < lengths[:, None]
  symbols, kept = ctc.best_path(jax.nn.one_hot(jnp.array(paths), 5),
                                jnp.array(mask))
  distances = np.asarray(jax.jit(ctc.edit_distance)(
      symbols, kept, jnp.array(labels), jnp.array(label_mask)))
  for row in range(200):
    decoded = collapse(list(paths[row, :lengths[row]]))
    target = list(labels[row, :label_lengths[row]])
    assert distances[row] == levenshtein(decoded, target), row
  # By hand: 'kitten' -> 'sitting' is 3 edits.
  assert levenshtein('kitten', 'sitting') == 3


def test_label_error_rate_is_edits_over_labels():
  logits = jax.nn.one_hot(jnp.array([[1, 2, 0, 3], [4, 4, 0, 0]]), 5)
  labels = jnp.array([[1, 3, 0], [4, 4, 2]])  # decoded [1,2,3] and [4]
  label_mask = jnp.array([[True, True, False], [True, True, True]])
  total, count = ctc.label_errors(logits, jnp.ones((2, 4), bool), labels,
                                  label_mask, jnp.array([1.0, 1.0]))
  assert (float(total), float(count)) == (1 + 2, 2 + 3)
  total, count = ctc.label_errors(logits, jnp.ones((2, 4), bool), labels,
                                  label_mask, jnp.array([1.0, 0.0]))
  assert (float(total), float(count)) == (1, 2)


@pytest.mark.parametrize('target', [[1], [1, 2], [2, 2], [1, 2, 1]])
def test_ctc_loss_is_minus_log_the_sum_over_alignments(target):
  steps, classes = 5, 3
  logits = jax.random.normal(jax.random.PRNGKey(len(target)),
                             (1, steps, classes))
  log_p = np.asarray(jax.nn.log_softmax(logits[0]), np.float64)
  total = sum(np.exp(sum(log_p[t, s] for t, s in enumerate(path)))
              for path in itertools.product(range(classes), repeat=steps)
              if collapse(list(path)) == target)
  labels = jnp.array([target + [0] * (3 - len(target))])
  label_mask = jnp.arange(3)[None] < len(target)
  loss = ctc.ctc_loss(logits, jnp.ones((1, steps), bool), labels, label_mask)
  np.testing.assert_allclose(float(loss[0]), -np.log(total), rtol=1e-5)


def test_padded_frames_do_not_count_in_the_loss():
  logits = jax.random.normal(jax.random.PRNGKey(0), (1, 6, 3))
  labels, label_mask = jnp.array([[1, 2]]), jnp.array([[True, True]])
  short = ctc.ctc_loss(logits[:, :4], jnp.ones((1, 4), bool), labels,
                       label_mask)
  padded = ctc.ctc_loss(logits, jnp.arange(6)[None] < 4, labels, label_mask)
  np.testing.assert_allclose(padded, short, rtol=1e-6)


def test_a_target_longer_than_its_input_is_refused():
  logits = jnp.zeros((2, 3, 3))
  labels = jnp.array([[1, 2, 0], [1, 1, 2]])
  label_mask = jnp.array([[True, True, False], [True, True, True]])
  with pytest.raises(ValueError, match=r'labels \(row 1: 3 labels, 1 '
                     r'repeated\) are not allowed with 3 frames: a CTC target '
                     r'needs at least 4 frames'):
    ctc.ctc_loss(logits, jnp.ones((2, 3), bool), labels, label_mask)


def test_digit_frames_spell_their_labels():
  task = tasks.get('ctc_digits', noise=0.0, max_labels=5, eval_batches=1)
  batch = jax.tree_util.tree_map(
      np.asarray, task.sample(jax.random.PRNGKey(3), 200))
  templates = np.asarray(task.templates())
  nearest = np.argmin(((batch['x'][:, :, None] - templates) ** 2).sum(-1), -1)
  frames = batch['mask'].sum(1)
  for row in range(200):
    spoken = collapse(list(nearest[row, :frames[row]]))  # silence is 0
    labels = list(batch['y'][row, batch['label_mask'][row]])
    assert spoken == labels
    assert 2 <= len(labels) <= 5 and all(1 <= d <= 10 for d in labels)
    assert all(a != b for a, b in zip(labels, labels[1:]))
    assert 2 * len(labels) <= frames[row] <= 8 * len(labels)
  assert set(np.unique(batch['y'][batch['label_mask']])) == set(range(1, 11))


@pytest.mark.parametrize('options,message', [
    ({'min_frames': 0}, r'min_frames=0 is not allowed: it must be >= 1'),
    ({'min_labels': 4, 'max_labels': 3}, r'max_labels=3.*>= 4'),
    ({'noise': -1.0}, r'noise=-1.0'),
])
def test_impossible_options_are_refused(options, message):
  with pytest.raises(ValueError, match=message):
    tasks.get('ctc_digits', **options)


def test_training_lowers_the_label_error_rate(tmp_path):
  config = config_util.load(os.path.join(ROOT, 'configs', 'ctc.py:runlocal'))
  config = config_util.override(config, {
      'num_steps': 100, 'batch_size': 16, 'task.noise': 0.5,
      'optim.lr': 1e-2, 'model.hidden_size': 32, 'log.eval_every': 100,
      'log.checkpoint_every': 100})
  results = train.train_and_evaluate(config, str(tmp_path))
  assert results['baseline']['eval/label_error_rate'] == 1.0
  assert results['final']['eval/label_error_rate'] < 0.3


def test_the_ctc_config_launches(tmp_path):
  result = subprocess.run(
      [sys.executable, 'launch.py', '--config=configs/ctc.py:runlocal',
       '--config.num_steps=10', f'--workdir={tmp_path}'],
      cwd=ROOT, capture_output=True, text=True, timeout=300)
  assert result.returncode == 0, result.stderr
  assert result.stdout.startswith('done: eval/label_error_rate = ')
  assert '(baseline 1.0)' in result.stdout
