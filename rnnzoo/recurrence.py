"""Running a cell over sequences: `unroll`, `bidirectional`, `stack`.

Notation: T time steps, B batch, D input features, H hidden units. Arrays are
time-major: xs [T, B, D], ys [T, B, H]. A mask [T, B] is True on the valid
steps of right-padded sequences (a prefix of each column).

`unroll` hoists the input projection out of the time loop (one [T*B, D]
matmul), runs the rest under `lax.scan`, and differentiates it with a custom
backward pass: the backward scan carries only the state's cotangent, and the
gradients of the weights (and of the projected inputs) are computed after it
in one pass over all T*B rows, so the recurrent weight gradient is one large
matmul instead of T small ones accumulated in the loop.
"""

import math
from typing import Callable, NamedTuple, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from rnnzoo import options
from rnnzoo.cells import base

Array = jax.Array
tree_map = jax.tree_util.tree_map


class Dropout(NamedTuple):
  """Variational dropout masks (Gal & Ghahramani 2016, "A theoretically
  grounded application of dropout in recurrent neural networks", NeurIPS):
  drawn once per sequence and reused at every step; and zoneout masks
  (Krueger et al. 2017, "Zoneout: regularizing RNNs by randomly preserving
  hidden activations", ICLR), one per step.

  inputs: [B, D] multipliers of x_t (0 or 1/(1-rate)), or None.
  state: [B, H] multipliers of the state entering the cell's recurrent
    matmul (`Cell.recurrent`), or None. The state carried forward is not
    dropped.
  zone_h: [T, B, H] the weight d_t of the previous hidden state in the new
    one, h_t = d_t * h_{t-1} + (1 - d_t) * cell(h_{t-1}, x_t), or None:
    0 or 1 in training (a unit keeps its value or updates), the rate at
    evaluation (the expectation). See `zoneout`.
  zone_c: [T, B, H] the same for the cell states (`Cell.cell_states`), or
    None.
  """
  inputs: Array | None = None
  state: Array | None = None
  zone_h: Array | None = None
  zone_c: Array | None = None


def variational_dropout(key: Array, batch_size: int, input_size: int,
                        hidden_size: int, *, input_rate: float = 0.0,
                        state_rate: float = 0.0) -> Dropout:
  """Draws the per-sequence masks of `Dropout`; a rate of 0 gives None."""
  for field, rate in (('input_rate', input_rate), ('state_rate', state_rate)):
    if not 0.0 <= rate < 1.0:
      raise ValueError(f'{field}={rate!r} is not allowed: a dropout rate must '
                       'be in [0, 1)')
  k_in, k_state = jax.random.split(key)

  def draw(k, size, rate):
    if rate == 0.0:
      return None
    keep = jax.random.bernoulli(k, 1.0 - rate, (batch_size, size))
    return keep.astype(jnp.float32) / (1.0 - rate)

  return Dropout(draw(k_in, input_size, input_rate),
                 draw(k_state, hidden_size, state_rate))


def zoneout(key: Array | None, num_steps: int, batch_size: int,
            hidden_size: int, *, h_rate: float = 0.0, c_rate: float = 0.0,
            train: bool = True) -> Dropout:
  """The zoneout masks of `Dropout` for T = num_steps steps: in training a
  fresh Bernoulli(rate) draw per step, unit and sequence (1: keep the
  previous value), at evaluation (train=False, key unused) the rate itself;
  a rate of 0 gives None."""
  for field, rate in (('h_rate', h_rate), ('c_rate', c_rate)):
    if not 0.0 <= rate < 1.0:
      raise ValueError(f'{field}={rate!r} is not allowed: a zoneout rate must '
                       'be in [0, 1)')
  shape = (num_steps, batch_size, hidden_size)
  keys = jax.random.split(key) if train else (None, None)

  def draw(k, rate):
    if rate == 0.0:
      return None
    if not train:
      return jnp.full(shape, rate, jnp.float32)
    return jax.random.bernoulli(k, rate, shape).astype(jnp.float32)

  return Dropout(zone_h=draw(keys[0], h_rate), zone_c=draw(keys[1], c_rate))


def lengths_to_mask(lengths: Array, max_len: int) -> Array:
  """lengths [B] -> mask [T=max_len, B], True on each sequence's first steps."""
  return jnp.arange(max_len)[:, None] < jnp.asarray(lengths)[None, :]


def zero_offsets(cell: base.Cell, params, num_steps: int, batch_size: int):
  """Zero `offsets` (see `unroll`) on every float component of the state
  that `cell` passes from step to step: an array [T, B, H] for an array
  carry; for a tuple carry a tuple of [T, B, ...] zeros, None on the
  components that are not floats (CW-RNN's clock)."""
  carry = cell.step_carry(params, batch_size)

  def zeros(component):
    if not _is_float(component):
      return None
    return jnp.zeros((num_steps,) + component.shape, component.dtype)

  if isinstance(carry, tuple):
    return tuple(zeros(component) for component in carry)
  return zeros(carry)


def unroll(cell: base.Cell, params, xs: Array, carry=None, *,
           mask: Array | None = None, reverse: bool = False,
           dropout: Dropout | None = None, remat: bool = False,
           offsets: Array | None = None, scan_unroll: int = 1):
  """Runs `cell` over `xs` [T, B, D]; returns (ys [T, B, H], final carry).

  Args:
    cell: a Cell from `rnnzoo.cells`.
    params: its parameters.
    xs: time-major inputs [T, B, D].
    carry: the initial carry; zeros (`cell.initial_carry`) if None.
    mask: [T, B] booleans, True on the valid steps of right-padded sequences.
      Outputs past a sequence's length are zero and the returned carry is the
      one at its last valid step.
    reverse: run from the last valid step to the first; outputs stay aligned
      with the inputs.
    dropout: variational dropout and zoneout masks (see `Dropout`).
    remat: recompute the forward pass in segments of ~sqrt(T) steps during
      the backward pass, keeping only the segments' first carries (memory
      O(sqrt(T)) carries instead of O(T), for long sequences).
    offsets: added to each step's new state before the next step reads it:
      an array [T, B, H] moves the hidden state h_t (and the output with
      it); a tuple with one entry per element of a tuple carry, each
      [T, B, ...] like that element or None, moves each component (see
      `zero_offsets`). Zeros change nothing; their gradient is dL/dh_t (or
      dL/d carry_t), the total derivative through all later steps (see
      rnnzoo.diagnostics).
    scan_unroll: time steps per iteration of the compiled loop (`lax.scan`'s
      unroll), forward and backward: fewer loop iterations and larger
      fused bodies, the same results up to float rounding. Cells on the
      associative scan have no loop to unroll.

  Returns:
    ys [T, B, H] and the final carry.
  """
  _check_inputs(cell, params, xs, carry, mask, dropout, offsets)
  options.check_number('scan_unroll', scan_unroll, minimum=1, integer=True)
  if reverse:
    flip = lambda tree: tree_map(lambda a: reverse_valid(a, mask), tree)
    if dropout is not None:
      dropout = dropout._replace(zone_h=flip(dropout.zone_h),
                                 zone_c=flip(dropout.zone_c))
    ys, carry = unroll(cell, params, flip(xs), carry, mask=mask,
                       dropout=dropout, remat=remat, offsets=flip(offsets),
                       scan_unroll=scan_unroll)
    return flip(ys), carry
  if carry is None:
    carry = cell.initial_carry(params, xs.shape[1])
  dropout = dropout or Dropout()
  if dropout.inputs is not None:
    xs = xs * dropout.inputs
  return cell.run(cell.prepare(params), xs, carry, mask=mask,
                  state_mask=dropout.state, remat=remat, offsets=offsets,
                  zone=(dropout.zone_h, dropout.zone_c),
                  scan_unroll=scan_unroll)


def bidirectional(cell: base.Cell, params, xs: Array, carry=None, *,
                  mask: Array | None = None, dropout=None,
                  remat: bool = False, offsets=None, scan_unroll: int = 1):
  """A forward and a backward pass of `cell` over `xs`, outputs concatenated.

  Args:
    cell, xs, mask, remat, scan_unroll: as in `unroll`.
    params: the pair (forward params, backward params).
    carry: None, or the pair (forward initial carry, backward initial carry);
      the backward pass starts from its carry at the last valid step.
    dropout: None, or the pair (forward Dropout, backward Dropout).
    offsets: None, or the pair (forward offsets, backward offsets).

  Returns:
    ys [T, B, 2H] (forward features first) and (forward carry, backward
    carry); the backward carry is the one at the first step.
  """
  params_fw, params_bw = _pair('params', params)
  dropout_fw, dropout_bw = _pair('dropout', dropout or (None, None))
  offsets_fw, offsets_bw = offsets or (None, None)
  initial_fw, initial_bw = carry or (None, None)
  ys_fw, carry_fw = unroll(cell, params_fw, xs, initial_fw, mask=mask,
                           dropout=dropout_fw, remat=remat, offsets=offsets_fw,
                           scan_unroll=scan_unroll)
  ys_bw, carry_bw = unroll(cell, params_bw, xs, initial_bw, mask=mask,
                           reverse=True, dropout=dropout_bw, remat=remat,
                           offsets=offsets_bw, scan_unroll=scan_unroll)
  return jnp.concatenate([ys_fw, ys_bw], axis=-1), (carry_fw, carry_bw)


_bidirectional = bidirectional


def stack(layers: Sequence[tuple[base.Cell, object]], xs: Array, *,
          mask: Array | None = None, bidirectional: bool = False,
          dropouts: Sequence | None = None, remat: bool = False,
          between: Callable[[int, Array], Array] | None = None,
          offsets: Sequence | None = None, carries: Sequence | None = None,
          scan_unroll: int = 1):
  """Runs layers one above the other, each reading the outputs of the last.

  Args:
    layers: (cell, params) per layer, bottom first; params is a (forward,
      backward) pair when bidirectional.
    xs, mask, remat, scan_unroll: as in `unroll`.
    bidirectional: every layer runs both ways (`bidirectional`).
    dropouts: None, or one entry per layer, passed as that layer's `dropout`.
    between: applied as between(index, inputs) to each layer's inputs (a
      per-step dropout, say).
    offsets: None, or one entry per layer, passed as that layer's `offsets`.
    carries: None (zeros), or one initial carry per layer, bottom first (a
      (forward, backward) pair when bidirectional), as the final carries
      returned here (an encoder's, say).

  Returns:
    The top layer's outputs and the list of every layer's final carry.
  """
  if carries is not None and len(carries) != len(layers):
    raise ValueError(f'carries has {len(carries)} entries: give one initial '
                     f'carry per layer ({len(layers)}), or None for zeros')
  run = _bidirectional if bidirectional else unroll
  finals = []
  for index, (cell, params) in enumerate(layers):
    dropout = dropouts[index] if dropouts is not None else None
    if between is not None:
      xs = between(index, xs)
    xs, carry = run(cell, params, xs,
                    None if carries is None else carries[index], mask=mask,
                    dropout=dropout, remat=remat,
                    offsets=None if offsets is None else offsets[index],
                    scan_unroll=scan_unroll)
    finals.append(carry)
  return xs, finals


# ----------------------------------------------------------------------------
# Input checks.


def _pair(field: str, value):
  """`value` as (forward, backward); a ValueError unless it is a pair."""
  if isinstance(value, (tuple, list)) and len(value) == 2:
    return value
  raise ValueError(f'{field} of type {type(value).__name__} is not allowed: '
                   'a bidirectional layer takes a pair (forward, backward)')


def _check_inputs(cell, params, xs, carry, mask, dropout, offsets):
  """Raises a ValueError naming the argument whose shape or type is wrong."""
  if not isinstance(cell, base.Cell):
    raise ValueError(f'cell={cell!r} is not a Cell: build one with '
                     'rnnzoo.cells.get(name, **options)')
  if getattr(xs, 'ndim', None) != 3:
    raise ValueError(f'xs has shape {getattr(xs, "shape", None)}: unroll '
                     'needs time-major inputs [T, B, D]')
  num_steps, batch_size, features = xs.shape
  if num_steps < 1 or batch_size < 1:
    raise ValueError(f'xs has shape {xs.shape}: it needs at least one time '
                     'step and one sequence')
  input_size = cell.input_size(params)
  if features != input_size:
    raise ValueError(f'xs has {features} features (shape {xs.shape}) but the '
                     f'params expect input_size={input_size}')
  if mask is not None:
    if getattr(mask, 'shape', None) != (num_steps, batch_size):
      raise ValueError(f'mask has shape {getattr(mask, "shape", None)}: it '
                       f'must be [T, B] = {(num_steps, batch_size)}')
    if mask.dtype != jnp.bool_:
      raise ValueError(f'mask has dtype {mask.dtype}: it must be bool')
    if not isinstance(mask, jax.core.Tracer):
      m = np.asarray(mask)
      if (m[1:] & ~m[:-1]).any():
        raise ValueError('mask is not right-padded: each sequence must be '
                         'valid on a prefix of its steps')
  if carry is not None:
    expected = jax.eval_shape(
        lambda p: cell.initial_carry(p, batch_size), params)
    got = jax.tree_util.tree_map(lambda a: jax.ShapeDtypeStruct(
        jnp.shape(a), jnp.result_type(a)), carry)
    if (jax.tree_util.tree_structure(got) != jax.tree_util.tree_structure(
        expected) or jax.tree_util.tree_leaves(got) !=
        jax.tree_util.tree_leaves(expected)):
      raise ValueError(f'carry is {got}: cell {cell.name!r} with these params '
                       f'and batch {batch_size} needs {expected}')
  hidden_size = cell.hidden_size(params)
  if offsets is not None:
    _check_offsets(cell, params, offsets, num_steps, batch_size, hidden_size)
  if dropout is not None:
    per_step_shape = (num_steps, batch_size, hidden_size)
    for field, size in (('inputs', input_size), ('state', hidden_size)):
      m = getattr(dropout, field)
      if m is not None and m.shape != (batch_size, size):
        raise ValueError(f'dropout.{field} has shape {m.shape}: it must be '
                         f'[B, {"D" if field == "inputs" else "H"}] = '
                         f'{(batch_size, size)}')
    for field in ('zone_h', 'zone_c'):
      m = getattr(dropout, field)
      if m is not None and m.shape != per_step_shape:
        raise ValueError(f'dropout.{field} has shape {m.shape}: it must be '
                         f'[T, B, H] = {per_step_shape}')
    if dropout.zone_c is not None and not cell.cell_states:
      raise ValueError(f'dropout.zone_c is not allowed for cell {cell.name!r}:'
                       ' its carry has no cell state (zone_h acts on h)')


def _check_offsets(cell, params, offsets, num_steps, batch_size, hidden_size):
  if not isinstance(offsets, tuple):
    expected = (num_steps, batch_size, hidden_size)
    if getattr(offsets, 'shape', None) != expected:
      raise ValueError(f'offsets has shape {getattr(offsets, "shape", None)}:'
                       f' it must be [T, B, H] = {expected}')
    return
  carry = jax.eval_shape(
      lambda p: cell.step_carry(p, batch_size), params)
  if not isinstance(carry, tuple) or len(carry) != len(offsets):
    raise ValueError(f'offsets is a tuple of {len(offsets)}: cell '
                     f'{cell.name!r} passes a carry {carry} from step to '
                     'step, so give an array [T, B, H] or one entry (or '
                     'None) per element of its tuple carry')
  for index, (offset, component) in enumerate(zip(offsets, carry)):
    if offset is None:
      continue
    expected = (num_steps,) + component.shape
    if not _is_float(component) or offset.shape != expected:
      raise ValueError(f'offsets[{index}] has shape {offset.shape}: carry '
                       f'element {index} of cell {cell.name!r} is '
                       f'{component}, so it must be None' +
                       ('' if not _is_float(component) else
                        f' or [T, ...] = {expected}'))


# ----------------------------------------------------------------------------
# Reverse, the two ways of running a cell, and remat.


def reverse_valid(x: Array, mask: Array | None) -> Array:
  """Reverses each sequence's valid prefix of x [T, B, ...] in time (the
  padding after it stays in place)."""
  if mask is None:
    return x[::-1]
  lengths = mask.sum(0)
  t = jnp.arange(x.shape[0])[:, None]
  index = jnp.where(t < lengths, lengths - 1 - t, t)
  return jnp.take_along_axis(x, _expand(index, x.ndim), axis=0)


def _expand(a: Array, ndim: int) -> Array:
  return a.reshape(a.shape + (1,) * (ndim - a.ndim))


NO_ZONEOUT = (None, None)


def sequential(cell: base.Cell, params, xs: Array, carry, *, mask=None,
               state_mask=None, remat: bool = False, offsets=None,
               zone=NO_ZONEOUT, scan_unroll: int = 1):
  """Runs `cell` step by step under `lax.scan` (the default `Cell.run`);
  arguments as in `Cell.run`."""
  differentiable = _scan if cell.keeps_carries else _autodiff_scan
  scan = lambda cell, *args: differentiable(cell, scan_unroll, *args)
  return _run_projected(cell, scan, params, xs, carry, mask, state_mask,
                        remat, offsets, zone)


def parallel(cell, params, xs: Array, carry, *, mask=None, state_mask=None,
             remat: bool = False, offsets=None):
  """Runs a cell that is linear in its state (`rnnzoo.cells.linear`) on an
  associative scan over time; arguments as in `Cell.run` (without zoneout,
  which `LinearCell.run` leaves to the sequential scan)."""
  return _run_projected(cell, _linear_scan, params, xs, carry, mask,
                        state_mask, remat, offsets, NO_ZONEOUT)


def _run_projected(cell, scan, params, xs, carry, mask, state_mask, remat,
                   offsets, zone):
  """`scan(cell, params, cell.project(params, xs), carry, ...)`, with remat
  in checkpointed segments."""
  if remat:
    return _unroll_remat(cell, scan, params, xs, carry, mask, state_mask,
                         offsets, zone)
  return scan(cell, params, cell.project(params, xs), carry, mask, state_mask,
              offsets, zone)


def _unroll_remat(cell, scan, params, xs, carry, mask, state_mask, offsets,
                  zone):
  """`scan` in checkpointed segments of ceil(sqrt(T)) steps.

  Each segment projects its own inputs; a cell whose projection reads
  w = `cell.project_window` consecutive steps gets the w - 1 steps before
  its segment as well (zeros before the first).
  """
  num_steps, batch_size = xs.shape[:2]
  segment = math.ceil(math.sqrt(num_steps))
  segments = -(-num_steps // segment)
  padding = segments * segment - num_steps
  context = cell.project_window - 1
  if mask is None:
    mask = jnp.ones((num_steps, batch_size), jnp.bool_)

  def split(a):
    a = jnp.pad(a, [(0, padding)] + [(0, 0)] * (a.ndim - 1))
    return a.reshape((segments, segment) + a.shape[1:])

  if context:
    padded = jnp.pad(xs, [(context, padding)] + [(0, 0)] * (xs.ndim - 1))
    steps = (segment * jnp.arange(segments)[:, None] +
             jnp.arange(segment + context)[None])
    segment_xs = padded[steps]
  else:
    segment_xs = split(xs)

  @jax.checkpoint
  def run_segment(params, carry, xs, mask, offsets, zone, state_mask):
    inputs = cell.project(params, xs)
    if context:
      inputs = inputs[context:]
    return scan(cell, params, inputs, carry, mask, state_mask, offsets, zone)

  def body(carry, segment_inputs):
    ys, carry = run_segment(params, carry, *segment_inputs, state_mask)
    return carry, ys

  carry, ys = jax.lax.scan(body, carry, (segment_xs, split(mask),
                                         tree_map(split, offsets),
                                         tree_map(split, zone)))
  return ys.reshape((segments * segment,) + ys.shape[2:])[:num_steps], carry


# ----------------------------------------------------------------------------
# The scan and its backward pass.


def _scan_prefetch(body, carry, xs, length: int, *, reverse: bool = False,
                   unroll: int = 1):
  """`lax.scan(body, carry, xs, unroll=unroll)` whose body reads step t's
  xs from the carry.

  Each iteration copies the next step's slice of `xs` into the carry. XLA's
  CPU backend emits poor code for an elementwise fusion that reads a dynamic
  slice of a stacked array; with the slice read one step ahead, the step's
  fusions read plain buffers (an LSTM step at B=32, H=256 runs about 1.35x
  faster on a 2-core CPU).
  """
  if not jax.tree_util.tree_leaves(xs):
    return jax.lax.scan(lambda c, _: body(c, xs), carry, None, length=length,
                        reverse=reverse, unroll=unroll)
  first, delta = (length - 1, -1) if reverse else (0, 1)

  def index(t):
    return tree_map(lambda a: jax.lax.dynamic_index_in_dim(a, t, 0, False), xs)

  def prefetching_body(state, t):
    carry, xs_t = state
    xs_next = index(jnp.clip(t + delta, 0, length - 1))
    carry, ys_t = body(carry, xs_t)
    return (carry, xs_next), ys_t

  (carry, _), ys = jax.lax.scan(prefetching_body, (carry, index(first)),
                                jnp.arange(length), reverse=reverse,
                                unroll=unroll)
  return carry, ys


def _is_float(a) -> bool:
  return jnp.issubdtype(jnp.result_type(a), jnp.floating)


class _CarryParts:
  """Splits a carry into its float leaves (differentiated) and the others
  (CW-RNN's integer clock), and joins them back."""

  def __init__(self, carry):
    leaves, self.treedef = jax.tree_util.tree_flatten(carry)
    self.is_float = [_is_float(leaf) for leaf in leaves]

  def floats(self, carry) -> list:
    leaves = self.treedef.flatten_up_to(carry)
    return [leaf for leaf, f in zip(leaves, self.is_float) if f]

  def others(self, carry) -> list:
    leaves = self.treedef.flatten_up_to(carry)
    return [leaf for leaf, f in zip(leaves, self.is_float) if not f]

  def join(self, floats, others):
    floats, others = iter(floats), iter(others)
    return self.treedef.unflatten(
        [next(floats) if f else next(others) for f in self.is_float])


def _add_offset(carry, h, offset_t):
  """carry_t and h_t moved by offset_t (see `unroll`'s offsets)."""
  if offset_t is None:
    return carry, h
  if not isinstance(offset_t, tuple):
    return (base.replace_hidden(carry, base.hidden(carry) + offset_t),
            h + offset_t)
  carry = tuple(component if offset is None else component + offset
                for component, offset in zip(carry, offset_t))
  return carry, h if offset_t[0] is None else h + offset_t[0]


def _zoneout(cell, carry, new_carry, h, zone_t):
  """Each unit of h (and of the cell states) of new_carry keeps its value in
  carry with weight zone_t = (d_h [B, H], d_c [B, H]); either may be None."""
  d_h, d_c = zone_t
  mix = lambda d, old, new: d * old + (1 - d) * new
  if d_h is not None:
    h = mix(d_h, base.hidden(carry), h)
    new_carry = base.replace_hidden(
        new_carry, mix(d_h, base.hidden(carry), base.hidden(new_carry)))
  if d_c is not None:
    new_carry = tuple(mix(d_c, old, new) if i in cell.cell_states else new
                      for i, (old, new) in enumerate(zip(carry, new_carry)))
  return new_carry, h


def _masked_update(cell, params, carry, inputs_t, r, mask_t, offset_t,
                   zone_t):
  """`cell.update`, zoneout (zone_t), then + offset_t on the new state;
  where mask_t is False the carry is kept and h_t is 0."""
  new_carry, h = cell.update(params, carry, inputs_t, r)
  new_carry, h = _add_offset(*_zoneout(cell, carry, new_carry, h, zone_t),
                             offset_t)
  if mask_t is None:
    return new_carry, h
  new_carry = tree_map(lambda n, o: jnp.where(_expand(mask_t, n.ndim), n, o),
                       new_carry, carry)
  return new_carry, jnp.where(_expand(mask_t, h.ndim), h, 0)


def _dropped_recurrent(cell, params, carry, state_mask):
  """`cell.recurrent` of the carry with its hidden state dropped out."""
  if state_mask is not None:
    carry = base.replace_hidden(carry, base.hidden(carry) * state_mask)
  return cell.recurrent(params, carry)


def _readers(function, params) -> list[set[str]]:
  """Per leaf of `params` (in tree order): the primitives of function(params)
  that read it, with 'output' where the function returns it as it is."""
  leaves, treedef = jax.tree_util.tree_flatten(params)
  spec = lambda a: jax.ShapeDtypeStruct(np.shape(a), jnp.result_type(a))
  jaxpr = jax.make_jaxpr(lambda leaves: function(treedef.unflatten(leaves)))(
      [spec(a) for a in leaves]).jaxpr
  readers = {id(v): set() for v in jaxpr.invars}
  for eqn in jaxpr.eqns:
    for v in eqn.invars:
      if id(v) in readers:
        readers[id(v)].add(eqn.primitive.name)
  for v in jaxpr.outvars:
    if id(v) in readers:
      readers[id(v)].add('output')
  return [readers[id(v)] for v in jaxpr.invars]


def _matmul_only_weights(cell, params, carry) -> list[bool]:
  """Per leaf of `params` (in tree order): whether `cell.recurrent` reads
  it only as a whole matrix operand of matmuls."""
  readers = _readers(lambda p: cell.recurrent(p, carry), params)
  return [np.ndim(a) == 2 and found == {'dot_general'}
          for a, found in zip(jax.tree_util.tree_leaves(params), readers)]


def _reads_params(function, params) -> bool:
  """Whether function(params) reads any leaf of `params`."""
  return any(_readers(function, params))


def _swap(params, which: list[bool]):
  """params with the chosen matrices (`_matmul_only_weights`) transposed."""
  leaves, treedef = jax.tree_util.tree_flatten(params)
  return treedef.unflatten([a.T if chosen else a
                            for a, chosen in zip(leaves, which)])


def _autodiff_scan(cell, unroll, params, inputs, carry, mask, state_mask,
                   offsets, zone):
  """Runs `cell` over projected inputs [T, B, G*H], `unroll` steps per
  loop iteration; returns (ys, carry). JAX differentiates it as it is: the
  backward of a cell whose `keeps_carries` is False. `_scan` is the same
  function with the engine's backward.

  zone: the pair (zone_h, zone_c) of `Dropout`, [T, B, H] or None each.
  """

  def body(carry, step_inputs):
    inputs_t, mask_t, offset_t, zone_t = step_inputs
    r = _dropped_recurrent(cell, params, carry, state_mask)
    return _masked_update(cell, params, carry, inputs_t, r, mask_t, offset_t,
                          zone_t)

  carry, ys = _scan_prefetch(body, carry, (inputs, mask, offsets, zone),
                             inputs.shape[0], unroll=unroll)
  return ys, carry


def _scan_fwd(cell, unroll, params, inputs, carry, mask, state_mask, offsets,
              zone):
  """The forward pass, keeping each step's incoming carry and recurrent term."""

  def body(carry, step_inputs):
    inputs_t, mask_t, offset_t, zone_t = step_inputs
    r = _dropped_recurrent(cell, params, carry, state_mask)
    new_carry, h = _masked_update(cell, params, carry, inputs_t, r, mask_t,
                                  offset_t, zone_t)
    return new_carry, (h, carry, r)

  final, (ys, carries, rs) = _scan_prefetch(
      body, carry, (inputs, mask, offsets, zone), inputs.shape[0],
      unroll=unroll)
  return (ys, final), (params, inputs, carries, rs, mask, state_mask, offsets,
                       zone)


def _scan_bwd(cell, unroll, residuals, cotangents):
  """The backward pass.

  A reverse scan carries d(carry) only: per step it differentiates `update`
  with respect to the carry and r, and `recurrent` with respect to the
  carry. The cotangent arriving at each step's output carry is kept; then
  one vjp over all T*B rows at once (cells treat batch rows independently)
  gives the gradients of the params and of the projected inputs. A gated
  cell (more than one block of pre-activations) whose `update` reads no
  params (the LSTM's: its weights act in `project` and `recurrent` only)
  has the loop differentiate `update` with respect to the step's inputs
  and offsets as well, and skips that second pass over its gate
  arithmetic: its params' gradient is `recurrent`'s alone. Measured on a
  2-core CPU, this makes the LSTM 1-8% and RAN 3-15% faster per training
  step; single-block cells (vanilla, IndRNN), whose second pass is one
  activation, lose 2-18% to the loop's extra outputs, so they keep it.
  """
  params, inputs, carries, rs, mask, state_mask, offsets, zone = residuals
  d_ys, d_final = cotangents
  num_steps, batch_size = inputs.shape[:2]
  parts = _CarryParts(d_final)
  # Backward layout: each step multiplies d(r) by the recurrent weights
  # transposed. The loop reads them from a copy transposed once before it,
  # swapped back inside: XLA folds that swap into the product, which then
  # reads the copy row by row, faster on the CPU than reading the weights by
  # columns (about 1.7x for the LSTM's recurrent product at B=16, H=128).
  # Only matrices the cell's `recurrent` reads whole in matmuls are
  # swapped: a slice of a swapped copy is transposed again at every step.
  swap = _matmul_only_weights(cell, params, tree_map(lambda a: a[0],
                                                      carries))
  swapped = _swap(params, swap)

  def update_floats(params, floats, others, inputs_t, r, mask_t, offset_t,
                    zone_t):
    new_carry, h = _masked_update(cell, params, parts.join(floats, others),
                                  inputs_t, r, mask_t, offset_t, zone_t)
    return parts.floats(new_carry), h

  first = tree_map(lambda a: a[0], (carries, inputs, rs, mask, offsets, zone))
  in_loop = cell.blocks > 1 and not _reads_params(
      lambda p: update_floats(p, parts.floats(first[0]),
                              parts.others(first[0]), *first[1:]), params)

  def recurrent_floats(params, floats, others, state_mask):
    return _dropped_recurrent(cell, params, parts.join(floats, others),
                              state_mask)

  def body(d_carry, step):
    inputs_t, carry, r, d_h, mask_t, offset_t, zone_t = step
    others = parts.others(carry)
    _, vjp_update = jax.vjp(
        lambda c, r, x, o: update_floats(params, c, others, x, r, mask_t, o,
                                         zone_t),
        parts.floats(carry), r, inputs_t, offset_t)
    d_prev, d_r, d_inputs_t, d_offset_t = vjp_update((d_carry, d_h))
    kept = (d_inputs_t, d_r, d_offset_t) if in_loop else d_carry
    _, vjp_recurrent = jax.vjp(
        lambda c: recurrent_floats(_swap(swapped, swap), c, others,
                                   state_mask),
        parts.floats(carry))
    (d_prev_r,) = vjp_recurrent(d_r)
    return tree_map(jnp.add, d_prev, d_prev_r), kept

  d_initial, kept = _scan_prefetch(
      body, parts.floats(d_final),
      (inputs, carries, rs, d_ys, mask, offsets, zone), num_steps,
      reverse=True, unroll=unroll)

  def rows(a):
    return a.reshape((num_steps * batch_size,) + a.shape[2:])

  carries, rs = tree_map(rows, (carries, rs))
  state_rows = (None if state_mask is None else
                jnp.tile(state_mask, (num_steps, 1)))
  floats, others = parts.floats(carries), parts.others(carries)
  if in_loop:
    d_inputs, d_rs, d_offsets = tree_map(rows, kept)
    d_params = tree_map(jnp.zeros_like, params)
  else:
    mask_rows = None if mask is None else rows(mask)
    _, vjp_update = jax.vjp(
        lambda p, x, r, o: update_floats(p, floats, others, x, r, mask_rows,
                                         o, tree_map(rows, zone)),
        params, rows(inputs), rs, tree_map(rows, offsets))
    d_params, d_inputs, d_rs, d_offsets = vjp_update(
        (tree_map(rows, kept), rows(d_ys)))
  _, vjp_recurrent = jax.vjp(
      lambda p: recurrent_floats(p, floats, others, state_rows), params)
  (d_params_r,) = vjp_recurrent(d_rs)

  d_carry = parts.join(d_initial, [np.zeros(np.shape(o), jax.dtypes.float0)
                                   for o in parts.others(d_final)])
  return (tree_map(jnp.add, d_params, d_params_r),
          d_inputs.reshape(inputs.shape), d_carry,
          None if mask is None else np.zeros(mask.shape, jax.dtypes.float0),
          None if state_mask is None else jnp.zeros_like(state_mask),
          tree_map(lambda d, o: d.reshape(o.shape), d_offsets, offsets),
          tree_map(jnp.zeros_like, zone))


_scan = jax.custom_vjp(_autodiff_scan, nondiff_argnums=(0, 1))
_scan.defvjp(_scan_fwd, _scan_bwd)


# ----------------------------------------------------------------------------
# The associative scan of cells linear in their state.

# The logarithm standing for log 0 in the log-space scan: finite, so that
# neither the sum nor its gradient meets inf - inf.
_LOG_ZERO = -1e30


def linear_recurrence(a: Array, b: Array, c0: Array) -> Array:
  """c_t = a_t * c_{t-1} + b_t for every t, from c_{-1} = c0.

  a, b [T, ...], c0 [...]. Pairs compose as (a1, b1) then (a2, b2) =
  (a1 a2, a2 b1 + b2), an associative operation, so `lax.associative_scan`
  gives all T states in O(log T) depth.
  """
  b = jnp.asarray(b).at[0].add(a[0] * c0)

  def compose(earlier, later):
    a1, b1 = earlier
    a2, b2 = later
    return a1 * a2, a2 * b1 + b2

  return jax.lax.associative_scan(compose, (a, b))[1]


def log_linear_recurrence(log_a: Array, log_b: Array, c0: Array) -> Array:
  """`linear_recurrence` from log a_t and log b_t (a, b > 0): the Heinsen
  scan (Heinsen 2023, "Efficient parallelization of a ubiquitous sequential
  computation", arXiv:2311.06281),

    a*_t = sum_{s<=t} log a_s
    c_t = exp(a*_t) c0 + exp(a*_t + logcumsumexp_t(log b - a*))

  which never forms the products of many a_t in linear space. c0 may have
  any sign: it enters through the first term.
  """
  a_star = jnp.cumsum(log_a, axis=0)
  from_inputs = a_star + jax.lax.cumlogsumexp(log_b - a_star, axis=0)
  return jnp.exp(a_star) * c0 + jnp.exp(from_inputs)


def _linear_scan(cell, params, inputs, carry, mask, state_mask, offsets,
                 zone):
  """Runs a linear cell over projected inputs [T, B, G*H] in parallel.

  The cell gives c_t = a_t * c_{t-1} + b_t (`cell.coefficients`, or
  `cell.log_coefficients` when `cell.log_space`) and h_t from the inputs
  and c_t (`cell.output`). As in the sequential scan: a padded step keeps
  the state (a = 1, b = 0) and outputs 0; the state dropout mask multiplies
  the hidden state entering the step, which for a cell whose carry is its
  state c scales a_t (and for a carry (h, c) leaves c alone); an offset on
  the state c moves c_t and every later state, one on h (when h is not c)
  moves h_t.
  """
  del zone  # always NO_ZONEOUT: see `parallel`
  valid = None if mask is None else mask[..., None]
  c0 = cell.state(carry)
  drop_state = state_mask is not None and cell.output_is_state
  if isinstance(offsets, tuple):  # (on h, on c) of a carry (h, c)
    h_offset, extra = offsets
  elif cell.output_is_state:
    h_offset, extra = None, offsets
  else:
    h_offset, extra = offsets, None
  if cell.log_space and not drop_state:
    # A dropped unit has a = 0, which has no logarithm: with state dropout
    # the log-space cells run on the linear-space scan below.
    log_a, log_b = cell.log_coefficients(params, inputs)
    if valid is not None:
      log_a = jnp.where(valid, log_a, 0.0)
      log_b = jnp.where(valid, log_b, _LOG_ZERO)
    c = log_linear_recurrence(log_a, log_b, c0)
    if extra is not None:
      a = jnp.exp(log_a)
  else:
    a, b = cell.coefficients(params, inputs)
    if drop_state:
      a = a * state_mask
    if valid is not None:
      a = jnp.where(valid, a, 1.0)
      b = jnp.where(valid, b, 0.0)
    c = linear_recurrence(a, b, c0)
  # What the output reads: c_t before step t's offset when the offset moves
  # only the carried c (the sequential scan adds it after the step), after
  # it when c is the output too.
  c_read = c
  if extra is not None:
    if valid is not None:
      extra = jnp.where(valid, extra, 0.0)
    c = c + linear_recurrence(a, extra, jnp.zeros_like(c0))
    c_read = c if cell.output_is_state else c - extra
  h = cell.output(params, inputs, c_read)
  if h_offset is not None:
    h = h + h_offset
  if valid is not None:
    h = jnp.where(valid, h, 0.0)
  if cell.output_is_state:
    return h, c[-1]
  if mask is None:
    last_h = h[-1]
  else:
    lengths = mask.sum(0)
    at_last = jnp.take_along_axis(h, _expand(jnp.maximum(lengths - 1, 0)[None],
                                             h.ndim), axis=0)[0]
    last_h = jnp.where(_expand(lengths > 0, h.ndim - 1), at_last,
                       base.hidden(carry))
  return h, cell.carry(last_h, c[-1])
