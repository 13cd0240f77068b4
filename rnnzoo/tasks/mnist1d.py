"""MNIST-1D, built offline."""

import dataclasses
import functools

import numpy as np

from rnnzoo.tasks import base


@functools.lru_cache(maxsize=None)
def _generate():
  """The published MNIST-1D (default arguments: 4000 train / 1000 test)."""
  from mnist1d import data  # pylint: disable=g-import-not-at-top
  return data.make_dataset(data.get_dataset_args())


@dataclasses.dataclass(frozen=True)
class MNIST1D(base.DataSet):
  """MNIST-1D (Greydanus 2020, "Scaling down deep learning"; Greydanus &
  Kobak, ICML 2024): 10 digit templates as 1-D signals of 40 points, padded,
  sheared, scaled, translated and noised; 4000 training and 1000 test
  sequences of 40 steps (one feature each), 10 classes.

  Built offline by the `mnist1d` package's `make_dataset` with its default
  arguments, which reproduce the published data set (its `get_dataset`
  downloads, and is not used). shuffle_space=True applies one fixed random
  permutation to the 40 positions, the paper's test that spatial structure
  matters (its GRU drops from 91% to 57%).

  Loss: cross-entropy; metrics 'accuracy' and 'ce'. Trivial baseline: the
  training labels' frequencies (accuracy of the most common class).
  """

  name = 'mnist1d'
  shuffle_space: bool = False
  permutation_seed: int = 0

  def validate(self):
    base.check_bool('shuffle_space', self.shuffle_space)
    base.check_number('permutation_seed', self.permutation_seed, minimum=0,
                      integer=True)

  @property
  def input_size(self):
    return 1

  @property
  def output_size(self):
    return 10

  @property
  def seq_len(self) -> int:
    return 40

  def permutation(self) -> np.ndarray:
    if not self.shuffle_space:
      return np.arange(self.seq_len)
    return np.random.default_rng(self.permutation_seed).permutation(
        self.seq_len)

  def split(self, name: str) -> dict[str, np.ndarray]:
    data = _generate()
    x, y = (data['x'], data['y']) if name == 'train' else (
        data['x_test'], data['y_test'])
    x = x[:, self.permutation()].astype(np.float32)[..., None]
    return {'x': x, 'y': y.astype(np.int32)}

  def artifacts(self):
    return {'permutation': self.permutation().tolist()}
