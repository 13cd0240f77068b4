r"""Sweeps: one run per point of a config file's `get_sweep(arg)`.

  python launch.py --config=configs/adding.py --workdir=runs/adding --sweep
  python launch.py --config=configs/adding.py --workdir=runs/adding --sweep \
      --executor=ray --ray_address=auto

`get_sweep(arg)` returns a list of dicts whose keys are dotted config fields
(the strings of --config. overrides) plus the reserved key 'config_arg',
which is appended to the config's :arg for structural choices
('cell=gru'). Point i runs in WORKDIR/<iii>-<key=value,...>/, a normal run
directory. Points whose run is done (or diverged) are skipped, so
launching a sweep again resumes it; given more steps, done points go on
from their last checkpoint. Every point's config is built and checked
before any runs: an unknown field or an impossible value stops the sweep
with a message naming the point.

Executors: 'local', a pool of worker processes (which stop when the
sweep's process ends, however it ends); 'ray', one Ray task per
point on a Ray cluster (a local one by default), with the CPUs and GPUs of
each config's `resources` section. A point that fails is reported and the
others go on.
"""

import concurrent.futures
import dataclasses
import json
import multiprocessing
import os
import re
import socket
import sys
import threading
import time

import ml_collections

from rnnzoo import assembly
from rnnzoo import config_util
from rnnzoo import rundir
from rnnzoo import train

RAY_INSTALL = 'pip install -r requirements-ray.txt'


@dataclasses.dataclass
class Point:
  name: str      # its run directory under the sweep's workdir
  config: ml_collections.ConfigDict


@dataclasses.dataclass
class Job:
  name: str
  config_json: str
  run_dir: str
  resources: dict   # {'cpus': n, 'gpus': n}, for Ray
  overwrite: bool


def _get_sweep(path: str, arg: str | None) -> list[dict]:
  module = config_util.module(path)
  if not hasattr(module, 'get_sweep'):
    raise ValueError(f'config file {path!r} defines no get_sweep(arg): '
                     'nothing to sweep over')
  points = module.get_sweep(arg)
  if not points:
    raise ValueError(f'get_sweep({arg!r}) of {path!r} returned no points')
  return points


def _short(value) -> str:
  text = '/'.join(map(str, value)) if isinstance(value, (list, tuple)) else (
      f'{value:g}' if isinstance(value, float) else str(value))
  return re.sub(r'[^A-Za-z0-9._=/+-]', '', text).replace('/', '-')


def expand(spec: str, overrides: dict | None = None) -> list[Point]:
  """The points of the sweep of 'path/config.py[:arg]', each config built.

  A point's values win over `overrides` (the command line's --config.
  fields), which apply to every point. A key that is not a config field,
  or a value that `assembly.check` refuses, raises a ValueError naming the
  point.
  """
  path, _, arg = spec.partition(':')
  points = []
  for index, values in enumerate(_get_sweep(path, arg or None)):
    values = dict(values)
    config_arg = values.pop('config_arg', '')
    merged_arg = ','.join(part for part in (arg, config_arg) if part)
    config = config_util.load(f'{path}:{merged_arg}' if merged_arg else path)
    config = config_util.override(config, overrides or {})
    try:
      config = config_util.override(config, values)
      assembly.check(config)
    except ValueError as error:
      raise ValueError(f'sweep point {index}: {error}') from None
    parts = [p for p in config_arg.split(',') if p] + [
        f'{key.split(".")[-1]}={_short(value)}' for key, value in
        values.items()]
    points.append(Point(f'{index:03d}-' + ','.join(parts), config))
  return points


def run_point(config_json: str, run_dir: str, overwrite: bool) -> dict:
  """Trains one point (in a worker process or a Ray task)."""
  config = ml_collections.ConfigDict(json.loads(config_json))
  return train.train_and_evaluate(config, run_dir, overwrite=overwrite)


def run(spec: str, workdir: str, *, overrides: dict | None = None,
        executor: str = 'local', workers: int = 1,
        ray_address: str | None = None, overwrite: bool = False) -> list[dict]:
  """Runs every point not yet done; returns one report per point.

  A report has the point's 'name', 'status' (done, diverged, failed or
  skipped: done or diverged before) and, when it ran, its 'metric' and
  final value or its 'error'. The reports are also written to
  WORKDIR/sweep.json.
  """
  return run_points(expand(spec, overrides), workdir, executor=executor,
                    workers=workers, ray_address=ray_address,
                    overwrite=overwrite)


def run_points(points: list[Point], workdir: str, *, executor: str = 'local',
               workers: int = 1, ray_address: str | None = None,
               overwrite: bool = False) -> list[dict]:
  """`run` for points built elsewhere (an experiment's arms): each runs in
  WORKDIR/<point name> unless it is final there."""
  if executor not in ('local', 'ray'):
    raise ValueError(f"executor={executor!r} is not allowed: choose 'local' "
                     "or 'ray'")
  if workers < 1:
    raise ValueError(f'workers={workers} is not allowed: it must be >= 1')
  os.makedirs(workdir, exist_ok=True)
  reports = {p.name: {'name': p.name, 'status': 'skipped'} for p in points}
  jobs = [Job(p.name, p.config.to_json(), os.path.join(workdir, p.name),
              dict(p.config.get('resources', {})), overwrite)
          for p in points
          if not rundir.is_final(os.path.join(workdir, p.name),
                                 p.config.num_steps)]
  if executor == 'local':
    outcomes = _run_local(jobs, workers)
  else:
    outcomes = _run_ray(jobs, ray_address)
  for name, outcome in outcomes:
    reports[name].update(_report(outcome))
  reports = list(reports.values())
  with open(os.path.join(workdir, 'sweep.json'), 'w') as f:
    json.dump(reports, f, indent=2)
  return reports


def describe(reports: list[dict], workdir: str) -> str:
  """A line per point, and how to see the table."""
  lines = []
  for report in reports:
    outcome = report.get('error') or (
        f"{report['metric']} = {report['value']}" if 'metric' in report
        else '')
    lines.append(f"{report['status']:9} {report['name']}  {outcome}")
  done = sum(r['status'] in ('done', 'skipped') for r in reports)
  lines.append(f'{done}/{len(reports)} points done; the table: '
               f'python -m rnnzoo.results {workdir}')
  return '\n'.join(lines)


def _report(outcome) -> dict:
  if isinstance(outcome, BaseException):
    return {'status': 'failed',
            'error': f'{type(outcome).__name__}: {outcome}'}
  report = {'status': outcome['status'], 'metric': outcome['metric'],
            'value': outcome['final'].get(outcome['metric'])}
  if 'error' in outcome:
    report['error'] = outcome['error']
  return report


def _exit_with(parent: int, every_s: float = 1.0) -> None:
  """Ends this worker process once `parent` has ended.

  A pool's worker outlives a parent that is killed (SIGKILL, or SIGTERM,
  which Python does not turn into an exception) and would go on training
  into the run dir, beside whatever runs there next. A daemon thread
  watches the parent; the run resumes from its last finished checkpoint.
  """
  def watch():
    while os.getppid() == parent:
      time.sleep(every_s)
    print(f'sweep worker {os.getpid()}: its parent process {parent} has '
          'ended, so it stops too', file=sys.stderr, flush=True)
    os._exit(1)  # pylint: disable=protected-access
  threading.Thread(target=watch, daemon=True).start()


def _run_local(jobs: list[Job], workers: int):
  """Yields (name, results or exception) from a pool of processes, which
  end with this one."""
  context = multiprocessing.get_context('spawn')  # JAX does not survive fork
  with concurrent.futures.ProcessPoolExecutor(
      workers, context, initializer=_exit_with,
      initargs=(os.getpid(),)) as pool:
    futures = {pool.submit(run_point, job.config_json, job.run_dir,
                           job.overwrite): job.name for job in jobs}
    for future in concurrent.futures.as_completed(futures):
      try:
        yield futures[future], future.result()
      except Exception as error:  # pylint: disable=broad-except
        yield futures[future], error


def _check_reachable(address: str | None) -> None:
  """Fails fast on a host:port nobody listens on (ray.init retries for
  minutes)."""
  if not address or address == 'auto':
    return
  host, _, port = address.split('://')[-1].rpartition(':')
  try:
    socket.create_connection((host, int(port)), timeout=5).close()
  except (OSError, ValueError) as error:
    raise ValueError(f'ray_address={address!r} cannot be reached: '
                     f'{error}') from None


def _run_ray(jobs: list[Job], ray_address: str | None):
  """Yields (name, results or exception) from Ray tasks."""
  try:
    import ray  # pylint: disable=g-import-not-at-top
  except ImportError:
    raise ValueError(f'executor=ray needs Ray, which is not installed: '
                     f'{RAY_INSTALL}') from None
  root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
  started_here = not ray.is_initialized()
  if started_here:
    _check_reachable(ray_address)
    try:
      ray.init(address=ray_address,
               runtime_env={'env_vars': {'PYTHONPATH': root}},
               include_dashboard=False, log_to_driver=False)
    except (ConnectionError, RuntimeError, ValueError) as error:
      raise ValueError(f'ray_address={ray_address!r} cannot be reached: '
                       f'{error}') from None
  remote = ray.remote(run_point)
  refs = {}
  for job in jobs:
    options = remote.options(num_cpus=job.resources.get('cpus', 1),
                             num_gpus=job.resources.get('gpus', 0))
    refs[options.remote(job.config_json, os.path.abspath(job.run_dir),
                        job.overwrite)] = job.name
  try:
    pending = list(refs)
    while pending:
      ready, pending = ray.wait(pending, num_returns=1)
      try:
        yield refs[ready[0]], ray.get(ready[0])
      except Exception as error:  # pylint: disable=broad-except
        yield refs[ready[0]], getattr(error, 'cause', None) or error
  finally:
    if started_here:
      ray.shutdown()
