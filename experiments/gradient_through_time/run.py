r"""The gradient through time, ||dL/dh_t|| against t, of the adding runs at
T = 500 (experiments/adding), at initialisation and after training; writes
the figure, a table and the README. Run experiments/adding/run.py first.

  python experiments/gradient_through_time/run.py
"""

import glob
import json
import os
import re
import sys

from absl import app
from absl import flags
from matplotlib import figure
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# pylint: disable=g-import-not-at-top,wrong-import-position
import report

HERE = os.path.dirname(os.path.abspath(__file__))
CELLS = ('vanilla', 'irnn', 'lstm', 'gru', 'indrnn')
_RUNS = flags.DEFINE_string('runs', os.path.join(
    report.ROOT, 'runs', 'adding', 'main', 'T500'), 'The adding runs at T=500.')

README = """# Gradient through time: vanishing in a vanilla RNN, not in an LSTM

**Claim.** In a tanh RNN the gradient of a loss at step T with respect to
the state at step t shrinks (or grows) exponentially with T - t, so that
long-range dependencies get no learning signal (Hochreiter 1991; Bengio,
Simard & Frasconi 1994; Pascanu, Mikolov & Bengio 2013); the LSTM's cell
state carries it across many steps (Hochreiter & Schmidhuber 1997), and the
IndRNN's bounded elementwise recurrence keeps it from vanishing or
exploding (Li et al. 2018, section 3.1).

**Measurement.** `rnnzoo.diagnostics.gradient_norms`: ||dL/dh_t||, the
total derivative of the summed loss of a batch of 32 adding sequences
(T = 500) with respect to each hidden state of the top layer, through every
later step; mean over the batch, then geometric mean over the 3 seeds. The
models are the runs of experiments/adding at T = 500, measured before the
first update and after the last ({steps} steps).

    python experiments/adding/run.py --lengths=500
    python experiments/gradient_through_time/run.py

![gradient through time](gradient_through_time.png)

The ratio ||dL/dh_0|| / ||dL/dh_(T-1)||: how much of the signal at the last
step reaches the first (1: none lost; below 1e-30 it is zero in float32).

{table}

{against}
"""


def _load(cell):
  """{step: [T] geometric mean over seeds of the top layer's norms}."""
  curves = {}
  runs = [r for r in glob.glob(os.path.join(_RUNS.value, '*'))
          if re.search(rf'cell={cell},', os.path.basename(r))]
  for run in runs:
    for path in glob.glob(os.path.join(run, 'diagnostics', 'step_*.json')):
      with open(path) as f:
        diagnostics = json.load(f)
      norms = diagnostics['gradient_norms']
      top = norms[max(norms)]
      curves.setdefault(diagnostics['step'], []).append(np.asarray(top))
  return {step: np.exp(np.mean(np.log(np.maximum(c, 1e-38)), axis=0))
          for step, c in curves.items()}


def main(argv):
  del argv
  fig = figure.Figure(figsize=(11, 4))
  axes = fig.subplots(1, 2, sharey=True)
  rows = ['| cell | at initialisation | after training |', '| --- | --- | --- |']
  loaded = {cell: _load(cell) for cell in CELLS}
  loaded = {cell: curves for cell, curves in loaded.items() if curves}
  last_step = max(max(curves) for curves in loaded.values())
  kept = {}  # cell -> [ratio at initialisation, after training or None]
  for index, (cell, curves) in enumerate(loaded.items()):
    ratios = []
    for ax, step in zip(axes, (0, last_step)):
      if step not in curves:  # no run of this cell got there
        ratios.append(None)
        continue
      curve = curves[step]
      ax.plot(np.arange(len(curve)), curve, label=cell, color=f'C{index}')
      ratios.append(curve[0] / curve[-1])
    kept[cell] = ratios
    rows.append(f'| {cell} | ' + ' | '.join(
        'none: every run diverged' if r is None else f'{r:.3g}'
        for r in ratios) + ' |')
  for ax, title in zip(axes, ('at initialisation', f'after {last_step} steps')):
    ax.set_yscale('log')
    ax.set_xlabel('step t')
    ax.set_title(title)
  axes[0].set_ylabel('||dL / dh_t|| (top layer)')
  fig.legend(*axes[0].get_legend_handles_labels(), loc='center right')
  fig.tight_layout(rect=(0, 0, 0.9, 1))
  fig.savefig(os.path.join(HERE, 'gradient_through_time.png'), dpi=100)
  vanilla, lstm, indrnn = (kept[c][0] for c in ('vanilla', 'lstm', 'indrnn'))
  against = report.verdict(
      vanilla < 1e-3 * lstm and indrnn > 1e3 * vanilla,
      f'At initialisation the share of the last step\'s gradient that '
      f'reaches the first is {vanilla:.3g} in the tanh RNN, {lstm:.3g} in '
      f'the LSTM and {indrnn:.3g} in the IndRNN; after training '
      + ', '.join(f'{c} {r[1]:.3g}' for c, r in kept.items()
                  if r[1] is not None) + '. Cells that keep more than 1e-3 '
      'of it after training: ' + (', '.join(
          c for c, r in kept.items() if r[1] is not None and r[1] > 1e-3)
                                   or 'none') + '. An '
      'LSTM\'s cell state carries the gradient only as far as its forget '
      'gate lets it: the gate starts near sigmoid(1) = 0.73, and only '
      'training that opens it towards 1 makes the long path.')
  report.write(os.path.join(HERE, 'README.md'),
               README.format(table='\n'.join(rows), steps=last_step,
                             against=against))


if __name__ == '__main__':
  app.run(main)
