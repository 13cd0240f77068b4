"""The pieces every config file is built from.

A config has these sections, in this order: seed, num_steps, batch_size ->
task -> cell -> model -> optim -> log. The task and cell sections hold the
registry name and every option of that entry (defaults filled in), so
config.json shows everything a run reads.
"""

import ml_collections

from rnnzoo import cells
from rnnzoo import config_util
from rnnzoo import model as model_lib
from rnnzoo import optim as optim_lib
from rnnzoo import tasks
from rnnzoo import train

parse_arg = config_util.parse_arg


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


def model(**overrides) -> ml_collections.ConfigDict:
  return _section(model_lib.default_config(), 'config.model', overrides)


def optim(name: str = 'adam', **options) -> ml_collections.ConfigDict:
  return optim_lib.default_config(name, **options)


def log(**overrides) -> ml_collections.ConfigDict:
  return _section(train.default_log_config(), 'config.log', overrides)


def config(*, seed=0, num_steps, batch_size, task, cell, model, optim, log,
           cpus=1, gpus=0) -> ml_collections.ConfigDict:  # pylint: disable=redefined-outer-name
  """Assembles the sections in their fixed order. `resources` says where a
  run executes: what a sweep gives it on a Ray cluster, and `distributed`
  (one process per host, joined by jax.distributed.initialize)."""
  assembled = ml_collections.ConfigDict(dict(
      seed=seed, num_steps=num_steps, batch_size=batch_size, task=task,
      cell=cell, model=model, optim=optim, log=log,
      resources=dict(cpus=cpus, gpus=gpus, distributed=False)))
  if not assembled.cell.get('seq_len', 1):
    _fit_cell_to_task(assembled)
  return assembled


def _fit_cell_to_task(config_: ml_collections.ConfigDict) -> None:
  """A cell whose init reads the sequence length (IndRNN: |u| <= 2^(1/T))
  gets the task's."""
  if 'seq_len' in config_.cell:
    task_options = dict(config_.task)
    config_.cell.seq_len = tasks.get(task_options.pop('name'),
                                     **task_options).seq_len


def shrink(config_: ml_collections.ConfigDict,
           **task_options) -> ml_collections.ConfigDict:
  """`runlocal`: the same config at a size that runs in seconds on a CPU."""
  config_.num_steps = 20
  config_.batch_size = 8
  config_.model.hidden_size = 16
  if config_.model.encoder_size:
    config_.model.encoder_size = 16
  config_.log = log(every=5, eval_every=10, checkpoint_every=10)
  for key, value in task_options.items():
    config_.task[key] = value
  if 'eval_batches' in config_.task:
    config_.task.eval_batches = 2
  _fit_cell_to_task(config_)
  return config_
