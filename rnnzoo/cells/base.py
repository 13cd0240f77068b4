"""The cell contract, and what every cell shares.

A cell is a frozen dataclass whose fields are its options (static, bound at
construction, like a Flax module's hyperparameters) and whose methods are pure
functions of explicit arrays:

  init(key, input_size, hidden_size) -> params        a dict of float32 arrays
  initial_carry(params, batch_size) -> carry          zeros
  project(params, xs [T, B, D]) -> inputs [T, B, G*H] the time-parallel part:
                                                      one matmul for all steps
  recurrent(params, carry) -> r                       the part of a step that
                                                      reads the previous state
                                                      through a matmul
  update(params, carry, inputs_t, r) -> (carry, h_t)  the rest of the step
  step(params, carry, inputs_t) -> (carry, h_t)       = update(.., recurrent(..))

Cells write `update` as `forward`, which also returns the step's gate
activations by name ({} for cells without gates) for diagnostics.

How a cell runs over a whole sequence belongs to the cell too:
`run(params, xs, carry, ...)` is what `recurrence.unroll` calls once it has
checked its arguments, turned a reverse run into a forward one, filled in
the initial carry and dropped out inputs. The default is the sequential scan
(`recurrence.sequential`); cells whose state enters linearly run on an
associative scan (`rnnzoo.cells.linear`), and the dilated wrapper runs its
base cell over interleaved sub-sequences.

`step` is the recurrence; splitting it into `recurrent` and `update` lets
`recurrence.unroll` compute the weight gradient of the recurrent matmul as one
large matmul over all steps after the backward scan instead of one small one
per step, and gives variational dropout a cell-independent place to act (the
state that enters `recurrent`).

Carries are arrays with the batch as their leading axis, or tuples of them
whose first element is the hidden state h [B, H].

Two hooks serve cells that need more than a weight and a state:

  prepare(params) -> params       weights derived from the parameters
                                  (expRNN's W = expm(A)), computed once per
                                  sequence: `recurrence.unroll` calls it before
                                  `project` and the scan, and `project`,
                                  `recurrent` and `update` read the prepared
                                  params; `step` calls it itself. Gradients
                                  reach the raw parameters through it, outside
                                  the scan. The identity for most cells.
  cell_states: ClassVar           positions in a tuple carry of the cell
                                  states (the LSTM's c) that zoneout's c rate
                                  acts on (h itself takes the h rate).
  carry_names: ClassVar           the names of the carry's components in
                                  order, h first (('h', 'c') for the LSTM):
                                  the diagnostics report the gradient through
                                  time of each float component under its name.

A carry may hold a history of past states (MIST's direct connections to
h_{t-2}, h_{t-4}, ...): it keeps h first and the older states after it, and
each step shifts the previous carry's h into the history, so whatever acts on
h between steps (padding masks, zoneout, diagnostic offsets) reaches the
history too. Such a cell sets `keeps_carries = False`:

  keeps_carries: ClassVar         how `recurrence.sequential` differentiates
                                  the scan: True (the default), by the
                                  engine's backward, which keeps every step's
                                  incoming carry and is the faster for a
                                  carry of a few [B, H] states (1.04-1.36x
                                  for the LSTM, Jordan, Nested LSTM and tanh
                                  RNN at B=16, T=256, H=128); False, by JAX's
                                  autodiff of the same scan, which keeps only
                                  what each step's derivative reads: a
                                  history that a step only moves is then not
                                  stored T times (MIST: 2.9x faster, 6x less
                                  memory at that shape).

Notation in shapes: T time steps, B batch, D input features, H hidden units,
G gate blocks.
"""

import dataclasses
import math
from typing import Any, ClassVar

import jax
import jax.numpy as jnp

from rnnzoo import options
from rnnzoo import rowwise

Array = jax.Array
Params = dict[str, Array]
Carry = Any


def sigmoid(x: Array) -> Array:
  """The logistic function, written through tanh.

  sigmoid(x) = (1 + tanh(x / 2)) / 2 exactly; XLA's CPU backend evaluates
  tanh about 1.3x faster than `lax.logistic` inside a scan, and the gates are
  the bulk of a gated cell's elementwise work.
  """
  return 0.5 * jnp.tanh(0.5 * x) + 0.5


ACTIVATIONS = {'tanh': jnp.tanh, 'relu': jax.nn.relu}

check_choice = options.check_choice
check_bool = options.check_bool
check_number = options.check_number


def as_tuple(value):
  """A list (as configs and JSON give a tuple option) as a tuple; anything
  else as it is, for `check_positive_ints` to judge."""
  return tuple(value) if isinstance(value, list) else value


def check_positive_ints(field: str, value, *, distinct: bool = False,
                        ascending: bool = False) -> None:
  """Raises a ValueError unless `value` is a non-empty tuple of positive
  integers (all different, or ascending, where asked)."""
  allowed = ('allowed: a non-empty tuple of ' +
             ('ascending ' if ascending else 'distinct ' if distinct else '') +
             'positive integers, e.g. (1, 2, 4, 8)')
  if not isinstance(value, tuple) or not value:
    raise ValueError(f'{field}={value!r} is not allowed; {allowed}')
  for entry in value:
    if isinstance(entry, bool) or not isinstance(entry, int) or entry < 1:
      raise ValueError(f'{field}={value!r} is not allowed: {entry!r} is not '
                       f'a positive integer; {allowed}')
  if distinct and len(set(value)) != len(value):
    raise ValueError(f'{field}={value!r} is not allowed: an entry repeats; '
                     f'{allowed}')
  if ascending and list(value) != sorted(value):
    raise ValueError(f'{field}={value!r} is not allowed: it is not '
                     f'ascending; {allowed}')


def check_sizes(input_size: int, hidden_size: int) -> None:
  check_number('input_size', input_size, minimum=1, integer=True)
  check_number('hidden_size', hidden_size, minimum=1, integer=True)


def glorot_uniform(key: Array, fan_in: int, fan_out: int, blocks: int = 1):
  """[fan_in, blocks * fan_out]: each block U(+-sqrt(6 / (fan_in + fan_out)))."""
  limit = math.sqrt(6.0 / (fan_in + fan_out))
  return jax.random.uniform(key, (fan_in, blocks * fan_out), jnp.float32,
                            -limit, limit)


def orthogonal(key: Array, size: int, blocks: int = 1) -> Array:
  """[size, blocks * size]: each block an independent random orthogonal matrix."""
  keys = jax.random.split(key, blocks)
  init = jax.nn.initializers.orthogonal()
  return jnp.concatenate([init(k, (size, size), jnp.float32) for k in keys], 1)


def input_weights(key: Array, input_size: int, hidden_size: int,
                  input_std: float) -> Array:
  """w_x [D, H]: Glorot-uniform, or N(0, input_std^2) when input_std > 0."""
  if not input_std:
    return glorot_uniform(key, input_size, hidden_size)
  return input_std * jax.random.normal(key, (input_size, hidden_size))


def block_weights(key: Array, input_size: int, hidden_size: int,
                  input_blocks: int, recurrent_blocks: int):
  """w_x [D, Gx*H] Glorot-uniform and w_h [H, Gh*H] orthogonal, block by block."""
  k_x, k_h = jax.random.split(key)
  w_x = glorot_uniform(k_x, input_size, hidden_size, input_blocks)
  return w_x, orthogonal(k_h, hidden_size, recurrent_blocks)


def hidden(carry: Carry) -> Array:
  """The hidden state h [B, H] of a carry (the carry, or its first element)."""
  return carry[0] if isinstance(carry, tuple) else carry


def replace_hidden(carry: Carry, h: Array) -> Carry:
  return (h,) + tuple(carry[1:]) if isinstance(carry, tuple) else h


@dataclasses.dataclass(frozen=True)
class Cell(options.Configurable):
  """Base class of all cells; see the module docstring for the contract.

  Subclasses set `name` and `blocks` (G: how many blocks of H columns `w_x`
  has), declare their options as dataclass fields, check them in `validate`,
  and define `init` and `forward` (and `recurrent` when the state enters the
  step through something other than `h @ w_h`).
  """

  kind = 'cell'
  blocks: ClassVar[int] = 1
  # How many consecutive steps of xs one step of `project` reads (QRNN's
  # convolution window); 1 for a projection of each step alone.
  project_window: ClassVar[int] = 1
  cell_states: ClassVar[tuple[int, ...]] = ()
  carry_names: ClassVar[tuple[str, ...]] = ('h',)
  keeps_carries: ClassVar[bool] = True

  def init(self, key: Array, input_size: int, hidden_size: int) -> Params:
    raise NotImplementedError

  def input_size(self, params: Params) -> int:
    return params['w_x'].shape[0]

  def hidden_size(self, params: Params) -> int:
    return params['w_x'].shape[1] // self.blocks

  def initial_carry(self, params: Params, batch_size: int) -> Carry:
    dtype = params['w_x'].dtype
    return jnp.zeros((batch_size, self.hidden_size(params)), dtype)

  def step_carry(self, params: Params, batch_size: int) -> Carry:
    """Zeros of the carry that one time step passes to the next (what
    `recurrence.unroll`'s offsets move); the initial carry, except for a
    wrapper that holds several of them (the dilated cell)."""
    return self.initial_carry(params, batch_size)

  def hidden(self, carry: Carry) -> Array:
    """The hidden state h [B, H] held in `carry`."""
    return hidden(carry)

  def prepare(self, params: Params) -> Params:
    """The params with the weights derived from them added, once per sequence."""
    return params

  def project(self, params: Params, xs: Array) -> Array:
    """xs [T, B, D] -> inputs [T, B, G*H] = xs @ w_x + b."""
    return rowwise.matmul(xs, params['w_x']) + params['b']

  def run(self, params: Params, xs: Array, carry: Carry, *, mask, state_mask,
          remat: bool, offsets, zone, scan_unroll: int = 1):
    """Runs the cell forward over xs [T, B, D] from `carry`; returns
    (ys [T, B, H], final carry).

    The arguments are those of `recurrence.unroll`, already checked, with
    the params prepared, the carry given and the input dropout applied;
    `state_mask` is the dropout mask of the state entering `recurrent` (or
    None), `zone` the zoneout masks (d_h, d_c) per step (each [T, B, H] or
    None), `scan_unroll` the steps per iteration of a sequential loop. The
    default is the sequential scan.
    """
    # rnnzoo.recurrence imports this module.
    from rnnzoo import recurrence  # pylint: disable=g-import-not-at-top
    return recurrence.sequential(self, params, xs, carry, mask=mask,
                                 state_mask=state_mask, remat=remat,
                                 offsets=offsets, zone=zone,
                                 scan_unroll=scan_unroll)

  def recurrent(self, params: Params, carry: Carry):
    """h_{t-1} @ w_h: the matmul through which the previous state enters."""
    return hidden(carry) @ params['w_h']

  def forward(self, params: Params, carry: Carry, inputs_t: Array, r):
    """`update`, returning (carry, h_t, {gate name: activations [B, H]})."""
    raise NotImplementedError

  def update(self, params: Params, carry: Carry, inputs_t: Array, r):
    """The step after `recurrent`: (carry_{t-1}, inputs_t, r) -> (carry_t, h_t)."""
    carry, h, _ = self.forward(params, carry, inputs_t, r)
    return carry, h

  def step(self, params: Params, carry: Carry, inputs_t: Array):
    """One time step: (carry_{t-1}, inputs_t [B, G*H]) -> (carry_t, h_t [B, H]).

    `params` are the raw parameters; `inputs_t` is a step of `project` of the
    prepared ones.
    """
    params = self.prepare(params)
    return self.update(params, carry, inputs_t, self.recurrent(params, carry))

  def constrain(self, params: Params) -> Params:
    """The projection applied to the params after every optimizer update."""
    return params

  def num_params(self, params: Params) -> int:
    """The number of trainable parameters."""
    return sum(p.size for p in jax.tree_util.tree_leaves(params))
