"""Sequence tagging: BIO spans and span F1 against plain loops and hand
counts, the generated slot-filling data and its held-out split, CoNLL-2003
through TFDS, and a tagger that learns."""

import os
import subprocess
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import tensorflow_datasets as tfds

from rnnzoo import config_util
from rnnzoo import tasks
from rnnzoo import train
from rnnzoo.tasks import slot_filling
from rnnzoo.tasks import tagging
from rnnzoo.tasks import words as words_lib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TAGS = tagging.TagSet(['O', 'B-A', 'I-A', 'B-B', 'I-B'])


def test_spans_follow_conlleval():
  # An I- without its B- opens a span; B- after B- starts another; an I- of
  # another type ends the span and opens one.
  tags = ['B-A', 'I-A', 'O', 'I-B', 'I-B', 'B-B', 'I-A', 'I-A', 'B-A']
  assert tagging.spans(tags) == {(0, 1, 'A'), (3, 4, 'B'), (5, 5, 'B'),
                                 (6, 7, 'A'), (8, 8, 'A')}
  assert tagging.spans(['O', 'O']) == set()


def _scores(predicted, gold, lengths=None, weight=None):
  """task-style scores of tag-name rows as floats."""
  p = jnp.array([TAGS.encode('tag', row) for row in predicted])
  g = jnp.array([TAGS.encode('tag', row) for row in gold])
  steps = p.shape[1]
  lengths = lengths or [steps] * len(predicted)
  mask = jnp.arange(steps) < jnp.array(lengths)[:, None]
  weight = jnp.ones(len(predicted)) if weight is None else jnp.array(weight)
  pairs = tagging.span_scores(p, g, mask, weight, TAGS)
  return {k: (float(s), float(c)) for k, (s, c) in pairs.items()}


def test_span_f1_on_hand_counted_examples():
  gold = [['B-A', 'I-A', 'O', 'B-B', 'O', 'I-A']]       # (0,1,A) (3,3,B) (5,5,A)
  predicted = [['B-A', 'I-A', 'O', 'B-B', 'I-B', 'I-A']]  # (0,1,A) (3,4,B) (5,5,A)
  # TP = 2 ((0,1,A); the lone I-A read as (5,5,A) both times), FP = 1, FN = 1.
  scores = _scores(predicted, gold)
  assert scores['precision'] == (2.0, 3.0)
  assert scores['recall'] == (2.0, 3.0)
  assert scores['span_f1'] == (4.0, 6.0)  # 2 TP / (2 TP + FP + FN)


def test_a_span_must_match_both_ends_and_the_type():
  gold = [['B-A', 'I-A', 'I-A', 'O']] * 4
  predicted = [['B-A', 'I-A', 'O', 'O'],     # right start, early end
               ['O', 'B-A', 'I-A', 'O'],     # late start, right end
               ['B-B', 'I-B', 'I-B', 'O'],   # right ends, wrong type
               ['B-A', 'I-A', 'I-A', 'I-A']]  # late end
  scores = _scores(predicted, gold)
  assert scores['span_f1'] == (0.0, 8.0)


def test_padding_ends_a_span_and_zero_weight_rows_do_not_count():
  gold = [['B-A', 'I-A', 'I-A', 'O'], ['B-B', 'O', 'O', 'O']]
  predicted = [['B-A', 'I-A', 'I-A', 'I-A'], ['O', 'O', 'O', 'O']]
  # Row 0 is 3 steps long: its predicted span ends at the padding.
  assert _scores(predicted, gold, lengths=[3, 4], weight=[1, 0]) == {
      'span_f1': (2.0, 2.0), 'precision': (1.0, 1.0), 'recall': (1.0, 1.0)}


def test_span_counts_match_a_plain_loop_on_random_tags():
  rng = np.random.RandomState(0)
  predicted = rng.randint(len(TAGS), size=(300, 9))
  gold = rng.randint(len(TAGS), size=(300, 9))
  lengths = rng.randint(1, 10, size=300)
  mask = np.arange(9) < lengths[:, None]
  correct, num_predicted, num_gold = map(np.asarray, tagging.span_counts(
      jnp.array(predicted), jnp.array(gold), jnp.array(mask), TAGS))
  for row in range(300):
    names = lambda ids: [TAGS.names[i] for i in ids[row, :lengths[row]]]
    p, g = tagging.spans(names(predicted)), tagging.spans(names(gold))
    assert (correct[row], num_predicted[row], num_gold[row]) == (
        len(p & g), len(p), len(g))
  assert correct.sum() > 20  # the random rows do share spans


def test_token_accuracy_counts_valid_steps():
  task = tasks.get('slot_filling', num_train=40, num_eval=10)
  batch = {'y': jnp.array([[1, 0, 0], [2, 0, 0]]),
           'mask': jnp.array([[True, True, False], [True, True, True]]),
           'weight': jnp.array([1.0, 1.0])}
  predicted = jnp.array([[1, 5, 7], [0, 0, 0]])
  logits = jax.nn.one_hot(predicted, task.output_size)
  scores = task.metrics(logits, batch)
  # Valid steps: 2 + 3; right: (1) of row 0, the two O's of row 1.
  assert tuple(map(float, scores['accuracy'])) == (3.0, 5.0)


def test_tags_outside_the_set_are_refused():
  with pytest.raises(ValueError, match=r"tag='B-C' is not allowed: choose "
                     r"one of \['O', 'B-A'"):
    TAGS.encode('tag', ['O', 'B-C'])
  with pytest.raises(ValueError, match=r'ner=9 is not allowed: tag ids are '
                     r"0..4, for \['O', 'B-A'"):
    TAGS.check_ids('ner', np.array([0, 4, 9]))
  with pytest.raises(ValueError, match=r"tag='X-A' is not allowed"):
    tagging.TagSet(['O', 'X-A'])


# ----------------------------------------------------------------------------
# Generated slot filling.


@pytest.mark.parametrize('holdout', slot_filling.HOLDOUTS)
def test_generated_tags_mark_the_slot_values(holdout):
  task = tasks.get('slot_filling', holdout=holdout, num_train=300,
                   num_eval=100)
  for split in ('train', 'test'):
    for sentence in task.sentences(split):
      found = sorted((first, kind, ' '.join(sentence.words[first:last + 1]))
                     for first, last, kind in tagging.spans(sentence.tags))
      assert [(k, v) for _, k, v in found] == sentence.values
      words = [w for w, t in zip(sentence.words, sentence.tags) if t == 'O']
      template = slot_filling.TEMPLATES[sentence.template]
      assert words == [w for w in template.split() if '{' not in w]


def test_held_out_templates_are_not_in_training():
  task = tasks.get('slot_filling', holdout='templates', held_out=0.25)
  train_templates = {s.template for s in task.sentences('train')}
  test_templates = {s.template for s in task.sentences('test')}
  assert len(test_templates) == 5 and len(train_templates) == 15
  assert not train_templates & test_templates


def test_held_out_values_are_not_in_training_and_read_as_unknown():
  task = tasks.get('slot_filling', holdout='values')
  seen = {v for s in task.sentences('train') for _, v in s.values}
  unseen = {v for s in task.sentences('test') for _, v in s.values}
  assert unseen and not seen & unseen
  assert {s.template for s in task.sentences('test')} == set(
      range(len(slot_filling.TEMPLATES)))
  test = task.split('test')
  vocabulary = task.vocabulary()
  for row, sentence in enumerate(task.sentences('test')[:50]):
    for step, (word, tag) in enumerate(zip(sentence.words, sentence.tags)):
      if word not in vocabulary:
        assert tag != 'O' and test['x'][row, step] == words_lib.UNKNOWN


def test_the_data_is_fixed_by_data_seed():
  words = lambda seed: [s.words for s in tasks.get(
      'slot_filling', data_seed=seed, num_train=50).sentences('train')]
  first = words(0)
  slot_filling._sentences.cache_clear()  # built again, not read back
  assert words(0) == first and first != words(1)
  split = tasks.get('slot_filling', num_train=50, num_eval=20).split('train')
  assert split['x'].shape == split['y'].shape == split['mask'].shape
  assert (split['y'][~split['mask']] == 0).all()


@pytest.mark.parametrize('options,message', [
    ({'holdout': 'value'}, r"holdout='value' is not allowed.*did you mean "
     r"'values'"),
    ({'held_out': 0.6}, r'held_out=0.6 is not allowed: it must be <= 0.5'),
    ({'num_train': 0}, r'num_train=0 is not allowed: it must be >= 1'),
    ({'unknown_rate': 1.0}, r'unknown_rate=1.0 is not allowed'),
])
def test_impossible_slot_filling_options_are_refused(options, message):
  with pytest.raises(ValueError, match=message):
    tasks.get('slot_filling', **options)


def test_the_baseline_predicts_the_most_frequent_tag():
  task = tasks.get('slot_filling', num_train=200, num_eval=50)
  test = task.split('test')
  outside = test['y'][test['mask']] == 0
  assert task.baseline()['accuracy'] == pytest.approx(outside.mean())
  assert task.baseline()['span_f1'] == 0.0


def test_a_tagger_learns_slot_filling(tmp_path):
  config = config_util.load(os.path.join(ROOT, 'configs',
                                         'tagging.py:runlocal'))
  config = config_util.override(config, {
      'num_steps': 150, 'batch_size': 16, 'task.num_train': 400,
      'task.num_eval': 100, 'task.holdout': 'values', 'model.hidden_size': 32,
      'log.eval_every': 150, 'log.checkpoint_every': 150})
  results = train.train_and_evaluate(config, str(tmp_path))
  assert results['final']['eval/span_f1'] > 0.4
  assert results['final']['eval/accuracy'] > results['baseline'][
      'eval/accuracy'] + 0.1


# ----------------------------------------------------------------------------
# CoNLL-2003 through TFDS.


@pytest.fixture(name='mock_tfds')
def fixture_mock_tfds():
  with tfds.testing.mock_data(num_examples=40):
    yield


def test_conll_reads_words_and_tags_with_a_mask(mock_tfds):
  del mock_tfds
  task = tasks.get('conll2003', vocab_size=30, max_len=12)
  split = task.split('train')
  assert split['x'].shape == split['y'].shape == split['mask'].shape == (
      40, 12)
  assert split['x'].max() < 30 and (split['x'][~split['mask']] == 0).all()
  assert split['y'].max() < len(task.tag_set()) == task.output_size == 9
  assert task.vocabulary()[:2] == ['<pad>', '<unk>']
  assert len(task.vocabulary()) == 30
  assert task.artifacts()['tags'][:3] == ['O', 'B-PER', 'I-PER']


def test_conll_tags_outside_the_set_are_refused(mock_tfds, monkeypatch):
  del mock_tfds
  from rnnzoo.tasks import conll  # pylint: disable=g-import-not-at-top
  conll._read.cache_clear()
  monkeypatch.setattr(conll, '_TAG_SET', tagging.TagSet(['O', 'B-PER',
                                                         'I-PER']))
  with pytest.raises(ValueError, match=r'ner=\d is not allowed: tag ids are '
                     r"0..2, for \['O', 'B-PER', 'I-PER'\]"):
    tasks.get('conll2003', data_dir='', max_len=8).split('test')
  conll._read.cache_clear()


def test_conll_without_the_prepared_data_says_how_to_prepare_it(tmp_path):
  with pytest.raises(FileNotFoundError, match=r"TFDS dataset 'conll2003' "
                     r"\(split 'train'\) could not be opened from .*tfds "
                     r'build conll2003 --file_format=array_record'):
    tasks.get('conll2003', data_dir=str(tmp_path)).split('train')


def test_the_tagging_config_launches(tmp_path):
  result = subprocess.run(
      [sys.executable, 'launch.py', '--config=configs/tagging.py:runlocal',
       '--config.num_steps=10', f'--workdir={tmp_path}'],
      cwd=ROOT, capture_output=True, text=True, timeout=300)
  assert result.returncode == 0, result.stderr
  assert result.stdout.startswith('done: eval/span_f1 = ')
  assert '(baseline 0.0)' in result.stdout


def test_the_tagging_config_reads_conll(mock_tfds, tmp_path):
  del mock_tfds
  config = config_util.load(os.path.join(
      ROOT, 'configs', 'tagging.py:data=conll2003,runlocal'))
  config = config_util.override(config, {'num_steps': 4, 'log.every': 2,
                                         'log.eval_every': 4})
  results = train.train_and_evaluate(config, str(tmp_path))
  assert results['status'] == 'done'
  assert results['metric'] == 'eval/span_f1'
  assert 0 <= results['final']['eval/span_f1'] <= 1
  with pytest.raises(ValueError, match=r"config arg data='atis' is not "
                     r"allowed: choose one of \['slot_filling', 'conll2003'\]"):
    config_util.load(os.path.join(ROOT, 'configs', 'tagging.py:data=atis'))
