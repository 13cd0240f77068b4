r"""Runs the experiment of a config file.

  python launch.py --config=configs/adding.py:cell=gru,seq_len=200 \
      --workdir=runs/adding_gru --config.optim.lr=3e-3

A run resumes from the latest checkpoint in --workdir. Bad input stops with
one line that names the field, the value and what is allowed.
"""

import sys

from absl import app
from absl import flags
from absl import logging
from ml_collections import config_flags

from rnnzoo import config_util
from rnnzoo import train

_CONFIG = config_flags.DEFINE_config_file(
    'config', None, 'Config file, with an optional :arg.', lock_config=True)
_WORKDIR = flags.DEFINE_string('workdir', None, 'The run directory.')
_OVERWRITE = flags.DEFINE_bool(
    'overwrite', False, 'Replace a run of another config in --workdir.')
flags.mark_flags_as_required(['config', 'workdir'])


def fail(message: str, code: int = 2):
  print(f'error: {message}', file=sys.stderr)
  sys.exit(code)


def check_config_flags(argv):
  """Loads --config=FILE[:arg] once before absl does, so that a missing
  file, a bad arg or a --config.FIELD that does not exist fails with one
  line instead of a traceback."""
  specs = [a.split('=', 1)[1] for a in argv if a.startswith('--config=')]
  if not specs:
    return
  try:
    config = config_util.load(specs[-1])
    for arg in argv:
      if arg.startswith('--config.'):
        field = arg[len('--config.'):].split('=', 1)[0]
        config_util.override(config, {field: config_util.get(config, field)})
  except (ValueError, FileNotFoundError) as error:
    fail(str(error))


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f'unexpected arguments: {argv[1:]}')
  if not flags.FLAGS['verbosity'].present:
    logging.set_verbosity(logging.WARNING)  # the progress bar says enough
  try:
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
  check_config_flags(sys.argv[1:])
  app.run(main)
