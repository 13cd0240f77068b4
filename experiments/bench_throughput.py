r"""Training throughput of every cell against its peers, in one run.

For each shape (B, T, D, H) it times one forward+backward pass (gradients of
sum(ys) with respect to the params and the inputs) of:

  - every rnnzoo cell through `recurrence.unroll` (jit-compiled),
  - torch.nn.LSTM and torch.nn.GRU (fused oneDNN kernels on the CPU),
  - a PyTorch per-step loop of each cell (experiments/torch_loops.py),
  - Flax's nn.RNN(OptimizedLSTMCell).

Repeats run round-robin (every contender once per round, after one untimed
call) so that drift of the machine hits all alike; the table gives median
tokens/s (B*T per second), half the range from the slowest to the fastest
repeat, and ratios, and under each shape the CPU pressure (Linux PSI)
before and after, flagged where other work shared the CPU. It also reports compile time per cell and the peak temporary memory
of the compiled gradient at T=4096 with and without remat.

  python -m experiments.bench_throughput
  python -m experiments.bench_throughput --repeats=3 --cells=lstm,gru \
      --out=experiments/results/bench_throughput.md
  python -m experiments.bench_throughput --cells=lstm,gru --scan_unrolls=2,4

`--scan_unrolls` adds a row per cell and factor: the same cell run with
that many steps per iteration of its compiled loops (`model.scan_unroll`).

A cell without a PyTorch loop in experiments/torch_loops.py is timed
without that column.
"""

import time

from absl import app
from absl import flags
import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import torch

from experiments import timing
from experiments import torch_loops
from rnnzoo import cells as cells_lib
from rnnzoo import recurrence
from rnnzoo import train
from rnnzoo.cells import cudnn

SHAPES = ((32, 256, 64, 256), (8, 128, 32, 128), (16, 1024, 32, 128))
MEMORY_SHAPE = (16, 4096, 32, 128)
CUDNN = 'rnnzoo lstm cudnn=True'  # timed on a CUDA GPU only
CELL_OPTIONS = {'cwrnn': {'periods': (1, 2, 4, 8, 16, 32, 64, 128)},
                'dilated': {'base': 'vanilla', 'dilation': 4}}

_CELLS = flags.DEFINE_list('cells', [], 'Cells to time (default: all).')
_SHAPES = flags.DEFINE_list('shapes', [], 'Shape indices 0-2 (default: all).')
_SCAN_UNROLLS = flags.DEFINE_list(
    'scan_unrolls', [], 'Also time each cell with these scan_unroll '
    'factors (default: only 1).')
_LOOP_SHAPES = flags.DEFINE_list(
    'loop_shapes', ['0', '1', '2'],
    'Shape indices at which to time the PyTorch per-step loops.')


def _cell(name):
  return cells_lib.get(name, **CELL_OPTIONS.get(name, {}))


def jax_contender(cell, params, xs, scan_unroll=1):
  """A timed call, its compile time (s) and the peak temporary memory (MiB)
  of the compiled gradient, compiled as the train step is."""
  grad = jax.jit(jax.grad(
      lambda p, x: jnp.sum(recurrence.unroll(cell, p, x,
                                             scan_unroll=scan_unroll)[0]),
      argnums=(0, 1)), compiler_options=train.compiler_options())
  start = time.perf_counter()
  compiled = grad.lower(params, xs).compile()
  compile_s = time.perf_counter() - start
  memory = compiled.memory_analysis().temp_size_in_bytes / 2**20
  return (lambda: jax.block_until_ready(compiled(params, xs)), compile_s,
          memory)


def flax_contender(xs, hidden):
  rnn = nn.RNN(nn.OptimizedLSTMCell(hidden), time_major=True)
  variables = rnn.init(jax.random.PRNGKey(0), xs)
  grad = jax.jit(jax.grad(lambda v, x: jnp.sum(rnn.apply(v, x)),
                          argnums=(0, 1)))
  compiled = grad.lower(variables, xs).compile()
  return lambda: jax.block_until_ready(compiled(variables, xs))


def torch_fused_contender(module_cls, xs, hidden):
  module = module_cls(xs.shape[-1], hidden)
  x = torch.tensor(np.asarray(xs), requires_grad=True)

  def run():
    module.zero_grad()
    x.grad = None
    ys, _ = module(x)
    ys.sum().backward()
  return run


def torch_loop_contender(cell, params, xs):
  loop, leaves = torch_loops.make_loop(cell, params)
  x = torch.tensor(np.asarray(xs), requires_grad=True)

  def run():
    for leaf in leaves + [x]:
      leaf.grad = None
    loop(x).sum().backward()
  return run


def _unrolled(name, factor):
  return f'rnnzoo {name} scan_unroll={factor}'


def bench_shape(shape, names, repeats, with_loops, unrolls=()):
  """Rows of (name, tokens/s, ratios) and compile times for one shape."""
  batch, steps, features, hidden = shape
  xs = jax.random.normal(jax.random.PRNGKey(0), (steps, batch, features))
  contenders, compile_s = {}, {}
  for name in names:
    cell = _cell(name)
    params = cell.init(jax.random.PRNGKey(1), features, hidden)
    contenders[f'rnnzoo {name}'], compile_s[name], _ = jax_contender(
        cell, params, xs)
    for factor in unrolls:
      contenders[_unrolled(name, factor)], _, _ = jax_contender(
          cell, params, xs, factor)
    if with_loops and torch_loops.has_loop(cell):
      contenders[f'torch loop {name}'] = torch_loop_contender(cell, params, xs)
    if name == 'lstm' and cudnn.available():
      contenders[CUDNN], _, _ = jax_contender(
          cells_lib.get('lstm', cudnn=True), params, xs)
  contenders['torch nn.LSTM'] = torch_fused_contender(torch.nn.LSTM, xs, hidden)
  contenders['torch nn.GRU'] = torch_fused_contender(torch.nn.GRU, xs, hidden)
  contenders['flax nn.RNN(OptimizedLSTMCell)'] = flax_contender(xs, hidden)
  before = timing.cpu_pressure()
  times = timing.round_robin_times(contenders, repeats)
  pressure = (before, timing.cpu_pressure())
  speed, spread = timing.throughput(times, batch * steps)
  return speed, spread, compile_s, pressure


def peak_memory(names):
  """Temporary bytes of the compiled gradient at MEMORY_SHAPE, remat off/on."""
  batch, steps, features, hidden = MEMORY_SHAPE
  xs = jax.ShapeDtypeStruct((steps, batch, features), jnp.float32)
  rows = {}
  for name in names:
    cell = _cell(name)
    params = jax.eval_shape(lambda c=cell: c.init(jax.random.PRNGKey(0),
                                                  features, hidden))
    rows[name] = []
    for remat in (False, True):
      grad = jax.jit(jax.grad(lambda p, x, c=cell, r=remat: jnp.sum(
          recurrence.unroll(c, p, x, remat=r)[0]), argnums=(0, 1)))
      analysis = grad.lower(params, xs).compile().memory_analysis()
      rows[name].append(analysis.temp_size_in_bytes / 2**20)
  return rows


def format_tables(results, spreads, pressures, compile_times, memory, names,
                  unrolls=()):
  lines = ['Forward+backward tokens/s (median over repeats, ± half the range '
           'from the slowest to the fastest); ratios of the medians against '
           "torch nn.LSTM, Flax nn.RNN(OptimizedLSTMCell) and a PyTorch "
           'per-step loop of the same cell.', '']
  shapes = list(results)
  header = '| contender | ' + ' | '.join(
      f'B={b} T={t} D={d} H={h}' for b, t, d, h in shapes) + ' |'
  lines += [header, '|' + ' --- |' * (len(shapes) + 1)]

  def cell_text(shape, name):
    row = results[shape]
    if name not in row:
      return '-'
    text = f'{row[name]:,.0f} ±{spreads[shape][name]:.0%}'
    if name.startswith('rnnzoo '):
      cell = name.split(' ', 1)[1]
      text += f' ({row[name] / row["torch nn.LSTM"]:.2f}x LSTM'
      text += f', {row[name] / row["flax nn.RNN(OptimizedLSTMCell)"]:.2f}x Flax'
      if f'torch loop {cell}' in row:
        text += f', {row[name] / row[f"torch loop {cell}"]:.1f}x loop'
      text += ')'
    return text

  ordered = [row for n in names for row in [f'rnnzoo {n}'] + [
      _unrolled(n, factor) for factor in unrolls]] + [CUDNN] + [
      'torch nn.LSTM', 'torch nn.GRU', 'flax nn.RNN(OptimizedLSTMCell)'] + [
          f'torch loop {n}' for n in names]
  for name in ordered:
    if any(name in results[s] for s in shapes):
      lines.append(f'| {name} | ' + ' | '.join(
          cell_text(s, name) for s in shapes) + ' |')
  for shape in shapes:
    note = timing.pressure_note(*pressures[shape])
    if note:
      lines += ['', f'B={shape[0]} T={shape[1]}: {note}']
  lines += ['', 'Compile time of the gradient (s), and peak temporary memory '
            f'(MiB) of the compiled gradient at B={MEMORY_SHAPE[0]} '
            f'T={MEMORY_SHAPE[1]} D={MEMORY_SHAPE[2]} H={MEMORY_SHAPE[3]}:',
            '', '| cell | ' + ' | '.join(
                f'compile s, shape {i}' for i in range(len(shapes))) +
            ' | memory MiB | with remat |',
            '|' + ' --- |' * (len(shapes) + 3)]
  for name in names:
    compiles = ' | '.join(f'{compile_times[s][name]:.2f}' for s in shapes)
    plain, remat = memory[name]
    lines.append(f'| {name} | {compiles} | {plain:,.0f} | {remat:,.0f} |')
  return '\n'.join(lines)


def format_targets(results, names) -> str:
  """The speed targets, each with the ratios measured and met or not: the
  LSTM >= 0.75x torch nn.LSTM and >= 1.5x Flax at every shape; every cell
  >= 2x its PyTorch loop at the small and the long shape."""
  shapes = list(results)
  flax = 'flax nn.RNN(OptimizedLSTMCell)'

  def ratios(name, peer, where):
    return [results[s][name] / results[s][peer] for s in where
            if name in results[s] and peer in results[s]]

  lines = ['Targets:', '']
  for peer, label, goal in (('torch nn.LSTM', 'torch nn.LSTM', 0.75),
                            (flax, 'Flax', 1.5)):
    measured = ratios('rnnzoo lstm', peer, shapes)
    if measured:
      lines.append(f'- LSTM >= {goal}x {label} at every shape: '
                   + ' / '.join(f'{r:.2f}x' for r in measured) + ' - '
                   + ('met' if min(measured) >= goal else 'not met'))
  small_and_long = [s for s in shapes if s in (SHAPES[1], SHAPES[2])]
  against_loop = {}
  for name in names:
    measured = ratios(f'rnnzoo {name}', f'torch loop {name}', small_and_long)
    if measured:
      against_loop[name] = min(measured)
  below = {name: r for name, r in against_loop.items() if r < 2}
  if against_loop:
    lines.append('- every cell >= 2x its PyTorch loop at the small and long '
                 'shapes: ' + ('met' if not below else 'not met by ' + ', '.join(
                     f'{n} ({r:.2f}x)' for n, r in below.items())))
  long = SHAPES[2]
  if long in results and 'torch loop vanilla' in results[long]:
    per_step = {name: 1e6 * long[0] / results[long][name]
                for name in ('rnnzoo vanilla', 'torch loop vanilla')}
    lines.append(f'- per time step at B={long[0]} H={long[3]} (forward and '
                 'backward): rnnzoo vanilla '
                 f'{per_step["rnnzoo vanilla"]:.0f} us, its PyTorch loop '
                 f'{per_step["torch loop vanilla"]:.0f} us')
  return '\n'.join(lines)


def main(argv):
  del argv
  names = _CELLS.value or cells_lib.names()
  indices = [int(i) for i in _SHAPES.value] or range(len(SHAPES))
  loop_indices = {int(i) for i in _LOOP_SHAPES.value}
  unrolls = [int(u) for u in _SCAN_UNROLLS.value]
  results, spreads, compile_times, pressures = {}, {}, {}, {}
  for index in indices:
    shape = SHAPES[index]
    print(f'timing B={shape[0]} T={shape[1]} D={shape[2]} H={shape[3]} ...',
          flush=True)
    (results[shape], spreads[shape], compile_times[shape],
     pressures[shape]) = bench_shape(
        shape, names, timing.REPEATS.value, index in loop_indices, unrolls)
  memory = peak_memory(names)
  text = (format_tables(results, spreads, pressures, compile_times, memory,
                        names, unrolls) +
          '\n\n' +
          format_targets(results, names))
  device = jax.devices()[0]
  text = (f'Device: {device.platform} ({device.device_kind}), '
          f'{torch.get_num_threads()} torch threads; jax {jax.__version__}, '
          f'torch {torch.__version__}.\n\n' + text)
  timing.report(text)


if __name__ == '__main__':
  app.run(main)
