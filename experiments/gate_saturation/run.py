r"""Gate activations of the LSTMs and GRUs trained on MNIST-1D
(experiments/mnist1d), against the same networks untrained; writes the
figure, the table and the README. Run experiments/mnist1d/run.py first.

  python experiments/gate_saturation/run.py
"""

import glob
import os
import sys

from absl import app
from absl import flags
import jax
from matplotlib import figure
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# pylint: disable=g-import-not-at-top,wrong-import-position
import report
from rnnzoo import diagnostics
from rnnzoo import train

HERE = os.path.dirname(os.path.abspath(__file__))
_RUNS = flags.DEFINE_string('runs', os.path.join(
    report.ROOT, 'runs', 'mnist1d', 'plain'), 'The MNIST-1D runs.')

README = """# Trained gates saturate

**Claim.** In trained gated networks many gates sit near 0 or 1: Karpathy,
Johnson & Fei-Fei 2015 ("Visualizing and understanding recurrent
networks", arXiv:1506.02078, section 4.2) count how often each gate is
left-saturated (< 0.1) or right-saturated (> 0.9) in character-level LSTMs
and GRUs and find many such gates, forget gates that stay open among them,
where an untrained network's gates hover around 0.5.

**Measurement.** `rnnzoo.diagnostics.gate_statistics` on the 100 first test
sequences of MNIST-1D (40 steps): the fraction of gate activations below 0.1
or above 0.9, for the LSTMs (56 units) and GRUs (64 units) of
experiments/mnist1d after training (3000 steps; mean ± std over 3 seeds) and
for the same architectures freshly initialised (same seeds).

    python experiments/mnist1d/run.py
    python experiments/gate_saturation/run.py

{table}

{against}

![gate activations](gate_saturation.png)
"""


def _statistics(cell):
  """[(untrained stats, trained stats)] of the runs of `cell`."""
  pairs = []
  for run in sorted(glob.glob(os.path.join(_RUNS.value, f'*cell={cell},*'))):
    config, task, model, variables = train.restore(run)
    batch = task.prepare(task.eval_items(config.seed, config.batch_size)[0],
                         config.batch_size)
    fresh = model.init(jax.random.PRNGKey(config.seed), batch['x'])
    pairs.append((diagnostics.gate_statistics(model, fresh, batch),
                  diagnostics.gate_statistics(model, variables, batch)))
  return pairs


def main(argv):
  del argv
  rows = ['| cell | gate | saturated, untrained | saturated, trained | '
          'mean, untrained | mean, trained |', '|' + ' --- |' * 6]
  histograms = {}
  saturated = {}  # 'cell gate' -> [fraction untrained, trained]
  for cell in ('lstm', 'gru'):
    pairs = _statistics(cell)
    if not pairs:
      continue
    for name in pairs[0][0]:
      gate = name.split('/')[-1]
      cells = []
      for field in ('saturated', 'mean'):
        for index in (0, 1):
          values = [p[index][name][field] for p in pairs]
          cells.append(f'{np.mean(values):.3f} ± {np.std(values):.3f}')
      saturated[f'{cell} {gate}'] = [
          np.mean([p[index][name]['saturated'] for p in pairs])
          for index in (0, 1)]
      rows.append(f'| {cell} | {gate} | {cells[0]} | {cells[1]} | '
                  f'{cells[2]} | {cells[3]} |')
      histograms[f'{cell} {gate}'] = [
          np.sum([p[index][name]['histogram'] for p in pairs], axis=0)
          for index in (0, 1)]
  fig = figure.Figure(figsize=(3 * len(histograms), 3.2))
  axes = np.atleast_1d(fig.subplots(1, len(histograms), sharey=True))
  bins = np.linspace(0, 1, diagnostics.BINS + 1)
  for ax, (name, (untrained, trained)) in zip(axes, histograms.items()):
    for counts, label in ((untrained, 'untrained'), (trained, 'trained')):
      ax.step(bins[:-1], counts / counts.sum(), where='post', label=label)
    ax.set_title(name)
    ax.set_xlabel('activation')
  axes[0].set_ylabel('fraction')
  axes[0].legend(fontsize='small')
  fig.tight_layout()
  fig.savefig(os.path.join(HERE, 'gate_saturation.png'), dpi=100)
  more = [name for name, (before, after) in saturated.items()
          if after > before]
  against = report.verdict(
      len(more) > len(saturated) / 2,
      f'Training raised the saturated fraction in {len(more)} of the '
      f'{len(saturated)} gates ({", ".join(more) or "none"}); averaged over '
      'the gates it went from '
      f'{np.mean([v[0] for v in saturated.values()]):.3f} to '
      f'{np.mean([v[1] for v in saturated.values()]):.3f}.')
  report.write(os.path.join(HERE, 'README.md'),
               README.format(table='\n'.join(rows), against=against))


if __name__ == '__main__':
  app.run(main)
