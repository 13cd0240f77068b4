r"""Gradient clipping on 1000-step sequences; writes the README.

  python experiments/gradient_clipping/run.py
"""

import os
import sys

from absl import app
from absl import flags

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# pylint: disable=g-import-not-at-top,wrong-import-position
import report
from rnnzoo import results

HERE = os.path.dirname(os.path.abspath(__file__))
_WORKERS = flags.DEFINE_integer('workers', 2, 'Processes.')
_RUNS = flags.DEFINE_string('runs', os.path.join(
    report.ROOT, 'runs', 'gradient_clipping'), 'Where the run dirs go.')

README = """# Gradient clipping on 1000-step sequences

**Claim.** Rescaling the gradient when its norm exceeds a threshold deals
with exploding gradients and lets SGD train RNNs on long sequences
(Pascanu, Mikolov & Bengio 2013, "On the difficulty of training recurrent
neural networks", ICML, section 3.2).

**Setup.** The adding problem at T = 1000; a tanh RNN and an LSTM (forget
bias 1) of 64 units; SGD with momentum 0.9, learning rate 0.01, batch 16,
{steps} steps; no clipping (clip_norm 0) or global-norm clipping at 10, 1
and 0.1; 3 seeds. A run whose loss or gradients stop being finite is marked
diverged (done < runs below); MSE baseline 1/6. The `train/grad_norm`
column is the gradient norm before clipping, averaged over the last 50
steps.

    python experiments/gradient_clipping/run.py

{table}

{against}
"""


def against(workdir: str) -> str:
  """Runs that diverged or stayed at the baseline, clipped or not."""
  runs = results.load(workdir)
  findings, unclipped_worse = [], []
  for cell, by_cell in runs.groupby('cell.name'):
    parts = []
    failures = {}
    for clip, group in by_cell.groupby('optim.clip_norm'):
      diverged = int((group['status'] == 'diverged').sum())
      learned = int(((group['status'] == 'done') &
                     (group['eval/mse'] < 0.5 * group['baseline:eval/mse'])
                     ).sum())
      failures[clip] = len(group) - learned
      label = f'clip {clip:g}' if clip else 'no clipping'
      parts.append(f'{label}: {diverged} of {len(group)} diverged, {learned} '
                   'below half the baseline')
    unclipped_worse.append(failures[0.0] >= max(failures.values()) and
                           failures[0.0] > min(failures.values()))
    findings.append(f'{cell}: ' + '; '.join(parts))
  return report.verdict(
      any(unclipped_worse), '. '.join(findings) + '. The claim holds where '
      'the runs without clipping fail more often than clipped ones.')


def main(argv):
  del argv
  sweep = report.sweep_module(HERE)
  workdir = _RUNS.value
  report.run_sweep(os.path.join(HERE, 'sweep.py'), workdir,
                   workers=_WORKERS.value)
  table = report.summarize(workdir, HERE, 'clipping',
                           by=['cell.name', 'optim.clip_norm'],
                           metrics=['eval/mse', 'train/grad_norm'])
  report.write(os.path.join(HERE, 'README.md'),
               README.format(table=table, steps=sweep.STEPS,
                             against=against(workdir)))


if __name__ == '__main__':
  app.run(main)
