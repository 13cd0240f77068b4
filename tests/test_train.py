"""The train loop: every config end to end, resume after SIGKILL, the NaN
guard, determinism, data parallelism and a short learning test."""

import dataclasses
import glob
import json
import os
import shutil
import struct
import subprocess
import sys

import jax
import jax.numpy as jnp
import numpy as np
import orbax.checkpoint as ocp
import pytest
import tensorflow_datasets as tfds
from tensorboardX.proto import event_pb2

from rnnzoo import assembly
from rnnzoo import config_util
from rnnzoo import tasks
from rnnzoo import train
from rnnzoo.tasks import adding
from tests import conftest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIGS = sorted(os.path.basename(p) for p in glob.glob(
    os.path.join(ROOT, 'configs', '*.py'))
                 if not os.path.basename(p).startswith(('_', 'common')))


def load(spec, **overrides):
  config = config_util.load(os.path.join(ROOT, 'configs', spec))
  return config_util.override(config, overrides)


def read_jsonl(path):
  with open(path) as f:
    return [json.loads(line) for line in f]


def read_events(workdir):
  """{(tag, step): value} from the run's TensorBoard event files."""
  scalars = {}
  for path in glob.glob(os.path.join(workdir, 'tensorboard', '*')):
    with open(path, 'rb') as f:
      data = f.read()
    offset = 0
    while offset < len(data):
      (length,) = struct.unpack('<Q', data[offset:offset + 8])
      event = event_pb2.Event()
      event.ParseFromString(data[offset + 12:offset + 12 + length])
      offset += 12 + length + 4
      for value in event.summary.value:
        scalars[(value.tag, event.step)] = value.simple_value
  return scalars


@pytest.fixture(name='mock_tfds', autouse=True)
def fixture_mock_tfds():
  with tfds.testing.mock_data(num_examples=64):
    yield


@pytest.mark.parametrize('name', CONFIGS)
def test_every_config_runs_locally(name, tmp_path):
  config = load(f'{name}:runlocal')
  results = train.train_and_evaluate(config, str(tmp_path))
  assert results['status'] == 'done' and results['steps'] == 20
  with open(tmp_path / 'config.json') as f:
    assert json.load(f) == json.loads(config.to_json())
  with open(tmp_path / 'results.json') as f:
    assert json.load(f) == results
  metric = results['metric']
  assert np.isfinite(results['final'][metric])
  assert metric in results['baseline'] and results['num_params'] > 0
  rows = read_jsonl(tmp_path / 'metrics.jsonl')
  train_rows = [r for r in rows if 'train/loss' in r]
  assert [r['step'] for r in train_rows] == [5, 10, 15, 20]
  for key in ('train/loss', 'train/grad_norm', 'train/param_norm',
              'train/update_norm', 'train/lr'):
    assert all(np.isfinite(r[key]) for r in train_rows)
  events = read_events(str(tmp_path))
  for row in rows:
    for key, value in row.items():
      if key != 'step':
        assert events[(key, row['step'])] == pytest.approx(value, rel=1e-6)
  assert sorted(os.listdir(tmp_path / 'checkpoints')) == ['10', '20']
  with open(tmp_path / 'artifacts.json') as f:
    json.load(f)


def test_train_metrics_are_the_means_of_their_window(tmp_path):
  """Logged every 5 steps, each training measurement is the mean of the 5
  values that the same run logs every step."""
  rows = {}
  for every in (1, 5):
    config = load('adding.py:runlocal')
    config.log.every = every
    train.train_and_evaluate(config, str(tmp_path / str(every)))
    rows[every] = [r for r in read_jsonl(tmp_path / str(every) /
                                         'metrics.jsonl') if 'train/loss' in r]
  assert [r['step'] for r in rows[5]] == [5, 10, 15, 20]
  for row in rows[5]:
    window = [r for r in rows[1] if row['step'] - 5 < r['step'] <= row['step']]
    for key in ('train/loss', 'train/grad_norm', 'train/update_norm'):
      assert row[key] == pytest.approx(np.mean([r[key] for r in window]),
                                       rel=1e-6)


def test_restore_gives_the_trained_model(tmp_path):
  results = train.train_and_evaluate(load('mnist1d.py:runlocal'),
                                     str(tmp_path))
  config, task, model, variables = train.restore(str(tmp_path))
  assert config.num_steps == 20 and task.name == 'mnist1d'
  items = task.eval_items(config.seed, config.batch_size)
  batch = task.prepare(items[0], config.batch_size)
  outputs = model.apply(variables, batch)
  assert outputs.shape == (config.batch_size, 10)
  eval_step = jax.jit(train.make_eval_step(model, task, config.batch_size,
                                           None))
  accuracy = train.evaluate(eval_step, variables, items, lambda item: item)
  assert accuracy['accuracy'] == pytest.approx(
      results['final']['eval/accuracy'], abs=1e-6)
  shutil.rmtree(tmp_path / 'checkpoints')
  with pytest.raises(ValueError, match='holds no checkpoint'):
    train.restore(str(tmp_path))


def test_a_finished_run_is_not_run_again(tmp_path):
  config = load('adding.py:runlocal')
  first = train.train_and_evaluate(config, str(tmp_path))
  again = train.train_and_evaluate(config, str(tmp_path))
  assert again == first


def test_a_longer_run_continues_from_the_checkpoint(tmp_path):
  short = train.train_and_evaluate(load('adding.py:runlocal'), str(tmp_path))
  longer = train.train_and_evaluate(load('adding.py:runlocal', num_steps=30),
                                    str(tmp_path))
  assert short['steps'] == 20 and longer['steps'] == 30
  reference = train.train_and_evaluate(
      load('adding.py:runlocal', num_steps=30), str(tmp_path / 'straight'))
  assert longer['final'] == reference['final']


def test_a_workdir_of_another_config_is_refused_unless_overwritten(tmp_path):
  train.train_and_evaluate(load('adding.py:runlocal'), str(tmp_path))
  other = load('adding.py:runlocal,cell=gru')
  with pytest.raises(ValueError, match=r'holds a run of a different config'
                     r".*cell.name: 'lstm' there, 'gru' here"):
    train.train_and_evaluate(other, str(tmp_path))
  results = train.train_and_evaluate(other, str(tmp_path), overwrite=True)
  assert results['status'] == 'done'
  with open(tmp_path / 'config.json') as f:
    assert json.load(f)['cell']['name'] == 'gru'


def test_same_seed_gives_identical_metrics(tmp_path):
  config = load('copy.py:runlocal,cell=gru', num_steps=30)
  for name in ('a', 'b'):
    train.train_and_evaluate(config, str(tmp_path / name))
  with open(tmp_path / 'a' / 'metrics.jsonl') as f:
    first = f.read()
  with open(tmp_path / 'b' / 'metrics.jsonl') as f:
    assert f.read() == first
  other = config_util.override(config, {'seed': 1})
  train.train_and_evaluate(other, str(tmp_path / 'c'))
  with open(tmp_path / 'c' / 'metrics.jsonl') as f:
    assert f.read() != first


def test_the_cpu_compiler_options_change_no_number(tmp_path, monkeypatch):
  config = load('adding.py:runlocal,cell=lstm', num_steps=30)
  train.train_and_evaluate(config, str(tmp_path / 'with'))
  monkeypatch.setattr(train, 'CPU_COMPILER_OPTIONS', None)
  train.train_and_evaluate(config, str(tmp_path / 'without'))
  with open(tmp_path / 'with' / 'metrics.jsonl') as f:
    first = f.read()
  with open(tmp_path / 'without' / 'metrics.jsonl') as f:
    assert f.read() == first


def test_an_lstm_beats_the_adding_baseline(tmp_path):
  config = load('adding.py', num_steps=800, batch_size=32,
                **{'model.hidden_size': 32, 'optim.lr': 1e-2,
                   'log.eval_every': 800, 'log.checkpoint_every': 800})
  results = train.train_and_evaluate(config, str(tmp_path))
  assert results['final']['eval/mse'] < 0.3 * results['baseline']['eval/mse']


# ----------------------------------------------------------------------------
# Failures: a diverging run, a killed run.


@dataclasses.dataclass(frozen=True)
class NaNAdding(adding.Adding):
  """The adding problem with NaN inputs in the 13th batch only: the finite
  batches after it must not train the run either."""
  name = 'nan_adding'

  def prepare(self, item, batch_size):
    batch = super().prepare(item, batch_size)
    return batch | {'x': jnp.where(item[2] == 12, jnp.nan, batch['x'])}


def test_a_nan_marks_the_run_diverged_and_keeps_the_checkpoint(
    tmp_path, monkeypatch):
  monkeypatch.setitem(tasks._REGISTRY._classes, 'nan_adding', NaNAdding)  # pylint: disable=protected-access
  config = load('adding.py:runlocal', num_steps=40)
  config.task.name = 'nan_adding'
  results = train.train_and_evaluate(config, str(tmp_path))
  assert results['status'] == 'diverged'
  assert 'not finite at step 13' in results['error']
  assert 'params are those after step 12' in results['error']
  assert results['steps'] == 12
  assert 'checkpoint (step 10)' in results['error']
  with open(tmp_path / 'results.json') as f:
    assert json.load(f)['status'] == 'diverged'
  assert sorted(os.listdir(tmp_path / 'checkpoints')) == ['10']
  restored = ocp.CheckpointManager(
      str(tmp_path / 'checkpoints')).restore(10, args=ocp.args.Composite(
          state=ocp.args.StandardRestore(), data=ocp.args.JsonRestore()))
  assert int(restored.state['step']) == 10
  assert all(np.isfinite(a).all() for a in
             jax.tree_util.tree_leaves(restored.state['params']))


def _launch(workdir, *extra):
  workdir.mkdir(parents=True, exist_ok=True)
  log = open(workdir.parent / f'{workdir.name}.log', 'ab')  # pylint: disable=consider-using-with
  return subprocess.Popen(
      [sys.executable, os.path.join(ROOT, 'launch.py'),
       '--config=' + os.path.join(ROOT, 'configs', 'adding.py:runlocal'),
       f'--workdir={workdir}', '--config.num_steps=400', '--config.log.every=20',
       '--config.log.eval_every=100', '--config.log.checkpoint_every=20',
       *extra], cwd=ROOT, stdout=log, stderr=log)


def test_a_killed_run_resumes_to_the_same_metrics(tmp_path):
  killed = _launch(tmp_path / 'killed')
  conftest.kill_at_first_checkpoint(killed, str(tmp_path / 'killed'))
  rows = read_jsonl(tmp_path / 'killed' / 'metrics.jsonl')
  assert rows and rows[-1]['step'] < 400, 'the run ended before the kill'
  for workdir in ('killed', 'straight'):
    process = _launch(tmp_path / workdir)
    assert process.wait() == 0, (tmp_path / f'{workdir}.log').read_text()
  resumed = read_jsonl(tmp_path / 'killed' / 'metrics.jsonl')
  straight = read_jsonl(tmp_path / 'straight' / 'metrics.jsonl')
  assert resumed == straight
  assert resumed[-1]['step'] == 400


# ----------------------------------------------------------------------------
# Data parallelism.

_RUN_ON_DEVICES = """
import json, tensorflow_datasets as tfds
import jax
from rnnzoo import config_util, train
config = config_util.load({spec!r})
config = config_util.override(config, {{'num_steps': 10, 'log.every': 10}})
results = train.train_and_evaluate(config, {workdir!r})
print(json.dumps([jax.device_count(), results['final'], results['metric']]))
"""


@pytest.mark.parametrize('spec', ['adding.py:runlocal', 'mnist1d.py:runlocal'])
def test_two_devices_give_the_loss_of_one(spec, tmp_path):
  finals = []
  for devices in (1, 2):
    workdir = str(tmp_path / str(devices))
    code = _RUN_ON_DEVICES.format(
        spec=os.path.join(ROOT, 'configs', spec),
        workdir=workdir)
    output = conftest.run_on_devices(code, devices, cwd=ROOT,
                                     workdir=workdir)
    assert output.returncode == 0, output.stderr[-3000:]
    count, final, metric = json.loads(output.stdout.strip().splitlines()[-1])
    assert count == devices
    finals.append(final)
  for key in ('train/loss', 'train/grad_norm', metric):
    assert finals[1][key] == pytest.approx(finals[0][key], rel=1e-4)


def test_a_batch_that_does_not_split_over_the_devices_is_refused(monkeypatch):
  monkeypatch.setattr(jax, 'device_count', lambda: 3)
  with pytest.raises(ValueError, match=r'batch_size=8 .*divisible by the 3'):
    assembly.check(load('adding.py:runlocal'))


def test_a_distributed_run_joins_the_hosts_before_it_counts_devices(
    tmp_path, monkeypatch):
  calls = []
  monkeypatch.setattr(jax.distributed, 'initialize',
                      lambda: calls.append('initialize'))
  monkeypatch.setattr(jax, 'device_count',
                      lambda: calls.append('device_count') or 1)
  config = load('adding.py:runlocal', num_steps=2)
  config.resources.distributed = True
  train.train_and_evaluate(config, str(tmp_path))
  assert calls[:2] == ['initialize', 'device_count']
  config.resources = dict(config.resources, distributed='yes')
  with pytest.raises(ValueError, match=r"resources.distributed='yes' is not"):
    train.train_and_evaluate(config, str(tmp_path / 'other'))


def _damage(checkpoint):
  """Overwrites every file of a checkpoint with bytes that are no JSON."""
  for path in checkpoint.rglob('*'):
    if path.is_file():
      path.write_bytes(b'\xa0' * 16)


def test_a_damaged_checkpoint_is_set_aside_and_the_one_before_it_resumes(
    tmp_path, capfd):
  train.train_and_evaluate(load('adding.py:runlocal'), str(tmp_path))
  _damage(tmp_path / 'checkpoints' / '20')
  longer = train.train_and_evaluate(load('adding.py:runlocal', num_steps=30),
                                    str(tmp_path))
  assert 'checkpoint 20 is damaged' in capfd.readouterr().err
  assert (tmp_path / 'damaged_checkpoints' / '20').is_dir()
  straight = train.train_and_evaluate(load('adding.py:runlocal', num_steps=30),
                                      str(tmp_path / 'straight'))
  assert longer['steps'] == 30 and longer['final'] == straight['final']


def test_a_run_whose_every_checkpoint_is_damaged_says_how_to_start_over(
    tmp_path):
  train.train_and_evaluate(load('adding.py:runlocal'), str(tmp_path))
  for step in ('10', '20'):
    _damage(tmp_path / 'checkpoints' / step)
  with pytest.raises(ValueError, match=r'checkpoint 20 is damaged .*checkpoint'
                     r' 10 is damaged .*to start over, run the same command'):
    train.train_and_evaluate(load('adding.py:runlocal', num_steps=30),
                             str(tmp_path))
  restarted = train.train_and_evaluate(
      load('adding.py:runlocal', num_steps=30), str(tmp_path))
  assert restarted['status'] == 'done' and restarted['steps'] == 30
