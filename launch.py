r"""Runs the experiment of a config file, or its sweep.

  python launch.py --config=configs/adding.py:cell=gru,seq_len=200 \
      --workdir=runs/adding_gru --config.optim.lr=3e-3
  python launch.py --config=configs/adding.py --workdir=runs/adding --sweep \
      [--executor=local --workers=2 | --executor=ray --ray_address=auto]

A run resumes from the latest checkpoint in --workdir; a sweep skips the
points that are done. Bad input stops with one line naming the field, the
value and what is allowed.
"""

import sys

from absl import app
from absl import flags
from absl import logging
from ml_collections import config_flags

from rnnzoo import config_util
from rnnzoo import sweep
from rnnzoo import train

_CONFIG = config_flags.DEFINE_config_file(
    'config', None, 'Config file, with an optional :arg.', lock_config=True)
_WORKDIR = flags.DEFINE_string('workdir', None, 'The run (or sweep) directory.')
_OVERWRITE = flags.DEFINE_bool(
    'overwrite', False, 'Replace a run of another config in --workdir.')
_SWEEP = flags.DEFINE_bool('sweep', False, "Run the config's get_sweep().")
_EXECUTOR = flags.DEFINE_enum('executor', 'local', ['local', 'ray'],
                              'Where the points of a sweep run.')
_WORKERS = flags.DEFINE_integer('workers', 1, 'Local sweep: processes.')
_RAY_ADDRESS = flags.DEFINE_string(
    'ray_address', None, "Ray sweep: a running cluster ('auto' or host:port); "
    'a local cluster if unset.')
flags.mark_flags_as_required(['config', 'workdir'])


def fail(message: str, code: int = 2):
  print(f'error: {message}', file=sys.stderr)
  sys.exit(code)


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f'unexpected arguments: {argv[1:]}')
  if not flags.FLAGS['verbosity'].present:
    logging.set_verbosity(logging.WARNING)  # the progress bar says enough
  try:
    if _SWEEP.value:
      reports = sweep.run(
          config_util.spec_of(sys.argv), _WORKDIR.value,
          overrides=config_flags.get_override_values(flags.FLAGS['config']),
          executor=_EXECUTOR.value, workers=_WORKERS.value,
          ray_address=_RAY_ADDRESS.value, overwrite=_OVERWRITE.value)
      print(sweep.describe(reports, _WORKDIR.value))
      failed = any(r['status'] in ('failed', 'diverged') for r in reports)
      sys.exit(1 if failed else 0)
    results = train.train_and_evaluate(_CONFIG.value, _WORKDIR.value,
                                       overwrite=_OVERWRITE.value)
  except (ValueError, FileNotFoundError) as error:
    fail(str(error))
  metric = results['metric']
  print(f"{results['status']}: {metric} = {results['final'].get(metric)} "
        f"(baseline {results['baseline'].get(metric)}) after "
        f"{results['steps']} steps; results in {_WORKDIR.value}/results.json")
  if results['status'] != 'done':
    fail(results['error'], code=1)


if __name__ == '__main__':
  try:
    config_util.check_flags(sys.argv[1:])
  except (ValueError, FileNotFoundError) as error:
    fail(str(error))
  app.run(main)
