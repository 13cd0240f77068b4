"""Cells linear in their state on the associative scan: against the same cell
run step by step, closed forms, the authors' packages with copied weights,
gradient checks, and long sequences in log space."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.test_util import check_grads

from rnnzoo import cells
from rnnzoo import diagnostics
from rnnzoo.models import rnn as model_lib
from rnnzoo import recurrence
from rnnzoo import tasks
from tests import conftest
from tests import reference

KEY = jax.random.PRNGKey(0)
T, B, D = 11, 3, 3
LENGTHS = jnp.array([11, 6, 1])


@pytest.fixture(params=conftest.LINEAR_CASES,
                ids=[conftest.case_id(c) for c in conftest.LINEAR_CASES])
def linear_case(request):
  return request.param


def _pair(case):
  """The cell on the associative scan, and the same cell step by step."""
  name, options = case
  return cells.get(name, **options), cells.get(name, **options,
                                               parallel=False)


def _assert_trees_close(a, b, atol=1e-5):
  jax.tree_util.tree_map(
      lambda x, y: np.testing.assert_allclose(x, y, atol=atol), a, b)


# ----------------------------------------------------------------------------
# The scans against closed forms and finite differences.


def test_linear_recurrence_equals_the_loop():
  a = jax.random.uniform(KEY, (13, 2, 4), minval=-1.2, maxval=1.2)
  b = jax.random.normal(jax.random.PRNGKey(1), (13, 2, 4))
  c0 = jax.random.normal(jax.random.PRNGKey(2), (2, 4))
  c, expected = np.asarray(c0, np.float64), []
  for a_t, b_t in zip(np.asarray(a, np.float64), np.asarray(b, np.float64)):
    c = a_t * c + b_t
    expected.append(c)
  np.testing.assert_allclose(recurrence.linear_recurrence(a, b, c0),
                             np.stack(expected), rtol=1e-5, atol=1e-6)


def test_log_linear_recurrence_equals_the_loop_for_any_initial_sign():
  log_a = -jax.random.uniform(KEY, (13, 2, 4), maxval=2.0)
  log_b = jax.random.normal(jax.random.PRNGKey(1), (13, 2, 4))
  c0 = jax.random.normal(jax.random.PRNGKey(2), (2, 4))
  np.testing.assert_allclose(
      recurrence.log_linear_recurrence(log_a, log_b, c0),
      recurrence.linear_recurrence(jnp.exp(log_a), jnp.exp(log_b), c0),
      rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize('which', ['linear', 'log'])
def test_scan_gradients_match_finite_differences(which):
  with jax.enable_x64(True):
    first = jax.random.uniform(KEY, (7, 2, 3), jnp.float64, -1.0, -0.1)
    second = jax.random.normal(jax.random.PRNGKey(1), (7, 2, 3), jnp.float64)
    c0 = jax.random.normal(jax.random.PRNGKey(2), (2, 3), jnp.float64)
    scan = (recurrence.log_linear_recurrence if which == 'log' else
            recurrence.linear_recurrence)
    check_grads(scan, (first, second, c0), order=2, modes=('fwd', 'rev'),
                eps=1e-5, atol=1e-6, rtol=1e-6)


# ----------------------------------------------------------------------------
# The parallel path against the sequential one.


@pytest.mark.parametrize('masked,reverse', [(False, False), (True, False),
                                            (True, True)],
                         ids=['full', 'padded', 'padded-reverse'])
def test_parallel_equals_sequential(linear_case, masked, reverse):
  parallel, sequential = _pair(linear_case)
  params = conftest.random_params(parallel, KEY, input_size=D)
  xs = jax.random.normal(jax.random.PRNGKey(1), (T, B, D))
  mask = recurrence.lengths_to_mask(LENGTHS, T) if masked else None
  carry0 = jax.tree_util.tree_map(lambda a: a + 0.3,
                                  parallel.initial_carry(params, B))
  dropout = recurrence.variational_dropout(
      jax.random.PRNGKey(2), B, D, conftest.HIDDEN, input_rate=0.3,
      state_rate=0.4)
  weight = jax.random.normal(jax.random.PRNGKey(3), (T, B, conftest.HIDDEN))
  offsets = 0.1 * jax.random.normal(jax.random.PRNGKey(4),
                                    (T, B, conftest.HIDDEN))

  def loss(cell, params, xs, carry0, offsets, dropout, remat=False):
    ys, carry = recurrence.unroll(cell, params, xs, carry0, mask=mask,
                                  reverse=reverse, dropout=dropout,
                                  offsets=offsets, remat=remat)
    return jnp.sum(ys * weight) + jnp.sum(jnp.sin(cell.hidden(carry))), (
        ys, carry)

  for drop in (None, dropout):
    args = (params, xs, carry0, offsets, drop)
    (_, outputs), grads = jax.value_and_grad(
        lambda *a: loss(parallel, *a), (0, 1, 2, 3), has_aux=True)(*args)
    (_, ref_outputs), ref_grads = jax.value_and_grad(
        lambda *a: loss(sequential, *a), (0, 1, 2, 3), has_aux=True)(*args)
    _assert_trees_close(outputs, ref_outputs)
    _assert_trees_close(grads, ref_grads, atol=5e-5)
  remat_grads = jax.grad(lambda *a: loss(parallel, *a, remat=True)[0],
                         (0, 1, 2, 3))(*args)
  _assert_trees_close(remat_grads, ref_grads, atol=5e-5)


def test_remat_keeps_a_window_of_two_across_segments():
  cell = cells.get('qrnn', window=2, pooling='ifo')
  params = conftest.random_params(cell, KEY)
  xs = jax.random.normal(jax.random.PRNGKey(1), (23, B, 3))
  ys, _ = recurrence.unroll(cell, params, xs, remat=True)
  np.testing.assert_allclose(ys, reference.qrnn(params, xs, 2, 'ifo')[0],
                             atol=2e-6)
  steps, _ = recurrence.unroll(cells.get('qrnn', window=2, pooling='ifo',
                                         parallel=False), params, xs,
                               remat=True)
  np.testing.assert_allclose(steps, ys, atol=1e-6)


def test_dilated_linear_cell_equals_its_sub_sequences():
  cell = cells.get('dilated', base='mingru', dilation=3)
  params = conftest.random_params(cell, KEY)
  xs = jax.random.normal(jax.random.PRNGKey(1), (T, B, 3))
  ys, _ = recurrence.unroll(cell, params, xs)
  expected = reference.dilated(lambda sub: reference.mingru(params, sub), xs,
                               3)
  np.testing.assert_allclose(ys, expected, atol=2e-6)


def test_stacked_bidirectional_parallel_layers_equal_sequential_ones():
  pairs = [_pair(('minlstm', {})), _pair(('sru', {}))]
  keys = jax.random.split(KEY, 4)
  params = [(conftest.random_params(pairs[0][0], keys[0]),
             conftest.random_params(pairs[0][0], keys[1])),
            (conftest.random_params(pairs[1][0], keys[2], 2 * conftest.HIDDEN),
             conftest.random_params(pairs[1][0], keys[3], 2 * conftest.HIDDEN))]
  xs = jax.random.normal(jax.random.PRNGKey(1), (T, B, 3))
  mask = recurrence.lengths_to_mask(LENGTHS, T)
  outputs = [
      recurrence.stack([(pair[which], p) for pair, p in zip(pairs, params)],
                       xs, mask=mask, bidirectional=True)
      for which in (0, 1)]
  _assert_trees_close(outputs[0], outputs[1])


# ----------------------------------------------------------------------------
# Log space on long sequences.


@pytest.mark.parametrize('name', ['mingru', 'minlstm'])
def test_log_space_stays_accurate_on_a_long_sequence(name):
  cell = cells.get(name, log_space=True)
  params = conftest.random_params(cell, KEY, scale=1.0)
  xs = jax.random.normal(jax.random.PRNGKey(1), (1500, 2, 3))
  ys, carry = recurrence.unroll(cell, params, xs)
  expected, final = getattr(reference, name)(params, xs, log_space=True)
  assert np.all(np.asarray(ys) > 0)
  np.testing.assert_allclose(ys, expected, rtol=2e-3, atol=1e-5)
  np.testing.assert_allclose(carry, final, rtol=2e-3, atol=1e-5)
  grads = jax.grad(lambda p: jnp.sum(recurrence.unroll(cell, p, xs)[0]))(
      params)
  assert all(np.isfinite(g).all() for g in jax.tree_util.tree_leaves(grads))


# ----------------------------------------------------------------------------
# Against the authors' packages, with copied weights.


def test_mingru_and_minlstm_match_the_mingru_pytorch_package():
  # pylint: disable=g-import-not-at-top
  import minGRU_pytorch as package
  from minGRU_pytorch import minLSTM as min_lstm  # the module
  import torch
  xs = jax.random.normal(jax.random.PRNGKey(1), (9, 2, 4))
  x = torch.tensor(np.asarray(xs).swapaxes(0, 1))
  for name, module_cls, blocks in (('mingru', package.minGRU, 2),
                                   ('minlstm', min_lstm.minLSTM, 3)):
    cell = cells.get(name, log_space=True)
    params = conftest.random_params(cell, KEY, input_size=4, hidden_size=4)
    params['b'] = jnp.zeros(blocks * 4)  # the package's Linear has no bias
    module = module_cls(4)
    layer = (module.to_hidden_and_gate if name == 'mingru' else
             module.to_hidden_and_f_i_gate)
    with torch.no_grad():
      layer.weight.copy_(torch.tensor(np.asarray(params['w_x']).T))
      expected = module(x).numpy().swapaxes(0, 1)
    ys, _ = recurrence.unroll(cell, params, xs)
    np.testing.assert_allclose(ys, expected, rtol=1e-5, atol=1e-6)
  # minGRU continuing from a (positive) state.
  cell = cells.get('mingru', log_space=True)
  h0 = jnp.abs(jax.random.normal(jax.random.PRNGKey(5), (2, 4))) + 0.1
  params = conftest.random_params(cell, KEY, input_size=4, hidden_size=4)
  params['b'] = jnp.zeros(8)
  module = package.minGRU(4)
  with torch.no_grad():
    module.to_hidden_and_gate.weight.copy_(
        torch.tensor(np.asarray(params['w_x']).T))
    expected = module(x, torch.tensor(np.asarray(h0))[:, None]).numpy()
  ys, _ = recurrence.unroll(cell, params, xs, h0)
  np.testing.assert_allclose(ys, expected.swapaxes(0, 1), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize('input_size', [5, 3], ids=['D=H', 'D!=H'])
@pytest.mark.parametrize('activation', ['tanh', 'identity'])
def test_sru_matches_the_sru_package_v1(input_size, activation):
  # Imported here: the package compiles its CPU kernel on first import.
  import sru  # pylint: disable=g-import-not-at-top
  import torch  # pylint: disable=g-import-not-at-top
  hidden = 5
  cell = cells.get('sru', activation=activation)
  params = conftest.random_params(cell, KEY, input_size, hidden)
  xs = jax.random.normal(jax.random.PRNGKey(1), (9, 2, input_size))
  module = sru.SRUCell(input_size, hidden, v1=True, rescale=False,
                       use_tanh=activation == 'tanh')
  blocks = params['w_x'].shape[1] // hidden
  # The package interleaves the blocks unit by unit: column j*k + m.
  weight = np.asarray(params['w_x']).reshape(input_size, blocks, hidden)
  with torch.no_grad():
    module.weight.copy_(torch.tensor(weight.transpose(0, 2, 1).reshape(
        input_size, -1)))
    module.bias.copy_(torch.tensor(np.asarray(params['b'])))
    expected, final_c = module(torch.tensor(np.asarray(xs)))
  ys, (_, c) = recurrence.unroll(cell, params, xs)
  np.testing.assert_allclose(ys, expected.numpy(), rtol=1e-5, atol=1e-6)
  np.testing.assert_allclose(c, final_c.numpy(), rtol=1e-5, atol=1e-6)


# ----------------------------------------------------------------------------
# Diagnostics.


def test_diagnostics_are_the_same_on_either_path():
  task = tasks.get('adding', seq_len=12)
  batch = task.sample(KEY, 4)
  results = []
  for parallel in (True, False):
    model = model_lib.RNN(
        layers=(cells.get('qrnn', pooling='fo', parallel=parallel),) * 2,
        input_kind='real', input_size=task.input_size,
        output_size=task.output_size, readout=task.readout, hidden_size=6,
        bidirectional=True)
    variables = model.init(KEY, {'x': batch['x']})
    results.append((diagnostics.gradient_norms(model, variables, task, batch),
                    diagnostics.gate_statistics(model, variables, batch)))
  (norms, stats), (ref_norms, ref_stats) = results
  assert set(norms) == {'layer0/fw', 'layer0/bw', 'layer1/fw', 'layer1/bw'}
  _assert_trees_close(norms, ref_norms, atol=1e-6)
  assert set(stats) == {f'layer{l}/{d}/{g}' for l in (0, 1)
                        for d in ('fw', 'bw') for g in ('f', 'o')}
  for name, gate in stats.items():
    assert gate['histogram'] == ref_stats[name]['histogram']
    assert sum(gate['histogram']) == 12 * 4 * 6
