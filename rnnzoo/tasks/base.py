"""The task contract, and what every task shares.

A task is a frozen dataclass of options (like a cell) that says what the data
looks like, where it comes from, how to score a model on it, and what a
trivial model scores.

Data flows in two steps. A stream (`train_stream`, `eval_items`) yields
items on the host; the jitted train step turns an item into a batch with
`prepare`. For the synthetic tasks an item is three integers (seed, stream,
index) and `prepare` generates the batch on the device with `jax.random`, so
there is no host pipeline. For data sets an item is the batch itself, read
with grain from arrays held in memory, and `prepare` is the identity.

A batch is a dict:
  x: [B, T, D] float32 ('real' inputs) or [B, T] int32 ('tokens').
  y: targets: [B] at the last step (readout='last') or [B, T] at every step
     (readout='every'); float32 for regression, int32 class ids otherwise.
  mask: [B, T] bool, True on valid steps (right padding), when lengths vary.
  weight: [B] float32, 0 for the rows that pad the last eval batch.
  reset: [B] bool, for a task that `carries_state`: True on the rows whose
     stream starts at this window (their carry is the model's initial one),
     False on the rows that continue the previous window of their stream.

Scoring: `loss(outputs, batch)` is the weighted mean training loss;
`metrics(outputs, batch)` gives {name: (sum, count)} so that means over many
batches are exact; `baseline()` gives each metric's value for the trivial
predictor named in the task's docstring.
"""

import dataclasses
import functools
import math
from typing import Any, ClassVar

import grain
import jax
import jax.numpy as jnp
import numpy as np

from rnnzoo import options

Array = jax.Array
Batch = dict[str, Array]
check_choice = options.check_choice
check_bool = options.check_bool
check_number = options.check_number

TRAIN, EVAL = 0, 1  # stream ids of the synthetic tasks' keys


@dataclasses.dataclass(frozen=True)
class Task(options.Configurable):
  """Base class of all tasks; see the module docstring for the contract."""

  kind = 'task'
  input_kind: ClassVar[str] = 'real'     # 'real' or 'tokens'
  readout: ClassVar[str] = 'last'        # 'last' or 'every'
  metric: ClassVar[str] = 'accuracy'     # the headline metric
  higher_is_better: ClassVar[bool] = True
  on_device: ClassVar[bool] = False      # batches generated inside the step
  # Whether training passes the recurrent carry from one batch to the next
  # (each row a stream; see `reset` above), and whether evaluation does.
  stateful: ClassVar[bool] = False
  carries_state: ClassVar[bool] = False

  @property
  def input_size(self) -> int:
    """D for real inputs, the vocabulary size for tokens."""
    raise NotImplementedError

  @property
  def output_size(self) -> int:
    """Outputs per readout: 1 for regression, the number of classes else."""
    raise NotImplementedError

  def train_stream(self, seed: int, batch_size: int):
    """An endless, resumable stream of training items (`Stream`)."""
    raise NotImplementedError

  def eval_items(self, seed: int, batch_size: int) -> list:
    """The evaluation set as a list of items, the same for every call."""
    raise NotImplementedError

  def check_batch_size(self, batch_size: int) -> None:
    """Raises a ValueError if the task cannot make batches of this size
    (any size here)."""
    del batch_size

  def prepare(self, item, batch_size: int) -> Batch:
    """Item -> batch of `batch_size` rows, inside the jitted step."""
    del batch_size
    return item

  def loss(self, outputs: Array, batch: Batch) -> Array:
    raise NotImplementedError

  def metrics(self, outputs: Array, batch: Batch) -> dict[str, tuple]:
    raise NotImplementedError

  def baseline(self) -> dict[str, float]:
    raise NotImplementedError

  def artifacts(self) -> dict[str, Any]:
    """JSON-able things to store with a run (a vocabulary, a permutation)."""
    return {}


@dataclasses.dataclass(frozen=True)
class Synthetic(Task):
  """A task whose batches `sample` draws on the device from a PRNG key.

  The evaluation set is `eval_batches` batches drawn from keys of their own,
  the same for every evaluation of a run.
  """

  on_device = True
  eval_batches: int = 10

  def validate(self):
    check_number('eval_batches', self.eval_batches, minimum=1, integer=True)

  def sample(self, key: Array, batch_size: int) -> Batch:
    raise NotImplementedError

  def train_stream(self, seed, batch_size):
    return KeyStream(seed, TRAIN)

  def eval_items(self, seed, batch_size):
    return [np.array([seed, EVAL, i], np.uint32)
            for i in range(self.eval_batches)]

  def prepare(self, item, batch_size):
    key = jax.random.fold_in(jax.random.PRNGKey(item[0]), item[1])
    return self.sample(jax.random.fold_in(key, item[2]), batch_size)


# ----------------------------------------------------------------------------
# Streams.


class KeyStream:
  """The synthetic tasks' stream: item i is (seed, stream, i) as uint32."""

  def __init__(self, seed: int, stream: int = TRAIN, index: int = 0):
    self.seed, self.stream, self.index = seed, stream, index

  def __iter__(self):
    return self

  def __next__(self):
    item = np.array([self.seed, self.stream, self.index], np.uint32)
    self.index += 1
    return item

  def get_state(self) -> dict:
    return {'index': self.index}

  def set_state(self, state: dict) -> None:
    self.index = int(state['index'])


def array_stream(arrays: dict[str, np.ndarray], seed: int, batch_size: int):
  """Endless batches of rows of `arrays`, reshuffled every epoch by grain.

  The iterator's `get_state()` / `set_state()` resume it exactly. It reads in
  the caller's thread: a batch is a gather from memory, and grain's default
  read-ahead (16 threads, 500 batches) would only compete with training for
  the CPU and outlive the run.
  """
  num_rows = len(next(iter(arrays.values())))
  if batch_size > num_rows:
    raise ValueError(f'batch_size={batch_size} is not allowed: the training '
                     f'split has only {num_rows} examples')
  dataset = (grain.MapDataset.range(num_rows).shuffle(seed=seed).repeat()
             .batch(batch_size, drop_remainder=True)
             .map(functools.partial(_take_rows, arrays)))
  return iter(dataset.to_iter_dataset(
      grain.ReadOptions(num_threads=0, prefetch_buffer_size=0)))


def _take_rows(arrays, rows):
  batch = {name: array[rows] for name, array in arrays.items()}
  batch['weight'] = np.ones(len(rows), np.float32)
  return batch


def array_batches(arrays: dict[str, np.ndarray], batch_size: int) -> list:
  """All rows of `arrays` in order, the last batch padded with weight 0."""
  num_rows = len(next(iter(arrays.values())))
  batches = []
  for start in range(0, num_rows, batch_size):
    rows = np.arange(start, min(start + batch_size, num_rows))
    batch = _take_rows(arrays, np.resize(rows, batch_size))
    batch['weight'][len(rows):] = 0.0
    batches.append(batch)
  return batches


# ----------------------------------------------------------------------------
# Scores. Every function takes per-example weights [B] and returns sums.


def _weights(batch: Batch, shape) -> Array:
  """Per-position weights: the example weight, times the mask when given."""
  weight = batch['weight'].reshape(batch['weight'].shape +
                                   (1,) * (len(shape) - 1))
  weight = jnp.broadcast_to(weight, shape)
  if 'mask' in batch and len(shape) == 2:
    weight = weight * batch['mask']
  return weight


def squared_error(predictions: Array, batch: Batch) -> tuple:
  """(sum, count) of squared errors; predictions [B, 1] or [B]."""
  errors = (predictions.reshape(batch['y'].shape) - batch['y']) ** 2
  weight = _weights(batch, errors.shape)
  return jnp.sum(errors * weight), jnp.sum(weight)


def cross_entropy(logits: Array, batch: Batch) -> tuple:
  """(sum, count) of cross-entropy in nats; logits [..., C], y [...]."""
  losses = -jnp.take_along_axis(jax.nn.log_softmax(logits),
                                batch['y'][..., None], axis=-1)[..., 0]
  weight = _weights(batch, losses.shape)
  return jnp.sum(losses * weight), jnp.sum(weight)


def accuracy(logits: Array, batch: Batch) -> tuple:
  correct = jnp.argmax(logits, -1) == batch['y']
  weight = _weights(batch, correct.shape)
  return jnp.sum(correct * weight), jnp.sum(weight)


def mean(pair: tuple) -> Array:
  total, count = pair
  return total / jnp.maximum(count, 1e-9)


class Classification(Task):
  """Cross-entropy loss; metrics ce (nats) and accuracy."""

  def loss(self, outputs, batch):
    return mean(cross_entropy(outputs, batch))

  def metrics(self, outputs, batch):
    return {'ce': cross_entropy(outputs, batch),
            'accuracy': accuracy(outputs, batch)}


class DataSet(Classification):
  """A classification task over arrays in memory: `split(name)` gives a
  split's {'x', 'y'[, 'mask']} rows; training streams the train split
  through grain, evaluation reads the eval split in order."""

  eval_split: ClassVar[str] = 'test'

  def split(self, name: str) -> dict[str, np.ndarray]:
    raise NotImplementedError

  def train_stream(self, seed, batch_size):
    return array_stream(self.split('train'), seed, batch_size)

  def eval_items(self, seed, batch_size):
    return array_batches(self.split(self.eval_split), batch_size)

  def baseline(self):
    return majority_baseline(self.split('train')['y'], self.output_size)


def majority_baseline(labels: np.ndarray, num_classes: int) -> dict:
  """Scores of predicting the training labels' frequencies for every input."""
  counts = np.bincount(labels.ravel(), minlength=num_classes)
  freq = counts / counts.sum()
  entropy = -float(np.sum(freq[freq > 0] * np.log(freq[freq > 0])))
  return {'accuracy': float(freq.max()), 'ce': entropy}


def load_tfds(name: str, split: str, data_dir: str, download: bool):
  """A TFDS data source (ArrayRecord, read without TensorFlow).

  Offline, a missing data set fails at once with a message saying how to
  prepare it, instead of retrying downloads for minutes.
  """
  import tensorflow_datasets as tfds  # pylint: disable=g-import-not-at-top
  try:
    return tfds.data_source(name, split=split, data_dir=data_dir or None,
                            download=download)
  except Exception as error:  # pylint: disable=broad-except
    # TFDS reports a missing or TFRecord-only data set in several ways
    # (NotImplementedError, AssertionError, ...): name it and give advice.
    where = data_dir or '~/tensorflow_datasets'
    raise FileNotFoundError(
        f"TFDS dataset {name!r} (split {split!r}) could not be opened from "
        f"{where} ({type(error).__name__}: {str(error).splitlines()[0]}). "
        f"If it is not prepared there as ArrayRecord, build it on a machine "
        f"with internet (`tfds build {name} --file_format=array_record "
        f"--data_dir=DIR`) and pass data_dir=DIR, or set download=True") from None


def text_of(value) -> str:
  """TFDS text features are bytes in real data and str under mock_data."""
  return value.decode('utf-8') if isinstance(value, bytes) else str(value)


def bits(nats):
  """Nats to bits."""
  return nats / math.log(2)
