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

  stateful=True trains with truncated backpropagation through time (TBPTT;
  Williams & Peng 1990, "An efficient gradient-based algorithm for on-line
  training of recurrent network trajectories"; Mikolov 2012, "Statistical
  language models based on neural networks", trains language models this
  way): the training text of N characters is cut into B = batch_size
  contiguous pieces of P = N // B characters, and batch k holds window k of
  every piece (characters k*seq_len .. k*seq_len + seq_len of piece b in
  row b), so row b of consecutive batches is consecutive text.
  The train loop passes the recurrent layers' final carry of batch k, with
  its gradient stopped, as the initial carry of batch k + 1: the state
  flows over the whole piece while gradients are cut every seq_len steps,
  so seq_len is the truncation length (k1 = k2 = seq_len in Williams &
  Peng's terms). After the last whole window of the pieces, (P - 1) //
  seq_len, every stream wraps to the start of its piece and its carry
  resets to the model's initial one (zeros, or the learned one): the batch
  marks it with `reset`. The option lives on the task because the task
  owns the order of the text; the model only passes a carry along
  (`rnnzoo.models.rnn`), and only a model that runs forward in time can
  (a backward direction would carry the future of the text into the next
  window: the RNN's `check_task` refuses it).

  Evaluation with stateful=True, or eval_stream=True (for a model trained on
  independent windows), reads the whole held-out text as one stream: a
  batch of one row per window, in order, the carry passed along, the last
  window padded and masked, so 'bpc' is that of every character of the text
  after its first. Otherwise evaluation reads independent windows, each from
  the initial carry.
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
  stateful: bool = False
  eval_stream: bool = False

  @property
  def carries_state(self):
    return self.stateful or self.eval_stream

  def validate(self):
    if not isinstance(self.path, str):
      raise ValueError(f'path={self.path!r} is not allowed: give a file path, '
                       "or '' for tiny_shakespeare")
    base.check_number('seq_len', self.seq_len, minimum=2, integer=True)
    base.check_number('valid_fraction', self.valid_fraction, minimum=0,
                      below=1, strict=True)
    base.check_bool('download', self.download)
    base.check_bool('stateful', self.stateful)
    base.check_bool('eval_stream', self.eval_stream)

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

  def ids(self, name: str) -> np.ndarray:
    """The text of split `name` ('train' or 'valid') as character ids."""
    text = self.texts()[0 if name == 'train' else 1]
    lookup = {c: i for i, c in enumerate(self.vocabulary()) if c}
    return np.array([lookup.get(c, UNKNOWN) for c in text], np.int32)

  def split(self, name: str) -> dict[str, np.ndarray]:
    ids = self.ids(name)
    windows = (len(ids) - 1) // self.seq_len
    if windows < 1:
      raise ValueError(
          f'seq_len={self.seq_len} is too long for the {name} text '
          f'({len(ids)} characters): it needs at least seq_len + 1')
    starts = np.arange(windows)[:, None] * self.seq_len
    window = ids[starts + np.arange(self.seq_len + 1)]
    return {'x': window[:, :-1], 'y': window[:, 1:]}

  def check_batch_size(self, batch_size):
    if self.stateful:
      text_streams(self.ids('train'), batch_size, self.seq_len)

  def train_stream(self, seed, batch_size):
    if not self.stateful:
      return super().train_stream(seed, batch_size)
    return TextStreams(self.ids('train'), batch_size, self.seq_len)

  def eval_items(self, seed, batch_size):
    if not self.carries_state:
      return super().eval_items(seed, batch_size)
    return one_stream(self.ids('valid'), self.seq_len)

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


# ----------------------------------------------------------------------------
# Streams through a text.


def text_streams(ids: np.ndarray, batch_size: int, seq_len: int) -> tuple:
  """(pieces [B, P], windows per piece) of `ids` cut into batch_size
  contiguous pieces of P = len(ids) // batch_size characters."""
  length = len(ids) // batch_size
  windows = (length - 1) // seq_len
  if windows < 1:
    raise ValueError(
        f'batch_size={batch_size} is not allowed with stateful=True and '
        f'seq_len={seq_len}: the training text ({len(ids)} characters) cut '
        f'into {batch_size} streams gives pieces of {length} characters, and '
        f'a window needs seq_len + 1 = {seq_len + 1}; use batch_size <= '
        f'{max(len(ids) // (seq_len + 1), 0)} or a shorter seq_len')
  return ids[:batch_size * length].reshape(batch_size, length), windows


class TextStreams:
  """The stateful training stream: batch i is window i % W of each of the B
  pieces of `text_streams`, x its seq_len characters and y the next ones;
  reset is set on window 0. `get_state()` / `set_state()` resume it."""

  def __init__(self, ids: np.ndarray, batch_size: int, seq_len: int):
    self.pieces, self.windows = text_streams(ids, batch_size, seq_len)
    self.seq_len, self.index = seq_len, 0

  def __iter__(self):
    return self

  def __next__(self):
    window = self.index % self.windows
    self.index += 1
    start = window * self.seq_len
    chunk = self.pieces[:, start:start + self.seq_len + 1]
    rows = len(chunk)
    return {'x': chunk[:, :-1], 'y': chunk[:, 1:],
            'weight': np.ones(rows, np.float32),
            'reset': np.full(rows, window == 0)}

  def get_state(self) -> dict:
    return {'index': self.index}

  def set_state(self, state: dict) -> None:
    self.index = int(state['index'])


def one_stream(ids: np.ndarray, seq_len: int) -> list:
  """The whole of `ids` as one stream: a batch of one row per window of
  seq_len predictions, in order, the last one padded and masked; reset is
  set on the first."""
  if len(ids) < 2:
    raise ValueError(f'the validation text has {len(ids)} characters: '
                     'evaluating it as a stream needs at least 2')
  batches = []
  for start in range(0, len(ids) - 1, seq_len):
    chunk = ids[start:start + seq_len + 1]
    valid = len(chunk) - 1
    pad = lambda a: np.pad(a, (0, seq_len - len(a)))[None]
    batches.append({'x': pad(chunk[:-1]), 'y': pad(chunk[1:]),
                    'mask': pad(np.ones(valid, bool)),
                    'weight': np.ones(1, np.float32),
                    'reset': np.array([start == 0])})
  return batches
