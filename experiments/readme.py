r"""README.md's generated sections: the results of every experiment (its
claims and verdicts, and the headline table of the cells), discovered from
the experiments' specs and their committed run files, and the speed table of
the benchmark.

  python -m experiments --readme
"""

import os

import numpy as np

import experiments
from rnnzoo import experiment

README = os.path.join(experiments.ROOT, 'README.md')


def cell_table(specs, folder=experiments.folder) -> str:
  """Cells down, the experiments' headline columns across: mean ± std over
  seeds of the finished runs, and the trivial baseline. specs: [(name,
  Experiment)]; folder(name) is where each keeps its runs."""
  columns = [(name, spec, column) for name, spec in specs
             for column in spec.columns]
  if not columns:
    return ''
  rows = sorted({cell for _, _, column in columns for cell in column.arms})
  header = ['cell'] + [f'[{c.title}](experiments/{name})'
                       for name, _, c in columns]
  lines = ['| ' + ' | '.join(header) + ' |', '|' + ' --- |' * len(header)]
  outcomes = {name: experiment.Outcomes(spec, experiment.runs_dir(
      folder(name))) for name, spec in specs}
  baselines = ['trivial baseline']
  for name, spec, column in columns:
    found = ''
    for arm in column.arms.values():
      try:
        found = f'{outcomes[name].baseline(experiment.as_arms(arm)[0]):.3g}'
        break
      except experiment.NotFinished:
        continue
    baselines.append(found)
  for cell in rows:
    cells = [f'`{cell}`']
    for name, spec, column in columns:
      declared = column.arms.get(cell)
      arm = _shown(outcomes[name], declared)
      cells.append(_summary(outcomes[name], spec.arm(arm)) if arm else
                   ('pending' if declared else ''))
    lines.append('| ' + ' | '.join(cells) + ' |')
  lines.append('| ' + ' | '.join(baselines) + ' |')
  return '\n'.join(lines)


def _summary(outcomes, arm: experiment.Arm) -> str:
  """'mean ± std (finished/planned seeds)' of the arm's finished seeds, with
  the count of seeds that diverged (whose runs end without a final metric);
  'diverged (n/planned)' when no seed finished, 'pending' until one ends."""
  values = outcomes.values(arm.name)
  diverged = outcomes.diverged(arm.name)
  if not values:
    return f'diverged ({diverged}/{arm.seeds})' if diverged else 'pending'
  spread = (f' ± {np.std(values, ddof=1):.2g}' if len(values) > 1 else '')
  lost = f', {diverged} diverged' if diverged else ''
  return f'{np.mean(values):.3g}{spread} ({len(values)}/{arm.seeds}{lost})'


def _shown(outcomes, arms: str | tuple[str, ...] | None) -> str | None:
  """The arm a column shows: the one named, or the best of several (None
  until all of them have finished)."""
  if arms is None:
    return None
  names = experiment.as_arms(arms)
  if len(names) == 1:
    return names[0]
  try:
    return outcomes.best_arm(names)
  except experiment.NotFinished:
    return None


def claim_lines(specs, folder=experiments.folder) -> list[str]:
  """A line per claim: its experiment, its text and its verdict; for a
  claim whose arms have not all finished, what finishing them takes."""
  lines = []
  for name, spec in specs:
    for claim, verdict in experiment.verdicts_of(spec, folder(name)):
      line = (f'- [{name}](experiments/{name}): {claim.text} - '
              f'**{verdict.outcome}**')
      if experiment.is_unfinished(verdict):
        line += (': not settled here, its runs have not all finished. ' +
                 claim.needs).rstrip()
      lines.append(line)
  return lines


def results_section() -> str:
  specs = [(name, experiments.load(name)) for name in experiments.names()]
  table = cell_table(specs)
  lines = claim_lines(specs)
  intro = (
      'Every number here is made from the run files committed under '
      '`experiments/NAME/runs` (`python -m experiments --readme`). Each '
      'cell of the table is the mean ± std over seeds of the final test '
      'metric, with finished / planned seeds; where a cell has several arms '
      '(the expRNN at two rates, the LSTM at T = 1000 at two), the better '
      'one. An arm that has not finished says pending; a seed that diverged '
      'has no final metric and is counted apart. Lower is better for MSE '
      'and cross-entropy.')
  verdict_intro = (
      'Each claim gets a verdict from its per-seed numbers by the rule its '
      "experiment's README states: supported, contradicted or inconclusive "
      '(where its runs have not all finished here, with what finishing them '
      'takes), or not run (no data here).')
  return '\n\n'.join(part for part in (intro, table, verdict_intro,
                                        '\n'.join(lines)) if part)


def _result(name: str) -> str:
  with open(os.path.join(experiments.HERE, 'results', name)) as f:
    return f.read().strip()


def speed_section() -> str:
  return ('Training throughput on the 2-core CPU of this project, every '
          'contender in one run, MIST\'s rows apart (see below) '
          '(`python -m experiments.bench_throughput`, '
          'repeats round-robin, medians):\n\n' +
          _result('bench_throughput.md') + '\n\n' + LIMITS + '\n\n' +
          '### Cells linear in their state: associative scan or loop\n\n'
          '`python -m experiments.bench_parallel_scan --repeats=3`:\n\n' +
          _result('bench_parallel_scan.md') + '\n\n' + PARALLEL_LIMITS)


LIMITS = """What limits the scan on this CPU: PyTorch's `nn.LSTM` runs one fused
oneDNN kernel per layer, while XLA:CPU runs every step of `lax.scan` as a
row of small kernels. Their fixed cost is small (0.1-0.2 us a kernel in the
while bodies); what sets the pace is the recurrent matmul, which runs on
one core at these batch sizes (about 60% of the loop at B = 8-16, H = 128;
splitting it into independent column blocks did not bring in the second
core), and the gate arithmetic of the backward loop. The backward loop
reads the recurrent weights from a copy transposed once before it, gated
cells whose step reads no weights take their input gradients inside it
instead of a second pass (the recurrent weights' gradient, one product
over all T*B rows after the loop, runs within 4% in either orientation,
so it keeps XLA's), products of whole sequences with a weight run
over rows [T*B, D] (`rnnzoo.rowwise`: XLA computes the gradient of an
input projection 1.7-2.2x faster that way than over [T, B, D]), and the
steps compile with copy insertion's region analysis
(`rnnzoo.train.CPU_COMPILER_OPTIONS`); the LSTM runs at 0.6-0.75x
PyTorch's fused kernel. Against an eager PyTorch loop of the same cell
the scan is 3-8x faster at the small shape and
1.6-3.8x at the long one; at B=32 H=256, where each step's kernels are
large enough to hide Python's overhead, the two are about even
(0.8-1.3x). MIST and the Nested LSTM are the slow cells (a history of
127 states that each step moves along and reads 8 of; an LSTM inside the
step); MIST's scan is only 2.0x its loop at the small shape, 1.3x at the
long one and 0.7x at the large one, where the loop moves its history
with the same copies."""


PARALLEL_LIMITS = """On this CPU the associative scan (`parallel=True`, the
default) is about half as fast (0.40-0.56x) as the same cell step by step
(`parallel=False`) at every length from 128 to 8192: the sequential step
of a linear cell is a few elementwise operations on [B, H], with no
matmul, so its loop is cheap, while the scan makes about 2 log2 T passes
over whole [T, B, H] arrays, which on two cores costs more in memory
traffic than the loop loses to its T dependent steps. The parallel path
still trains 1.7-2.3x faster than `torch.nn.LSTM` at B=16, H=128; it is
built for wide machines (a GPU), where those dependent steps are what
costs. The log-space form (`log_space=True`, for long sequences) costs
another 4.7-6.7x here."""


def update() -> None:
  """Rewrites the results and speed sections of README.md."""
  for name, body in (('results', results_section()),
                     ('speed', speed_section())):
    experiment.replace_block(README, f'<!-- {name}:begin -->',
                             f'<!-- {name}:end -->', body)
