"""Sentiment classification of IMDB movie reviews, from TFDS."""

import collections
import dataclasses
import functools
import re

import numpy as np

from rnnzoo.tasks import base

PAD, UNKNOWN = 0, 1
_WORD = re.compile(r"[a-z0-9']+")


def words(text: str) -> list[str]:
  """Lower-cased words; the reviews' HTML line breaks are spaces."""
  return _WORD.findall(text.lower().replace('<br />', ' '))


@functools.lru_cache(maxsize=None)
def _read(split: str, data_dir: str, download: bool):
  """(list of word lists, labels [N]) of a TFDS imdb_reviews split."""
  source = base.load_tfds('imdb_reviews', split, data_dir, download)
  examples = [source[i] for i in range(len(source))]
  return ([words(base.text_of(e['text'])) for e in examples],
          np.array([int(e['label']) for e in examples], np.int32))


@dataclasses.dataclass(frozen=True)
class IMDB(base.DataSet):
  """IMDB sentiment (Maas et al. 2011, "Learning word vectors for sentiment
  analysis", ACL; TFDS 'imdb_reviews': 25000 train / 25000 test reviews,
  positive or negative).

  Reviews become lower-cased words; the vocabulary is the training split's
  vocab_size - 2 most frequent words (ties broken alphabetically) after id 0
  (padding) and id 1 (other words), and is stored with the run. A review
  keeps its first max_len words; batches are right-padded with a mask, and
  the class is read at each review's last word, so padding never changes a
  prediction.

  Loss: cross-entropy; metrics 'accuracy' and 'ce'. Trivial baseline: the
  training labels' frequencies (50% accuracy on the balanced data).
  """

  name = 'imdb'
  input_kind = 'tokens'
  vocab_size: int = 20_000
  max_len: int = 256
  data_dir: str = ''  # '' for TFDS's default, ~/tensorflow_datasets
  download: bool = False

  def validate(self):
    base.check_number('vocab_size', self.vocab_size, minimum=3, integer=True)
    base.check_number('max_len', self.max_len, minimum=1, integer=True)
    base.check_bool('download', self.download)

  @property
  def seq_len(self) -> int:
    return self.max_len

  @property
  def input_size(self):
    return self.vocab_size

  @property
  def output_size(self):
    return 2

  def vocabulary(self) -> list[str]:
    return _vocabulary(self.vocab_size, self.data_dir, self.download)

  def split(self, name: str) -> dict[str, np.ndarray]:
    reviews, labels = _read(name, self.data_dir, self.download)
    lookup = {w: i for i, w in enumerate(self.vocabulary())}
    x = np.full((len(reviews), self.max_len), PAD, np.int32)
    lengths = np.zeros(len(reviews), np.int32)
    for row, review in enumerate(reviews):
      ids = [lookup.get(w, UNKNOWN) for w in review[:self.max_len]] or [UNKNOWN]
      x[row, :len(ids)] = ids
      lengths[row] = len(ids)
    mask = np.arange(self.max_len) < lengths[:, None]
    return {'x': x, 'y': labels, 'mask': mask}

  def artifacts(self):
    return {'vocabulary': self.vocabulary()}


@functools.lru_cache(maxsize=None)
def _vocabulary(vocab_size: int, data_dir, download) -> list[str]:
  counts = collections.Counter()
  for review in _read('train', data_dir, download)[0]:
    counts.update(review)
  if vocab_size - 2 > len(counts):
    raise ValueError(
        f'vocab_size={vocab_size} is larger than the data allows: the '
        f'training split has {len(counts)} distinct words, so vocab_size '
        f'must be <= {len(counts) + 2}')
  ranked = sorted(counts, key=lambda w: (-counts[w], w))[:vocab_size - 2]
  return ['<pad>', '<unk>'] + ranked
