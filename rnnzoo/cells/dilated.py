"""Dilated recurrence: any cell reading its state from d steps back."""

import dataclasses

import jax
import jax.numpy as jnp

from rnnzoo.cells import base
from rnnzoo.cells import vanilla


@dataclasses.dataclass(frozen=True)
class Dilated(base.Cell):
  """Dilated recurrent skip connection (Chang et al. 2017, "Dilated recurrent
  neural networks", NeurIPS; eq. 1): a base cell f whose state comes from d
  steps back,

    c_t = f(x_t, c_{t-d})

  so the sequence splits into d interleaved sub-sequences. The Dilated RNN of
  the paper stacks such layers with d = 1, 2, 4, ... (`model.dilations`).
  Built as `cells.get('dilated', base='gru', dilation=4, **gru_options)`.

  Parameters: the base cell's, no more. Carry: the base carries of the last
  d steps, oldest first, each leaf stacked as [d, B, ...]. As a plain Cell
  its `step` reads the oldest and appends the new one; its `run` (what
  `recurrence.unroll` calls) instead runs the base cell, its own way, over
  T/d steps with batch B*d. A base cell whose projection reads several
  steps (QRNN's window of 2) is refused: folded, its window would span d
  steps.
  """

  name = 'dilated'
  cell: base.Cell = vanilla.Vanilla()
  dilation: int = 1

  def validate(self):
    base.check_number('dilation', self.dilation, minimum=1, integer=True)
    if isinstance(self.cell, Dilated):
      raise ValueError("base='dilated' is not allowed: a dilated cell wraps a "
                       'plain cell; stack layers for several dilations')
    if self.cell.project_window > 1 and self.dilation > 1:
      raise ValueError(
          f'base={self.cell.name!r} with window={self.cell.project_window} '
          f'is not allowed with dilation={self.dilation}: the base cell must '
          'project each step alone (window=1)')

  @classmethod
  def create(cls, base='vanilla', dilation=1, **base_options):
    from rnnzoo import cells  # pylint: disable=g-import-not-at-top
    return cls(cell=cells.get(base, **base_options), dilation=dilation)

  def options(self):
    return {'base': self.cell.name, 'dilation': self.dilation,
            **self.cell.options()}

  @property
  def cell_states(self):
    return self.cell.cell_states

  @property
  def carry_names(self):
    return self.cell.carry_names

  def init(self, key, input_size, hidden_size):
    return self.cell.init(key, input_size, hidden_size)

  def prepare(self, params):
    return self.cell.prepare(params)

  def input_size(self, params):
    return self.cell.input_size(params)

  def hidden_size(self, params):
    return self.cell.hidden_size(params)

  def initial_carry(self, params, batch_size):
    carry = self.cell.initial_carry(params, batch_size)
    return jax.tree_util.tree_map(
        lambda a: jnp.broadcast_to(a, (self.dilation,) + a.shape), carry)

  def step_carry(self, params, batch_size):
    """The base cell's carry: each step updates one of the d it holds."""
    return self.cell.initial_carry(params, batch_size)

  def hidden(self, carry):
    return self.cell.hidden(jax.tree_util.tree_map(lambda a: a[-1], carry))

  def project(self, params, xs):
    return self.cell.project(params, xs)

  def run(self, params, xs, carry, *, mask, state_mask, remat, offsets,
          zone, scan_unroll=1):
    """The base cell's `run` over d interleaved sub-sequences.

    Time t = s*d + k becomes step s of sub-sequence k, batch row k*B + b:
    T/d steps (rounded up, the rest padded) with batch d*B. The carry's d
    base carries, oldest first, are exactly the sub-sequences' carries.
    """
    d = self.dilation
    num_steps, batch_size = xs.shape[:2]
    sub_steps = -(-num_steps // d)
    padding = sub_steps * d - num_steps
    if padding and mask is None:
      mask = jnp.ones((num_steps, batch_size), jnp.bool_)

    def fold(a):
      if a is None:
        return None
      a = jnp.pad(a, [(0, padding)] + [(0, 0)] * (a.ndim - 1))
      return a.reshape((sub_steps, d * batch_size) + a.shape[2:])

    ys, folded = self.cell.run(
        params, fold(xs),
        jax.tree_util.tree_map(
            lambda a: a.reshape((d * batch_size,) + a.shape[2:]), carry),
        mask=fold(mask), remat=remat, scan_unroll=scan_unroll,
        offsets=jax.tree_util.tree_map(fold, offsets),
        zone=jax.tree_util.tree_map(fold, zone),
        state_mask=None if state_mask is None else jnp.tile(state_mask,
                                                            (d, 1)))
    ys = ys.reshape((sub_steps * d, batch_size) + ys.shape[2:])[:num_steps]
    # Slot j of the returned carry holds the state at time L - d + j (L: the
    # sequence's length), the final carry of sub-sequence (L - d + j) mod d.
    lengths = num_steps if mask is None else mask.sum(0)
    slot = (lengths - d + jnp.arange(d)[:, None]) % d
    slot = jnp.broadcast_to(slot, (d, batch_size))

    def unfold(a):
      a = a.reshape((d, batch_size) + a.shape[1:])
      index = slot.reshape(slot.shape + (1,) * (a.ndim - 2))
      return jnp.take_along_axis(a, index, axis=0)

    return ys, jax.tree_util.tree_map(unfold, folded)

  def recurrent(self, params, carry):
    oldest = jax.tree_util.tree_map(lambda a: a[0], carry)
    return self.cell.recurrent(params, oldest)

  def forward(self, params, carry, inputs_t, r):
    oldest = jax.tree_util.tree_map(lambda a: a[0], carry)
    new, h, gates = self.cell.forward(params, oldest, inputs_t, r)
    carry = jax.tree_util.tree_map(
        lambda a, n: jnp.concatenate([a[1:], n[None]]), carry, new)
    return carry, h, gates

  def constrain(self, params):
    return self.cell.constrain(params)

  def num_params(self, params):
    return self.cell.num_params(params)
