"""Character-level language modelling."""

import dataclasses
import functools
import math

import numpy as np

from rnnzoo.tasks import base

UNKNOWN = 0  # id of characters absent from the training text


@functools.lru_cache(maxsize=None)
def _texts(path: str, valid_fraction: float, data_dir: str,
           download: bool) -> tuple[str, str]:
  """(training text, validation text) of a local file or tiny_shakespeare."""
  if not path:
    return tuple(
        ''.join(base.text_of(source[i]['text']) for i in range(len(source)))
        for source in (base.load_tfds('tiny_shakespeare', split, data_dir,
                                      download)
                       for split in ('train', 'validation')))
  try:
    with open(path, encoding='utf-8') as f:
      text = f.read()
  except (OSError, UnicodeDecodeError) as error:
    raise ValueError(f'path={path!r} cannot be read as UTF-8 text: '
                     f'{error}') from None
  if not text:
    raise ValueError(f'path={path!r} is empty: give a text file with '
                     'characters to model')
  cut = len(text) - int(len(text) * valid_fraction)
  return text[:cut], text[cut:]


@dataclasses.dataclass(frozen=True)
class CharLM(base.DataSet):
  """Character-level language modelling: predict the next character at every
  step, scored in bits per character.

  The text is TFDS 'tiny_shakespeare' (Karpathy 2015; its train and
  validation splits) or, with path=FILE, any UTF-8 text file, whose last
  `valid_fraction` becomes the validation text. Both are cut into windows of
  seq_len + 1 characters with stride seq_len: x is a window's first seq_len
  characters, y its last seq_len. The vocabulary is the training text's
  characters, sorted, after id 0 for characters it lacks; it is stored with
  the run.

  Loss: cross-entropy; metrics 'bpc' (bits per character), 'ce' (nats) and
  'accuracy'. Trivial baseline: the training text's character frequencies
  (add-one smoothed) as the prediction at every step.
  """

  name = 'char_lm'
  input_kind = 'tokens'
  readout = 'every'
  metric = 'bpc'
  higher_is_better = False
  eval_split = 'valid'
  path: str = ''
  seq_len: int = 128
  valid_fraction: float = 0.1
  data_dir: str = ''  # '' for TFDS's default, ~/tensorflow_datasets
  download: bool = False

  def validate(self):
    if not isinstance(self.path, str):
      raise ValueError(f'path={self.path!r} is not allowed: give a file path, '
                       "or '' for tiny_shakespeare")
    base.check_number('seq_len', self.seq_len, minimum=2, integer=True)
    base.check_number('valid_fraction', self.valid_fraction, minimum=0,
                      maximum=1, strict=True)
    base.check_bool('download', self.download)

  def texts(self) -> tuple[str, str]:
    return _texts(self.path, self.valid_fraction, self.data_dir,
                  self.download)

  def vocabulary(self) -> list[str]:
    """The characters by id; id 0 stands for characters not in training."""
    return [''] + sorted(set(self.texts()[0]))

  @property
  def input_size(self):
    return len(self.vocabulary())

  @property
  def output_size(self):
    return self.input_size

  def split(self, name: str) -> dict[str, np.ndarray]:
    text = self.texts()[0 if name == 'train' else 1]
    lookup = {c: i for i, c in enumerate(self.vocabulary()) if c}
    ids = np.array([lookup.get(c, UNKNOWN) for c in text], np.int32)
    windows = (len(ids) - 1) // self.seq_len
    if windows < 1:
      raise ValueError(
          f'seq_len={self.seq_len} is too long for the {name} text '
          f'({len(ids)} characters): it needs at least seq_len + 1')
    starts = np.arange(windows)[:, None] * self.seq_len
    window = ids[starts + np.arange(self.seq_len + 1)]
    return {'x': window[:, :-1], 'y': window[:, 1:]}

  def metrics(self, outputs, batch):
    scores = super().metrics(outputs, batch)
    total, count = scores['ce']
    return scores | {'bpc': (base.bits(total), count)}

  def baseline(self):
    train, valid = self.split('train'), self.split('valid')
    counts = np.bincount(train['y'].ravel(), minlength=self.output_size) + 1.0
    log_p = np.log(counts / counts.sum())
    ce = -float(np.mean(log_p[valid['y'].ravel()]))
    accuracy = float(np.mean(valid['y'] == np.argmax(counts)))
    return {'ce': ce, 'bpc': ce / math.log(2), 'accuracy': accuracy}

  def artifacts(self):
    return {'vocabulary': self.vocabulary()}
