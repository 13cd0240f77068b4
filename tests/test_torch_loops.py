"""The PyTorch per-step loops of the benchmark compute what the cells
compute, and a cell without one is benchmarked without it."""

import jax
import numpy as np
import pytest
import torch

from experiments import bench_throughput
from experiments import timing
from experiments import torch_loops
from rnnzoo import recurrence
from tests import conftest


def test_each_loop_equals_the_scan_of_its_cell(cell):
  if not torch_loops.has_loop(cell):
    pytest.skip(f'{cell.name} has no PyTorch loop')
  params = conftest.random_params(cell, jax.random.PRNGKey(0))
  xs = jax.random.normal(jax.random.PRNGKey(1), (7, 2, 3))
  expected, _ = recurrence.unroll(cell, params, xs)
  loop, _ = torch_loops.make_loop(cell, params)
  with torch.no_grad():
    got = loop(torch.tensor(np.asarray(xs))).numpy()
  np.testing.assert_allclose(got, expected, rtol=2e-5, atol=2e-6)


def test_a_cell_without_a_loop_is_timed_without_that_column(monkeypatch):
  monkeypatch.delitem(torch_loops.LOOPS, 'mgu')
  assert not torch_loops.has_loop(bench_throughput._cell('mgu'))  # pylint: disable=protected-access
  timed = []
  monkeypatch.setattr(timing, 'round_robin_times',
                      lambda contenders, repeats: timed.append(
                          sorted(contenders)) or {})
  bench_throughput.bench_shape((2, 4, 3, 4), ['mgu', 'gru'], 1, True)
  assert 'torch loop gru' in timed[0] and 'rnnzoo mgu' in timed[0]
  assert 'torch loop mgu' not in timed[0]
