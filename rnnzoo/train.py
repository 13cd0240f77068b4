"""The train loop: `train_and_evaluate(config, workdir)`.

One jitted train step (state donated) per batch, data parallel over every
device; measurements every step, averaged over each logging window and
written to metrics.jsonl and TensorBoard; periodic evaluation; orbax
checkpoints holding the train state, the data stream's position and the
RNG key, from which a killed run resumes exactly; a guard that stops a run
whose loss or gradients stop being finite, keeping the last good
checkpoint. A run dir ends up with:

  config.json       the config, as run
  metrics.jsonl     one JSON object per logging or evaluation step
  tensorboard/      the same scalars as TensorBoard events
  checkpoints/      orbax checkpoints
  artifacts.json    what the task stores with a run (vocabulary, permutation)
  results.json      status (running, done, diverged, failed), final metrics,
                    the task's baselines, steps, wall time, steps/s, params
"""

import json
import os
import shutil
import sys
import time
from typing import Any

from absl import logging
import flax.struct
import jax
import jax.numpy as jnp
import ml_collections
import numpy as np
import optax
import orbax.checkpoint as ocp
import tensorboardX

from rnnzoo import cells
from rnnzoo import diagnostics
from rnnzoo import model as model_lib
from rnnzoo import optim as optim_lib
from rnnzoo import options
from rnnzoo import tasks

SECTIONS = ('seed', 'num_steps', 'batch_size', 'task', 'cell', 'model',
            'optim', 'log')
# Fields that may change when a run is continued in the same workdir.
RESUMABLE_CHANGES = ('num_steps', 'log', 'resources')


def default_log_config() -> ml_collections.ConfigDict:
  """The `config.log` section."""
  return ml_collections.ConfigDict(dict(
      every=100,               # average and write train measurements
      eval_every=1000,         # evaluate on the task's eval set
      checkpoint_every=1000,   # save a checkpoint
      keep_checkpoints=2,
      diagnostics_at=(),       # steps (0: at init) at which to save the
                               # gradient through time and gate statistics
  ))


class TrainState(flax.struct.PyTreeNode):
  step: jax.Array          # updates done
  params: Any              # the model's variables
  opt_state: Any
  rng: jax.Array           # base key of the dropout masks
  bad_step: jax.Array      # first step whose loss or gradients were not
                           # finite (its update was skipped), or -1


# ----------------------------------------------------------------------------
# Config checks.


def check_config(config: ml_collections.ConfigDict) -> None:
  """Raises a ValueError naming the first impossible field of the config."""
  for section in SECTIONS:
    if section not in config:
      raise ValueError(f'config has no field {section!r}: a config needs '
                       f'{list(SECTIONS)}')
  options.check_number('seed', config.seed, minimum=0, integer=True)
  options.check_number('num_steps', config.num_steps, minimum=1, integer=True)
  options.check_number('batch_size', config.batch_size, minimum=1,
                       integer=True)
  devices = jax.device_count()
  if config.batch_size % devices:
    raise ValueError(f'batch_size={config.batch_size} is not allowed: it must '
                     f'be divisible by the {devices} devices')
  for section, registry in (('task', tasks), ('cell', cells)):
    if 'name' not in config[section]:
      raise ValueError(f'config.{section} has no name: choose one of '
                       f'{registry.names()}')
    try:
      _registry_entry(config[section], registry)
    except ValueError as error:
      raise ValueError(f'config.{section}: {error}') from None
  model_lib.check_config(config)
  optim_lib.check_config(config.optim)
  for field in ('every', 'eval_every', 'checkpoint_every', 'keep_checkpoints'):
    options.check_number(f'log.{field}', config.log[field], minimum=1,
                         integer=True)
  for step in config.log.get('diagnostics_at', ()):
    options.check_number('log.diagnostics_at', step, minimum=0,
                         maximum=config.num_steps, integer=True)
  for field in ('cpus', 'gpus'):
    options.check_number(f'resources.{field}',
                         config.get('resources', {}).get(field, 0), minimum=0)


def _registry_entry(section: ml_collections.ConfigDict, registry):
  """The cell or task that a config section names, with its options."""
  entry = dict(section)
  return registry.get(entry.pop('name'), **entry)


# ----------------------------------------------------------------------------
# The run directory.


def _prepare_workdir(config, workdir: str, overwrite: bool) -> None:
  """Creates `workdir`; refuses one that holds a run of another config."""
  try:
    os.makedirs(workdir, exist_ok=True)
    probe = os.path.join(workdir, '.write_test')
    with open(probe, 'w') as f:
      f.write('')
    os.remove(probe)
  except OSError as error:
    raise ValueError(f'workdir={workdir!r} is not writable: '
                     f'{error.strerror}') from None
  config_path = os.path.join(workdir, 'config.json')
  if not os.path.exists(config_path):
    return
  with open(config_path) as f:
    previous = json.load(f)
  current = json.loads(config.to_json())
  differences = _differences(previous, current)
  if not differences:
    return
  if not overwrite:
    shown = '; '.join(differences[:5])
    raise ValueError(
        f'workdir={workdir!r} holds a run of a different config ({shown}): '
        'pass --overwrite to replace it, or choose another workdir')
  for name in ('checkpoints', 'tensorboard'):
    shutil.rmtree(os.path.join(workdir, name), ignore_errors=True)
  for name in ('metrics.jsonl', 'results.json', 'artifacts.json'):
    if os.path.exists(os.path.join(workdir, name)):
      os.remove(os.path.join(workdir, name))


def _differences(previous: dict, current: dict, prefix: str = '') -> list:
  keys = sorted(set(previous) | set(current))
  found = []
  for key in keys:
    name = prefix + key
    if not prefix and key in RESUMABLE_CHANGES:
      continue
    old, new = previous.get(key), current.get(key)
    if isinstance(old, dict) and isinstance(new, dict):
      found += _differences(old, new, name + '.')
    elif old != new:
      found.append(f'{name}: {old!r} there, {new!r} here')
  return found


def read_results(workdir: str) -> dict | None:
  """The run's results.json, or None before it has one."""
  path = os.path.join(workdir, 'results.json')
  if not os.path.exists(path):
    return None
  with open(path) as f:
    return json.load(f)


def is_done(results: dict | None, num_steps: int) -> bool:
  """Whether results are those of a run done with `num_steps` steps; one
  done with fewer resumes from its last checkpoint."""
  return bool(results) and results.get('status') == 'done' and (
      results['steps'] >= num_steps)


def _write_json(path: str, value) -> None:
  """Writes atomically: a crash never leaves half a file."""
  with open(path + '.tmp', 'w') as f:
    json.dump(value, f, indent=2)
  os.replace(path + '.tmp', path)


class MetricWriter:
  """metrics.jsonl and TensorBoard events, restarted at `start_step`."""

  def __init__(self, workdir: str, start_step: int):
    self.path = os.path.join(workdir, 'metrics.jsonl')
    kept = []
    if os.path.exists(self.path):
      with open(self.path) as f:
        kept = [line for line in f if json.loads(line)['step'] <= start_step]
    with open(self.path, 'w') as f:
      f.writelines(kept)
    self.board = tensorboardX.SummaryWriter(
        os.path.join(workdir, 'tensorboard'), purge_step=start_step + 1)

  def write(self, step: int, scalars: dict[str, float]) -> None:
    with open(self.path, 'a') as f:
      f.write(json.dumps({'step': step, **scalars}) + '\n')
    for name, value in scalars.items():
      self.board.add_scalar(name, value, step)

  def close(self):
    self.board.close()


class Progress:
  """A progress bar on stderr: steps, rate, ETA and the latest loss."""

  def __init__(self, total: int, start: int):
    self.total, self.start = total, start
    self.started = time.perf_counter()
    self.live = sys.stderr.isatty()
    if start:
      sys.stderr.write(f'resuming at step {start} of {total}\n')

  def update(self, step: int, loss: float) -> None:
    elapsed = time.perf_counter() - self.started
    rate = (step - self.start) / max(elapsed, 1e-9)
    eta = (self.total - step) / max(rate, 1e-9)
    filled = int(30 * step / self.total)
    line = (f'[{"#" * filled}{"." * (30 - filled)}] {step}/{self.total} '
            f'{rate:.1f} steps/s ETA {int(eta) // 60}:{int(eta) % 60:02d} '
            f'loss {loss:.4g}')
    sys.stderr.write(('\r' + line) if self.live else (line + '\n'))
    if self.live and step == self.total:
      sys.stderr.write('\n')
    sys.stderr.flush()


def is_time(step: int, every: int, total: int) -> bool:
  """Whether an action done every `every` steps is due; always at the end."""
  return step % every == 0 or step == total


# ----------------------------------------------------------------------------
# Steps.


def _prepare(task, item, batch_size: int, batch_sharding):
  """The item's batch, split over the devices if `batch_sharding` is set."""
  batch = task.prepare(item, batch_size)
  if batch_sharding is None:
    return batch
  return jax.lax.with_sharding_constraint(batch, batch_sharding)


def make_train_step(model, task, tx, batch_size: int, batch_sharding):
  """The jitted train step: (state, item) -> (state, measurements)."""

  def train_step(state: TrainState, item):
    batch = _prepare(task, item, batch_size, batch_sharding)
    dropout_key = jax.random.fold_in(state.rng, state.step)

    def loss_fn(params):
      outputs = model.apply(params, batch['x'], batch.get('mask'), train=True,
                            rngs={'dropout': dropout_key})
      return task.loss(outputs, batch), outputs

    (loss, outputs), grads = jax.value_and_grad(loss_fn, has_aux=True)(
        state.params)
    updates, opt_state = tx.update(grads, state.opt_state, state.params)
    params = optax.apply_updates(state.params, updates)
    grad_norm = optax.tree.norm(grads)
    finite = jnp.isfinite(loss) & jnp.isfinite(grad_norm)
    # From the first non-finite step on, the state stays as it was before
    # it, until the host sees bad_step and stops.
    advance = finite & (state.bad_step < 0)
    keep = lambda new, old: jax.tree_util.tree_map(
        lambda n, o: jnp.where(advance, n, o), new, old)
    measurements = {'loss': loss, 'grad_norm': grad_norm,
                    'param_norm': optax.tree.norm(state.params),
                    'update_norm': optax.tree.norm(updates),
                    **{name: tasks.base.mean(pair) for name, pair in
                       task.metrics(outputs, batch).items()}}
    new_state = state.replace(
        step=keep(state.step + 1, state.step), params=keep(params, state.params),
        opt_state=keep(opt_state, state.opt_state),
        bad_step=jnp.where((state.bad_step < 0) & ~finite, state.step + 1,
                           state.bad_step))
    return new_state, measurements

  return train_step


def make_eval_step(model, task, batch_size: int, batch_sharding=None):
  """(params, item) -> {metric: (sum, count)}."""

  def eval_step(params, item):
    batch = _prepare(task, item, batch_size, batch_sharding)
    outputs = model.apply(params, batch['x'], batch.get('mask'), train=False)
    return task.metrics(outputs, batch)

  return eval_step


def evaluate(eval_step, params, items, put) -> dict[str, float]:
  """Exact means of the task's metrics over the eval items."""
  totals = None
  for item in items:
    pairs = eval_step(params, put(item))
    totals = pairs if totals is None else jax.tree_util.tree_map(
        jnp.add, totals, pairs)
  return {name: float(total / max(float(count), 1e-9))
          for name, (total, count) in jax.device_get(totals).items()}


def restore(workdir: str, step: int | None = None):
  """A run's model: (config, task, model, variables) at its latest
  checkpoint, or at `step`."""
  with open(os.path.join(workdir, 'config.json')) as f:
    config = ml_collections.ConfigDict(json.load(f))
  task = _registry_entry(config.task, tasks)
  model = model_lib.build(config, task)
  manager = ocp.CheckpointManager(
      os.path.abspath(os.path.join(workdir, 'checkpoints')))
  step = manager.latest_step() if step is None else step
  if step is None:
    raise ValueError(f'workdir={workdir!r} holds no checkpoint')
  restored = manager.restore(step, args=ocp.args.Composite(
      state=ocp.args.StandardRestore()))
  manager.close()
  return config, task, model, restored.state['params']


# ----------------------------------------------------------------------------
# The loop.


def train_and_evaluate(config: ml_collections.ConfigDict, workdir: str, *,
                       overwrite: bool = False) -> dict:
  """Trains and evaluates the model of `config`, writing into `workdir`.

  Resumes from the latest checkpoint in `workdir` if there is one. Returns
  the results dict also written to results.json.
  """
  distributed = config.get('resources', {}).get('distributed', False)
  options.check_bool('resources.distributed', distributed)
  if distributed:  # before anything asks JAX for its devices
    jax.distributed.initialize()
  check_config(config)
  task = _registry_entry(config.task, tasks)
  model = model_lib.build(config, task)
  _prepare_workdir(config, workdir, overwrite)
  finished = read_results(workdir)
  if is_done(finished, config.num_steps):
    logging.info('%s already holds a finished run', workdir)
    return finished
  lead = jax.process_index() == 0
  if lead:
    with open(os.path.join(workdir, 'config.json'), 'w') as f:
      f.write(config.to_json(indent=2))
    _write_json(os.path.join(workdir, 'results.json'), {'status': 'running'})

  # Devices: a 1-D mesh; the batch is split over it, the params replicated.
  mesh = jax.sharding.Mesh(np.array(jax.devices()), ('data',))
  replicated = jax.sharding.NamedSharding(mesh, jax.sharding.PartitionSpec())
  batch_sharding = jax.sharding.NamedSharding(
      mesh, jax.sharding.PartitionSpec('data'))
  item_sharding = replicated if task.on_device else batch_sharding

  def put(item):
    return jax.tree_util.tree_map(
        lambda a: jax.make_array_from_callback(
            a.shape, item_sharding, lambda index: a[index]), item)

  try:
    return _run(config, workdir, task, model, put, replicated, batch_sharding,
                lead)
  except Exception as error:
    if lead:
      _write_json(os.path.join(workdir, 'results.json'),
                  {'status': 'failed', 'error': f'{type(error).__name__}: '
                                                f'{error}'})
    raise


def _run(config, workdir, task, model, put, replicated, batch_sharding, lead):
  """The body of `train_and_evaluate`, after the checks and the run dir."""
  num_steps, batch_size = config.num_steps, config.batch_size
  stream = task.train_stream(config.seed, batch_size)
  eval_items = task.eval_items(config.seed, batch_size)
  tx = optim_lib.make(config.optim, num_steps, constrain=model.constrain)
  learning_rate = optim_lib.schedule(config.optim, num_steps)

  # Model and optimizer state.
  init_key, dropout_key = jax.random.split(jax.random.PRNGKey(config.seed))
  example = jax.eval_shape(lambda i: task.prepare(i, batch_size),
                           eval_items[0])

  def init():
    variables = model.init(
        {'params': init_key}, jnp.zeros(example['x'].shape, example['x'].dtype),
        jnp.ones(example['mask'].shape, bool) if 'mask' in example else None)
    variables = model.constrain(variables)
    return TrainState(step=jnp.array(0), params=variables,
                      opt_state=tx.init(variables), rng=dropout_key,
                      bad_step=jnp.array(-1))

  state = jax.jit(init, out_shardings=replicated)()
  num_params = model.num_params(state.params)

  # Checkpoints: resume from the latest.
  manager = ocp.CheckpointManager(
      os.path.abspath(os.path.join(workdir, 'checkpoints')),
      options=ocp.CheckpointManagerOptions(
          max_to_keep=config.log.keep_checkpoints, create=True))
  previous_wall_time = 0.0
  if manager.latest_step() is not None:
    restored = manager.restore(manager.latest_step(), args=ocp.args.Composite(
        state=ocp.args.StandardRestore(jax.tree_util.tree_map(
            ocp.utils.to_shape_dtype_struct, state)),
        data=ocp.args.JsonRestore()))
    state = restored.state
    stream.set_state(restored.data['stream'])
    previous_wall_time = restored.data['wall_time_s']
  start_step = int(state.step)
  if lead:
    _write_json(os.path.join(workdir, 'artifacts.json'), task.artifacts())

  train_step = jax.jit(make_train_step(model, task, tx, batch_size,
                                       batch_sharding), donate_argnums=0)
  eval_step = jax.jit(make_eval_step(model, task, batch_size, batch_sharding))
  writer = MetricWriter(workdir, start_step) if lead else None
  progress = Progress(num_steps, start_step)
  started = time.perf_counter()
  final, status, message = {}, 'done', None
  window, window_steps = None, 0
  diagnostics_at = set(config.log.get('diagnostics_at', ()))
  diagnostic_batch = task.prepare(eval_items[0], batch_size)

  def diagnose(step):
    if lead and step in diagnostics_at:
      diagnostics.save(workdir, step, model, state.params, task,
                       diagnostic_batch)

  if start_step == 0:
    diagnose(0)

  def save(step):
    manager.save(step, args=ocp.args.Composite(
        state=ocp.args.StandardSave(state),
        data=ocp.args.JsonSave({
            'stream': stream.get_state(),
            'wall_time_s': previous_wall_time + time.perf_counter() - started,
        })))

  for step in range(start_step + 1, num_steps + 1):
    state, measurements = train_step(state, put(next(stream)))
    window = measurements if window is None else jax.tree_util.tree_map(
        jnp.add, window, measurements)
    window_steps += 1
    diagnose(step)
    log_now = is_time(step, config.log.every, num_steps)
    eval_now = is_time(step, config.log.eval_every, num_steps)
    save_now = is_time(step, config.log.checkpoint_every, num_steps)
    if not (log_now or eval_now or save_now):
      continue
    bad_step = int(state.bad_step)
    if bad_step >= 0:
      status = 'diverged'
      kept = manager.latest_step()
      message = (f'the loss or the gradients were not finite at step '
                 f'{bad_step}; the run stops there (its params are those '
                 f'after step {bad_step - 1}), and ' + (
                     f'its last checkpoint (step {kept}) is kept'
                     if kept is not None else 'it saved no checkpoint'))
      logging.error(message)
      break
    if log_now:
      means = {f'train/{k}': float(v) / window_steps
               for k, v in jax.device_get(window).items()}
      means['train/lr'] = float(learning_rate(step - 1))
      final.update(means)
      window, window_steps = None, 0
      if lead:
        writer.write(step, means)
      progress.update(step, means['train/loss'])
    if eval_now:
      scores = {f'eval/{k}': v for k, v in evaluate(
          eval_step, state.params, eval_items, put).items()}
      final.update(scores)
      if lead:
        writer.write(step, scores)
    if save_now:
      save(step)

  manager.close()  # waits for the last save and stops orbax's threads
  steps_done = int(state.step) - start_step
  loop_time = time.perf_counter() - started
  results = {
      'status': status,
      'final': final,
      'baseline': {f'eval/{k}': v for k, v in task.baseline().items()},
      'metric': f'eval/{task.metric}',
      'higher_is_better': task.higher_is_better,
      'steps': int(state.step),
      'wall_time_s': previous_wall_time + loop_time,
      'steps_per_s': steps_done / loop_time if steps_done else 0.0,
      'num_params': num_params,
  }
  if message:
    results['error'] = message
  if lead:
    writer.close()
    _write_json(os.path.join(workdir, 'results.json'), results)
  return results
