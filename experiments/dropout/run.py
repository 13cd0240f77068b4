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
Adam 2e-3, batch 32, 4000 steps (about 35 passes over the text); dropout
rate 0.3 on every layer's inputs and the readout's, per step or per
sequence, the variational runs also on the recurrent state; 3 seeds. The
metric is validation bits per character at the end of training (the best
is in the curves).

    python experiments/dropout/run.py

{table}

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
  report.write(os.path.join(HERE, 'README.md'), README.format(table=table))


if __name__ == '__main__':
  app.run(main)
