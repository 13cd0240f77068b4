r"""The command line: run the experiment of a config file, or its sweep.

  python launch.py --config=configs/adding.py:cell=gru,seq_len=200 \
      --workdir=runs/adding_gru --config.optim.lr=3e-3
  python launch.py --config=configs/adding.py --workdir=runs/adding --sweep \
      [--executor=local --workers=2 | --executor=ray --ray_address=auto]

`rnnzoo` (the installed console script) is the same command. Structural
choices go after the colon (the config's :arg); any field is set with
--config.FIELD=VALUE, the value read as the field's type (tuples as
'(1,2)', bools as true/false); --config.optim.name switches the optimizer
and --config.model.name the model (rnn, mlp, conv_glu).
A run resumes from the latest checkpoint in --workdir; a sweep skips the
points that are done. Bad input stops with one line naming the field, the
value and what is allowed.
"""

import ast
import sys

from absl import app
from absl import flags
from absl import logging

from rnnzoo import config_util
from rnnzoo import sweep
from rnnzoo import train

_CONFIG = flags.DEFINE_string(
    'config', None, 'Config file, with an optional :arg; fields are set '
    'with --config.FIELD=VALUE.')
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

FIELD_PREFIX = '--config.'


def fail(message: str, code: int = 2):
  print(f'error: {message}', file=sys.stderr)
  sys.exit(code)


def field_overrides(config, texts: list[str]) -> dict:
  """{'optim.lr': 0.003} from ['optim.lr=3e-3', ...], each value read as
  the type of the field it sets in `config` (after an optim.name or
  model.name switch)."""
  pairs = []
  for text in texts:
    dotted, sep, value = text.partition('=')
    if not sep:
      raise ValueError(f'{FIELD_PREFIX}{text} has no value: write '
                       f'{FIELD_PREFIX}{dotted}=VALUE')
    pairs.append((dotted, value))
  switches = {dotted: value for dotted, value in pairs
              if dotted in ('optim.name', 'model.name')}
  reference = config_util.override(config, switches)
  return {dotted: _typed(dotted, value, config_util.get(reference, dotted))
          for dotted, value in pairs}


def _typed(dotted: str, text: str, current):
  """`text` as a value of the type of `current`."""
  if isinstance(current, str):
    return text
  if isinstance(current, bool):
    if text.lower() in ('true', 'false'):
      return text.lower() == 'true'
    raise ValueError(f'config field {dotted}={text!r} is not allowed: it must '
                     'be true or false')
  if isinstance(current, float):
    try:
      return float(text)
    except ValueError:
      raise ValueError(f'config field {dotted}={text!r} is not allowed: it '
                       'must be a number') from None
  try:
    return ast.literal_eval(text)
  except (ValueError, SyntaxError):
    raise ValueError(f'config field {dotted}={text!r} is not allowed: it must '
                     f'be a {type(current).__name__} like {current!r}') from None


def split_argv(argv: list[str]) -> tuple[list[str], list[str]]:
  """(argv without the --config.FIELD=VALUE arguments, those FIELD=VALUE)."""
  fields = [a[len(FIELD_PREFIX):] for a in argv if a.startswith(FIELD_PREFIX)]
  return [a for a in argv if not a.startswith(FIELD_PREFIX)], fields


def main(argv, fields: list[str]):
  if len(argv) > 1:
    raise app.UsageError(f'unexpected arguments: {argv[1:]}')
  if not flags.FLAGS['verbosity'].present:
    logging.set_verbosity(logging.WARNING)  # the progress bar says enough
  try:
    loaded = config_util.load(_CONFIG.value)
    overrides = field_overrides(loaded, fields)
    if _SWEEP.value:
      reports = sweep.run(
          _CONFIG.value, _WORKDIR.value, overrides=overrides,
          executor=_EXECUTOR.value, workers=_WORKERS.value,
          ray_address=_RAY_ADDRESS.value, overwrite=_OVERWRITE.value)
      print(sweep.describe(reports, _WORKDIR.value))
      failed = any(r['status'] in ('failed', 'diverged') for r in reports)
      sys.exit(1 if failed else 0)
    results = train.train_and_evaluate(
        config_util.override(loaded, overrides), _WORKDIR.value,
        overwrite=_OVERWRITE.value)
  except (ValueError, FileNotFoundError) as error:
    fail(str(error))
  metric = results['metric']
  print(f"{results['status']}: {metric} = {results['final'].get(metric)} "
        f"(baseline {results['baseline'].get(metric)}) after "
        f"{results['steps']} steps; results in {_WORKDIR.value}/results.json")
  if results['status'] != 'done':
    fail(results['error'], code=1)


def run():
  """The console script's entry point (and launch.py's)."""
  argv, fields = split_argv(sys.argv)
  app.run(lambda args: main(args, fields), argv=argv)
