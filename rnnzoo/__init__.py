"""rnnzoo: recurrent cells in JAX, run faithfully and fast, compared honestly.

  from rnnzoo import cells, recurrence
  cell = cells.get('lstm', forget_bias=1.0)
  params = cell.init(jax.random.key(0), input_size, hidden_size)
  ys, carry = recurrence.unroll(cell, params, xs)   # xs: [T, B, D]
"""

from rnnzoo import cells
from rnnzoo import recurrence

__all__ = ['cells', 'recurrence']
