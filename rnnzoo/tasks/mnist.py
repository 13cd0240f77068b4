"""Sequential, permuted and row-by-row MNIST, from TFDS."""

import dataclasses
import functools

import numpy as np

from rnnzoo.tasks import base


@functools.lru_cache(maxsize=None)
def _read(split: str, data_dir: str, download: bool):
  """All images [N, 28, 28] uint8 and labels [N] of a TFDS mnist split."""
  source = base.load_tfds('mnist', split, data_dir, download)
  examples = [source[i] for i in range(len(source))]
  images = np.stack([np.asarray(e['image']).reshape(28, 28) for e in examples])
  labels = np.array([int(e['label']) for e in examples], np.int32)
  return images, labels


@dataclasses.dataclass(frozen=True)
class MNIST(base.DataSet):
  """MNIST digits as sequences (TFDS 'mnist': 60000 train / 10000 test).

  order='pixel': 784 steps of one pixel in scan-line order (Le et al. 2015);
  'permuted': the same pixels in one fixed random order, drawn from
  permutation_seed (92916 by default, the Dilated RNN demo's; the
  permutation is stored with the run); 'row': 28 steps of 28-pixel rows
  (Zhou et al. 2016). Pixels scaled to [0, 1]; the class is read at the last
  step.

  Read with `tfds.data_source` (no TensorFlow). With download=False (the
  default) a machine without the data fails at once, saying how to prepare
  it. Loss: cross-entropy; metrics 'accuracy' and 'ce'. Trivial baseline:
  the training labels' frequencies.
  """

  name = 'mnist'
  order: str = 'pixel'
  permutation_seed: int = 92916
  data_dir: str = ''  # '' for TFDS's default, ~/tensorflow_datasets
  download: bool = False

  def validate(self):
    base.check_choice('order', self.order, ('pixel', 'permuted', 'row'))
    base.check_number('permutation_seed', self.permutation_seed, minimum=0,
                      integer=True)
    base.check_bool('download', self.download)

  @property
  def input_size(self):
    return 28 if self.order == 'row' else 1

  @property
  def output_size(self):
    return 10

  @property
  def seq_len(self) -> int:
    return 28 if self.order == 'row' else 784

  def permutation(self) -> np.ndarray:
    if self.order != 'permuted':
      return np.arange(784)
    return np.random.default_rng(self.permutation_seed).permutation(784)

  def split(self, name: str) -> dict[str, np.ndarray]:
    images, labels = _read(name, self.data_dir, self.download)
    pixels = images.reshape(len(images), 784)[:, self.permutation()]
    x = (pixels.astype(np.float32) / 255.0).reshape(
        len(images), self.seq_len, self.input_size)
    return {'x': x, 'y': labels}

  def artifacts(self):
    return {'permutation': self.permutation().tolist()}
