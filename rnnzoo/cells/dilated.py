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
  its `step` reads the oldest and appends the new one; `recurrence.unroll`
  instead runs the equivalent scan over T/d steps with batch B*d.
  """

  name = 'dilated'
  cell: base.Cell = vanilla.Vanilla()
  dilation: int = 1

  def validate(self):
    base.check_number('dilation', self.dilation, minimum=1, integer=True)
    if isinstance(self.cell, Dilated):
      raise ValueError("base='dilated' is not allowed: a dilated cell wraps a "
                       'plain cell; stack layers for several dilations')

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

  def hidden(self, carry):
    return self.cell.hidden(jax.tree_util.tree_map(lambda a: a[-1], carry))

  def project(self, params, xs):
    return self.cell.project(params, xs)

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
