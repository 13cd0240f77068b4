"""Diagnostics: the gradient through time against closed forms, gate
statistics on tensors built by hand, and the files a run writes."""

import json
import os

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from rnnzoo import cells
from rnnzoo import assembly
from rnnzoo import config_util
from rnnzoo import diagnostics
from rnnzoo import recurrence
from rnnzoo.models import rnn as model_lib
from rnnzoo import tasks
from rnnzoo import train

KEY = jax.random.PRNGKey(0)
T, B, H = 12, 4, 6


def _one_layer(cell, task, **model):
  return model_lib.RNN(layers=(cell,), input_kind='real',
                       input_size=task.input_size,
                       output_size=task.output_size, readout=task.readout,
                       hidden_size=H, **model)


def test_identity_relu_rnn_passes_the_gradient_unchanged():
  # With W_h = I and positive pre-activations, h_t = x_t W_x + h_{t-1} + b is
  # linear and dh_T/dh_t = I: dL/dh_t is the same at every step.
  task = tasks.get('adding', seq_len=T)
  model = _one_layer(cells.get('irnn'), task)
  batch = task.sample(KEY, B)
  variables = model.init(KEY, {'x': batch['x']})
  layer = variables['params']['layer0']
  layer['w_x'] = jnp.abs(layer['w_x']) + 0.1
  layer['b'] = jnp.full(H, 0.1)
  norms = diagnostics.gradient_norms(model, variables, task, batch)['layer0']
  np.testing.assert_allclose(norms, norms[-1], rtol=1e-5)
  assert norms[-1] > 0


def test_tanh_rnn_gradient_decays_like_the_closed_form():
  # dL/dh_t = dL/dh_{t+1} diag(1 - h_{t+1}^2) W_h^T with W_h = 0.5 I.
  task = tasks.get('adding', seq_len=T)
  model = _one_layer(cells.get('vanilla'), task)
  batch = task.sample(KEY, B)
  variables = model.init(KEY, {'x': batch['x']})
  variables['params']['layer0']['w_h'] = 0.5 * jnp.eye(H)
  norms = diagnostics.gradient_norms(model, variables, task, batch)['layer0']
  # The closed form, from the forward states.
  p = variables['params']
  h = np.zeros((B, H))
  states = []
  for x in np.asarray(batch['x']).swapaxes(0, 1):
    h = np.tanh(x @ p['layer0']['w_x'] + h @ p['layer0']['w_h'] +
                p['layer0']['b'])
    states.append(h)
  prediction = states[-1] @ p['readout']['kernel'] + p['readout']['bias']
  grad = 2 * (prediction[:, 0] - np.asarray(batch['y']))[:, None] * np.asarray(
      p['readout']['kernel'])[:, 0]
  expected = [None] * T
  for t in reversed(range(T)):
    expected[t] = np.linalg.norm(grad, axis=1).mean()
    grad = grad * (1 - states[t] ** 2) @ np.asarray(p['layer0']['w_h']).T
  np.testing.assert_allclose(norms, expected, rtol=1e-4)
  assert np.all(norms[:-1] <= 0.5 * norms[1:] + 1e-12)


def _readout_gradient(variables, states, y):
  """dL/dh_{T-1} [B, H] of the summed squared errors of a 'last' readout."""
  kernel = np.asarray(variables['params']['readout']['kernel'], np.float64)
  bias = np.asarray(variables['params']['readout']['bias'], np.float64)
  prediction = states[-1] @ kernel[:, 0] + bias[0]
  return 2 * (prediction - np.asarray(y))[:, None] * kernel[:, 0]


def test_linear_rnn_norms_follow_powers_of_w_below_float32s_range():
  # A ReLU RNN with non-negative inputs and weights is linear:
  # h_t = x_t W_x + h_{t-1} W + b, so dL/dh_t = (W^T)^(T-1-t) g_{T-1}.
  # With W's spectral radius near 0.05, 60 steps take the norm below
  # float32's smallest number (1e-45): measured in float64, it is not 0.
  length = 60
  task = tasks.get('adding', seq_len=length)
  model = _one_layer(cells.get('vanilla', activation='relu'), task)
  batch = task.sample(KEY, B)
  variables = model.init(KEY, {'x': batch['x']})
  layer = variables['params']['layer0']
  layer['w_x'] = jnp.abs(layer['w_x']) + 0.1
  layer['b'] = jnp.full(H, 0.1)
  layer['w_h'] = jax.random.uniform(KEY, (H, H), minval=0.0,
                                    maxval=0.1 / H) + 0.03 * jnp.eye(H)
  norms = diagnostics.state_gradient_norms(model, variables, task, batch)
  assert set(norms['layer0']) == {'h'}
  p = {k: np.asarray(v, np.float64) for k, v in layer.items()}
  h = np.zeros((B, H))
  states = []
  for x in np.asarray(batch['x'], np.float64).swapaxes(0, 1):
    h = np.maximum(x @ p['w_x'] + h @ p['w_h'] + p['b'], 0)
    states.append(h)
  assert all((s > 0).all() for s in states)  # the linear regime
  grad = _readout_gradient(variables, states, batch['y'])
  expected = np.zeros(length)
  for t in reversed(range(length)):
    expected[t] = np.linalg.norm(grad, axis=1).mean()
    grad = grad @ p['w_h'].T
  np.testing.assert_allclose(norms['layer0']['h'], expected, rtol=1e-6)
  assert 0 < expected[0] < 1e-45


def test_lstm_cell_state_norms_match_finite_differences():
  # dL/dc_t of the carry: the loss's change when c_t (after h_t is read
  # from it) moves, by central differences of a float64 NumPy LSTM.
  task = tasks.get('adding', seq_len=T)
  model = _one_layer(cells.get('lstm'), task)
  batch = task.sample(KEY, B)
  variables = model.init(KEY, {'x': batch['x']})
  norms = diagnostics.state_gradient_norms(model, variables, task, batch)
  p = {k: np.asarray(v, np.float64)
       for k, v in variables['params']['layer0'].items()}
  kernel = np.asarray(variables['params']['readout']['kernel'], np.float64)
  bias = np.asarray(variables['params']['readout']['bias'], np.float64)
  xs = np.asarray(batch['x'], np.float64).swapaxes(0, 1)
  y = np.asarray(batch['y'], np.float64)
  sigmoid = lambda z: 1 / (1 + np.exp(-z))

  def losses(offsets_c):  # [T, B, H] -> per-example squared error [B]
    h, c = np.zeros((B, H)), np.zeros((B, H))
    for t in range(T):
      z_i, z_f, z_g, z_o = np.split(xs[t] @ p['w_x'] + h @ p['w_h'] + p['b'],
                                    4, axis=-1)
      c = sigmoid(z_f) * c + sigmoid(z_i) * np.tanh(z_g)
      h = sigmoid(z_o) * np.tanh(c)
      c = c + offsets_c[t]
    return (h @ kernel[:, 0] + bias[0] - y) ** 2

  eps = 1e-6
  grad = np.zeros((T, B, H))
  for t in range(T):
    for j in range(H):
      step = np.zeros((T, B, H))
      step[t, :, j] = eps
      grad[t, :, j] = (losses(step) - losses(-step)) / (2 * eps)
  expected = np.linalg.norm(grad, axis=-1).mean(1)
  assert expected[-1] == 0  # c_{T-1} feeds no later step
  np.testing.assert_allclose(norms['layer0']['c'], expected, rtol=1e-5,
                             atol=1e-12)
  assert norms['layer0']['c'][0] > 0


def test_gradient_norms_skip_padding_and_name_directions():
  task = tasks.get('mnist1d')
  model = _one_layer(cells.get('lstm'), task, bidirectional=True)
  x = jax.random.normal(KEY, (B, T, 1))
  mask = jnp.arange(T)[None] < jnp.array([T, 5, 3, 1])[:, None]
  batch = {'x': x, 'mask': mask, 'y': jnp.arange(B), 'weight': jnp.ones(B)}
  variables = model.init(KEY, {'x': x, 'mask': mask})
  norms = diagnostics.gradient_norms(model, variables, task, batch)
  assert set(norms) == {'layer0/fw', 'layer0/bw'}
  # Each sequence alone, unpadded; a padded step averages only the
  # sequences still running there.
  lengths = mask.sum(1)
  alone = [diagnostics.gradient_norms(model, variables, task, {
      'x': x[b:b + 1, :lengths[b]], 'y': batch['y'][b:b + 1],
      'weight': jnp.ones(1)}) for b in range(B)]
  for name, values in norms.items():
    for t in range(T):
      running = [a[name][t] for b, a in enumerate(alone) if lengths[b] > t]
      np.testing.assert_allclose(values[t], np.mean(running), rtol=1e-4)


def test_history_norms_skip_padding():
  # MIST's history component is [T, K - 1]: each slot averages only the
  # sequences still running, as h does.
  task = tasks.get('mnist1d')
  model = _one_layer(cells.get('mist', delays=(1, 2, 4)), task)
  x = jax.random.normal(KEY, (B, T, 1))
  mask = jnp.arange(T)[None] < jnp.array([T, 5, 3, 1])[:, None]
  batch = {'x': x, 'mask': mask, 'y': jnp.arange(B), 'weight': jnp.ones(B)}
  variables = model.init(KEY, {'x': x, 'mask': mask})
  norms = diagnostics.state_gradient_norms(model, variables, task, batch)
  assert norms['layer0']['history'].shape == (T, 3)
  lengths = mask.sum(1)
  alone = [diagnostics.state_gradient_norms(model, variables, task, {
      'x': x[b:b + 1, :lengths[b]], 'y': batch['y'][b:b + 1],
      'weight': jnp.ones(1)})['layer0'] for b in range(B)]
  for name, values in norms['layer0'].items():
    for t in range(T):
      running = [a[name][t] for b, a in enumerate(alone) if lengths[b] > t]
      np.testing.assert_allclose(values[t], np.mean(running, 0), rtol=1e-4)


def test_saturation_of_a_tensor_built_by_hand():
  gates = np.array([[0.05, 0.5], [0.95, 0.2]])
  assert diagnostics.saturation(gates) == 0.5
  assert diagnostics.saturation(gates, np.array([[True], [False]])) == 0.5
  assert diagnostics.saturation(gates, np.array([[False], [True]])) == 0.5
  assert diagnostics.saturation(np.array([0.1, 0.9, 0.0, 1.0])) == 0.5


def test_gate_statistics_cover_every_gate_of_every_layer():
  layers = (cells.get('lstm'), cells.get('gru'))
  model = model_lib.RNN(layers=layers, input_kind='real', input_size=2,
                        output_size=1, readout='last', hidden_size=H)
  x = jax.random.normal(KEY, (B, T, 2))
  variables = model.init(KEY, {'x': x})
  stats = diagnostics.gate_statistics(model, variables, {'x': x})
  assert set(stats) == {'layer0/i', 'layer0/f', 'layer0/o', 'layer1/r',
                        'layer1/z'}
  for gate in stats.values():
    assert sum(gate['histogram']) == T * B * H
    assert 0 <= gate['saturated'] <= 1 and 0 < gate['mean'] < 1
  # The forget gate of the first step, by hand: sigmoid(x W_f + b_f).
  params = variables['params']['layer0']
  first = jax.nn.sigmoid(x[:, 0] @ params['w_x'][:, H:2 * H] +
                         params['b'][H:2 * H])
  lstm_gates = diagnostics.gate_sequences(
      layers[0], params, x.swapaxes(0, 1))
  np.testing.assert_allclose(lstm_gates['f'][0], first, rtol=1e-5)


def test_per_unit_saturation_matches_a_numpy_lstm():
  # Karpathy et al.'s per-unit fractions: of the valid steps of the batch,
  # how often each unit's gate is < 0.1 and > 0.9, from a NumPy LSTM.
  cell = cells.get('lstm')
  model = model_lib.RNN(layers=(cell,), input_kind='real', input_size=2,
                        output_size=1, readout='last', hidden_size=H)
  x = 3 * jax.random.normal(KEY, (B, T, 2))
  mask = jnp.arange(T)[None] < jnp.array([T, 7, 4, 2])[:, None]
  variables = model.init(KEY, {'x': x, 'mask': mask})
  stats = diagnostics.gate_statistics(model, variables, {'x': x,
                                                         'mask': mask})
  p = {k: np.asarray(v, np.float64)
       for k, v in variables['params']['layer0'].items()}
  sigmoid = lambda z: 1 / (1 + np.exp(-z))
  gates = {'i': [], 'f': [], 'o': []}
  h, c = np.zeros((B, H)), np.zeros((B, H))
  for t in range(T):
    z_i, z_f, z_g, z_o = np.split(np.asarray(x[:, t], np.float64) @ p['w_x']
                                  + h @ p['w_h'] + p['b'], 4, axis=-1)
    c = sigmoid(z_f) * c + sigmoid(z_i) * np.tanh(z_g)
    h = sigmoid(z_o) * np.tanh(c)
    for name, z in (('i', z_i), ('f', z_f), ('o', z_o)):
      gates[name].append(sigmoid(z))
  valid = np.asarray(mask)
  for name, values in gates.items():
    values = np.stack(values, 1)  # [B, T, H]
    for unit in range(H):
      seen = values[..., unit][valid]
      assert stats[f'layer0/{name}']['left_saturated'][unit] == (
          pytest.approx(np.mean(seen < 0.1)))
      assert stats[f'layer0/{name}']['right_saturated'][unit] == (
          pytest.approx(np.mean(seen > 0.9)))
  fractions = [stats[f'layer0/{g}'][side] for g in gates
               for side in ('left_saturated', 'right_saturated')]
  assert 0 < np.sum(fractions)  # the inputs' scale saturates some gates


def test_cells_without_gates_have_no_statistics():
  model = _one_layer(cells.get('indrnn'), tasks.get('adding', seq_len=T))
  x = jnp.ones((B, T, 2))
  assert diagnostics.gate_statistics(model, model.init(KEY, {'x': x}), {'x': x}) == {}


def test_a_run_saves_diagnostics_at_the_steps_asked(tmp_path):
  config = config_util.load('configs/adding.py:runlocal,cell=gru')
  config = config_util.override(config, {'log.diagnostics_at': (0, 20)})
  train.train_and_evaluate(config, str(tmp_path))
  files = sorted(os.listdir(tmp_path / 'diagnostics'))
  assert files == ['gates_step_0.png', 'gates_step_20.png',
                   'gradients_step_0.png', 'gradients_step_20.png',
                   'step_0.json', 'step_20.json']
  with open(tmp_path / 'diagnostics' / 'step_20.json') as f:
    report = json.load(f)
  assert len(report['gradient_norms']['layer0']) == 20
  assert report['state_gradient_norms']['layer0']['h'] == (
      report['gradient_norms']['layer0'])
  assert set(report['gates']) == {'layer0/r', 'layer0/z'}
  assert len(report['gates']['layer0/z']['right_saturated']) == (
      config.model.hidden_size)
  assert all((tmp_path / 'diagnostics' / f).stat().st_size > 1000
             for f in files if f.endswith('.png'))


def test_diagnostics_steps_outside_the_run_are_refused():
  config = config_util.load('configs/adding.py:runlocal')
  config = config_util.override(config, {'log.diagnostics_at': (5, 500)})
  with pytest.raises(ValueError, match=r'log.diagnostics_at=500.*<= 20'):
    assembly.check(config)


def test_every_cell_names_the_components_of_its_carry(cell):
  carry = cell.step_carry(cell.init(KEY, 1, H), B)
  parts = carry if isinstance(carry, tuple) else (carry,)
  assert len(cell.carry_names) == len(parts)
  assert cell.carry_names[0] == 'h'


def test_gradient_norms_of_every_cell_are_its_carry_components(cell):
  # The plumbing for every cell: each named component's norms are those of
  # the gradient of the summed loss with respect to that position of the
  # carry's offsets, averaged over the batch. The gradient values
  # themselves are checked above, against closed forms and finite
  # differences.
  task = tasks.get('adding', seq_len=T)
  model = _one_layer(cell, task)
  batch = task.sample(KEY, B)
  variables = model.init(KEY, {'x': batch['x']})
  norms = diagnostics.state_gradient_norms(model, variables, task, batch)
  with jax.enable_x64(True):
    variables64 = jax.tree_util.tree_map(
        lambda a: jnp.asarray(a, jnp.float64), variables)
    batch64 = {k: jnp.asarray(v, jnp.float64) for k, v in batch.items()}
    zeros = recurrence.zero_offsets(cell, variables64['params']['layer0'], T,
                                    B)
    grads = jax.grad(lambda o: task.loss(model.apply(
        variables64, batch64, offsets=[o]), batch64) * B)(zeros)
  grads = grads if isinstance(grads, tuple) else (grads,)
  expected = {name: np.linalg.norm(np.asarray(g), axis=-1).mean(1)
              for name, g in zip(cell.carry_names, grads) if g is not None}
  assert set(norms['layer0']) == set(expected)
  for name, values in expected.items():  # MIST's history: [T, delays]
    np.testing.assert_allclose(norms['layer0'][name], values, rtol=1e-6,
                               atol=1e-300)
