"""Sentiment classification of IMDB movie reviews, from TFDS."""

import dataclasses
import functools
import re

import numpy as np

from rnnzoo.tasks import base
from rnnzoo.tasks import words as words_lib

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
class IMDB(words_lib.Words):
  """IMDB sentiment (Maas et al. 2011, "Learning word vectors for sentiment
  analysis", ACL; TFDS 'imdb_reviews': 25000 train / 25000 test reviews,
  positive or negative).

  Reviews become lower-cased words, ids as `words_lib.Words` gives them (a
  review keeps its first max_len words); batches are right-padded with a
  mask, and the class is read at each review's last word, so padding never
  changes a prediction.

  Loss: cross-entropy; metrics 'accuracy' and 'ce'. Trivial baseline: the
  training labels' frequencies (50% accuracy on the balanced data).
  """

  name = 'imdb'

  @property
  def seq_len(self) -> int:
    return self.max_len

  @property
  def output_size(self):
    return 2

  def split_words(self, name: str) -> list[list[str]]:
    return _read(name, self.data_dir, self.download)[0]

  def split(self, name: str) -> dict[str, np.ndarray]:
    reviews, labels = _read(name, self.data_dir, self.download)
    x = np.full((len(reviews), self.max_len), words_lib.PAD, np.int32)
    lengths = np.zeros(len(reviews), np.int32)
    for row, review in enumerate(reviews):
      ids = self.ids(review) or [words_lib.UNKNOWN]
      x[row, :len(ids)] = ids
      lengths[row] = len(ids)
    mask = np.arange(self.max_len) < lengths[:, None]
    return {'x': x, 'y': labels, 'mask': mask}
