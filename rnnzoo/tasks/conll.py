"""Named entity recognition on CoNLL-2003 (English), from TFDS."""

import dataclasses
import functools
import importlib

import numpy as np

from rnnzoo.tasks import base
from rnnzoo.tasks import tagging
from rnnzoo.tasks import words as words_lib

# TFDS 'conll2003' labels its 'ner' feature with these names, by id.
NER_TAGS = ('O', 'B-PER', 'I-PER', 'B-ORG', 'I-ORG', 'B-LOC', 'I-LOC',
            'B-MISC', 'I-MISC')


@functools.lru_cache(maxsize=None)
def _read(split: str, data_dir: str, download: bool):
  """(list of token lists, list of tag id arrays) of a TFDS split."""
  # TFDS registers the builder when its module is imported.
  importlib.import_module('tensorflow_datasets.text.conll2003')
  source = base.load_tfds('conll2003', split, data_dir, download)
  examples = [source[i] for i in range(len(source))]
  tokens = [[base.text_of(t) for t in e['tokens']] for e in examples]
  tags = [np.asarray(e['ner'], np.int32) for e in examples]
  for ids in tags:
    _TAG_SET.check_ids('ner', ids)
  return tokens, tags


_TAG_SET = tagging.TagSet(NER_TAGS)


@dataclasses.dataclass(frozen=True)
class CoNLL2003(tagging.Tagging, words_lib.Words):
  """CoNLL-2003 English named entities (Tjong Kim Sang & De Meulder 2003,
  "Introduction to the CoNLL-2003 shared task", CoNLL; TFDS 'conll2003':
  14041 train / 3250 dev / 3453 test sentences of Reuters news), tagged
  with persons, organisations, locations and miscellaneous names in BIO.

  Words keep their case, ids as `words_lib.Words` gives them (a sentence keeps
  its first max_len words, padded to max_len with a mask); the evaluation
  is on the test split, so spans cut by max_len count as they are read.

  Scores: those of `tagging.Tagging`.
  """

  name = 'conll2003'
  max_len: int = 64

  def tag_set(self):
    return _TAG_SET

  def split_words(self, name: str) -> list[list[str]]:
    return _read(name, self.data_dir, self.download)[0]

  def split(self, name):
    tokens, tags = _read(name, self.data_dir, self.download)
    x, mask = tagging.pad([self.ids(sentence) for sentence in tokens],
                          self.max_len)
    y, _ = tagging.pad([ids[:self.max_len] for ids in tags], self.max_len)
    return {'x': x, 'y': y, 'mask': mask}

  def artifacts(self):
    return {**super().artifacts(), 'tags': list(NER_TAGS)}
