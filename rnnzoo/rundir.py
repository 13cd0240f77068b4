"""The run directory: its format, written and read in this one place.

A run directory holds:

  config.json       the config, as run (one written before models had
                    names reads as model.name='rnn', the model it ran)
  results.json      {'status': one of STATUSES, 'final': {metric: value},
                    'baseline': {metric: value}, 'metric', 'higher_is_better',
                    'steps', 'wall_time_s', 'steps_per_s', 'num_params'}, and
                    'error' when the run failed or diverged
  metrics.jsonl     one JSON object per logging or evaluation step:
                    {'step': n, 'train/loss': ..., 'eval/mse': ...}
  tensorboard/      the same scalars as TensorBoard events
  checkpoints/      orbax checkpoints (train state, stream position, wall time)
  artifacts.json    what the task stores with a run (vocabulary, permutation)
  diagnostics/      step_{n}.json: gradient through time and gate statistics

The train loop writes it; sweeps ask whether a run is final; `results`,
`diagnostics` and the experiments read it back. A run of a config may be
continued in its directory with more steps or other logging (the fields of
RESUMABLE), never with another config.
"""

import json
import os
import shutil
from typing import Any

import ml_collections
import tensorboardX

from rnnzoo import models

CONFIG = 'config.json'
RESULTS = 'results.json'
METRICS = 'metrics.jsonl'
ARTIFACTS = 'artifacts.json'
TENSORBOARD = 'tensorboard'
CHECKPOINTS = 'checkpoints'
DIAGNOSTICS = 'diagnostics'

# 'running' until the loop ends; 'done' after the last step; 'diverged' when
# the loss or gradients stopped being finite; 'failed' on any other error.
STATUSES = ('running', 'done', 'diverged', 'failed')
# Config fields (dotted paths) that may change when a run is continued: how
# long it runs and logs, on what, and how its loops are compiled.
RESUMABLE = ('num_steps', 'log', 'resources', 'model.scan_unroll')


def path(workdir: str, name: str) -> str:
  return os.path.join(workdir, name)


def _read_json(file_path: str, default=None):
  if not os.path.exists(file_path):
    return default
  with open(file_path) as f:
    return json.load(f)


def write_json(file_path: str, value) -> None:
  _write_atomically(file_path, json.dumps(value, indent=2))


def _write_atomically(file_path: str, text: str) -> None:
  """Through a temporary file: neither a crash nor a reader at the same
  moment (a sweep looking at the folder) ever sees half a file."""
  with open(file_path + '.tmp', 'w') as f:
    f.write(text)
  os.replace(file_path + '.tmp', file_path)


# ----------------------------------------------------------------------------
# config.json


def read_config(workdir: str) -> ml_collections.ConfigDict:
  """The config a run was made with; a ValueError if there is none."""
  config = _read_config_json(workdir)
  if config is None:
    raise ValueError(f'workdir={workdir!r} holds no run: it has no {CONFIG}')
  return ml_collections.ConfigDict(config)


def _read_config_json(workdir: str) -> dict | None:
  """config.json as a dict, a config written before models had names
  given the model it ran (`models.DEFAULT`), or None."""
  config = _read_json(path(workdir, CONFIG))
  if config is not None and 'name' not in config.get('model', {'name': ''}):
    config['model'] = {'name': models.DEFAULT, **config['model']}
  return config


def write_config(workdir: str, config: ml_collections.ConfigDict) -> None:
  _write_atomically(path(workdir, CONFIG), config.to_json(indent=2))


def differences(previous: dict, current: dict, prefix: str = '') -> list[str]:
  """'field: old there, new here' for each field that differs, the
  RESUMABLE ones aside.

  A field that the previous config lacks and that is off here (0, False,
  '' or empty) is an option added since, at the default that keeps the old
  behaviour: not a difference. So a run made before a new option existed
  still counts as a run of today's config.
  """
  found = []
  for key in sorted(set(previous) | set(current)):
    if f'{prefix}{key}' in RESUMABLE:
      continue
    old, new = previous.get(key), current.get(key)
    if key not in previous and _is_off(new):
      continue
    if isinstance(old, dict) and isinstance(new, dict):
      found += differences(old, new, f'{prefix}{key}.')
    elif old != new:
      found.append(f'{prefix}{key}: {old!r} there, {new!r} here')
  return found


def _is_off(value) -> bool:
  return value is not None and not value


def prepare(workdir: str, config: ml_collections.ConfigDict,
            overwrite: bool) -> None:
  """Creates `workdir`; refuses one that holds a run of another config, or
  checkpoints without the config.json that says what they are a run of
  (left behind when a run's small files were deleted: the train loop writes
  config.json before any checkpoint), unless `overwrite`, in which case
  that run's files are removed."""
  try:
    os.makedirs(workdir, exist_ok=True)
    probe = path(workdir, '.write_test')
    with open(probe, 'w') as f:
      f.write('')
    os.remove(probe)
  except OSError as error:
    raise ValueError(f'workdir={workdir!r} is not writable: '
                     f'{error.strerror}') from None
  previous = _read_config_json(workdir)
  if previous is not None:
    differs = differences(previous, json.loads(config.to_json()))
    if not differs:
      return
    held = f'a run of a different config ({"; ".join(differs[:5])})'
  elif os.path.isdir(path(workdir, CHECKPOINTS)):
    held = f'checkpoints of an unknown config: it has no {CONFIG}'
  else:
    return
  if not overwrite:
    raise ValueError(f'workdir={workdir!r} holds {held}: pass --overwrite to '
                     'replace it, or choose another workdir')
  for name in (CHECKPOINTS, TENSORBOARD, DIAGNOSTICS):
    shutil.rmtree(path(workdir, name), ignore_errors=True)
  for name in (METRICS, RESULTS, ARTIFACTS):
    if os.path.exists(path(workdir, name)):
      os.remove(path(workdir, name))


# ----------------------------------------------------------------------------
# results.json


def read_results(workdir: str) -> dict | None:
  """The run's results.json, or None before it has one."""
  return _read_json(path(workdir, RESULTS))


def write_results(workdir: str, results: dict) -> None:
  if results.get('status') not in STATUSES:
    raise ValueError(f"results status={results.get('status')!r} is not "
                     f'allowed: choose one of {list(STATUSES)}')
  write_json(path(workdir, RESULTS), results)


def is_done(results: dict | None, num_steps: int) -> bool:
  """Whether results are those of a run done with `num_steps` steps; one
  done with fewer resumes from its last checkpoint."""
  return bool(results) and results.get('status') == 'done' and (
      results['steps'] >= num_steps)


def is_final(workdir: str, num_steps: int) -> bool:
  """Whether the run has its final outcome: done with `num_steps`, or
  diverged (a rerun would diverge at the same step). A failed or
  unfinished run, or one done with fewer steps, is not."""
  results = read_results(workdir)
  return is_done(results, num_steps) or bool(
      results and results.get('status') == 'diverged')


# ----------------------------------------------------------------------------
# metrics.jsonl and TensorBoard


class MetricWriter:
  """metrics.jsonl and TensorBoard events, restarted at `start_step`: rows
  of later steps (from a run that was killed after them) are dropped."""

  def __init__(self, workdir: str, start_step: int):
    self.path = path(workdir, METRICS)
    kept = [row for row in read_metrics(workdir) if row['step'] <= start_step]
    with open(self.path, 'w') as f:
      f.writelines(json.dumps(row) + '\n' for row in kept)
    self.board = tensorboardX.SummaryWriter(
        path(workdir, TENSORBOARD), purge_step=start_step + 1)

  def write(self, step: int, scalars: dict[str, float]) -> None:
    with open(self.path, 'a') as f:
      f.write(json.dumps({'step': step, **scalars}) + '\n')
    for name, value in scalars.items():
      self.board.add_scalar(name, value, step)

  def close(self):
    self.board.close()


def read_metrics(workdir: str) -> list[dict[str, Any]]:
  """The rows of metrics.jsonl, in order; [] before the first."""
  file_path = path(workdir, METRICS)
  if not os.path.exists(file_path):
    return []
  with open(file_path) as f:
    return [json.loads(line) for line in f if line.strip()]


# ----------------------------------------------------------------------------
# artifacts.json and diagnostics/


def write_artifacts(workdir: str, artifacts: dict) -> None:
  write_json(path(workdir, ARTIFACTS), artifacts)


def write_diagnostics(workdir: str, step: int, report: dict) -> str:
  """Writes diagnostics/step_{step}.json; returns the diagnostics folder."""
  folder = path(workdir, DIAGNOSTICS)
  os.makedirs(folder, exist_ok=True)
  with open(os.path.join(folder, f'step_{step}.json'), 'w') as f:
    json.dump(report, f)
  return folder


def read_diagnostics(workdir: str, step: int) -> dict | None:
  return _read_json(os.path.join(path(workdir, DIAGNOSTICS),
                                 f'step_{step}.json'))


# ----------------------------------------------------------------------------
# Many runs.


def find_runs(root: str) -> list[str]:
  """Every run directory (one holding config.json) under `root`, sorted."""
  found = [dirpath for dirpath, _, files in os.walk(root) if CONFIG in files]
  if not found:
    raise ValueError(f'no runs under {root!r}: a run directory holds '
                     f'{CONFIG} (python launch.py --workdir=...)')
  return sorted(found)

