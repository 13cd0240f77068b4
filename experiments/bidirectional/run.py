r"""Unidirectional against bidirectional GRUs on the lookahead task (and on
IMDB when its data is prepared); writes the README.

  python experiments/bidirectional/run.py
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
                                                 'bidirectional'),
                            'Where the run dirs go.')

README = """# A bidirectional network sees the whole sequence

**Claim.** A bidirectional RNN conditions each output on the whole input
sequence, past and future, where a unidirectional one sees only the past
(Schuster & Paliwal 1997, "Bidirectional recurrent neural networks", IEEE
Trans. Signal Processing).

**Setup.** The lookahead task: 50 random symbols (8 kinds); the label of
step t is the symbol at t + 5. Without the future, a network can only guess
the first 45 labels (the task's baseline: accuracy (5 + 45/8)/50 = 0.2125,
cross-entropy 45 ln 8 / 50 = 1.87). GRU of 64 units, one or two directions,
Adam 3e-3, batch 32, 1500 steps, 3 seeds.

    python experiments/bidirectional/run.py
    # IMDB, where its TFDS data is prepared:
    python launch.py --config=configs/imdb.py:cell=gru,bidirectional=true \\
        --workdir=runs/imdb_bigru

{table}

{against}

IMDB was not run here: its data cannot be downloaded on this machine.
"""


def main(argv):
  del argv
  workdir = _RUNS.value
  report.run_sweep(os.path.join(report.ROOT, 'configs', 'lookahead.py'),
                   workdir, workers=_WORKERS.value)
  table = report.summarize(workdir, HERE, 'lookahead',
                           by=['model.bidirectional'])
  frame = report.summary(HERE, 'lookahead')
  one, two = (report.mean(frame, 'eval/accuracy', model__bidirectional=b)
              for b in (False, True))
  baseline = float(frame['baseline:eval/accuracy'].iloc[0])
  against = report.verdict(
      two > 0.95 and one < baseline + 0.05,
      f'The bidirectional GRU labels {two:.1%} of the steps right, the '
      f'unidirectional one {one:.1%}, against the {baseline:.1%} that the '
      'past alone allows.')
  report.write(os.path.join(HERE, 'README.md'),
               README.format(table=table, against=against))


if __name__ == '__main__':
  app.run(main)
