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


def test_the_loop_target_is_judged_only_on_measured_loops():
  small, long = bench_throughput.SHAPES[1], bench_throughput.SHAPES[2]
  lstm = {'rnnzoo lstm': 3.0, 'torch nn.LSTM': 1.0,
          'flax nn.RNN(OptimizedLSTMCell)': 1.0}
  unmeasured = bench_throughput.format_targets(
      {small: dict(lstm), long: dict(lstm)}, ['lstm'])
  assert 'PyTorch loop' not in unmeasured
  slow = bench_throughput.format_targets(
      {small: {**lstm, 'torch loop lstm': 2.0},
       long: {**lstm, 'torch loop lstm': 1.0}}, ['lstm'])
  assert 'PyTorch loop at the small and long shapes: not met by lstm (1.50x)' in slow
  fast = bench_throughput.format_targets(
      {small: {**lstm, 'torch loop lstm': 1.0}, long: dict(lstm)}, ['lstm'])
  assert 'PyTorch loop at the small and long shapes: met' in fast
