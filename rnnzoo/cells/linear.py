"""Cells whose state enters each step linearly, and the activations they share.

A linear cell's step is

  c_t = a_t * c_{t-1} + b_t,   h_t = output(inputs_t, c_t)

with a_t, b_t [B, H] computed from the projected inputs alone (no matmul
reads the previous state). Such a cell declares it by subclassing
`LinearCell` and defining

  coefficients(params, inputs [..., G*H]) -> (a, b) [..., H]
  output(params, inputs, c) -> h        (c itself unless overridden)
  log_coefficients(params, inputs) -> (log a, log b), when it has a
                                        log-space form (`log_space`)

and it runs on `recurrence.parallel` (an associative scan over time) unless
built with parallel=False, when it runs step by step like every other cell:
its `forward` is the same step, written from the same two functions.

The carry is c when h = c (`output_is_state`), else the pair (h, c), so that
the hidden state h comes first as the cell contract asks.
"""

import dataclasses
from typing import ClassVar

import jax
import jax.numpy as jnp

from rnnzoo.cells import base


def g(x):
  """The positive activation of minGRU's log-space form (Feng et al. 2024,
  appendix B.3): x + 1/2 for x >= 0, sigmoid(x) below; continuous, > 0."""
  return jnp.where(x >= 0, x + 0.5, jax.nn.sigmoid(x))


def log_g(x):
  """log g(x), without forming g(x) for x < 0: -softplus(-x) there."""
  return jnp.where(x >= 0, jnp.log(jax.nn.relu(x) + 0.5),
                   -jax.nn.softplus(-x))


@dataclasses.dataclass(frozen=True)
class LinearCell(base.Cell):
  """Base class of cells linear in their state; see the module docstring."""

  # Cells with a log-space form declare `log_space: bool = False` as an
  # option; the others have none (asking for it is an unknown option).
  log_space: ClassVar[bool] = False
  parallel: bool = True

  def validate(self):
    base.check_bool('parallel', self.parallel)

  @property
  def output_is_state(self) -> bool:
    """Whether h_t = c_t, so that the carry is c alone."""
    return True

  @property
  def carry_names(self):
    return ('h',) if self.output_is_state else ('h', 'c')

  def coefficients(self, params, inputs):
    raise NotImplementedError

  def log_coefficients(self, params, inputs):
    raise NotImplementedError

  def output(self, params, inputs, c):
    del params, inputs
    return c

  def gates(self, params, inputs) -> dict:
    """The step's gate activations by name, for diagnostics."""
    del params, inputs
    return {}

  def state(self, carry):
    """The linear state c held in `carry`."""
    return carry if self.output_is_state else carry[1]

  def carry(self, h, c):
    """The carry holding hidden state h and linear state c."""
    return c if self.output_is_state else (h, c)

  def initial_carry(self, params, batch_size):
    zeros = super().initial_carry(params, batch_size)
    return self.carry(zeros, zeros)

  def run(self, params, xs, carry, *, mask, state_mask, remat, offsets,
          zone, scan_unroll=1):
    """The associative scan when `parallel`, unless zoneout is on (it runs
    step by step); otherwise the sequential scan. The associative scan has
    no loop: it ignores `scan_unroll`."""
    if not self.parallel or zone != (None, None):
      return super().run(params, xs, carry, mask=mask, state_mask=state_mask,
                         remat=remat, offsets=offsets, zone=zone,
                         scan_unroll=scan_unroll)
    from rnnzoo import recurrence  # pylint: disable=g-import-not-at-top
    return recurrence.parallel(self, params, xs, carry, mask=mask,
                               state_mask=state_mask, remat=remat,
                               offsets=offsets)

  def recurrent(self, params, carry):
    """c_{t-1}: the state enters the step without a matmul."""
    del params
    return self.state(carry)

  def forward(self, params, carry, inputs_t, r):
    a, b = self.coefficients(params, inputs_t)
    c = a * r + b
    h = self.output(params, inputs_t, c)
    return self.carry(h, c), h, self.gates(params, inputs_t)
