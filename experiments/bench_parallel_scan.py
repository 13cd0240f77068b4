r"""Training throughput of cells linear in their state, on the associative scan
and step by step, against rnnzoo's LSTM and GRU and torch.nn.LSTM, as T grows.

At B=16, D=32, H=128 and T = 128, 512, 2048, 8192 it times one
forward+backward pass (gradients of sum(ys) with respect to the params and
the inputs) of each contender, with the conventions of bench_throughput.py:
every contender in one process, repeats round-robin after an untimed call,
medians. It prints tokens/s (B*T per second) with ratios, the compile time
and the peak temporary memory of each compiled rnnzoo gradient, the
crossover between minGRU's parallel and sequential paths, and the targets.
Its flags --repeats and --out are those of experiments/timing.py.

  python -m experiments.bench_parallel_scan --repeats=3 \
      --out=experiments/results/bench_parallel_scan.md
"""


from absl import app
import jax
import torch

from experiments import bench_throughput
from experiments import timing
from rnnzoo import cells

BATCH, FEATURES, HIDDEN = 16, 32, 128
LENGTHS = (128, 512, 2048, 8192)
# (row label, cell name, options); the first two are the comparison.
CONTENDERS = (
    ('mingru, parallel', 'mingru', {}),
    ('mingru, sequential', 'mingru', {'parallel': False}),
    ('mingru, log space', 'mingru', {'log_space': True}),
    ('qrnn (fo)', 'qrnn', {}),
    ('sru', 'sru', {}),
    ('lstm', 'lstm', {}),
    ('gru', 'gru', {}),
)
TORCH_LSTM = 'torch nn.LSTM'


def bench_length(steps, repeats):
  """({label: tokens/s}, {label: spread}, {label: (compile s, MiB)}, CPU
  pressure (before, after)) at sequence length T."""
  xs = jax.random.normal(jax.random.PRNGKey(0), (steps, BATCH, FEATURES))
  contenders, costs = {}, {}
  for label, name, options in CONTENDERS:
    cell = cells.get(name, **options)
    params = cell.init(jax.random.PRNGKey(1), FEATURES, HIDDEN)
    run, compile_s, memory = bench_throughput.jax_contender(cell, params, xs)
    contenders[label], costs[label] = run, (compile_s, memory)
  contenders[TORCH_LSTM] = bench_throughput.torch_fused_contender(
      torch.nn.LSTM, xs, HIDDEN)
  before = timing.cpu_pressure()
  times = timing.round_robin_times(contenders, repeats)
  pressure = (before, timing.cpu_pressure())
  speed, spread = timing.throughput(times, BATCH * steps)
  return speed, spread, costs, pressure


def format_report(results, spreads, costs, pressures, repeats):
  lengths = list(results)
  labels = [label for label, _, _ in CONTENDERS] + [TORCH_LSTM]
  lines = [f'Forward+backward tokens/s at B={BATCH} D={FEATURES} H={HIDDEN} '
           f'(median of {repeats} interleaved rounds, ± half the range from '
           'the slowest to the fastest); ratios of the medians against '
           'minGRU step by step and against torch nn.LSTM.', '',
           '| contender | ' + ' | '.join(f'T={t}' for t in lengths) + ' |',
           '|' + ' --- |' * (len(lengths) + 1)]
  for label in labels:
    entries = []
    for t in lengths:
      row = results[t]
      entries.append(
          f'{row[label]:,.0f} ±{spreads[t][label]:.0%} '
          f'({row[label] / row["mingru, sequential"]:.2f}x seq, '
          f'{row[label] / row[TORCH_LSTM]:.2f}x torch)')
    lines.append(f'| {label} | ' + ' | '.join(entries) + ' |')
  for t in lengths:
    note = timing.pressure_note(*pressures[t])
    if note:
      lines += ['', f'T={t}: {note}']
  lines += ['', 'Compile time (s) / peak temporary memory (MiB) of each '
            'compiled rnnzoo gradient (PyTorch memory not measured):', '',
            '| contender | ' + ' | '.join(f'T={t}' for t in lengths) + ' |',
            '|' + ' --- |' * (len(lengths) + 1)]
  for label, _, _ in CONTENDERS:
    lines.append(f'| {label} | ' + ' | '.join(
        f'{costs[t][label][0]:.2f} s / {costs[t][label][1]:,.1f} MiB'
        for t in lengths) + ' |')
  speedup = {t: results[t]['mingru, parallel'] /
             results[t]['mingru, sequential'] for t in lengths}
  versus_torch = {t: results[t]['mingru, parallel'] / results[t][TORCH_LSTM]
                  for t in lengths}
  faster = [t for t in lengths if speedup[t] > 1]
  crossover = (f'the parallel path is faster from T={faster[0]}' if faster
               else 'the parallel path is never faster at these lengths')
  long = [t for t in lengths if t >= 2048]
  lines += ['', 'Targets:', '',
            '- minGRU parallel >= 5x sequential at T >= 2048: ' +
            ' / '.join(f'{speedup[t]:.2f}x' for t in long) + ' - ' +
            ('met' if min(speedup[t] for t in long) >= 5 else 'not met'),
            '- minGRU parallel faster than torch nn.LSTM at every T: ' +
            ' / '.join(f'{versus_torch[t]:.2f}x' for t in lengths) + ' - ' +
            ('met' if min(versus_torch.values()) > 1 else 'not met'),
            f'- crossover: {crossover} (parallel / sequential: ' +
            ' / '.join(f'{speedup[t]:.2f}x' for t in lengths) + ')']
  return '\n'.join(lines)


def main(argv):
  del argv
  repeats = timing.REPEATS.value
  results, spreads, costs, pressures = {}, {}, {}, {}
  for steps in LENGTHS:
    print(f'timing T={steps} ...', flush=True)
    (results[steps], spreads[steps], costs[steps],
     pressures[steps]) = bench_length(steps, repeats)
  device = jax.devices()[0]
  text = (f'Device: {device.platform} ({device.device_kind}), '
          f'{torch.get_num_threads()} torch threads; jax {jax.__version__}, '
          f'torch {torch.__version__}.\n\n' +
          format_report(results, spreads, costs, pressures, repeats))
  timing.report(text)


if __name__ == '__main__':
  app.run(main)
