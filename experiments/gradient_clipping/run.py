r"""Gradient clipping against SGD's learning rate; writes the README.

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

README = """# Gradient clipping lets SGD take larger steps

**Claim.** Rescaling the gradient when its norm exceeds a threshold deals
with exploding gradients: SGD with clipping trains recurrent networks at
learning rates where plain SGD blows up (Pascanu, Mikolov & Bengio 2013,
"On the difficulty of training recurrent neural networks", ICML, section
3.2).

**Setup.** The adding problem at T = {seq_len}; a tanh RNN and an LSTM (forget
bias 1) of 64 units; SGD with momentum 0.9 at learning rates {rates}; no
clipping (clip_norm 0) or global-norm clipping at {clip_norm:g}; batch 16, {steps}
steps, 3 seeds. A run whose loss or gradients stop being finite is marked
diverged (done < runs below) and stops there; a run has learned when its
MSE is below half the baseline 1/6. The `train/grad_norm` column is the
gradient norm before clipping, averaged over the last 50 steps.

    python experiments/gradient_clipping/run.py

{table}

{against}
"""


def _tally(runs) -> tuple[int, int]:
  """(diverged, learned) runs; learned: done below half the baseline."""
  diverged = int((runs['status'] == 'diverged').sum())
  learned = int(((runs['status'] == 'done') &
                 (runs['eval/mse'] < 0.5 * runs['baseline:eval/mse'])).sum())
  return diverged, learned


def against(workdir: str, clip_norm: float) -> str:
  """Per cell and learning rate: diverged and learned runs, clipped or not.
  The claim holds where clipping turns diverged or stuck runs into runs that
  learn."""
  runs = results.load(workdir)
  findings, rescued, diverged = [], [], {0.0: 0, clip_norm: 0}
  for (cell, lr), group in runs.groupby(['cell.name', 'optim.lr']):
    (plain_diverged, plain_learned), (clip_diverged, clip_learned) = (
        _tally(group[group['optim.clip_norm'] == clip])
        for clip in (0.0, clip_norm))
    diverged[0.0] += plain_diverged
    diverged[clip_norm] += clip_diverged
    if clip_learned > plain_learned and clip_diverged <= plain_diverged:
      rescued.append(f'{cell} at lr {lr:g}')
    findings.append(
        f'{cell} at lr {lr:g}: without clipping {plain_diverged} of '
        f'{len(group) // 2} diverged and {plain_learned} learned, with '
        f'clipping {clip_diverged} diverged and {clip_learned} learned')
  headline = (f'{diverged[0.0]} runs without clipping diverged and '
              f'{diverged[clip_norm]} with it; clipping turned failing runs '
              'into runs that learn for ' + (
                  ', '.join(rescued) if rescued else 'no cell and rate'))
  return report.verdict(bool(rescued),
                        headline + '. ' + '; '.join(findings) + '.')


def main(argv):
  del argv
  sweep = report.sweep_module(HERE)
  workdir = _RUNS.value
  report.run_sweep(os.path.join(HERE, 'sweep.py'), workdir,
                   workers=_WORKERS.value)
  table = report.summarize(workdir, HERE, 'clipping',
                           by=['cell.name', 'optim.lr', 'optim.clip_norm'],
                           metrics=['eval/mse', 'train/grad_norm'])
  report.write(os.path.join(HERE, 'README.md'),
               README.format(
                   table=table, steps=f'{sweep.STEPS:,}', seq_len=sweep.SEQ_LEN,
                   rates=', '.join(f'{lr:g}' for lr in sweep.RATES),
                   clip_norm=sweep.CLIP_NORM,
                   against=against(workdir, sweep.CLIP_NORM)))


if __name__ == '__main__':
  app.run(main)
