r"""Attention of a decoder state over the encoder's outputs, as pure functions.

A query s [B, Q] (the decoder's state) scores every encoder output h_j
[B, S, M] (the memory), the scores are normalised over the valid source
positions, and the context is the weighted mean of the memory:

  additive (Bahdanau, Cho & Bengio 2015, "Neural machine translation by
  jointly learning to align and translate", ICLR, appendix A.1.2):
      e_j = v^T tanh(W_s s + W_h h_j)        W_s [Q, A], W_h [M, A], v [A]
  'general' (Luong, Pham & Manning 2015, "Effective approaches to
  attention-based neural machine translation", EMNLP, eq. 8):
      e_j = s^T W_a h_j                      W_a [Q, M]
  'dot' (Luong et al. 2015, eq. 8):
      e_j = s^T h_j                          (Q = M; no parameters)

  a_j = exp(e_j) / sum_{k valid} exp(e_k) on valid positions, exactly 0 on
  padded ones;   context = sum_j a_j h_j   [B, M].

The part of a score that reads only the memory (W_h h_j, or W_a h_j) is
computed once per sequence by `keys`, not at every decoder step.
"""

import jax
import jax.numpy as jnp

from rnnzoo import options
from rnnzoo import rowwise
from rnnzoo.cells import base

KINDS = ('none', 'additive', 'general', 'dot')


def check_kind(field: str, kind: str) -> None:
  options.check_choice(field, kind, KINDS)


def check_sizes(kind: str, query_size: int, memory_size: int) -> None:
  """Dot attention needs a query as wide as the memory."""
  if kind == 'dot' and query_size != memory_size:
    raise ValueError(f"attention='dot' is not allowed with a query of "
                     f'{query_size} units and a memory of {memory_size}: '
                     "they must be equal (use 'general' or 'additive')")


def init(key: jax.Array, kind: str, query_size: int, memory_size: int,
         attention_size: int) -> dict:
  """The parameters of `kind` ({} for 'dot' and 'none'); Glorot-uniform
  matrices, as the cells' input weights."""
  check_kind('attention', kind)
  check_sizes(kind, query_size, memory_size)
  if kind == 'additive':
    k_s, k_h, k_v = jax.random.split(key, 3)
    return {'w_s': base.glorot_uniform(k_s, query_size, attention_size),
            'w_h': base.glorot_uniform(k_h, memory_size, attention_size),
            'v': base.glorot_uniform(k_v, attention_size, 1)[:, 0]}
  if kind == 'general':
    return {'w_a': base.glorot_uniform(key, query_size, memory_size)}
  return {}


def keys(kind: str, params: dict, memory: jax.Array) -> jax.Array:
  """The query-independent part of the scores: memory [B, S, M] ->
  W_h h_j [B, S, A] (additive), W_a h_j [B, S, Q] ('general'), or the
  memory itself ('dot')."""
  if kind == 'additive':
    return rowwise.matmul(memory, params['w_h'])
  if kind == 'general':
    return rowwise.matmul(memory, params['w_a'].T)
  return memory


def scores(kind: str, params: dict, query: jax.Array,
           precomputed: jax.Array) -> jax.Array:
  """e [B, S] from the query [B, Q] and `keys` [B, S, .]."""
  if kind == 'additive':
    hidden = jnp.tanh(precomputed + (query @ params['w_s'])[:, None, :])
    return hidden @ params['v']
  return jnp.einsum('bq,bsq->bs', query, precomputed)


def weights(kind: str, params: dict, query: jax.Array, precomputed: jax.Array,
            mask: jax.Array) -> jax.Array:
  """a [B, S]: the softmax of the scores over the positions where mask
  [B, S] is True; exactly 0 elsewhere."""
  e = scores(kind, params, query, precomputed)
  e = jnp.where(mask, e, jnp.finfo(e.dtype).min)
  return jnp.where(mask, jax.nn.softmax(e, axis=-1), 0.0)


def attend(kind: str, params: dict, query: jax.Array, precomputed: jax.Array,
           memory: jax.Array, mask: jax.Array):
  """(context [B, M], weights [B, S]) of one query."""
  a = weights(kind, params, query, precomputed, mask)
  return jnp.einsum('bs,bsm->bm', a, memory), a
