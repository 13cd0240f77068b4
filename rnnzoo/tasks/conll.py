"""Named entity recognition on CoNLL-2003 (English), from TFDS."""

import dataclasses
import functools
import importlib

import numpy as np

from rnnzoo.tasks import base
from rnnzoo.tasks import tagging

PAD, UNKNOWN = 0, 1
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
class CoNLL2003(tagging.Tagging):
  """CoNLL-2003 English named entities (Tjong Kim Sang & De Meulder 2003,
  "Introduction to the CoNLL-2003 shared task", CoNLL; TFDS 'conll2003':
  14041 train / 3250 dev / 3453 test sentences of Reuters news), tagged
  with persons, organisations, locations and miscellaneous names in BIO.

  Words keep their case; the vocabulary is the training split's
  vocab_size - 2 most frequent words (ties alphabetically) after id 0
  (padding) and id 1 (other words), and is stored with the run. A sentence
  keeps its first max_len words (padded to max_len with a mask); the
  evaluation is on the test split, so spans cut by max_len count as they
  are read.

  Scores: those of `tagging.Tagging`.
  """

  name = 'conll2003'
  vocab_size: int = 20_000
  max_len: int = 64
  data_dir: str = ''  # '' for TFDS's default, ~/tensorflow_datasets
  download: bool = False

  def validate(self):
    base.check_number('vocab_size', self.vocab_size, minimum=3, integer=True)
    base.check_number('max_len', self.max_len, minimum=1, integer=True)
    base.check_bool('download', self.download)

  def tag_set(self):
    return _TAG_SET

  @property
  def input_size(self):
    return self.vocab_size

  def vocabulary(self) -> list[str]:
    return _vocabulary(self.vocab_size, self.data_dir, self.download)

  def split(self, name):
    tokens, tags = _read(name, self.data_dir, self.download)
    lookup = {w: i for i, w in enumerate(self.vocabulary())}
    x, mask = tagging.pad([[lookup.get(w, UNKNOWN) for w in sentence]
                           [:self.max_len] for sentence in tokens],
                          self.max_len)
    y, _ = tagging.pad([ids[:self.max_len] for ids in tags], self.max_len)
    return {'x': x, 'y': y, 'mask': mask}

  def artifacts(self):
    return {'vocabulary': self.vocabulary(), 'tags': list(NER_TAGS)}


@functools.lru_cache(maxsize=None)
def _vocabulary(vocab_size: int, data_dir: str, download: bool) -> list[str]:
  words = tagging.ranked_words(_read('train', data_dir, download)[0])
  if vocab_size - 2 > len(words):
    raise ValueError(
        f'vocab_size={vocab_size} is larger than the data allows: the '
        f'training split has {len(words)} distinct words, so vocab_size '
        f'must be <= {len(words) + 2}')
  return ['<pad>', '<unk>'] + words[:vocab_size - 2]
