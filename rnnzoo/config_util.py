"""Configs: building them in config files, loading them, overriding fields.

A config file defines `get_config(arg)` (and optionally `get_sweep(arg)`)
and builds its ConfigDict from the pieces here:

  from rnnzoo import config_util

  def get_config(arg=None):
    arg = config_util.parse_arg(arg, cell='lstm', runlocal=False)
    return config_util.config(
        num_steps=3000, batch_size=64, task=config_util.task('adding'),
        cell=config_util.cell(arg.cell), model=config_util.model(),
        optim=config_util.optim('adam', lr=1e-3), log=config_util.log())

A config has these sections, in this order: seed, num_steps, batch_size ->
task -> cell -> model -> optim -> log -> resources; the cell section only
for a model that reads one (model.name='rnn'). The task, cell and model
sections hold the registry name and every option of that entry (defaults
filled in), so config.json shows everything a run reads.

Elsewhere (the command line, sweeps, notebooks):

  config = config_util.load('configs/copy.py:cell=gru,runlocal')
  config = config_util.override(config, {'optim.lr': 3e-3})

`load` follows `ml_collections.config_flags`' `path:arg` rule (whose loader is
private) so that a notebook gets exactly the config the command line gets.
Setting 'optim.name' switches the optimizer: the new one's own options take
their defaults, the shared fields (lr, schedule, clipping, ...) are kept.
Setting 'model.name' switches the model the same way (`switch_model`); the
cell section goes with a model that reads none.
`rnnzoo.assembly` checks a config and builds what it names.
"""

import importlib.util
import os
import traceback
from typing import Any

import ml_collections

from rnnzoo import cells
from rnnzoo import models
from rnnzoo import optim as optim_lib
from rnnzoo import tasks
from rnnzoo import train


def parse_arg(arg: str | None, **defaults) -> ml_collections.ConfigDict:
  """Parses 'key=value,flag' into the fields of `defaults`, typed like them.

  A bare key sets a bool to True. Values take the type of their default
  (ints, floats, strings; bools as true/false). Unknown keys raise a
  ValueError naming the valid ones.
  """
  parsed = dict(defaults)
  for part in filter(None, (arg or '').split(',')):
    key, sep, text = part.partition('=')
    key = key.strip()
    if key not in defaults:
      raise ValueError(f'config arg {key!r} is unknown: the arg takes '
                       f'{sorted(defaults)}')
    parsed[key] = _typed(key, text.strip() if sep else 'true', defaults[key])
  return ml_collections.ConfigDict(parsed)


def _typed(key: str, text: str, default: Any):
  if isinstance(default, bool):
    if text.lower() in ('true', '1', 'yes'):
      return True
    if text.lower() in ('false', '0', 'no'):
      return False
    raise ValueError(f'config arg {key}={text!r} is not allowed: it must be '
                     'true or false')
  if isinstance(default, str):
    return text
  try:
    return type(default)(text)
  except ValueError:
    raise ValueError(f'config arg {key}={text!r} is not allowed: it must be '
                     f'a {type(default).__name__} like its default '
                     f'{default!r}') from None


def module(path: str):
  """The config file at `path`, imported as a module."""
  if not os.path.isfile(path):
    raise FileNotFoundError(f'config file {path!r} does not exist')
  module_spec = importlib.util.spec_from_file_location(
      os.path.splitext(os.path.basename(path))[0], path)
  config_module = importlib.util.module_from_spec(module_spec)
  try:
    module_spec.loader.exec_module(config_module)
  except SyntaxError as error:
    raise ValueError(f'config file {path!r}, line {error.lineno}: '
                     f'{error.msg}') from None
  except Exception as error:  # pylint: disable=broad-except
    raise ValueError(f'config file {path!r}, line {_line_in(path, error)}: '
                     f'{type(error).__name__}: {error}') from None
  return config_module


def _line_in(path: str, error: Exception) -> int | str:
  """The line of `path` where `error` was raised ('?' if not in it)."""
  frames = [frame for frame in traceback.extract_tb(error.__traceback__)
            if os.path.abspath(frame.filename) == os.path.abspath(path)]
  return frames[-1].lineno if frames else '?'


def load(spec: str) -> ml_collections.ConfigDict:
  """The ConfigDict of 'path/to/config.py[:arg]' (the --config= syntax)."""
  path, _, arg = spec.partition(':')
  config_module = module(path)
  if not hasattr(config_module, 'get_config'):
    raise ValueError(f'config file {path!r} defines no get_config(arg)')
  return config_module.get_config(arg or None)


def get(config: ml_collections.ConfigDict, dotted: str):
  """The value of a dotted field; a ValueError naming it if it is missing."""
  keys = dotted.split('.')
  node = config
  for depth, key in enumerate(keys):
    if not isinstance(node, ml_collections.ConfigDict) or key not in node:
      where = '.'.join(keys[:depth]) or 'the config'
      fields = sorted(node) if isinstance(node,
                                          ml_collections.ConfigDict) else []
      raise ValueError(f'config field {dotted!r} does not exist: {where} '
                       f'has fields {fields}')
    node = node[key]
  return node


def override(config: ml_collections.ConfigDict,
             overrides: dict[str, Any]) -> ml_collections.ConfigDict:
  """A copy of `config` with dotted fields set; unknown fields raise.

  'optim.name' and 'model.name' are applied first: they switch the
  optimizer and the model (see the module docstring), and the other fields
  of their sections given here apply on top.
  """
  config = ml_collections.ConfigDict(config.to_dict())
  overrides = dict(overrides)
  if 'optim.name' in overrides:
    config.optim = switch_optimizer(config.optim, overrides.pop('optim.name'))
  if 'model.name' in overrides:
    config = switch_model(config, overrides.pop('model.name'))
  for dotted, value in overrides.items():
    get(config, dotted)
    *parents, leaf = dotted.split('.')
    node = get(config, '.'.join(parents)) if parents else config
    try:
      node[leaf] = value
    except TypeError as error:
      raise ValueError(f'config field {dotted}={value!r} is not allowed: '
                       f'{error}') from None
  return config


def switch_optimizer(section: ml_collections.ConfigDict,
                     name: str) -> ml_collections.ConfigDict:
  """config.optim for optimizer `name`: its defaults, with the fields of
  `section` that `name` also has."""
  switched = optim_lib.default_config(name)
  for key, value in section.items():
    if key in switched and key != 'name':
      switched[key] = value
  return switched


def switch_model(config: ml_collections.ConfigDict,
                 name: str) -> ml_collections.ConfigDict:
  """`config` for model `name`: config.model its defaults, with the fields of
  the old section that `name` also has; without config.cell if `name` reads
  no cell (a model that reads one needs it given)."""
  switched = models.get(name).default_config()
  for key, value in config.model.items():
    if key in switched and key != 'name':
      switched[key] = value
  sections = config.to_dict()
  sections['model'] = switched.to_dict()
  if not models.get(name).USES_CELLS:
    sections.pop('cell', None)
  return ml_collections.ConfigDict(sections)


# ----------------------------------------------------------------------------
# Building a config file's ConfigDict.


def every_cell_sweep(seeds: int = 3) -> list[dict]:
  """Sweep points: every cell of the registry, `seeds` seeds each.

  The Dilated RNN is a stack of plain layers with `model.dilations` (one
  per layer), so it is a model choice rather than a point here.
  """
  return [{'config_arg': f'cell={name}', 'seed': seed}
          for name in cells.names() if name != 'dilated'
          for seed in range(seeds)]


def task(name: str, **options) -> ml_collections.ConfigDict:
  return ml_collections.ConfigDict({'name': name,
                                    **tasks.defaults(name, **options)})


def cell(name: str, **options) -> ml_collections.ConfigDict:
  return ml_collections.ConfigDict({'name': name,
                                    **cells.defaults(name, **options)})


def _section(defaults: ml_collections.ConfigDict, where: str, overrides):
  for key, value in overrides.items():
    if key not in defaults:
      raise ValueError(f'{where} has no field {key!r}: its fields are '
                       f'{sorted(defaults)}')
    defaults[key] = value
  return defaults


def model(name: str = models.DEFAULT,
          **overrides) -> ml_collections.ConfigDict:
  return _section(models.get(name).default_config(), 'config.model',
                  overrides)


def optim(name: str = 'adam', **options) -> ml_collections.ConfigDict:
  return optim_lib.default_config(name, **options)


def log(**overrides) -> ml_collections.ConfigDict:
  return _section(train.default_log_config(), 'config.log', overrides)


def config(*, seed=0, num_steps, batch_size, task, cell=None, model, optim,
           log, cpus=1, gpus=0) -> ml_collections.ConfigDict:  # pylint: disable=redefined-outer-name
  """Assembles the sections in their fixed order (cell=None: no cell
  section, for a model that reads none). `resources` says where a run
  executes: what a sweep gives it on a Ray cluster, and `distributed` (one
  process per host, joined by jax.distributed.initialize)."""
  sections = dict(seed=seed, num_steps=num_steps, batch_size=batch_size,
                  task=task, cell=cell, model=model, optim=optim, log=log,
                  resources=dict(cpus=cpus, gpus=gpus, distributed=False))
  if cell is None:
    del sections['cell']
  assembled = ml_collections.ConfigDict(sections)
  if not assembled.get('cell', {}).get('seq_len', 1):
    _fit_cell_to_task(assembled)
  return assembled


def _fit_cell_to_task(config_: ml_collections.ConfigDict) -> None:
  """A cell whose init reads the sequence length (IndRNN: |u| <= 2^(1/T))
  gets the task's. A task whose sequences have no one length (tagging,
  transduction) leaves it 0, the cell's setting without a length (the
  IndRNN's bound 1), for --config.cell.seq_len to set."""
  if 'seq_len' in config_.get('cell', {}):
    task_options = dict(config_.task)
    task = tasks.get(task_options.pop('name'), **task_options)
    config_.cell.seq_len = getattr(task, 'seq_len', 0)


def shrink(config_: ml_collections.ConfigDict,
           **task_options) -> ml_collections.ConfigDict:
  """`runlocal`: the same config at a size that runs in seconds on a CPU."""
  config_.num_steps = 20
  config_.batch_size = 8
  for width in ('hidden_size', 'hidden_units', 'channels'):
    if width in config_.model:
      config_.model[width] = 16
  for width in ('encoder_size', 'embed_size'):
    if config_.model.get(width):
      config_.model[width] = 16
  if 'hidden_sizes' in config_.model:
    config_.model.hidden_sizes = (16,) * len(config_.model.hidden_sizes)
  config_.log = log(every=5, eval_every=10, checkpoint_every=10)
  for key, value in task_options.items():
    config_.task[key] = value
  if 'eval_batches' in config_.task:
    config_.task.eval_batches = 2
  _fit_cell_to_task(config_)
  return config_
