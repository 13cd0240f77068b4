"""Stateful streams with truncated backpropagation through time: the layout
of the streams, the carry passed from batch to batch, the truncated
gradient, evaluation as one stream, resume after SIGKILL, bad input."""

import json
import os
import subprocess
import sys

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from rnnzoo import assembly
from rnnzoo import cells
from rnnzoo import config_util
from rnnzoo import models
from rnnzoo import tasks
from rnnzoo import train
from rnnzoo.tasks import char_lm
from tests import conftest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TEXT = ('It is a truth universally acknowledged, that a single man in '
        'possession of a good fortune, must be in want of a wife. ') * 6


@pytest.fixture(name='text_file')
def fixture_text_file(tmp_path):
  path = tmp_path / 'book.txt'
  path.write_text(TEXT, encoding='utf-8')
  return str(path)


def make_config(text_file, **overrides):
  config = config_util.load(os.path.join(ROOT, 'configs',
                                         'char_lm.py:runlocal,stateful'))
  return config_util.override(config, {
      'task.path': text_file, 'task.seq_len': 8, 'task.valid_fraction': 0.2,
      'batch_size': 4, 'model.hidden_size': 8, 'model.encoder_size': 8,
      'model.num_layers': 2, **overrides})


def build(text_file, **overrides):
  built = assembly.assemble(make_config(text_file, **overrides))
  task, model = built.task, built.model
  batch = next(task.train_stream(0, 4))
  variables = model.init({'params': jax.random.PRNGKey(0)}, batch)
  return task, model, variables


def test_row_b_of_each_batch_continues_row_b_of_the_one_before(text_file):
  task = char_lm.CharLM(path=text_file, seq_len=8, valid_fraction=0.2,
                        stateful=True)
  ids = task.ids('train')
  piece = len(ids) // 3  # 3 streams
  windows = (piece - 1) // 8
  stream = task.train_stream(0, 3)
  batches = [next(stream) for _ in range(windows + 1)]
  for k, batch in enumerate(batches[:windows]):
    for b in range(3):
      start = b * piece + k * 8
      np.testing.assert_array_equal(batch['x'][b], ids[start:start + 8])
      np.testing.assert_array_equal(batch['y'][b], ids[start + 1:start + 9])
    np.testing.assert_array_equal(batch['reset'], [k == 0] * 3)
  # Past the last whole window every stream wraps to its start and resets.
  np.testing.assert_array_equal(batches[windows]['x'], batches[0]['x'])
  assert batches[windows]['reset'].all()
  # The stream resumes where its state says.
  resumed = task.train_stream(0, 3)
  resumed.set_state(stream.get_state())
  np.testing.assert_array_equal(next(resumed)['x'], next(stream)['x'])


@pytest.mark.parametrize('learn_initial_carry', [False, True])
def test_two_stateful_windows_equal_one_unroll_of_both(text_file,
                                                       learn_initial_carry):
  task, model, variables = build(
      text_file, **{'model.learn_initial_carry': learn_initial_carry})
  if learn_initial_carry:  # a learned initial carry away from zero
    variables = jax.tree_util.tree_map_with_path(
        lambda path, a: a + 0.5 if 'initial' in str(path) else a, variables)
  stream = task.train_stream(0, 4)
  first, second = next(stream), next(stream)
  carries = model.apply(variables, 4, method='zero_carries')
  out_1, carries = model.apply(variables, first, carries=carries)
  out_2, _ = model.apply(variables, second, carries=carries)
  both = {'x': np.concatenate([first['x'], second['x']], 1)}
  whole = model.apply(variables, both)  # one unroll from the initial carry
  np.testing.assert_allclose(np.concatenate([out_1, out_2], 1), whole,
                             atol=1e-5)
  # From the initial carry the second window differs: the state mattered.
  alone = model.apply(variables, second)
  assert not np.allclose(alone, whole[:, 8:], atol=1e-3)
  # A row marked reset starts again from the initial carry.
  reset = second | {'reset': np.array([True, False, False, False])}
  out_reset, _ = model.apply(variables, reset, carries=carries)
  np.testing.assert_allclose(out_reset[0], alone[0], atol=1e-5)
  np.testing.assert_allclose(out_reset[1:], out_2[1:], atol=1e-6)


@pytest.mark.parametrize('cell', ['gru', 'cwrnn'])
def test_a_dilated_or_clocked_carry_continues_across_windows(text_file, cell):
  # Windows of 8 steps, dilation 3: the dilated carry's phase must carry on;
  # CW-RNN's clock too.
  task, model, variables = build(text_file, cell=config_util.cell(cell),
                                 **{'model.dilations': (1, 3)})
  stream = task.train_stream(0, 4)
  first, second = next(stream), next(stream)
  carries = model.apply(variables, 4, method='zero_carries')
  out_1, carries = model.apply(variables, first, carries=carries)
  out_2, _ = model.apply(variables, second, carries=carries)
  whole = model.apply(variables,
                      {'x': np.concatenate([first['x'], second['x']], 1)})
  np.testing.assert_allclose(np.concatenate([out_1, out_2], 1), whole,
                             atol=1e-5)


def test_the_gradient_is_cut_at_the_window(text_file):
  task, model, _ = build(text_file, **{'optim.clip_norm': 0.0})
  tx = optax.sgd(1.0)
  step = train.make_train_step(model, task, tx, 4, None)
  stream = task.train_stream(0, 4)
  first, second = next(stream), next(stream)
  variables = model.init({'params': jax.random.PRNGKey(0)}, first)
  state = train.TrainState(
      step=jnp.array(0), params=variables, opt_state=tx.init(variables),
      rng=jax.random.PRNGKey(1), bad_step=jnp.array(-1),
      carries=model.apply(variables, 4, method='zero_carries'))
  state, _ = step(state, first)
  # d loss of batch 2 / d state carried from batch 1: zero.
  d_carry = jax.grad(lambda c: step(state.replace(carries=c), second)[1][
      'loss'])(state.carries)
  assert all(np.all(np.asarray(g) == 0)
             for g in jax.tree_util.tree_leaves(d_carry))
  # The gradient of batch 2 is that of its window alone, from the carry as
  # a constant, not that of backpropagation through both windows.
  _, measured = step(state, second)
  params = state.params

  def window_loss(p):
    outputs, _ = model.apply(p, second, carries=state.carries)
    return task.loss(outputs, second)

  def through_both(p):
    carries = model.apply(p, 4, method='zero_carries')
    _, carries = model.apply(p, first, carries=carries)
    outputs, _ = model.apply(p, second, carries=carries)
    return task.loss(outputs, second)

  truncated = optax.tree.norm(jax.grad(window_loss)(params))
  full = optax.tree.norm(jax.grad(through_both)(params))
  np.testing.assert_allclose(measured['grad_norm'], truncated, rtol=1e-5)
  assert abs(float(full) - float(truncated)) > 1e-4


def test_evaluation_is_one_unroll_over_the_held_out_text(text_file):
  task, model, variables = build(text_file)
  items = task.eval_items(0, 4)
  eval_step = jax.jit(train.make_eval_step(model, task, 4))
  scores = train.evaluate(eval_step, variables, items, lambda item: item,
                          model.apply(variables, 1, method='zero_carries'))
  ids = task.ids('valid')
  assert len(items) == -(-(len(ids) - 1) // 8)  # the last one is partial
  logits = model.apply(variables, {'x': ids[None, :-1]})[0]
  log_p = jax.nn.log_softmax(logits)
  nats = -np.mean(np.asarray(log_p)[np.arange(len(ids) - 1), ids[1:]])
  assert scores['bpc'] == pytest.approx(nats / np.log(2), rel=1e-5)


def _launch(workdir, text_file):
  workdir.mkdir(parents=True, exist_ok=True)
  log = open(workdir.parent / f'{workdir.name}.log', 'ab')  # pylint: disable=consider-using-with
  return subprocess.Popen(
      [sys.executable, os.path.join(ROOT, 'launch.py'),
       '--config=' + os.path.join(ROOT, 'configs',
                                  'char_lm.py:runlocal,stateful,seq_len=8'),
       f'--workdir={workdir}', f'--config.task.path={text_file}',
       '--config.batch_size=4', '--config.model.hidden_size=8',
       '--config.model.encoder_size=8', '--config.num_steps=300',
       '--config.log.every=10', '--config.log.eval_every=100',
       '--config.log.checkpoint_every=10'],
      cwd=ROOT, stdout=log, stderr=log)


def test_a_killed_stateful_run_resumes_its_streams(tmp_path, text_file):
  killed = _launch(tmp_path / 'killed', text_file)
  conftest.kill_at_first_checkpoint(killed, str(tmp_path / 'killed'))
  with open(tmp_path / 'killed' / 'metrics.jsonl') as f:
    rows = [json.loads(line) for line in f]
  assert rows and rows[-1]['step'] < 300, 'the run ended before the kill'
  for workdir in ('killed', 'straight'):
    process = _launch(tmp_path / workdir, text_file)
    assert process.wait() == 0, (tmp_path / f'{workdir}.log').read_text()
  metrics = {}
  for workdir in ('killed', 'straight'):
    with open(tmp_path / workdir / 'metrics.jsonl') as f:
      metrics[workdir] = [json.loads(line) for line in f]
  assert metrics['killed'] == metrics['straight']
  assert metrics['killed'][-1]['step'] == 300


@pytest.mark.parametrize('overrides,message', [
    ({'batch_size': 64}, r'batch_size=64 is not allowed with stateful=True.*'
     r'batch_size <= \d+'),
    ({'task.seq_len': 5000}, r'batch_size=4 .*seq_len=5000'),
    ({'task.seq_len': 1}, r'seq_len=1'),
    ({'model.bidirectional': True},
     r'model.bidirectional=True is not allowed.*future of the text'),
    ({'task.stateful': False, 'task.eval_stream': True,
      'model.bidirectional': True}, r'model.bidirectional=True'),
])
def test_impossible_stateful_runs_are_refused(text_file, overrides, message):
  with pytest.raises(ValueError, match=message):
    assembly.assemble(make_config(text_file, **overrides))


def test_a_stateful_option_that_is_not_a_bool_is_refused():
  with pytest.raises(ValueError, match=r"stateful='yes'.*True or False"):
    tasks.get('char_lm', stateful='yes')


def test_a_model_without_a_carry_is_refused(text_file):
  config = config_util.switch_model(make_config(text_file), 'conv_glu')
  with pytest.raises(ValueError, match=r"task.stateful=True is not allowed "
                     r"for model.name='conv_glu'.*no recurrent carry"):
    assembly.assemble(config)


_RUN_ON_DEVICES = """
import json
import jax
from rnnzoo import config_util, train
config = config_util.override(config_util.load({spec!r}), {overrides!r})
results = train.train_and_evaluate(config, {workdir!r})
print(json.dumps([jax.device_count(), results['final']]))
"""


def test_two_devices_split_the_streams_and_give_the_loss_of_one(
    tmp_path, text_file):
  overrides = {'task.path': text_file, 'batch_size': 4, 'num_steps': 12,
               'log.every': 12, 'log.eval_every': 12,
               'model.hidden_size': 8, 'model.encoder_size': 8}
  finals = []
  for devices in (1, 2):
    workdir = str(tmp_path / str(devices))
    code = _RUN_ON_DEVICES.format(
        spec=os.path.join(ROOT, 'configs', 'char_lm.py:runlocal,stateful,'
                          'seq_len=8'),
        overrides=overrides, workdir=workdir)
    output = conftest.run_on_devices(code, devices, cwd=ROOT,
                                     workdir=workdir)
    assert output.returncode == 0, output.stderr[-3000:]
    count, final = json.loads(output.stdout.strip().splitlines()[-1])
    assert count == devices
    finals.append(final)
  for key in ('train/loss', 'train/grad_norm', 'eval/bpc'):
    assert finals[1][key] == pytest.approx(finals[0][key], rel=1e-4)


def test_the_rows_of_a_dilated_carry_are_its_second_axis():
  cell = cells.get('dilated', base='lstm', dilation=3)
  params = cell.init(jax.random.PRNGKey(0), 2, 5)
  axes = models.base.batch_axes(lambda n: cell.initial_carry(params, n), 4)
  assert jax.tree_util.tree_leaves(axes) == [1, 1]
  plain = cells.get('lstm')
  axes = models.base.batch_axes(
      lambda n: plain.initial_carry(plain.init(jax.random.PRNGKey(0), 2, 5),
                                    n), 4)
  assert jax.tree_util.tree_leaves(axes) == [0, 0]
