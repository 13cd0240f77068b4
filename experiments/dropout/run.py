r"""No dropout, per-step dropout and variational dropout on a character
language model; writes the README.

  python experiments/dropout/run.py
"""

import os
import sys

from absl import app
from absl import flags

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# pylint: disable=g-import-not-at-top,wrong-import-position
import report

HERE = os.path.dirname(os.path.abspath(__file__))
_WORKERS = flags.DEFINE_integer('workers', 2, 'Processes.')
_RUNS = flags.DEFINE_string('runs', os.path.join(report.ROOT, 'runs',
                                                 'dropout'),
                            'Where the run dirs go.')

README = """# Dropout in an LSTM language model: per step or per sequence

**Claim.** Dropout that draws one mask per sequence and reuses it at every
step, on the inputs and on the recurrent state (variational dropout),
regularises an LSTM language model better than dropout with a new mask at
every step on the non-recurrent connections only (Gal & Ghahramani 2016, "A
theoretically grounded application of dropout in recurrent neural
networks", NeurIPS, section 5.2, against Zaremba et al. 2014 on Penn
Treebank).

**Setup.** A 2-layer LSTM of 128 units on a local English text (the licence
texts of /usr/share/common-licenses, 237k characters, the last 10% held
out: small enough to overfit), 64-dimensional embedding, windows of 64,
Adam 2e-3, batch 32, {steps} steps (about 30 passes over the text); dropout
rate 0.3 on every layer's inputs and the readout's, per step or per
sequence, the variational runs also on the recurrent state; 3 seeds. The
metric is validation bits per character at the end of training (the best
is in the curves).

    python experiments/dropout/run.py

{table}

{against}

![validation bits per character](dropout_curves_eval_bpc.png)
"""


def main(argv):
  del argv
  workdir = _RUNS.value
  report.run_sweep(os.path.join(HERE, 'sweep.py'), workdir,
                   workers=_WORKERS.value)
  table = report.summarize(workdir, HERE, 'dropout',
                           by=['model.dropout_kind', 'model.dropout',
                               'model.recurrent_dropout'])
  sweep = report.sweep_module(HERE)
  frame = report.summary(HERE, 'dropout')
  none = report.mean(frame, 'eval/bpc', model__dropout=0.0)
  per_step, variational = (
      report.mean(frame, 'eval/bpc', model__dropout=sweep.RATE,
                  model__dropout_kind=kind)
      for kind in ('per_step', 'variational'))
  against = report.verdict(
      variational < per_step,
      f'Validation bits per character: no dropout {none:.3f}, per-step '
      f'dropout {per_step:.3f}, variational dropout {variational:.3f}.')
  report.write(os.path.join(HERE, 'README.md'),
               README.format(table=table, steps=sweep.STEPS, against=against))


if __name__ == '__main__':
  app.run(main)
