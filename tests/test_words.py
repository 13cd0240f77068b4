"""`tasks.words`: the ranked vocabulary, its ids, and a vocab_size too
large for the data, on a corpus written here."""

import dataclasses

import pytest

from rnnzoo.tasks import words


@dataclasses.dataclass(frozen=True)
class _Corpus(words.Words):
  name = 'corpus_for_tests'

  def split_words(self, name):
    assert name == 'train'
    return [['b', 'a', 'c'], ['a', 'b'], ['a', 'd']]


def test_vocabulary_ranks_by_count_then_alphabetically():
  # counts: a 3, b 2, c 1, d 1
  assert _Corpus(vocab_size=5).vocabulary() == ['<pad>', '<unk>', 'a', 'b',
                                                'c']
  assert words.PAD == 0 and words.UNKNOWN == 1


def test_ids_keep_the_first_max_len_words_and_mark_others_unknown():
  corpus = _Corpus(vocab_size=4, max_len=3)  # a, b known; c, d not
  assert corpus.ids(['a', 'd', 'b', 'a']) == [2, words.UNKNOWN, 3]


def test_a_vocabulary_larger_than_the_data_is_refused():
  with pytest.raises(ValueError, match=r'vocab_size=7 .* must be <= 6'):
    _Corpus(vocab_size=7).vocabulary()
