"""Shared test setup: CPU, small shapes, and the cells every test runs over."""

import gc
import os
import shutil
import signal
import subprocess
import sys
import time
import warnings

os.environ.setdefault('JAX_PLATFORMS', 'cpu')

import jax  # pylint: disable=g-import-not-at-top
import pytest  # pylint: disable=g-import-not-at-top

from rnnzoo import cells  # pylint: disable=g-import-not-at-top

# Every registered cell, with the option values whose code paths differ.
CELL_CASES = [
    ('vanilla', {}),
    ('vanilla', {'activation': 'relu'}),
    ('irnn', {}),
    ('nprnn', {}),
    ('rin', {}),
    ('lstm', {}),
    ('lstm', {'no_gate': 'f'}),
    ('lstm', {'norm': 'layer'}),
    ('peephole', {}),
    ('peephole', {'no_gate': 'o'}),
    ('peephole', {'norm': 'layer_per_gate'}),
    ('gru', {}),
    ('gru', {'reset_after': False}),
    ('gru', {'norm': 'layer'}),
    ('gru', {'reset_after': False, 'norm': 'layer_per_gate'}),
    ('mgu', {}),
    ('ran', {}),
    ('ran', {'activation': 'identity'}),
    ('indrnn', {}),
    ('indrnn', {'activation': 'tanh'}),
    ('cwrnn', {'periods': (1, 2, 4)}),
    ('dilated', {'base': 'gru', 'dilation': 2}),
    ('dilated', {'base': 'lstm', 'dilation': 3}),
    ('dilated', {'base': 'cwrnn', 'dilation': 2, 'periods': (1, 3)}),
    ('mingru', {}),
    ('mingru', {'log_space': True}),
    ('minlstm', {'log_space': True}),
    ('qrnn', {}),
    ('qrnn', {'window': 2, 'pooling': 'ifo'}),
    ('qrnn', {'pooling': 'f'}),
    ('sru', {}),
    ('dilated', {'base': 'minlstm', 'dilation': 2}),
    ('exprnn', {}),
    ('scrn', {'slow_size': 2}),
    ('mist', {'delays': (1, 2, 4)}),
    ('mist', {'delays': (3, 1), 'activation': 'relu'}),
    ('nested_lstm', {}),
    ('jordan', {}),
    ('jordan', {'hidden_units': 4, 'self_connection': 0.5,
                'activation': 'tanh', 'output_activation': 'identity'}),
    ('jordan', {'hidden_units': 4, 'output_activation': 'softmax',
                'emit_pre_activation': True}),
]
# The cells linear in their state, run on the associative scan by default.
LINEAR_CASES = [case for case in CELL_CASES
                if case[0] in ('mingru', 'minlstm', 'qrnn', 'sru')] + [
                    ('minlstm', {}), ('qrnn', {'window': 2, 'pooling': 'f'}),
                    ('sru', {'activation': 'identity'})]
HIDDEN = 6  # divisible by the CW-RNN cases' module counts


def case_id(case):
  name, options = case
  return name + ''.join(f',{k}={v}' for k, v in options.items())


@pytest.fixture(params=CELL_CASES, ids=[case_id(c) for c in CELL_CASES])
def cell(request):
  name, options = request.param
  return cells.get(name, **options)


def random_params(cell, key, input_size=3, hidden_size=HIDDEN, scale=0.5):
  """The cell's params with every float array redrawn (biases included)."""
  params = cell.init(key, input_size, hidden_size)
  leaves, treedef = jax.tree_util.tree_flatten(params)
  keys = jax.random.split(jax.random.fold_in(key, 1), len(leaves))
  return treedef.unflatten([
      scale * jax.random.normal(k, leaf.shape, leaf.dtype)
      for k, leaf in zip(keys, leaves)])


def kill_at_first_checkpoint(process, workdir, timeout=120):
  """SIGKILLs a training `process` once its run in `workdir` has written a
  checkpoint (failing if it ends or `timeout` s pass first)."""
  checkpoints = os.path.join(workdir, 'checkpoints')
  deadline = time.time() + timeout
  while not (os.path.exists(checkpoints) and any(
      name.isdigit() for name in os.listdir(checkpoints))):
    assert process.poll() is None and time.time() < deadline
    time.sleep(0.02)
  process.send_signal(signal.SIGKILL)
  process.wait()


def _read_proc(path: str) -> bytes | None:
  if not os.path.exists(path):  # not Linux
    return None
  with open(path, 'rb') as f:
    return f.read()


# Linux allows a process vm.max_map_count memory mappings (65,530 unless set
# otherwise), and each program that XLA compiles holds some of them.
_MAPPINGS_LIMIT = int(_read_proc('/proc/sys/vm/max_map_count') or 0)


@pytest.fixture(autouse=True)
def free_compiled_programs():
  """Drops JAX's compiled programs after a test once the process holds a
  quarter of the memory mappings it may have. JAX keeps every program for
  the life of the process, and an xdist worker that runs hundreds of tests
  would reach the limit (pyproject.toml's pytest section says more)."""
  yield
  if (_MAPPINGS_LIMIT and
      _read_proc('/proc/self/maps').count(b'\n') > _MAPPINGS_LIMIT // 4):
    jax.clear_caches()
    gc.collect()


# XLA aborts a process whose devices wait 60 s at a collective's rendezvous
# (20 s, a warning, then 40 s). Simulated CPU devices hung there when several
# multi-device programs were in flight together (`train.evaluate` now runs
# one at a time); should a run still hang on this busy machine, it is tried
# once more with a warning, so that the log shows it. Any other failure is
# the test's.
_RENDEZVOUS_ABORT = 'Termination timeout for'


def run_on_devices(code: str, devices: int, cwd: str, workdir: str):
  """Runs Python `code`, which trains in `workdir`, in a fresh process that
  sees `devices` CPU devices; the completed process (stdout and stderr
  captured as text). A retry starts from an empty workdir."""
  env = dict(os.environ, JAX_PLATFORMS='cpu',
             XLA_FLAGS=f'--xla_force_host_platform_device_count={devices}')
  for _ in range(2):
    shutil.rmtree(workdir, ignore_errors=True)
    output = subprocess.run([sys.executable, '-c', code], env=env, cwd=cwd,
                            capture_output=True, text=True)
    if output.returncode == 0 or _RENDEZVOUS_ABORT not in output.stderr:
      break
    warnings.warn(f'a run on {devices} devices hung at a rendezvous and was '
                  'tried again')
  return output
