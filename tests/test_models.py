"""The model registry and its contract, the MLP, the gated convolutional
network and the Jordan network against NumPy written from their equations,
causality and gradients, and the switch of `model.name` in configs and old
run dirs."""

import json
import math
import os

import jax
import jax.numpy as jnp
from jax import test_util
import numpy as np
import pytest

from rnnzoo import assembly
from rnnzoo import cells
from rnnzoo import config_util
from rnnzoo import diagnostics
from rnnzoo import launch as launch_lib
from rnnzoo import models
from rnnzoo import rundir
from rnnzoo import tasks
from rnnzoo import train
from tests import reference
from rnnzoo.models import conv_glu
from rnnzoo.models import jordan
from rnnzoo.models import mlp

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KEY = jax.random.PRNGKey(0)


def load(spec):
  return config_util.load(os.path.join(ROOT, 'configs', spec))


# ----------------------------------------------------------------------------
# The registry and the contract.


def test_the_registry_names_its_models_and_refuses_unknown_ones():
  assert models.names() == ['conv_glu', 'jordan', 'mlp', 'rnn', 'seq2seq']
  for name in models.names():
    module = models.get(name)
    assert module.default_config().name == name
    for part in ('check_config', 'check_task', 'build', 'USES_CELLS'):
      assert hasattr(module, part), (name, part)
    assert hasattr(module, 'layer_cells') == module.USES_CELLS
  with pytest.raises(ValueError, match=r"model.name='mpl' is not allowed: "
                     r"choose one of \['conv_glu', 'jordan', 'mlp', 'rnn', 'seq2seq'\]; did you "
                     r"mean 'mlp'\?"):
    assembly.check(config_util.override(load('mnist1d.py'),
                                        {'model.name': 'mpl'}))


def test_switching_model_name_takes_the_new_defaults_and_drops_the_cell():
  loaded = load('mnist1d.py')
  overrides = launch_lib.field_overrides(
      loaded, ['model.name=mlp', 'model.hidden_sizes=(32,32)'])
  assert overrides == {'model.name': 'mlp', 'model.hidden_sizes': (32, 32)}
  switched = config_util.override(loaded, overrides)
  assert 'cell' not in switched and 'cell' in loaded
  assert switched.model.to_dict() == {'name': 'mlp', 'hidden_sizes': (32, 32),
                                      'residual': True}
  expected = load('mnist1d.py:model=mlp')
  expected.model.hidden_sizes = (32, 32)
  assert switched == expected
  assembly.check(switched)
  back = config_util.override(switched, {'model.name': 'rnn'})
  with pytest.raises(ValueError, match=r"config has no field 'cell': "
                     r"model.name='rnn' runs the cell it names"):
    assembly.check(back)


def test_a_shared_field_is_kept_when_the_model_switches():
  config = load('char_lm_glu.py')
  switched = config_util.override(config, {'model.name': 'conv_glu'})
  assert switched == config
  config.model.channels = 8
  custom = config_util.switch_model(config, 'conv_glu')
  assert custom.model.channels == 8 and custom.model.gate == 'glu'


@pytest.mark.parametrize('spec,name,message', [
    ('mnist1d.py', 'conv_glu', r"model.name='conv_glu' cannot serve task "
     r"'mnist1d': the task has readout='last', and the model serves readout "
     r"in \['every'\]"),
    ('char_lm.py', 'mlp', r"model.name='mlp' cannot serve task 'char_lm': "
     r"the task has readout='every', and the model serves readout in "
     r"\['last'\]"),
    ('imdb.py', 'mlp', r"model.name='mlp' cannot serve task 'imdb': the task "
     r"has input_kind='tokens', and the model serves input_kind in "
     r"\['real'\]"),
])
def test_a_model_refuses_a_task_it_cannot_serve(spec, name, message):
  config = config_util.override(load(spec), {'model.name': name})
  with pytest.raises(ValueError, match=message):
    assembly.check(config)


@pytest.mark.parametrize('field,value,message', [
    ('hidden_sizes', (), r'model.hidden_sizes=\(\) is not allowed'),
    ('hidden_sizes', (8, 0), r'model.hidden_sizes=0 is not allowed'),
    ('hidden_sizes', (8, 4), r'model.hidden_sizes=\(8, 4\) is not allowed '
     r'with model.residual=True'),
])
def test_impossible_mlp_fields_are_refused(field, value, message):
  config = load('mnist1d.py:model=mlp')
  config.model[field] = value
  with pytest.raises(ValueError, match=message):
    assembly.check(config)


@pytest.mark.parametrize('field,value,message', [
    ('channels', 0, r'model.channels=0 is not allowed: it must be >= 1'),
    ('num_blocks', -1, r'model.num_blocks=-1 is not allowed: it must be >= '
     '1'),
    ('gate', 'gelu', r"model.gate='gelu' is not allowed: choose one of "
     r"\['glu', 'gtu'\]"),
])
def test_impossible_conv_glu_fields_are_refused(field, value, message):
  config = load('char_lm_glu.py')
  config.model[field] = value
  with pytest.raises(ValueError, match=message):
    assembly.check(config)


def test_diagnostics_are_refused_for_a_model_without_recurrent_layers():
  config = config_util.override(load('mnist1d.py:model=mlp'),
                                {'log.diagnostics_at': (0,)})
  with pytest.raises(ValueError, match=r"log.diagnostics_at=\(0,\) is not "
                     r"allowed for model.name='mlp': the gradient through "
                     'time'):
    assembly.check(config)
  model = mlp.MLP(hidden_sizes=(4,), output_size=3)
  batch = {'x': jnp.ones((2, 5, 1)), 'y': jnp.zeros(2, jnp.int32),
           'weight': jnp.ones(2)}
  variables = model.init(KEY, batch)
  task = tasks.get('mnist1d')
  with pytest.raises(ValueError, match='the model MLP has no diagnostics'):
    diagnostics.state_gradient_norms(model, variables, task, batch)
  with pytest.raises(ValueError, match='the model MLP has no diagnostics'):
    diagnostics.gate_statistics(model, variables, batch)


# ----------------------------------------------------------------------------
# Old run dirs: written before models had names.


def _without_model_name(config):
  old = json.loads(config.to_json())
  del old['model']['name']
  return old


def test_a_run_dir_without_model_name_reads_as_the_rnn(tmp_path):
  config = load('mnist1d.py')
  with open(tmp_path / 'config.json', 'w') as f:
    json.dump(_without_model_name(config), f)
  assert rundir.read_config(str(tmp_path)).to_dict() == json.loads(
      config.to_json())
  rundir.prepare(str(tmp_path), config, overwrite=False)  # the same config
  mlp_config = config_util.override(config, {'model.name': 'mlp'})
  assert "model.name: 'rnn' there, 'mlp' here" in rundir.differences(
      rundir.read_config(str(tmp_path)).to_dict(),
      json.loads(mlp_config.to_json()))
  with pytest.raises(ValueError, match='a different config'):
    rundir.prepare(str(tmp_path), mlp_config, overwrite=False)


def test_an_old_run_dir_restores_and_resumes(tmp_path):
  config = load('mnist1d.py:runlocal')
  train.train_and_evaluate(config, str(tmp_path))
  old = _without_model_name(config)
  del old['model']['learn_initial_carry']  # fields added since, off
  del old['optim']['lr_scale'], old['optim']['lr_scale_params']
  with open(tmp_path / 'config.json', 'w') as f:
    json.dump(old, f)
  restored, _, model, _ = train.restore(str(tmp_path))
  assert restored.model.name == 'rnn' and model.recurrent_diagnostics
  assert not model.learn_initial_carry and restored.optim.lr_scale_params == ''
  longer = config_util.override(config, {'num_steps': 25})
  assert train.train_and_evaluate(longer, str(tmp_path))['steps'] == 25


# ----------------------------------------------------------------------------
# The MLP.


def test_mlp_equals_numpy_from_its_equations():
  model = mlp.MLP(hidden_sizes=(6, 6, 6), output_size=4, residual=True)
  x = jax.random.normal(KEY, (3, 5, 2))
  variables = model.init(KEY, {'x': x})
  p = jax.tree_util.tree_map(np.asarray, variables['params'])
  h = np.asarray(x).reshape(3, 10)
  for index in range(3):
    layer = p[f'layer{index}']
    new = np.maximum(h @ layer['kernel'] + layer['bias'], 0)
    h = h + new if index else new
  expected = h @ p['readout']['kernel'] + p['readout']['bias']
  np.testing.assert_allclose(model.apply(variables, {'x': x}), expected,
                             atol=1e-5)
  # The paper's size: 40 inputs, two layers of 100, 10 classes.
  paper = mlp.MLP(hidden_sizes=(100, 100), output_size=10)
  count = paper.num_params(paper.init(KEY, {'x': jnp.ones((1, 40, 1))}))
  assert count == (40 * 100 + 100) + (100 * 100 + 100) + (100 * 10 + 10)


def test_mlp_trains_restores_and_repeats_with_the_same_seed(tmp_path):
  config = load('mnist1d.py:model=mlp,shuffle=true,runlocal')
  first = train.train_and_evaluate(config, str(tmp_path / 'a'))
  second = train.train_and_evaluate(config, str(tmp_path / 'b'))
  assert first['status'] == 'done' and first['final'] == second['final']
  assert first['num_params'] == 40 * 16 + 16 + 16 * 16 + 16 + 16 * 10 + 10
  _, task, model, variables = train.restore(str(tmp_path / 'a'))
  eval_step = jax.jit(train.make_eval_step(model, task, config.batch_size,
                                           None))
  accuracy = train.evaluate(eval_step, variables,
                            task.eval_items(config.seed, config.batch_size),
                            lambda item: item)
  assert accuracy['accuracy'] == pytest.approx(
      first['final']['eval/accuracy'], abs=1e-6)


# ----------------------------------------------------------------------------
# The gated convolutional network.


def _sigmoid(a):
  return 1 / (1 + np.exp(-a))


def block_by_hand(h, p, gate):
  """H + (H * W + b) ⊗ σ(H * V + c), the convolution written as a loop
  over steps and taps, steps before the first reading zeros."""
  h = np.asarray(h, np.float64)
  width = p['w'].shape[0]
  out = np.zeros(h.shape[:2] + (p['w'].shape[-1],))
  for t in range(h.shape[1]):
    linear, gate_in = p['b'].astype(np.float64), p['c'].astype(np.float64)
    for j in range(width):
      s = t - (width - 1) + j
      if s >= 0:
        linear = linear + h[:, s] @ p['w'][j]
        gate_in = gate_in + h[:, s] @ p['v'][j]
    if gate == 'gtu':
      linear = np.tanh(linear)
    out[:, t] = linear * _sigmoid(gate_in)
  return h + out


@pytest.mark.parametrize('gate', ['glu', 'gtu'])
def test_a_gated_block_equals_numpy_from_the_paper_equation(gate):
  block = conv_glu.GatedBlock(channels=4, kernel_size=3, gate=gate)
  h = jax.random.normal(KEY, (2, 7, 4))
  variables = block.init(jax.random.PRNGKey(1), h)
  p = jax.tree_util.tree_map(np.asarray, variables['params'])
  p['b'] = np.random.default_rng(0).normal(size=4)  # zeros at init
  p['c'] = np.random.default_rng(1).normal(size=4)
  out = block.apply({'params': p}, h)
  np.testing.assert_allclose(out, block_by_hand(h, p, gate), atol=1e-5)


def _token_model(**options):
  return conv_glu.ConvGLU(input_kind='tokens', input_size=11, output_size=11,
                          channels=6, num_blocks=3, kernel_size=3, **options)


def test_conv_glu_is_causal():
  model = _token_model()
  tokens = jax.random.randint(KEY, (2, 12), 0, 11)
  variables = model.init(KEY, {'x': tokens})
  out = model.apply(variables, {'x': tokens})
  for t in (0, 5, 10):
    changed = tokens.at[:, t + 1:].set((tokens[:, t + 1:] + 3) % 11)
    other = model.apply(variables, {'x': changed})
    np.testing.assert_allclose(other[:, :t + 1], out[:, :t + 1], atol=1e-6)
    assert not np.allclose(other[:, t + 1:], out[:, t + 1:])
  # Three blocks of width 3 see 7 steps: step 11 does not read step 4.
  far = model.apply(variables, {'x': tokens.at[:, 4].set(
      (tokens[:, 4] + 1) % 11)})
  np.testing.assert_allclose(far[:, 11], out[:, 11], atol=1e-6)
  assert not np.allclose(far[:, 10], out[:, 10])


@pytest.mark.parametrize('gate', ['glu', 'gtu'])
def test_conv_glu_gradients_match_finite_differences(gate):
  model = conv_glu.ConvGLU(input_kind='real', input_size=2, output_size=3,
                           channels=4, num_blocks=2, kernel_size=2, gate=gate)
  x = jax.random.normal(KEY, (2, 5, 2))
  variables = model.init(KEY, {'x': x})
  with jax.enable_x64(True):
    params = jax.tree_util.tree_map(lambda a: jnp.asarray(a, jnp.float64),
                                    variables['params'])
    loss = lambda p, x: jnp.sum(jnp.sin(model.apply({'params': p},
                                                    {'x': x})))
    test_util.check_grads(loss, (params, jnp.asarray(x, jnp.float64)),
                          order=2, modes=['rev'])


def test_conv_glu_trains_on_the_character_lm_by_its_config(tmp_path):
  config = load('char_lm_glu.py:runlocal')
  assert config.model.name == 'conv_glu' and 'cell' not in config
  # configs/char_lm_glu.py also runs in test_train's run of every config;
  # here, on a text file, it learns: the loss falls.
  text = tmp_path / 'text.txt'
  text.write_text('abcabcabcabd' * 200)
  config = config_util.override(config, {'task.path': str(text),
                                         'num_steps': 60,
                                         'optim.lr': 1e-2})
  results = train.train_and_evaluate(config, str(tmp_path / 'run'))
  assert results['status'] == 'done'
  rows = [json.loads(line) for line in open(tmp_path / 'run' /
                                            'metrics.jsonl')]
  losses = [r['train/loss'] for r in rows if 'train/loss' in r]
  assert losses[-1] < 0.5 * losses[0]
  assert results['final']['eval/bpc'] < results['baseline']['eval/bpc']


# ----------------------------------------------------------------------------
# The Jordan network.


def _jordan(**options):
  """The Jordan network on copying at T = 5 (9 classes, 10 inputs)."""
  config = config_util.override(load('copy.py:delay=5'), {
      'model.name': 'jordan', 'model.hidden_units': 6, **{
          f'model.{key}': value for key, value in options.items()}})
  built = assembly.assemble(config)
  batch = built.task.sample(KEY, 3)
  return built.model, built.model.init(KEY, batch), batch


@pytest.mark.parametrize('self_connection', [0.0, 0.5])
def test_jordan_equals_numpy_free_running_and_teacher_forced(
    self_connection):
  model, variables, batch = _jordan(self_connection=self_connection,
                                    teacher_forcing=True)
  params = variables['params']['jordan']
  xs = np.swapaxes(batch['x'], 0, 1)
  # Evaluation feeds back the softmax outputs; training the targets.
  free, _ = reference.jordan(params, xs, self_connection, 'sigmoid',
                             'softmax', emit_pre_activation=True)
  np.testing.assert_allclose(model.apply(variables, batch),
                             np.swapaxes(free, 0, 1), atol=1e-5)
  targets = np.eye(9)[np.asarray(batch['y'])]
  previous = np.concatenate([np.zeros_like(targets[:, :1]),
                             targets[:, :-1]], 1)
  forced, _ = reference.jordan(params, xs, self_connection, 'sigmoid',
                               'softmax', emit_pre_activation=True,
                               fed_back=np.swapaxes(previous, 0, 1))
  np.testing.assert_allclose(model.apply(variables, batch, train=True),
                             np.swapaxes(forced, 0, 1), atol=1e-5)
  assert not np.allclose(forced, free, atol=1e-3)


def test_jordan_regresses_with_linear_outputs_read_at_the_last_valid_step():
  config = config_util.override(load('adding.py:seq_len=12'), {
      'model.name': 'jordan', 'model.hidden_units': 5,
      'model.activation': 'tanh'})
  built = assembly.assemble(config)
  batch = built.task.sample(KEY, 4)
  batch['mask'] = jnp.arange(12)[None, :] < jnp.array([[12], [9], [5], [1]])
  variables = built.model.init(KEY, batch)
  ys, _ = reference.jordan(variables['params']['jordan'],
                           np.swapaxes(batch['x'], 0, 1), 0.0, 'tanh',
                           'identity')
  expected = ys[np.array([11, 8, 4, 0]), np.arange(4)]
  np.testing.assert_allclose(built.model.apply(variables, batch), expected,
                             atol=1e-5)


def test_jordan_reads_tokens_through_an_embedding():
  model = jordan.Jordan(
      cell=cells.get('jordan', hidden_units=5, output_activation='softmax',
                     emit_pre_activation=True),
      input_kind='tokens', input_size=7, output_size=7, readout='every',
      encoder_size=3)
  tokens = jax.random.randint(KEY, (2, 6), 0, 7)
  variables = model.init(KEY, {'x': tokens})
  params = variables['params']
  assert params['encoder']['embedding'].shape == (7, 3)
  inputs = np.asarray(params['encoder']['embedding'])[np.asarray(tokens)]
  expected, _ = reference.jordan(params['jordan'], np.swapaxes(inputs, 0, 1),
                                 0.0, 'sigmoid', 'softmax',
                                 emit_pre_activation=True)
  np.testing.assert_allclose(model.apply(variables, {'x': tokens}),
                             np.swapaxes(expected, 0, 1), atol=1e-5)


def test_jordan_teacher_forced_gradients_match_finite_differences():
  model, variables, batch = _jordan(self_connection=0.5,
                                    teacher_forcing=True)
  with jax.enable_x64(True):
    params = jax.tree_util.tree_map(lambda a: jnp.asarray(a, jnp.float64),
                                    variables['params'])
    x = jnp.asarray(batch['x'], jnp.float64)
    loss = lambda p, x: jnp.sum(jnp.sin(model.apply(
        {'params': p}, {**batch, 'x': x}, train=True)))
    test_util.check_grads(loss, (params, x), order=2, modes=['rev'])


@pytest.mark.parametrize('spec,overrides,message', [
    ('adding.py', {'model.teacher_forcing': True},
     r"model.teacher_forcing=True is not allowed with task 'adding': it "
     r"feeds back the previous class target, which needs a task read out "
     r"at every step with class targets \(copy, char_lm, tagging\), and "
     r"'adding' has readout='last' and no class targets"),
    ('ctc.py', {'model.teacher_forcing': True},
     r"and 'ctc_digits' has no class targets; use "
     r"model.teacher_forcing=False"),
    ('copy.py', {'model.self_connection': 1.0},
     r'model.self_connection=1.0 is not allowed: the context decays'),
    ('copy.py', {'model.activation': 'softmax'},
     r"model.activation='softmax' is not allowed: choose one of "
     r"\['sigmoid', 'tanh', 'relu'\]"),
    ('copy.py', {'model.hidden_units': 0},
     r'model.hidden_units=0 is not allowed: it must be >= 1'),
    ('copy.py', {'model.encoder_size': -1},
     r'model.encoder_size=-1 is not allowed: it must be >= 0'),
])
def test_impossible_jordan_settings_are_refused(spec, overrides, message):
  config = config_util.override(load(spec), {'model.name': 'jordan',
                                             **overrides})
  with pytest.raises(ValueError, match=message):
    assembly.check(config)


def test_jordan_refuses_teacher_forcing_without_a_target_at_every_step():
  # Selective copying answers at its last steps only: y is [B, K].
  config = config_util.override(load('selective_copy.py:runlocal'), {
      'model.name': 'jordan', 'model.teacher_forcing': True})
  built = assembly.assemble(config)
  batch = built.task.sample(KEY, 2)
  with pytest.raises(ValueError, match=r'model.teacher_forcing=True is not '
                     r'allowed here: the targets y have shape'):
    built.model.init(KEY, batch)


def test_jordan_learns_copying_with_teacher_forcing_and_repeats(tmp_path):
  # Trained on its targets and evaluated on its own outputs, it learns: the
  # loss falls far below ln 9, a uniform guess's (where it starts).
  config = config_util.override(load('copy.py:delay=5,runlocal'), {
      'model.name': 'jordan', 'model.hidden_units': 16,
      'model.teacher_forcing': True, 'num_steps': 40, 'optim.lr': 1e-2})
  first = train.train_and_evaluate(config, str(tmp_path / 'a'))
  second = train.train_and_evaluate(config, str(tmp_path / 'b'))
  assert first['status'] == 'done' and first['final'] == second['final']
  assert first['num_params'] == 10 * 16 + 9 * 16 + 16 + 16 * 9 + 9
  assert first['final']['train/loss'] < 0.6 * math.log(9)
  assert first['final']['eval/ce'] < 0.6 * math.log(9)
