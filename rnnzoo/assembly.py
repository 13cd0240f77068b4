"""A config, checked once and built once: `assemble(config)`.

  built = assembly.assemble(config)
  built.task, built.model     # the task and the network that config names

Every field of the config is checked here, before anything is compiled or
written, and the task and the model (with its cells, for a model that reads
`config.cell`) are built here once; the train loop, `restore`, the
diagnostics and notebooks take them from the `Assembly`. Each section's own
checks live beside what it configures (the model module's `check_config`
and `check_task`, `optim.check_config`, the cells' and tasks' `validate`);
this module runs them all, naming the section in every error. The model is
the one `config.model.name` names (`rnnzoo.models`).
"""

import dataclasses

import jax
import ml_collections

from rnnzoo import cells
from rnnzoo import models
from rnnzoo import optim as optim_lib
from rnnzoo import options
from rnnzoo import tasks

SECTIONS = ('seed', 'num_steps', 'batch_size', 'task', 'model', 'optim',
            'log')  # and 'cell' for the models that read one
LOG_COUNTS = ('every', 'eval_every', 'checkpoint_every', 'keep_checkpoints')


@dataclasses.dataclass(frozen=True)
class Assembly:
  config: ml_collections.ConfigDict
  task: tasks.Task
  model: models.Model


def assemble(config: ml_collections.ConfigDict) -> Assembly:
  """The task and model of `config`; a ValueError naming the first
  impossible field."""
  for section in SECTIONS:
    if section not in config:
      raise ValueError(f'config has no field {section!r}: a config needs '
                       f'{list(SECTIONS)}')
  # The synthetic tasks seed their batches with uint32 words.
  options.check_number('seed', config.seed, minimum=0, maximum=2**32 - 1,
                       integer=True)
  options.check_number('num_steps', config.num_steps, minimum=1, integer=True)
  options.check_number('batch_size', config.batch_size, minimum=1,
                       integer=True)
  devices = jax.device_count()
  if config.batch_size % devices:
    raise ValueError(f'batch_size={config.batch_size} is not allowed: it must '
                     f'be divisible by the {devices} devices')
  task = _build('task', config.task, tasks,
                lambda: tasks.get(**dict(config.task)))
  model_module = models.of(config)
  model_module.check_config(config)
  if model_module.USES_CELLS:
    _build('cell', config.cell, cells,
           lambda: model_module.layer_cells(config))
  model_module.check_task(config, task)
  task.check_batch_size(config.batch_size)
  optim_lib.check_config(config.optim)
  for field in LOG_COUNTS:
    options.check_number(f'log.{field}', config.log[field], minimum=1,
                         integer=True)
  for step in config.log.get('diagnostics_at', ()):
    options.check_number('log.diagnostics_at', step, minimum=0,
                         maximum=config.num_steps, integer=True)
  model = model_module.build(config, task)
  diagnostics_at = tuple(config.log.get('diagnostics_at', ()))
  if diagnostics_at and not model.recurrent_diagnostics:
    raise ValueError(
        f'log.diagnostics_at={diagnostics_at} is not allowed for model.name='
        f'{models.name_of(config)!r}: the gradient through time and the gate '
        "statistics are measured on recurrent layers (model.name='rnn'); "
        'leave it empty')
  if task.carries_state and not model.carries_state:
    fields = ', '.join(f'task.{field}=True' for field in
                       ('stateful', 'eval_stream') if getattr(task, field))
    raise ValueError(
        f'{fields} is not allowed for model.name={models.name_of(config)!r}: '
        'it has no recurrent carry to pass from one window to the next; use '
        "model.name='rnn', or independent windows")
  resources = config.get('resources', {})
  for field in ('cpus', 'gpus'):
    options.check_number(f'resources.{field}', resources.get(field, 0),
                         minimum=0)
  options.check_bool('resources.distributed',
                     resources.get('distributed', False))
  return Assembly(config, task, model)


def check(config: ml_collections.ConfigDict) -> None:
  """Raises a ValueError naming the first impossible field of `config`."""
  assemble(config)


def _build(kind: str, section, registry, build):
  """build(), its errors prefixed with the config section they are about."""
  if 'name' not in section:
    raise ValueError(f'config.{kind} has no name: choose one of '
                     f'{registry.names()}')
  try:
    return build()
  except ValueError as error:
    raise ValueError(f'config.{kind}: {error}') from None
