"""Tasks: deterministic and resumable streams, the data each paper defines,
and baselines checked against large samples."""

import math
import threading

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import tensorflow_datasets as tfds

from rnnzoo import tasks
from rnnzoo.tasks import base

TEXT = ('It is a truth universally acknowledged, that a single man in '
        'possession of a good fortune, must be in want of a wife. ') * 20


@pytest.fixture(name='text_file')
def fixture_text_file(tmp_path):
  path = tmp_path / 'book.txt'
  path.write_text(TEXT, encoding='utf-8')
  return str(path)


@pytest.fixture(name='mock_tfds')
def fixture_mock_tfds():
  with tfds.testing.mock_data(num_examples=48):
    yield


def _task_cases(text_file):
  return [tasks.get('adding', seq_len=20),
          tasks.get('adding', seq_len=21, variant='anywhere'),
          tasks.get('copy', delay=5),
          tasks.get('copy', delay=5, variant='tcn'),
          tasks.get('mnist1d'),
          tasks.get('char_lm', path=text_file, seq_len=16),
          tasks.get('mnist', order='permuted'),
          tasks.get('char_lm', seq_len=8),
          tasks.get('imdb', vocab_size=60, max_len=10),
          tasks.get('lookahead', seq_len=12, shift=3),
          tasks.get('selective_copy', slots=10, tokens=3),
          tasks.get('slot_filling', num_train=40, num_eval=12),
          tasks.get('conll2003', vocab_size=30, max_len=10),
          tasks.get('ctc_digits', max_labels=4, eval_batches=2),
          tasks.get('reverse', min_len=2, max_len=6),
          tasks.get('sort', min_len=2, max_len=6),
          tasks.get('addition', min_len=1, max_len=3)]


def _inputs(batch):
  """What a model reads first: x, or a sequence task's source."""
  return batch['x'] if 'x' in batch else batch['src']


def _batches(task, seed, count, state=None):
  stream = task.train_stream(seed, 4)
  if state is not None:
    stream.set_state(state)
  return [jax.tree_util.tree_map(np.asarray, task.prepare(next(stream), 4))
          for _ in range(count)], stream.get_state()


def test_every_registered_task_is_tested(text_file):
  assert {t.name for t in _task_cases(text_file)} == set(tasks.names())


def test_streams_are_deterministic_and_resumable(text_file, mock_tfds):
  del mock_tfds
  for task in _task_cases(text_file):
    first, _ = _batches(task, 0, 3)
    again, _ = _batches(task, 0, 3)
    other, _ = _batches(task, 1, 3)
    jax.tree_util.tree_map(np.testing.assert_array_equal, first, again)
    assert not np.array_equal(_inputs(first[0]), _inputs(other[0])), (
        task.name)
    # Resume from the state after two batches: the third batch follows.
    _, state = _batches(task, 0, 2)
    resumed, _ = _batches(task, 0, 1, state)
    jax.tree_util.tree_map(np.testing.assert_array_equal, resumed[0], first[2])


def test_eval_items_are_fixed_and_padded(text_file, mock_tfds):
  del mock_tfds
  for task in _task_cases(text_file):
    items = task.eval_items(0, 5)
    again = task.eval_items(0, 5)
    first = [jax.tree_util.tree_map(np.asarray, task.prepare(i, 5))
             for i in items]
    second = [jax.tree_util.tree_map(np.asarray, task.prepare(i, 5))
              for i in again]
    jax.tree_util.tree_map(np.testing.assert_array_equal, first, second)
    assert all(_inputs(b).shape[0] == 5 for b in first)
    weights = np.concatenate([b['weight'] for b in first])
    assert set(np.unique(weights)) <= {0.0, 1.0}
    assert np.all(np.diff(weights[:int(weights.sum()) + 1]) <= 0)


# ----------------------------------------------------------------------------
# The adding problem.


@pytest.mark.parametrize('variant', ['halves', 'anywhere'])
def test_adding_marks_two_numbers_and_sums_them(variant):
  task = tasks.get('adding', seq_len=31, variant=variant)
  batch = task.sample(jax.random.PRNGKey(0), 2000)
  values, markers = np.asarray(batch['x'][..., 0]), np.asarray(batch['x'][..., 1])
  np.testing.assert_array_equal(markers.sum(1), 2)
  np.testing.assert_allclose(batch['y'], (values * markers).sum(1), rtol=1e-6)
  assert values.min() >= 0 and values.max() <= 1
  positions = np.argwhere(markers)[:, 1].reshape(-1, 2)
  if variant == 'halves':
    assert positions[:, 0].max() < 15 and positions[:, 1].min() >= 15
    assert positions[:, 1].max() == 30  # the last step can be marked
  else:
    assert positions[:, 0].min() == 0 and positions[:, 1].max() == 30
    assert (positions[:, 0] >= 15).any()


@pytest.mark.parametrize('variant', ['halves', 'anywhere'])
def test_predicting_one_gives_the_adding_baseline(variant):
  task = tasks.get('adding', seq_len=10, variant=variant)
  batch = task.sample(jax.random.PRNGKey(1), 200_000)
  mse = base.mean(task.metrics(jnp.ones((200_000, 1)), batch)['mse'])
  assert abs(float(mse) - task.baseline()['mse']) < 0.003
  assert task.baseline()['mse'] == pytest.approx(1 / 6)


# ----------------------------------------------------------------------------
# Copy memory.


@pytest.mark.parametrize('variant', ['urnn', 'tcn'])
def test_copy_target_is_the_first_ten_symbols(variant):
  delay = 7
  task = tasks.get('copy', delay=delay, variant=variant)
  batch = task.sample(jax.random.PRNGKey(0), 64)
  x = np.asarray(batch['x'])
  symbols = x.argmax(-1) if variant == 'urnn' else x[..., 0].astype(int)
  y = np.asarray(batch['y'])
  assert symbols.shape == y.shape == (64, delay + 20)
  np.testing.assert_array_equal(y[:, -10:], symbols[:, :10])
  np.testing.assert_array_equal(y[:, :-10], 0)
  assert symbols[:, :10].min() == 1 and symbols[:, :10].max() == 8
  np.testing.assert_array_equal(symbols[:, 10:delay + 9], 0)
  np.testing.assert_array_equal(symbols[:, delay + 9], 9)
  tail = symbols[:, delay + 10:]
  np.testing.assert_array_equal(tail, 0 if variant == 'urnn' else 9)
  if variant == 'urnn':
    np.testing.assert_array_equal(x.sum(-1), 1.0)  # one-hot


@pytest.mark.parametrize('delay', [1, 100, 500])
def test_the_memoryless_strategy_scores_the_copy_baseline(delay):
  task = tasks.get('copy', delay=delay)
  batch = task.sample(jax.random.PRNGKey(0), 256)
  # Certain blank for T + 10 steps, then uniform over the 8 symbols.
  probs = np.zeros((256, delay + 20, 9))
  probs[:, :-10, 0] = 1.0
  probs[:, -10:, 1:] = 1 / 8
  logits = jnp.log(jnp.asarray(probs) + 1e-30)
  ce = float(base.mean(task.metrics(logits, batch)['ce']))
  assert ce == pytest.approx(10 * math.log(8) / (delay + 20), rel=1e-5)
  assert task.baseline()['ce'] == pytest.approx(ce, rel=1e-5)
  # A constant guess among the symbols is right one time in eight.
  constant = jnp.zeros((256, delay + 20, 9)).at[..., 3].set(1.0)
  accuracy = float(base.mean(task.metrics(constant, batch)['acc_last10']))
  assert abs(accuracy - task.baseline()['acc_last10']) < 0.03


# ----------------------------------------------------------------------------
# Selective copying.


def test_selective_copy_scatters_the_tokens_in_order_then_asks_for_them():
  task = tasks.get('selective_copy', slots=20, tokens=5)
  batch = jax.tree_util.tree_map(
      np.asarray, task.sample(jax.random.PRNGKey(3), 64))
  x, y = batch['x'], batch['y']
  assert x.shape == (64, 25) and y.shape == (64, 5)
  assert (x[:, 20:] == 0).all()  # the markers
  places = set()
  for row, target in zip(x[:, :20], y):
    data = row[row != 15]
    np.testing.assert_array_equal(data, target)  # 5 distinct places, in order
    assert ((1 <= data) & (data <= 14)).all()
    places.add(tuple(np.flatnonzero(row != 15)))
  assert len(places) > 50  # the places vary from row to row


def test_a_uniform_guess_scores_the_selective_copy_baseline():
  task = tasks.get('selective_copy', slots=20, tokens=4)
  batch = task.sample(jax.random.PRNGKey(0), 512)
  # Uniform over the 14 data tokens at every step: ce = ln 14 exactly.
  uniform = jnp.full((512, 24, 16), -jnp.inf).at[..., 1:15].set(0.0)
  metrics = task.metrics(uniform, batch)
  assert float(base.mean(metrics['ce'])) == pytest.approx(math.log(14),
                                                          rel=1e-6)
  assert task.baseline()['ce'] == pytest.approx(math.log(14))
  # Only the answer steps count: the perfect answers, garbage before them.
  perfect = jax.nn.one_hot(batch['y'], 16) * 100.0
  garbage = jnp.zeros((512, 20, 16)).at[..., 7].set(100.0)
  outputs = jnp.concatenate([garbage, perfect], 1)
  metrics = task.metrics(outputs, batch)
  assert float(base.mean(metrics['accuracy'])) == 1.0
  assert float(base.mean(metrics['exact'])) == 1.0
  assert float(task.loss(outputs, batch)) < 1e-30
  # A constant token is right one time in 14, all four one time in 14^4.
  constant = jnp.zeros((512, 24, 16)).at[..., 3].set(1.0)
  accuracy = float(base.mean(task.metrics(constant, batch)['accuracy']))
  assert abs(accuracy - task.baseline()['accuracy']) < 0.02
  assert task.baseline()['exact'] == pytest.approx(14.0 ** -4)


# ----------------------------------------------------------------------------
# Lookahead.


def test_lookahead_labels_each_step_with_a_later_symbol():
  task = tasks.get('lookahead', seq_len=12, shift=3, num_symbols=5)
  batch = task.sample(jax.random.PRNGKey(0), 500)
  symbols = np.asarray(batch['x']).argmax(-1)
  y = np.asarray(batch['y'])
  np.testing.assert_array_equal(y[:, :9], symbols[:, 3:])
  np.testing.assert_array_equal(y[:, 9:], 0)
  assert symbols.min() == 1 and symbols.max() == 5


@pytest.mark.parametrize('delay', [1, 3, 5])
def test_a_delayed_answer_names_the_symbol_shift_minus_delay_ahead(delay):
  task = tasks.get('lookahead', seq_len=12, shift=3, num_symbols=5,
                   delay=delay)
  batch = task.sample(jax.random.PRNGKey(2), 50)
  symbols = np.asarray(batch['x']).argmax(-1)
  expected = np.zeros_like(symbols)
  for t in range(12):
    source = t + 3 - delay
    if 0 <= source < 12:
      expected[:, t] = symbols[:, source]
  np.testing.assert_array_equal(np.asarray(batch['y']), expected)
  labelled = int((expected[0] != 0).sum())
  assert labelled == 12 - abs(3 - delay)
  assert task.baseline()['accuracy'] == pytest.approx(
      (12 - labelled + labelled / 5) / 12)


def test_a_model_of_the_past_scores_the_lookahead_baseline():
  task = tasks.get('lookahead', seq_len=12, shift=3, num_symbols=5)
  batch = task.sample(jax.random.PRNGKey(1), 4000)
  # The best guess without the future: uniform over the symbols, then 'end'.
  probs = np.zeros((4000, 12, 6))
  probs[:, :9, 1:] = 1 / 5
  probs[:, 9:, 0] = 1.0
  logits = jnp.log(jnp.asarray(probs) + 1e-30)
  ce = float(base.mean(task.metrics(logits, batch)['ce']))
  assert ce == pytest.approx(task.baseline()['ce'], rel=1e-5)
  guess = jnp.asarray(probs).at[:, :9, 2].add(0.1)  # one symbol, then 'end'
  accuracy = float(base.mean(task.metrics(guess, batch)['accuracy']))
  assert abs(accuracy - task.baseline()['accuracy']) < 0.01


# ----------------------------------------------------------------------------
# MNIST-1D and MNIST.


def test_mnist1d_is_the_published_split():
  task = tasks.get('mnist1d')
  train, test = task.split('train'), task.split('test')
  assert train['x'].shape == (4000, 40, 1) and test['x'].shape == (1000, 40, 1)
  # The class counts of make_dataset's default split, pinned.
  assert np.bincount(train['y'], minlength=10).tolist() == [
      398, 396, 411, 394, 394, 402, 401, 404, 402, 398]
  assert np.bincount(test['y'], minlength=10).tolist() == [
      102, 104, 89, 106, 106, 98, 99, 96, 98, 102]
  assert abs(task.baseline()['accuracy'] - 411 / 4000) < 1e-9


def test_mnist1d_shuffled_space_permutes_every_sequence_alike():
  plain = tasks.get('mnist1d').split('test')['x'][..., 0]
  shuffled_task = tasks.get('mnist1d', shuffle_space=True)
  shuffled = shuffled_task.split('test')['x'][..., 0]
  permutation = np.asarray(shuffled_task.artifacts()['permutation'])
  assert sorted(permutation) == list(range(40))
  assert not np.array_equal(permutation, np.arange(40))
  np.testing.assert_array_equal(shuffled, plain[:, permutation])


def test_mnist_orders(mock_tfds):
  del mock_tfds
  pixel = tasks.get('mnist').split('train')
  row = tasks.get('mnist', order='row').split('train')
  assert pixel['x'].shape[1:] == (784, 1) and row['x'].shape[1:] == (28, 28)
  np.testing.assert_array_equal(pixel['x'].reshape(-1, 784),
                                row['x'].reshape(-1, 784))
  assert 0.0 <= pixel['x'].min() and pixel['x'].max() <= 1.0
  permuted = tasks.get('mnist', order='permuted', permutation_seed=7)
  permutation = np.asarray(permuted.artifacts()['permutation'])
  np.testing.assert_array_equal(permuted.split('train')['x'][..., 0],
                                pixel['x'][:, permutation, 0])
  same = tasks.get('mnist', order='permuted', permutation_seed=7)
  other = tasks.get('mnist', order='permuted', permutation_seed=8)
  np.testing.assert_array_equal(same.permutation(), permutation)
  assert not np.array_equal(other.permutation(), permutation)


def test_a_missing_tfds_dataset_says_how_to_prepare_it(tmp_path):
  task = tasks.get('mnist', data_dir=str(tmp_path))
  with pytest.raises(FileNotFoundError,
                     match=r"'mnist'.*could not be opened.*tfds build mnist"):
    task.train_stream(0, 4)


# ----------------------------------------------------------------------------
# Character-level language modelling.


def test_char_lm_windows_predict_the_next_character(text_file):
  task = tasks.get('char_lm', path=text_file, seq_len=16, valid_fraction=0.25)
  vocabulary = task.vocabulary()
  assert vocabulary[0] == '' and vocabulary[1:] == sorted(set(TEXT))
  train, valid = task.split('train'), task.split('valid')
  decode = lambda ids: ''.join(vocabulary[i] for i in ids)
  cut = len(TEXT) - len(TEXT) // 4
  assert decode(train['x'][0]) == TEXT[:16]
  assert decode(train['y'][0]) == TEXT[1:17]
  assert decode(train['x'][1]) == TEXT[16:32]
  assert decode(valid['x'][0]) == TEXT[cut:cut + 16]
  assert len(train['x']) == (cut - 1) // 16
  assert task.artifacts()['vocabulary'] == vocabulary


def test_char_lm_baseline_is_the_unigram_cross_entropy(text_file):
  task = tasks.get('char_lm', path=text_file, seq_len=16)
  train, valid = task.split('train'), task.split('valid')
  counts = np.bincount(train['y'].ravel(), minlength=task.output_size) + 1
  p = counts / counts.sum()
  expected = -np.mean(np.log2(p[valid['y'].ravel()]))
  assert task.baseline()['bpc'] == pytest.approx(expected)
  logits = jnp.broadcast_to(jnp.log(p), valid['y'].shape + (len(p),))
  batch = {'y': valid['y'], 'weight': jnp.ones(len(valid['y']))}
  bpc = float(base.mean(task.metrics(logits, batch)['bpc']))
  assert bpc == pytest.approx(expected, rel=1e-5)


def test_char_lm_reads_tiny_shakespeare_as_str_or_bytes(mock_tfds):
  del mock_tfds
  task = tasks.get('char_lm', seq_len=4)
  train, valid = task.texts()
  assert isinstance(train, str) and train and valid
  assert base.text_of(b'caf\xc3\xa9') == 'caf\u00e9'
  assert base.text_of('caf\u00e9') == 'caf\u00e9'


def test_char_lm_bad_files_are_named(tmp_path):
  empty = tmp_path / 'empty.txt'
  empty.write_text('')
  binary = tmp_path / 'binary.txt'
  binary.write_bytes(b'\xff\xfe\xfa')
  short = tmp_path / 'short.txt'
  short.write_text('abcdefghij')
  with pytest.raises(ValueError, match=r"path='.*missing.txt' cannot be read"):
    tasks.get('char_lm', path=str(tmp_path / 'missing.txt')).vocabulary()
  with pytest.raises(ValueError, match=r"path='.*empty.txt' is empty"):
    tasks.get('char_lm', path=str(empty)).vocabulary()
  with pytest.raises(ValueError, match=r"path='.*binary.txt' cannot be read"):
    tasks.get('char_lm', path=str(binary)).vocabulary()
  with pytest.raises(ValueError, match=r'seq_len=16 is too long for the valid'):
    tasks.get('char_lm', path=str(short), seq_len=16).split('valid')


# ----------------------------------------------------------------------------
# IMDB.


def test_imdb_pads_with_a_mask_and_keeps_the_vocabulary(mock_tfds):
  del mock_tfds
  task = tasks.get('imdb', vocab_size=40, max_len=12)
  train = task.split('train')
  vocabulary = task.vocabulary()
  assert len(vocabulary) == 40 and vocabulary[:2] == ['<pad>', '<unk>']
  lengths = train['mask'].sum(1)
  assert lengths.min() >= 1 and lengths.max() <= 12
  np.testing.assert_array_equal(train['x'][~train['mask']], 0)
  assert (train['x'][train['mask']] >= 1).all()
  assert task.artifacts()['vocabulary'] == vocabulary


def test_imdb_words_are_lower_case_without_html():
  assert tasks.imdb.words("A <br />Great film, isn't it?") == [
      'a', 'great', 'film', "isn't", 'it']


def test_imdb_vocabulary_larger_than_the_data_is_refused(mock_tfds):
  del mock_tfds
  with pytest.raises(ValueError, match=r'vocab_size=1000000 is larger than'):
    tasks.get('imdb', vocab_size=1_000_000).vocabulary()


# ----------------------------------------------------------------------------
# Registry and options.


def test_unknown_task_names_the_closest():
  with pytest.raises(ValueError, match=r"task name='adding_problem'.*'adding'"):
    tasks.get('adding_problem')


@pytest.mark.parametrize('name,options,message', [
    ('adding', {'seq_len': 1}, r'seq_len=1.*>= 2'),
    ('adding', {'seq_len': 20_000}, r'seq_len=20000.*<= 10000'),
    ('adding', {'variant': 'half'}, r"variant='half'.*did you mean 'halves'"),
    ('adding', {'length': 10}, r"task 'adding' has no option 'length'"),
    ('copy', {'delay': 0}, r'delay=0.*>= 1'),
    ('copy', {'eval_batches': 0}, r'eval_batches=0'),
    ('mnist', {'order': 'rows'}, r"order='rows'.*did you mean 'row'"),
    ('char_lm', {'seq_len': 1}, r'seq_len=1'),
    ('char_lm', {'valid_fraction': 1.5}, r'valid_fraction=1.5'),
    ('char_lm', {'valid_fraction': 1.0}, r'valid_fraction=1.0.*< 1'),
    ('imdb', {'vocab_size': 2}, r'vocab_size=2'),
    ('lookahead', {'shift': 50}, r'shift=50.*<= 49'),
    ('lookahead', {'delay': -1}, r'delay=-1.*>= 0'),
    ('selective_copy', {'tokens': 0}, r'tokens=0.*>= 1'),
    ('selective_copy', {'slots': 4, 'tokens': 5}, r'slots=4.*>= 5'),
])
def test_impossible_task_options_are_refused(name, options, message):
  with pytest.raises(ValueError, match=message):
    tasks.get(name, **options)


def test_batch_larger_than_the_data_is_refused(text_file):
  task = tasks.get('char_lm', path=text_file, seq_len=64)
  with pytest.raises(ValueError, match=r'batch_size=1000 .*only \d+ examples'):
    task.train_stream(0, 1000)


def test_an_array_stream_reads_in_the_callers_thread():
  threads = threading.active_count()
  stream = base.array_stream({'x': np.arange(10)}, seed=0, batch_size=5)
  epoch = np.concatenate([next(stream)['x'], next(stream)['x']])
  assert sorted(epoch) == list(range(10))  # one epoch: every row once
  assert threading.active_count() == threads  # no read-ahead threads
