"""The train loop: `train_and_evaluate(config, workdir)`.

One jitted train step (state donated) per batch, data parallel over every
device; measurements every step, averaged over each logging window and
written to metrics.jsonl and TensorBoard; periodic evaluation; orbax
checkpoints holding the train state, the data stream's position and the
RNG key, from which a killed run resumes exactly; a guard that stops a run
whose loss or gradients stop being finite, keeping the last good
checkpoint. A damaged checkpoint is set aside and the run resumes from the
one before it. The run directory's files are those of `rnnzoo.rundir`.

The loop knows no model: it calls `model.apply(variables, batch, train=...)`
on the task's batch, as the contract of `rnnzoo.models.base` says, and
scores the outputs with the task's `loss` and `metrics`.

A stateful task (`Task.stateful`: its batch rows are streams) trains with
truncated backpropagation through time: the train state holds the carries
that the model returned for the last batch (`TrainState.carries`, zeros
before the first, sharded by batch rows like the batch, checkpointed with
the rest so that a resumed run continues its streams), and each step starts
from them with their gradient stopped. A task that `carries_state`
evaluates one stream, window by window, passing the carry along.
"""

import dataclasses
import os
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

from rnnzoo import assembly
from rnnzoo import diagnostics
from rnnzoo import models
from rnnzoo import optim as optim_lib
from rnnzoo import rundir
from rnnzoo import tasks


def default_log_config() -> ml_collections.ConfigDict:
  """The `config.log` section."""
  return ml_collections.ConfigDict(dict(
      every=100,               # average and write train measurements
      eval_every=1000,         # evaluate on the task's eval set
      checkpoint_every=1000,   # save a checkpoint
      keep_checkpoints=2,
      diagnostics_at=(),       # steps (0: at init) at which to save the
                               # gradient through time and gate statistics
                               # (recurrent models only)
  ))


class TrainState(flax.struct.PyTreeNode):
  step: jax.Array          # updates done
  params: Any              # the model's variables
  opt_state: Any
  rng: jax.Array           # base key of the dropout masks
  bad_step: jax.Array      # first step whose loss or gradients were not
                           # finite (its update was skipped), or -1
  carries: Any = None      # a stateful task's: the model's final carries
                           # of the last batch, one row per stream


# ----------------------------------------------------------------------------
# Progress.


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

# XLA options of the train and eval steps' compilations on the CPU, per jit
# (a global XLA_FLAGS would reach a user's other code too). Each leaves
# every number bitwise the same and was measured to help: copy insertion
# with region analysis drops copies of the loop carries (the gradient of an
# LSTM, GRU or vanilla RNN 0-9% faster on a 2-core CPU).
CPU_COMPILER_OPTIONS = {'xla_cpu_copy_insertion_use_region_analysis': True}


def compiler_options() -> dict | None:
  """The step jits' compiler options on this backend (None off the CPU:
  the options are the CPU compiler's)."""
  return CPU_COMPILER_OPTIONS if jax.default_backend() == 'cpu' else None


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
      if not task.stateful:
        outputs = model.apply(params, batch, train=True,
                              rngs={'dropout': dropout_key})
        return task.loss(outputs, batch), (outputs, None)
      # The truncation: no gradient flows into the previous batch.
      outputs, carries = model.apply(
          params, batch, train=True, rngs={'dropout': dropout_key},
          carries=jax.lax.stop_gradient(state.carries))
      return task.loss(outputs, batch), (outputs, carries)

    (loss, (outputs, carries)), grads = jax.value_and_grad(
        loss_fn, has_aux=True)(state.params)
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
        carries=keep(carries, state.carries),
        bad_step=jnp.where((state.bad_step < 0) & ~finite, state.step + 1,
                           state.bad_step))
    return new_state, measurements

  return train_step


def make_eval_step(model, task, batch_size: int, batch_sharding=None):
  """(params, item, carries) -> ({metric: (sum, count)}, carries); the
  carries are None unless the task `carries_state`."""

  def eval_step(params, item, carries):
    batch = _prepare(task, item, batch_size, batch_sharding)
    if carries is None:
      return task.metrics(model.apply(params, batch, train=False), batch), None
    outputs, carries = model.apply(params, batch, train=False,
                                   carries=carries)
    return task.metrics(outputs, batch), carries

  return eval_step


def evaluate(eval_step, params, items, put, carries=None) -> dict[str, float]:
  """Exact means of the task's metrics over the eval items, in order: with
  `carries` (those the first item starts from), each item starts from the
  carries the one before returned; with None the items are independent.

  Each item's sums come to the host (and add up there in float64) before the
  next item is dispatched: with the eval steps and the additions of their
  sums in flight together, two simulated CPU devices hung at a collective of
  the eval step in about a third of the runs (one device never reached the
  rendezvous); one program at a time, none did in 20.
  """
  totals = None
  for item in items:
    pairs, carries = eval_step(params, put(item), carries)
    pairs = jax.tree_util.tree_map(np.float64, jax.device_get(pairs))
    totals = pairs if totals is None else jax.tree_util.tree_map(
        np.add, totals, pairs)
  return {name: float(total / max(count, 1e-9))
          for name, (total, count) in totals.items()}


def _row_shardings(model, params, batch_size: int, batch_sharding):
  """The shardings of a stateful task's carries: each leaf split over the
  devices along its batch rows, like the batch."""
  axes = models.base.batch_axes(
      lambda n: model.apply(params, n, method='zero_carries'), batch_size)
  return jax.tree_util.tree_map(
      lambda axis: jax.sharding.NamedSharding(
          batch_sharding.mesh,
          jax.sharding.PartitionSpec(*[None] * axis, 'data')), axes)


def restore(workdir: str, step: int | None = None):
  """A run's model: (config, task, model, variables) at its latest
  checkpoint, or at `step`. Model and optimizer fields added since the run
  was made take their defaults."""
  config = rundir.read_config(workdir)
  manager = ocp.CheckpointManager(_checkpoints(workdir))
  step = manager.latest_step() if step is None else step
  if step is None:
    manager.close()
    raise ValueError(f'workdir={workdir!r} holds no checkpoint')
  config.model = ml_collections.ConfigDict(
      {**models.of(config).default_config().to_dict(),
       **config.model.to_dict()})
  config.optim = ml_collections.ConfigDict(
      {**optim_lib.default_config(config.optim.name).to_dict(),
       **config.optim.to_dict()})
  built = assembly.assemble(config)
  restored = manager.restore(step, args=ocp.args.Composite(
      state=ocp.args.StandardRestore()))
  manager.close()
  return config, built.task, built.model, restored.state['params']


def _checkpoints(workdir: str) -> str:
  return os.path.abspath(rundir.path(workdir, rundir.CHECKPOINTS))


def _checkpointed(state: TrainState) -> dict:
  """The train state as orbax stores it: its fields, without `carries` for
  a task that keeps none, so that checkpoints made before that field
  existed restore as they are."""
  fields = {field.name: getattr(state, field.name)
            for field in dataclasses.fields(state)}
  return {name: value for name, value in fields.items() if value is not None}


def _restore_latest_good(manager, workdir: str, state, stream) -> float:
  """Restores the newest checkpoint that reads back into `state` and the
  stream: (state, the wall time it records), or (state, 0) with none. A damaged
  checkpoint (a truncated or overwritten file) is moved to
  WORKDIR/damaged_checkpoints/STEP, saying so, and the one before it is
  tried; when none is left, a ValueError says how to start over."""
  damaged = []
  for step in sorted(manager.all_steps(), reverse=True):
    try:
      restored = manager.restore(step, args=ocp.args.Composite(
          state=ocp.args.StandardRestore(jax.tree_util.tree_map(
              ocp.utils.to_shape_dtype_struct, _checkpointed(state))),
          data=ocp.args.JsonRestore()))
      stream.set_state(restored.data['stream'])
    except Exception as error:  # pylint: disable=broad-except
      damaged.append(f'checkpoint {step} is damaged ({type(error).__name__}: '
                     f'{str(error)[:200]})')
      aside = rundir.path(workdir, os.path.join('damaged_checkpoints',
                                                str(step)))
      os.makedirs(os.path.dirname(aside), exist_ok=True)
      os.replace(os.path.join(_checkpoints(workdir), str(step)), aside)
      manager.reload()
      continue
    if damaged:
      sys.stderr.write(f'{"; ".join(damaged)}: set aside in '
                       f'{os.path.dirname(aside)}; resuming from checkpoint '
                       f'{step}\n')
    return TrainState(**restored.state), restored.data['wall_time_s']
  if damaged:
    raise ValueError(
        f'workdir={workdir!r}: {"; ".join(damaged)}, and no earlier '
        'checkpoint is kept (set aside in '
        f'{rundir.path(workdir, "damaged_checkpoints")}): to start over, run '
        'the same command again (it starts at step 0), or give another '
        '--workdir')
  return state, 0.0


# ----------------------------------------------------------------------------
# The loop.


def train_and_evaluate(config: ml_collections.ConfigDict, workdir: str, *,
                       overwrite: bool = False) -> dict:
  """Trains and evaluates the model of `config`, writing into `workdir`.

  Resumes from the latest checkpoint in `workdir` if there is one. Returns
  the results dict also written to results.json.
  """
  distributed = config.get('resources', {}).get('distributed', False)
  if distributed is True:  # before anything asks JAX for its devices
    jax.distributed.initialize()
  built = assembly.assemble(config)
  task, model = built.task, built.model
  rundir.prepare(workdir, config, overwrite)
  finished = rundir.read_results(workdir)
  if rundir.is_done(finished, config.num_steps):
    logging.info('%s already holds a finished run', workdir)
    return finished
  lead = jax.process_index() == 0
  if lead:
    rundir.write_config(workdir, config)
    rundir.write_results(workdir, {'status': 'running'})

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
      rundir.write_results(workdir, {
          'status': 'failed', 'error': f'{type(error).__name__}: {error}'})
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
    variables = model.init({'params': init_key},
                           models.base.init_batch(model, example))
    variables = model.constrain(variables)
    return TrainState(step=jnp.array(0), params=variables,
                      opt_state=tx.init(variables), rng=dropout_key,
                      bad_step=jnp.array(-1))

  state = jax.jit(init, out_shardings=replicated)()
  if task.stateful:
    state = state.replace(carries=jax.jit(
        lambda p: model.apply(p, batch_size, method='zero_carries'),
        out_shardings=_row_shardings(model, state.params, batch_size,
                                     batch_sharding))(state.params))
  num_params = model.num_params(state.params)

  # Checkpoints: resume from the latest.
  manager = ocp.CheckpointManager(
      _checkpoints(workdir), options=ocp.CheckpointManagerOptions(
          max_to_keep=config.log.keep_checkpoints, create=True))
  state, previous_wall_time = _restore_latest_good(manager, workdir, state,
                                                   stream)
  start_step = int(state.step)
  if lead:
    rundir.write_artifacts(workdir, task.artifacts())

  train_step = jax.jit(make_train_step(model, task, tx, batch_size,
                                       batch_sharding), donate_argnums=0,
                       compiler_options=compiler_options())
  if task.carries_state:  # one stream of one row, on every device
    eval_step = jax.jit(make_eval_step(model, task, batch_size),
                        compiler_options=compiler_options())
    eval_put = lambda item: jax.device_put(item, replicated)
    eval_carries = model.apply(state.params, 1, method='zero_carries')
  else:
    eval_step = jax.jit(make_eval_step(model, task, batch_size,
                                       batch_sharding),
                        compiler_options=compiler_options())
    eval_put, eval_carries = put, None
  writer = rundir.MetricWriter(workdir, start_step) if lead else None
  progress = Progress(num_steps, start_step)
  started = time.perf_counter()
  final, status, message = {}, 'done', None
  # The window's measurements stay on the device until a log step, then
  # come to the host and are summed there in float64: adding them on the
  # device would dispatch a computation per step between the train steps,
  # which with several devices can stall a collective's rendezvous.
  window = []
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
        state=ocp.args.StandardSave(_checkpointed(state)),
        data=ocp.args.JsonSave({
            'stream': stream.get_state(),
            'wall_time_s': previous_wall_time + time.perf_counter() - started,
        })))

  for step in range(start_step + 1, num_steps + 1):
    state, measurements = train_step(state, put(next(stream)))
    window.append(measurements)
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
      host = jax.device_get(window)
      means = {f'train/{k}': float(np.mean([np.float64(m[k]) for m in host]))
               for k in host[0]}
      means['train/lr'] = float(learning_rate(step - 1))
      final.update(means)
      window = []
      if lead:
        writer.write(step, means)
      progress.update(step, means['train/loss'])
    if eval_now:
      scores = {f'eval/{k}': v for k, v in evaluate(
          eval_step, state.params, eval_items, eval_put,
          eval_carries).items()}
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
    rundir.write_results(workdir, results)
  return results
