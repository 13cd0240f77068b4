"""Text read as words: ids, vocabularies and the options of a TFDS text task."""

import collections
import dataclasses
import functools
from typing import Sequence

from rnnzoo.tasks import base

PAD, UNKNOWN = 0, 1


def ranked_words(texts: Sequence[Sequence[str]]) -> list[str]:
  """The distinct words of `texts` by count, ties alphabetically."""
  counts = collections.Counter(w for text in texts for w in text)
  return sorted(counts, key=lambda w: (-counts[w], w))


@dataclasses.dataclass(frozen=True)
class Words(base.DataSet):
  """A TFDS data set whose inputs are words: the vocabulary is id PAD
  (padding), id UNKNOWN (other words) and the training split's
  vocab_size - 2 most frequent words (ties alphabetically), stored with the
  run; an example keeps its first max_len words. Subclasses give
  `split_words`."""

  input_kind = 'tokens'
  vocab_size: int = 20_000
  max_len: int = 256
  data_dir: str = ''  # '' for TFDS's default, ~/tensorflow_datasets
  download: bool = False

  def validate(self):
    base.check_number('vocab_size', self.vocab_size, minimum=3, integer=True)
    base.check_number('max_len', self.max_len, minimum=1, integer=True)
    base.check_bool('download', self.download)

  def split_words(self, name: str) -> list[list[str]]:
    """The words of each example of split `name`."""
    raise NotImplementedError

  @property
  def input_size(self):
    return self.vocab_size

  def vocabulary(self) -> list[str]:
    return list(_vocabulary(self))

  def ids(self, words: Sequence[str]) -> list[int]:
    """The ids of an example's first max_len words."""
    lookup = _lookup(self)
    return [lookup.get(w, UNKNOWN) for w in words[:self.max_len]]

  def artifacts(self):
    return {'vocabulary': self.vocabulary()}


@functools.lru_cache(maxsize=None)
def _vocabulary(task: Words) -> tuple[str, ...]:
  ranked = ranked_words(task.split_words('train'))
  if task.vocab_size - 2 > len(ranked):
    raise ValueError(
        f'vocab_size={task.vocab_size} is larger than the data allows: the '
        f'training split has {len(ranked)} distinct words, so vocab_size '
        f'must be <= {len(ranked) + 2}')
  return ('<pad>', '<unk>') + tuple(ranked[:task.vocab_size - 2])


@functools.lru_cache(maxsize=None)
def _lookup(task: Words) -> dict[str, int]:
  return {w: i for i, w in enumerate(_vocabulary(task))}
