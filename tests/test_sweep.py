"""Sweeps on local processes and on a local Ray cluster, and the tables and
plots that `rnnzoo.results` makes of them."""

import glob
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

from rnnzoo import results
from rnnzoo import sweep

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SWEEP_CONFIG = """
from rnnzoo import config_util

adding = config_util.module({root!r} + '/configs/adding.py')


def get_config(arg=None):
  return adding.get_config(arg)


def get_sweep(arg=None):
  return [{{'config_arg': f'cell={{cell}}', 'seed': seed}}
          for cell in ('lstm', 'gru') for seed in (0, 1)]
"""


@pytest.fixture(name='config_file')
def fixture_config_file(tmp_path):
  path = tmp_path / 'sweep_config.py'
  path.write_text(SWEEP_CONFIG.format(root=ROOT))
  return str(path)


def _table(workdir):
  summary = results.summarize(results.load(workdir))
  return summary[['cell.name', 'eval/mse mean', 'eval/mse std', 'done']]


def test_expand_builds_every_point_and_names_it(config_file):
  points = sweep.expand(f'{config_file}:runlocal,seq_len=12',
                        {'optim.lr': 0.01, 'seed': 7})
  assert [p.name for p in points] == [
      '000-cell=lstm,seed=0', '001-cell=lstm,seed=1', '002-cell=gru,seed=0',
      '003-cell=gru,seed=1']
  assert [p.config.cell.name for p in points] == ['lstm', 'lstm', 'gru', 'gru']
  assert [p.config.seed for p in points] == [0, 1, 0, 1]  # the point wins
  assert all(p.config.optim.lr == 0.01 for p in points)  # the override stays
  assert all(p.config.task.seq_len == 12 for p in points)


def test_a_sweep_key_that_is_no_field_stops_before_any_run(tmp_path):
  path = tmp_path / 'bad.py'
  path.write_text(SWEEP_CONFIG.format(root=ROOT).replace(
      "'seed': seed", "'optim.learning_rate': 0.1"))
  with pytest.raises(ValueError, match=r"sweep point 0: config field "
                     r"'optim.learning_rate' does not exist"):
    sweep.run(f'{path}:runlocal', str(tmp_path / 'runs'))
  assert not (tmp_path / 'runs').exists()


def test_an_impossible_value_at_one_point_stops_before_any_run(tmp_path):
  path = tmp_path / 'bad.py'
  path.write_text(SWEEP_CONFIG.format(root=ROOT).replace(
      "'seed': seed", "'optim.lr': 0.1 if seed == 0 else -1.0"))
  with pytest.raises(ValueError, match=r"^sweep point 1: optim.lr=-1.0 is "
                     'not allowed'):
    sweep.run(f'{path}:runlocal', str(tmp_path / 'runs'))
  assert not (tmp_path / 'runs').exists()


def test_empty_and_missing_sweeps_are_refused(tmp_path):
  empty = tmp_path / 'empty.py'
  empty.write_text(SWEEP_CONFIG.format(root=ROOT).replace(
      'for cell in', 'for cell in () if'))
  with pytest.raises(ValueError, match='returned no points'):
    sweep.expand(str(empty))
  with pytest.raises(ValueError, match='defines no get_sweep'):
    sweep.expand(os.path.join(ROOT, 'configs', 'char_lm.py'))


def test_local_sweep_runs_resumes_and_reports_failures(config_file, tmp_path):
  workdir = str(tmp_path / 'runs')
  reports = sweep.run(f'{config_file}:runlocal', workdir, workers=2)
  assert [r['status'] for r in reports] == ['done'] * 4
  assert all(r['metric'] == 'eval/mse' and np.isfinite(r['value'])
             for r in reports)
  # Launched again, the finished points (done or diverged) are skipped; a
  # point that fails is reported and the others go on.
  results_of = lambda name: os.path.join(workdir, name, 'results.json')
  with open(results_of('002-cell=gru,seed=0')) as f:
    diverged = json.load(f) | {'status': 'diverged'}
  with open(results_of('002-cell=gru,seed=0'), 'w') as f:
    json.dump(diverged, f)
  os.remove(results_of('003-cell=gru,seed=1'))
  again = sweep.run(f'{config_file}:runlocal', workdir, workers=2,
                    overrides={'optim.lr': 0.02})
  assert [r['status'] for r in again] == ['skipped'] * 3 + ['failed']
  assert 'holds a run of a different config' in again[3]['error']
  with open(os.path.join(workdir, 'sweep.json')) as f:
    assert json.load(f) == again


def _workers_of(pid):
  """The pids of the pool workers that process `pid` spawned (from /proc)."""
  found = []
  for entry in filter(str.isdigit, os.listdir('/proc')):
    try:
      with open(f'/proc/{entry}/stat') as f:
        stat = f.read()
      with open(f'/proc/{entry}/cmdline', 'rb') as f:
        command = f.read()
    except (FileNotFoundError, ProcessLookupError):
      continue
    # The fields after the command's closing bracket: state, parent pid.
    parent = int(stat.rpartition(')')[2].split()[1])
    if parent == pid and b'spawn_main' in command:
      found.append(int(entry))
  return found


def _alive(pid):
  try:
    with open(f'/proc/{pid}/stat') as f:
      return f.read().rpartition(')')[2].split()[0] != 'Z'
  except FileNotFoundError:
    return False


def _wait_for(predicate, timeout_s):
  deadline = time.monotonic() + timeout_s
  while time.monotonic() < deadline:
    if predicate():
      return True
    time.sleep(0.2)
  return False


@pytest.mark.skipif(not sys.platform.startswith('linux'),
                    reason='reads processes from /proc')
def test_local_workers_stop_when_the_sweep_process_is_killed(config_file,
                                                             tmp_path):
  # A point far too long to finish: without the watch its worker would go
  # on training after the sweep's process is gone.
  script = (f'from rnnzoo import sweep\n'
            f'sweep.run({config_file + ":runlocal"!r}, {str(tmp_path)!r}, '
            f'overrides={{"num_steps": 10**7}})\n')
  parent = subprocess.Popen([sys.executable, '-c', script], cwd=ROOT)
  workers = []
  try:
    assert _wait_for(lambda: glob.glob(str(tmp_path / '*' / 'metrics.jsonl')),
                     120), 'no point started training'
    workers = _workers_of(parent.pid)
    assert workers
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    assert _wait_for(lambda: not any(map(_alive, workers)), 60), (
        'a worker outlived the sweep process')
  finally:
    parent.kill()
    for pid in workers:
      if _alive(pid):
        os.kill(pid, signal.SIGKILL)


def test_a_sweep_given_more_steps_goes_on_from_the_checkpoints(
    config_file, tmp_path):
  workdir, spec = str(tmp_path / 'runs'), f'{config_file}:runlocal'
  sweep.run(spec, workdir, overrides={'num_steps': 4})
  longer = sweep.run(spec, workdir, overrides={'num_steps': 8})
  assert [r['status'] for r in longer] == ['done'] * 4
  straight = sweep.run(spec, str(tmp_path / 'straight'),
                       overrides={'num_steps': 8})
  assert [r['value'] for r in longer] == [r['value'] for r in straight]
  for report in longer:
    with open(os.path.join(workdir, report['name'], 'metrics.jsonl')) as f:
      steps = [json.loads(line)['step'] for line in f]
    assert steps == sorted(steps) and steps[-1] == 8


def test_ray_sweep_gives_the_same_table_as_local(config_file, tmp_path):
  import ray  # pylint: disable=g-import-not-at-top  (requirements-ray.txt)
  sweep.run(f'{config_file}:runlocal', str(tmp_path / 'local'), workers=2)
  ray.init(num_cpus=2, include_dashboard=False,
           runtime_env={'env_vars': {'PYTHONPATH': ROOT}})
  try:
    reports = sweep.run(f'{config_file}:runlocal', str(tmp_path / 'ray'),
                        executor='ray')
  finally:
    ray.shutdown()
  assert [r['status'] for r in reports] == ['done'] * 4
  pd.testing.assert_frame_equal(_table(str(tmp_path / 'ray')),
                                _table(str(tmp_path / 'local')))


def test_ray_executor_errors_name_the_cause(config_file, tmp_path,
                                            monkeypatch):
  with pytest.raises(ValueError, match=r"ray_address='127.0.0.1:1' cannot be "
                     'reached'):
    sweep.run(f'{config_file}:runlocal', str(tmp_path), executor='ray',
              ray_address='127.0.0.1:1')
  monkeypatch.setitem(sys.modules, 'ray', None)  # as if not installed
  with pytest.raises(ValueError, match=r'needs Ray.*pip install -r '
                     r'requirements-ray.txt'):
    sweep.run(f'{config_file}:runlocal', str(tmp_path), executor='ray')


def test_launch_runs_a_sweep(config_file, tmp_path):
  result = subprocess.run(
      [sys.executable, 'launch.py', f'--config={config_file}:runlocal',
       f'--workdir={tmp_path}', '--sweep', '--workers=2',
       '--config.num_steps=10'], cwd=ROOT, capture_output=True, text=True,
      timeout=600)
  assert result.returncode == 0, result.stderr
  assert '4/4 points done' in result.stdout
  df = results.load(str(tmp_path))
  assert (df['num_steps'] == 10).all() and (df['steps'] == 10).all()


# ----------------------------------------------------------------------------
# Tables and plots.


def _fake_run(root, name, cell, seed, mse, status='done'):
  run = root / name
  run.mkdir(parents=True)
  (run / 'config.json').write_text(json.dumps(
      {'seed': seed, 'task': {'name': 'adding', 'seq_len': 10},
       'cell': {'name': cell}, 'model': {'dilations': [1, 2]}}))
  (run / 'results.json').write_text(json.dumps(
      {'status': status, 'final': {'eval/mse': mse, 'train/loss': mse},
       'baseline': {'eval/mse': 1 / 6}, 'metric': 'eval/mse',
       'higher_is_better': False, 'steps': 100, 'wall_time_s': 2.0,
       'steps_per_s': 50.0, 'num_params': 10}))
  rows = [row for step in (50, 100) for row in (
      {'step': step, 'train/loss': mse * 2}, {'step': step, 'eval/mse': mse})]
  (run / 'metrics.jsonl').write_text(
      ''.join(json.dumps(r) + '\n' for r in rows))


def test_summarize_gives_mean_and_std_over_seeds(tmp_path):
  _fake_run(tmp_path, 'a', 'lstm', 0, 0.1)
  _fake_run(tmp_path, 'b', 'lstm', 1, 0.3)
  _fake_run(tmp_path, 'c', 'gru', 0, 0.2)
  _fake_run(tmp_path, 'd', 'gru', 1, 0.5, status='diverged')
  df = results.load(str(tmp_path))
  assert len(df) == 4 and results.varying(df) == ['cell.name']
  assert df.loc[df['run'] == 'a', 'model.dilations'].item() == (1, 2)
  summary = results.summarize(df).set_index('cell.name')
  assert summary.loc['lstm', 'eval/mse mean'] == pytest.approx(0.2)
  assert summary.loc['lstm', 'eval/mse std'] == pytest.approx(2**0.5 / 10)
  assert np.isnan(summary.loc['gru', 'eval/mse std'])  # one seed
  assert summary.loc['gru', 'eval/mse mean'] == pytest.approx(0.2)
  assert summary.loc['gru', 'done'] == 1 and summary.loc['gru', 'runs'] == 2
  assert summary.loc['lstm', 'baseline:eval/mse'] == pytest.approx(1 / 6)
  text = results.to_markdown(results.summarize(df))
  assert '| lstm | 0.2 ± 0.14 (0.1667) | 2/2 | 100 | 2 | 10 |' in text
  assert '| gru | 0.2 (0.1667) | 1/2 |' in text


def test_the_cli_writes_tables_and_plots(tmp_path):
  for seed, (n, mse) in enumerate([(10, 0.1), (10, 0.2), (20, 0.15),
                                   (20, 0.16)]):
    _fake_run(tmp_path, f'r{seed}', 'lstm', seed % 2, mse)
    config = json.loads((tmp_path / f'r{seed}' / 'config.json').read_text())
    config['task']['seq_len'] = n
    (tmp_path / f'r{seed}' / 'config.json').write_text(json.dumps(config))
  result = subprocess.run(
      [sys.executable, '-m', 'rnnzoo.results', str(tmp_path),
       '--x=task.seq_len'], cwd=ROOT, capture_output=True, text=True)
  assert result.returncode == 0, result.stderr
  assert '| 10 | 0.15 ± 0.071 (0.1667) | 2/2 |' in result.stdout
  assert (tmp_path / 'summary.md').read_text().strip() == result.stdout.strip()
  csv = pd.read_csv(tmp_path / 'summary.csv')
  assert list(csv['task.seq_len']) == [10, 20]
  for png in ('curves_eval_mse.png', 'eval_mse_vs_seq_len.png'):
    assert (tmp_path / png).stat().st_size > 1000


def test_a_directory_without_runs_is_named(tmp_path):
  with pytest.raises(ValueError, match=r"no runs under '.*': a run "
                     'directory holds config.json'):
    results.load(str(tmp_path))
  result = subprocess.run([sys.executable, '-m', 'rnnzoo.results',
                           str(tmp_path)], cwd=ROOT, capture_output=True,
                          text=True)
  assert result.returncode != 0 and 'no runs under' in result.stderr
  assert 'Traceback' not in result.stderr
