r"""Training throughput of whole models, side by side in one process.

Each contender is a config; its jitted train step (`rnnzoo.train`'s:
forward, backward and the optimizer update, on its task's batches) is
timed round-robin with the others (`timing.round_robin_times`),
so that drift of the machine hits all alike. The table gives tokens/s
(batch x window per second): the median over repeats with the slowest and
fastest, and each contender's ratio to the first. The CPU pressure of
Linux (the share of time some runnable task waited for a CPU, PSI) is read
before and after; a run under contention says so.

  python -m experiments.bench_models     # the arms of glu_vs_lstm
  python -m experiments.bench_models --repeats=9 \
      --out=experiments/glu_vs_lstm/speed.md
"""

import statistics

from absl import app
import jax
import jax.numpy as jnp

import experiments
from experiments import timing
from experiments.glu_vs_lstm import spec
from rnnzoo import assembly
from rnnzoo import models
from rnnzoo import optim as optim_lib
from rnnzoo import train

def train_step_contender(config):
  """A timed train step of `config`'s model, and the tokens per step."""
  built = assembly.assemble(config)
  task, model = built.task, built.model
  batch_size = config.batch_size
  tx = optim_lib.make(config.optim, config.num_steps,
                      constrain=model.constrain)
  stream = task.train_stream(config.seed, batch_size)
  item = next(stream)
  example = jax.eval_shape(lambda i: task.prepare(i, batch_size), item)
  variables = model.init({'params': jax.random.PRNGKey(config.seed)},
                         models.base.init_batch(model, example))
  state = train.TrainState(step=jnp.array(0), params=variables,
                           opt_state=tx.init(variables),
                           rng=jax.random.PRNGKey(1), bad_step=jnp.array(-1))
  step = jax.jit(train.make_train_step(model, task, tx, batch_size, None))
  tokens = batch_size * example['x'].shape[1]

  def run():
    jax.block_until_ready(step(state, item))
  return run, tokens


def main(argv):
  del argv
  contenders, tokens = {}, {}
  for arm in spec.EXPERIMENT.arms:
    config = arm.configs(experiments.ROOT)[0]
    contenders[arm.label], tokens[arm.label] = train_step_contender(config)
  before = timing.cpu_pressure()
  times = timing.round_robin_times(contenders, timing.REPEATS.value)
  after = timing.cpu_pressure()
  first = next(iter(times))
  speed = {name: tokens[name] / statistics.median(t)
           for name, t in times.items()}
  lines = ['Training tokens/s (median over repeats, slowest - fastest), one '
           'process, round-robin:', '',
           '| model | tokens/s | spread | ratio |', '| --- | --- | --- | --- |']
  for name, t in times.items():
    lines.append(f'| {name} | {speed[name]:,.0f} | '
                 f'{tokens[name] / max(t):,.0f} - {tokens[name] / min(t):,.0f}'
                 f' | {speed[name] / speed[first]:.2f}x |')
  note = timing.pressure_note(before, after)
  if note:
    lines += ['', note]
  device = jax.devices()[0]
  text = (f'Device: {device.platform} ({device.device_kind}); jax '
          f'{jax.__version__}; {timing.REPEATS.value} rounds.\n\n'
          + '\n'.join(lines))
  timing.report(text)


if __name__ == '__main__':
  app.run(main)
