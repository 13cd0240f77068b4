"""Connectionist temporal classification (Graves et al. 2006) on digit
sequences read from noisy frames, and its scoring.

CTC (Graves, Fernandez, Gomez & Schmidhuber 2006, "Connectionist temporal
classification: labelling unsegmented sequence data with recurrent neural
networks", ICML) labels a sequence of T frames with a shorter label
sequence z, without an alignment. The network gives at every frame a
distribution y_t over the labels and a blank (id 0 here); a path pi (one
symbol per frame) maps to a labelling B(pi) by merging repeated symbols and
then dropping blanks, and

  p(z | x) = sum over paths pi with B(pi) = z of prod_t y_t[pi_t],
  loss = -ln p(z | x),

summed by the forward-backward recursion (optax.ctc_loss). A labelling
needs at least |z| frames (one more for each pair of equal neighbours,
which a blank must separate).

Decoding is best-path: the argmax at every frame, through B. The label
error rate is the edit distance (insertions, deletions and substitutions,
Levenshtein 1966) from the decoded labelling to the target, summed over
sequences and divided by the total target length.
"""

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import optax

from rnnzoo.tasks import base

BLANK = 0
NUM_DIGITS = 10
SILENCE = 0  # the template index of silence frames; digit d is d + 1


def ctc_loss(logits, frame_mask, labels, label_mask):
  """-ln p(labels | frames) per sequence [B]; logits [B, T, K] with the
  blank at id 0, masks True on valid frames and labels.

  Given arrays (not traced inside jit), a target that no path can produce
  is refused (`check_alignable`); the tasks' data cannot have one.
  """
  if not isinstance(frame_mask, jax.core.Tracer):
    check_alignable(frame_mask, labels, label_mask)
  return optax.ctc_loss(logits, 1.0 - frame_mask, labels, 1.0 - label_mask,
                        blank_id=BLANK)


def best_path(logits, frame_mask):
  """Greedy decoding: (symbol [B, T], kept [B, T]); the labelling is the
  symbols where kept, in order (argmax, repeats merged, blanks dropped)."""
  symbols = jnp.argmax(logits, -1)
  previous = jnp.pad(symbols[:, :-1], ((0, 0), (1, 0)), constant_values=BLANK)
  kept = frame_mask & (symbols != BLANK) & (symbols != previous)
  return symbols, kept


def edit_distance(symbols, kept, labels, label_mask):
  """Levenshtein distance [B] from the kept symbols (in order) to the
  labels.

  The dynamic programme runs over the frames, each kept symbol adding a
  row: D[i, j] = min(D[i-1, j] + 1, D[i-1, j-1] + [a_i != b_j],
  D[i, j-1] + 1), the last term a running minimum along the row.
  """
  num_labels = labels.shape[1]
  columns = jnp.arange(num_labels + 1)

  def one(symbols, kept, labels, label_mask):
    def row(previous, step):
      symbol, keep = step
      substitute = previous[:-1] + (labels != symbol)
      first = previous[0] + 1
      candidates = jnp.minimum(previous[1:] + 1, substitute)
      candidates = jnp.concatenate([first[None], candidates])
      current = jax.lax.cummin(candidates - columns) + columns
      return jnp.where(keep, current, previous), None

    last, _ = jax.lax.scan(row, columns, (symbols, kept))
    return last[jnp.sum(label_mask)]

  return jax.vmap(one)(symbols, kept, labels, label_mask)


def label_errors(logits, frame_mask, labels, label_mask, weight) -> tuple:
  """(weighted edit distances of the best paths, weighted label count)."""
  symbols, kept = best_path(logits, frame_mask)
  distances = edit_distance(symbols, kept, labels, label_mask)
  return (jnp.sum(distances * weight),
          jnp.sum(jnp.sum(label_mask, 1) * weight))


@dataclasses.dataclass(frozen=True)
class CTCDigits(base.Synthetic):
  """Digit strings read from noisy frames of varying duration, trained
  with CTC (Graves et al. 2006) and scored by the label error rate.

  A sequence holds min_labels..max_labels digits (uniform; neighbours
  differ, as frames alone cannot show where one digit ends and the same
  digit begins). Each digit lasts min_frames..max_frames frames (uniform),
  after 0..max_silence silence frames (uniform). A frame is its digit's
  template (or the silence template) plus Gaussian noise of s.d. `noise`;
  the eleven templates are standard normal vectors of feature_size, the
  same for every seed. Sequences are right-padded with a mask to
  max_labels (max_frames + max_silence) frames.

  Outputs at every frame: blank (0) and the ten digits (1..10). Loss: the
  mean CTC loss per sequence. Metrics: 'label_error_rate' (best-path
  decoding; see the module docstring) and 'ctc' (the loss, nats per
  sequence). Trivial baseline: blank everywhere, which decodes to nothing:
  label error rate 1.
  """

  name = 'ctc_digits'
  readout = 'every'
  metric = 'label_error_rate'
  higher_is_better = False
  min_labels: int = 2
  max_labels: int = 8
  min_frames: int = 2
  max_frames: int = 6
  max_silence: int = 2
  feature_size: int = 16
  noise: float = 0.5

  def validate(self):
    super().validate()
    base.check_number('min_labels', self.min_labels, minimum=1, integer=True)
    base.check_number('max_labels', self.max_labels,
                      minimum=self.min_labels, integer=True)
    base.check_number('min_frames', self.min_frames, minimum=1, integer=True)
    base.check_number('max_frames', self.max_frames,
                      minimum=self.min_frames, integer=True)
    base.check_number('max_silence', self.max_silence, minimum=0,
                      integer=True)
    base.check_number('feature_size', self.feature_size, minimum=1,
                      integer=True)
    base.check_number('noise', self.noise, minimum=0)

  @property
  def seq_len(self) -> int:
    return self.max_labels * (self.max_frames + self.max_silence)

  @property
  def input_size(self):
    return self.feature_size

  @property
  def output_size(self):
    return NUM_DIGITS + 1

  def templates(self) -> jax.Array:
    """[11, feature_size]: silence, then the digits 0..9."""
    return jax.random.normal(jax.random.PRNGKey(0),
                             (NUM_DIGITS + 1, self.feature_size))

  def sample(self, key, batch_size):
    k_count, k_first, k_step, k_frames, k_silence, k_noise = (
        jax.random.split(key, 6))
    shape = (batch_size, self.max_labels)
    counts = jax.random.randint(k_count, (batch_size,), self.min_labels,
                                self.max_labels + 1)
    label_mask = jnp.arange(self.max_labels) < counts[:, None]
    # Each digit differs from the one before by 1..9 (mod 10).
    steps = jax.random.randint(k_step, shape, 1, NUM_DIGITS)
    steps = steps.at[:, 0].set(
        jax.random.randint(k_first, (batch_size,), 0, NUM_DIGITS))
    digits = jnp.cumsum(steps, axis=1) % NUM_DIGITS
    frames = jax.random.randint(k_frames, shape, self.min_frames,
                                self.max_frames + 1) * label_mask
    silence = jax.random.randint(k_silence, shape, 0,
                                 self.max_silence + 1) * label_mask
    # Segments silence_0, digit_0, silence_1, digit_1, ...: each frame's
    # segment is the number of segment ends at or before it.
    ends = jnp.cumsum(jnp.stack([silence, frames], -1).reshape(
        batch_size, -1), axis=1)
    time = jnp.arange(self.seq_len)
    segment = jax.vmap(lambda e: jnp.searchsorted(e, time, side='right'))(
        ends)
    frame_mask = time < ends[:, -1:]
    digit_of_frame = jnp.take_along_axis(
        digits, jnp.minimum(segment // 2, self.max_labels - 1), axis=1)
    template = jnp.where(frame_mask & (segment % 2 == 1),
                         digit_of_frame + 1, SILENCE)
    x = self.templates()[template] + self.noise * jax.random.normal(
        k_noise, (batch_size, self.seq_len, self.feature_size))
    x = jnp.where(frame_mask[..., None], x, 0.0)
    return {'x': x, 'mask': frame_mask,
            'y': jnp.where(label_mask, digits + 1, BLANK).astype(jnp.int32),
            'label_mask': label_mask, 'weight': jnp.ones(batch_size)}

  def loss(self, outputs, batch):
    losses = ctc_loss(outputs, batch['mask'], batch['y'], batch['label_mask'])
    return base.mean((jnp.sum(losses * batch['weight']),
                      jnp.sum(batch['weight'])))

  def metrics(self, outputs, batch):
    losses = ctc_loss(outputs, batch['mask'], batch['y'], batch['label_mask'])
    return {'ctc': (jnp.sum(losses * batch['weight']),
                    jnp.sum(batch['weight'])),
            'label_error_rate': label_errors(
                outputs, batch['mask'], batch['y'], batch['label_mask'],
                batch['weight'])}

  def baseline(self):
    return {'label_error_rate': 1.0}


def check_alignable(frame_mask, labels, label_mask) -> None:
  """A ValueError naming the first sequence whose target is longer than
  its input: CTC needs a frame per label and one more between equal
  neighbours."""
  frame_mask, labels, label_mask = map(np.asarray,
                                       (frame_mask, labels, label_mask))
  repeats = (labels[:, 1:] == labels[:, :-1]) & label_mask[:, 1:]
  needed = label_mask.sum(1) + repeats.sum(1)
  frames = frame_mask.sum(1)
  short = np.flatnonzero(needed > frames)
  if short.size:
    row = short[0]
    raise ValueError(
        f'labels (row {row}: {label_mask[row].sum()} labels, {repeats[row].sum()} '
        f'repeated) are not allowed with {frames[row]} frames: a CTC target '
        f'needs at least {needed[row]} frames (one per label, one more '
        'between equal neighbours), so it must not be longer than its input')
