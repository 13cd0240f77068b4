"""Sequence tagging with BIO tags: spans, span F1, and the tagging task base.

A tag set is 'O' and, for each span type X, 'B-X' (a span of type X begins)
and 'I-X' (it goes on). Spans are read by the conlleval convention (Tjong
Kim Sang & Buchholz 2000, the CoNLL shared tasks' scorer): a span of type X
starts at B-X, and also at an I-X that does not follow B-X or I-X (an I-
without its B- still opens a span); it goes on over the I-X that follow and
ends before any other tag (O, a B-, or an I- of another type). Padding
counts as O.

A predicted span is correct when a gold span has its type and both its
ends. With TP correct spans, FP other predicted spans and FN gold spans not
predicted,

  precision = TP / (TP + FP),  recall = TP / (TP + FN),
  F1 = 2 TP / (2 TP + FP + FN),

each a (sum, count) pair, so that sums over batches give the exact scores
of the whole evaluation set (F1 as in Tjong Kim Sang & De Meulder 2003).
"""

import dataclasses
from typing import Sequence

import jax
import jax.numpy as jnp
import numpy as np

from rnnzoo.tasks import base

OUTSIDE, BEGIN, INSIDE = 0, 1, 2  # a tag's kind


class TagSet:
  """BIO tag names by id, and each tag's kind and span type as arrays."""

  def __init__(self, names: Sequence[str]):
    self.names = tuple(names)
    types = sorted({n[2:] for n in self.names if n != 'O'})
    kinds, type_ids = [], []
    for name in self.names:
      if name == 'O':
        kinds.append(OUTSIDE)
        type_ids.append(-1)
      elif name[:2] in ('B-', 'I-') and name[2:]:
        kinds.append(BEGIN if name[0] == 'B' else INSIDE)
        type_ids.append(types.index(name[2:]))
      else:
        raise ValueError(f"tag={name!r} is not allowed: a BIO tag is 'O', "
                         "'B-TYPE' or 'I-TYPE'")
    self.kinds = np.array(kinds, np.int32)
    self.type_ids = np.array(type_ids, np.int32)

  def __len__(self):
    return len(self.names)

  def encode(self, field: str, tags: Sequence[str]) -> list[int]:
    """Tag names -> ids; a ValueError names a tag outside the set."""
    lookup = {n: i for i, n in enumerate(self.names)}
    for tag in tags:
      base.check_choice(field, tag, self.names)
    return [lookup[t] for t in tags]

  def check_ids(self, field: str, ids: np.ndarray) -> None:
    """A ValueError naming the first id that is not a tag of the set."""
    bad = (ids < 0) | (ids >= len(self))
    if bad.any():
      raise ValueError(f'{field}={int(ids[bad][0])} is not allowed: tag ids '
                       f'are 0..{len(self) - 1}, for {list(self.names)}')


def spans(tags: Sequence[str]) -> set[tuple[int, int, str]]:
  """The spans of one tag sequence as (first, last, type), by the
  conlleval convention (a plain loop, for reading and for tests)."""
  found, start, kind = set(), None, None
  for t, tag in enumerate(list(tags) + ['O']):
    continues = tag == f'I-{kind}' and start is not None
    if start is not None and not continues:
      found.add((start, t - 1, kind))
      start = kind = None
    if tag != 'O' and not continues:
      start, kind = t, tag[2:]
  return found


def _boundaries(tags: jax.Array, mask: jax.Array, tag_set: TagSet):
  """Per step [B, T]: inside a span, a span starts here, one ends here, and
  the span type (-1 outside)."""
  kinds = jnp.where(mask, jnp.asarray(tag_set.kinds)[tags], OUTSIDE)
  types = jnp.where(kinds == OUTSIDE, -1, jnp.asarray(tag_set.type_ids)[tags])
  inside = kinds != OUTSIDE
  pad = lambda a, value: jnp.pad(a, ((0, 0), (1, 0)), constant_values=value)
  previous_type = pad(types[:, :-1], -1)
  starts = inside & ((kinds == BEGIN) | (previous_type != types))
  next_kind = jnp.pad(kinds[:, 1:], ((0, 0), (0, 1)),
                      constant_values=OUTSIDE)
  next_type = jnp.pad(types[:, 1:], ((0, 0), (0, 1)), constant_values=-1)
  ends = inside & ~((next_kind == INSIDE) & (next_type == types))
  return inside, starts, ends, types


def span_counts(predicted: jax.Array, gold: jax.Array, mask: jax.Array,
                tag_set: TagSet):
  """(correct, predicted, gold) span counts per sequence, each [B].

  A predicted span is correct when, at every step from its first to its
  last, the gold tags agree with it on being inside, starting, ending and
  the type: then, and only then, a gold span has the same ends and type.
  """
  p_inside, p_starts, p_ends, p_types = _boundaries(predicted, mask, tag_set)
  g_inside, g_starts, g_ends, g_types = _boundaries(gold, mask, tag_set)
  agree = ((p_inside == g_inside) & (p_starts == g_starts) &
           (p_ends == g_ends) & (p_types == g_types))
  disagreements = jnp.cumsum(~agree, axis=1)
  steps = jnp.arange(predicted.shape[1])
  # The first step of the span each step belongs to: the latest start.
  first = jax.lax.cummax(jnp.where(p_starts, steps, -1), axis=1)
  before = jnp.take_along_axis(disagreements, jnp.maximum(first - 1, 0),
                               axis=1) * (first > 0)
  clean = disagreements - before == 0
  correct = jnp.sum(p_ends & clean, axis=1)
  return correct, jnp.sum(p_starts, axis=1), jnp.sum(g_starts, axis=1)


def span_scores(predicted, gold, mask, weight, tag_set: TagSet) -> dict:
  """{'span_f1', 'precision', 'recall'} as (sum, count) pairs, each
  sequence counted with its weight."""
  correct, num_predicted, num_gold = (
      jnp.sum(c * weight) for c in span_counts(predicted, gold, mask, tag_set))
  return {'span_f1': (2 * correct, num_predicted + num_gold),
          'precision': (correct, num_predicted),
          'recall': (correct, num_gold)}


@dataclasses.dataclass(frozen=True)
class Tagging(base.DataSet):
  """A tag for every token of a sentence, from arrays in memory.

  `split(name)` gives {'x': [N, T] word ids, 'y': [N, T] tag ids,
  'mask': [N, T]}. Loss: the masked token cross-entropy. Metrics: 'span_f1'
  (the headline), 'precision', 'recall' (see the module docstring),
  token 'accuracy' and 'ce'. Trivial baseline: the training split's tag
  frequencies (add-one smoothed) at every token, its most frequent tag (O)
  as the prediction: no span, so span F1, precision and recall 0.
  """

  input_kind = 'tokens'
  readout = 'every'
  metric = 'span_f1'

  def tag_set(self) -> TagSet:
    raise NotImplementedError

  @property
  def output_size(self):
    return len(self.tag_set())

  def metrics(self, outputs, batch):
    predicted = jnp.argmax(outputs, -1)
    return super().metrics(outputs, batch) | span_scores(
        predicted, batch['y'], batch['mask'], batch['weight'],
        self.tag_set())

  def baseline(self):
    train, valid = self.split('train'), self.split(self.eval_split)
    counts = np.bincount(train['y'][train['mask']],
                         minlength=self.output_size) + 1.0
    log_p = np.log(counts / counts.sum())
    gold = valid['y'][valid['mask']]
    return {'ce': -float(np.mean(log_p[gold])),
            'accuracy': float(np.mean(gold == np.argmax(counts))),
            'span_f1': 0.0, 'precision': 0.0, 'recall': 0.0}


def pad(rows: Sequence[Sequence[int]], length: int) -> tuple:
  """Right-padded [N, length] int32 ids (0 after the end) and their mask."""
  ids = np.zeros((len(rows), length), np.int32)
  for i, row in enumerate(rows):
    ids[i, :len(row)] = row
  mask = np.arange(length) < np.array([len(r) for r in rows])[:, None]
  return ids, mask
