"""launch.py and config loading: bad input stops with one clear line."""

import os
import subprocess
import sys

import ml_collections
import pytest

from rnnzoo import assembly
from rnnzoo import config_util
from rnnzoo import launch as launch_lib
from rnnzoo import optim

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def launch(*args):
  return subprocess.run([sys.executable, 'launch.py', *args], cwd=ROOT,
                        capture_output=True, text=True, timeout=300)


BAD_INPUT = [
    (['--config=configs/nope.py'], "config file 'configs/nope.py' does not exist"),
    (['--config=configs/adding.py:cel=gru'],
     "config arg 'cel' is unknown: the arg takes ['cell', "),
    (['--config=configs/adding.py:seq_len=long'],
     "config arg seq_len='long' is not allowed: it must be a int"),
    (['--config=configs/adding.py:runlocal=maybe'],
     "config arg runlocal='maybe' is not allowed: it must be true or false"),
    (['--config=configs/adding.py:runlocal', '--config.optim.lrr=1'],
     "config field 'optim.lrr' does not exist: optim has fields"),
    (['--config=configs/adding.py:runlocal', '--config.num_steps=ten'],
     "config field num_steps='ten' is not allowed"),
    (['--config=configs/adding.py:runlocal', '--config.cell.name=lstn'],
     "cell name='lstn' is unknown: choose one of"),
    (['--config=configs/adding.py:runlocal', '--config.task.name=adder'],
     "task name='adder' is unknown: choose one of"),
    (['--config=configs/adding.py:runlocal', '--config.optim.name=adamm'],
     "optim.name='adamm' is not allowed: choose one of"),
    (['--config=configs/adding.py:runlocal', '--config.model.hidden_size=0'],
     'model.hidden_size=0 is not allowed: it must be >= 1'),
    (['--config=configs/adding.py:runlocal', '--config.optim.lr=-0.1'],
     'optim.lr=-0.1 is not allowed: it must be > 0'),
    (['--config=configs/adding.py:runlocal', '--config.optim.lr=nan'],
     'optim.lr=nan is not allowed: it must be a finite number'),
    (['--config=configs/adding.py:runlocal', '--config.cell.forget_bias=inf'],
     'forget_bias=inf is not allowed: it must be a finite number'),
    (['--config=configs/adding.py:runlocal', '--config.seed=4294967296'],
     'seed=4294967296 is not allowed: it must be <= 4294967295'),
    (['--config=configs/adding.py:runlocal', '--config.task.seq_len=1'],
     'seq_len=1 is not allowed: it must be >= 2'),
    (['--config=configs/mnist.py:runlocal', '--config.task.data_dir=/nowhere'],
     "TFDS dataset 'mnist' (split 'train') could not be opened from /nowhere"),
]


@pytest.mark.parametrize('args,message', BAD_INPUT,
                         ids=[' '.join(a[1:]) or a[0] for a, _ in BAD_INPUT])
def test_bad_input_is_one_clear_line(args, message, tmp_path):
  result = launch(*args, f'--workdir={tmp_path}')
  assert result.returncode != 0
  assert message in result.stderr
  assert 'Traceback' not in result.stderr


def test_an_unwritable_workdir_is_named(tmp_path):
  blocker = tmp_path / 'file'
  blocker.write_text('')
  result = launch('--config=configs/adding.py:runlocal',
                  f'--workdir={blocker}/run')
  assert result.returncode == 2
  assert f"workdir='{blocker}/run' is not writable" in result.stderr


def test_a_run_prints_its_result(tmp_path):
  result = launch('--config=configs/adding.py:runlocal', f'--workdir={tmp_path}')
  assert result.returncode == 0, result.stderr
  assert result.stdout.startswith('done: eval/mse = ')
  assert '(baseline 0.1666' in result.stdout
  rerun = launch('--config=configs/adding.py:runlocal,cell=gru',
                 f'--workdir={tmp_path}')
  assert rerun.returncode == 2
  assert 'holds a run of a different config' in rerun.stderr


def test_parse_arg_types_values_like_their_defaults():
  arg = config_util.parse_arg('cell=gru,seq_len=200,lr=3e-3,runlocal',
                              cell='lstm', seq_len=50, lr=1e-3, runlocal=False)
  assert arg == ml_collections.ConfigDict(
      dict(cell='gru', seq_len=200, lr=3e-3, runlocal=True))
  assert config_util.parse_arg(None, a=1).a == 1


def test_load_equals_get_config_and_override_names_missing_fields():
  from configs import copy  # pylint: disable=g-import-not-at-top
  loaded = config_util.load(os.path.join(ROOT, 'configs/copy.py:cell=gru'))
  assert loaded == copy.get_config('cell=gru')
  changed = config_util.override(loaded, {'optim.lr': 3e-3, 'seed': 2})
  assert changed.optim.lr == 3e-3 and changed.seed == 2 and loaded.seed == 0
  with pytest.raises(ValueError, match=r"'model.hiden_size' does not exist: "
                     r"model has fields \['bidirectional'"):
    config_util.override(loaded, {'model.hiden_size': 3})
  with pytest.raises(ValueError, match=r"config field num_steps='many'"):
    config_util.override(loaded, {'num_steps': 'many'})


def test_the_indrnn_takes_its_init_bound_from_the_task_length():
  load = lambda arg: config_util.load(os.path.join(ROOT, arg)).cell.seq_len
  assert load('configs/adding.py:cell=indrnn,seq_len=50') == 50
  assert load('configs/copy.py:cell=indrnn,delay=30') == 30 + 20
  # Tagging has no one length: the bound without one (1) until set.
  config = config_util.load(os.path.join(ROOT, 'configs/tagging.py:'
                                         'cell=indrnn,runlocal'))
  assert config.cell.seq_len == 0
  assembly.check(config_util.override(config, {'cell.seq_len': 40}))


def test_the_optimizer_switches_on_the_command_line_keeping_given_fields():
  loaded = config_util.load(os.path.join(ROOT, 'configs/adding.py'))
  assert loaded.optim.name == 'adam' and loaded.optim.clip_norm == 1.0
  overrides = launch_lib.field_overrides(
      loaded, ['optim.momentum=0.9', 'optim.name=sgd', 'optim.lr=0.01'])
  assert overrides == {'optim.momentum': 0.9, 'optim.name': 'sgd',
                       'optim.lr': 0.01}
  switched = config_util.override(loaded, overrides).optim
  expected = optim.default_config('sgd', lr=0.01, momentum=0.9, clip_norm=1.0)
  assert switched == expected
  optim.check_config(switched)


def test_field_values_are_read_as_the_type_of_their_field():
  loaded = config_util.load(os.path.join(ROOT, 'configs/adding.py'))
  overrides = launch_lib.field_overrides(loaded, [
      'log.diagnostics_at=(0,5)', 'model.bidirectional=true',
      'cell.no_gate=f', 'optim.lr=1', 'num_steps=7'])
  assert overrides == {'log.diagnostics_at': (0, 5),
                       'model.bidirectional': True, 'cell.no_gate': 'f',
                       'optim.lr': 1.0, 'num_steps': 7}
  assert isinstance(overrides['optim.lr'], float)


def test_a_config_file_with_a_syntax_error_is_one_line(tmp_path):
  broken = tmp_path / 'broken.py'
  broken.write_text('def get_config(arg=None):\n  return {\n\nx = (\n')
  result = launch(f'--config={broken}', f'--workdir={tmp_path}/run')
  assert result.returncode == 2
  lines = result.stderr.strip().splitlines()
  assert len(lines) == 1 and 'Traceback' not in result.stderr
  assert lines[0].startswith(f"error: config file '{broken}', line ")
