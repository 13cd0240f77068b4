r"""LSTM gate ablations on three tasks; writes the README.

  python experiments/gate_ablation/run.py
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
_RUNS = flags.DEFINE_string('runs', os.path.join(
    report.ROOT, 'runs', 'gate_ablation'), 'Where the run dirs go.')

README = """# Which LSTM gates matter

**Claim.** Jozefowicz, Zaremba & Sutskever 2015 (ICML, section 4) removed
one LSTM gate at a time: "the input gate is important, the output gate is
unimportant, and the forget gate is extremely significant on all problems
except language modelling".

**Setup.** `no_gate` fixes that gate to 1 (the row '' is the full LSTM;
`num_params` leaves out the unused block). Adding problem T = 100 (64
units, Adam 1e-3, batch 32, 2000 steps; MSE, baseline 1/6), copying T = 100
(40 units, RMSProp 1e-3, batch 20, 3000 steps; cross-entropy, baseline
0.173), and a character-level language model of a local English text (the
licence texts of /usr/share/common-licenses; 128 units, windows of 64, Adam
2e-3, batch 32, 2000 steps; validation bits per character); forget bias 1;
3 seeds.

    python experiments/gate_ablation/run.py

## Adding, T = 100

{adding}

## Copying, T = 100

{copy}

## Character-level language model

{char_lm}
"""


def main(argv):
  del argv
  tables = {}
  for task in ('adding', 'copy', 'char_lm'):
    workdir = os.path.join(_RUNS.value, task)
    report.run_sweep(os.path.join(HERE, f'sweep.py:task={task}'), workdir,
                     workers=_WORKERS.value)
    tables[task] = report.summarize(workdir, HERE, task, by=['cell.no_gate'])
  report.write(os.path.join(HERE, 'README.md'), README.format(**tables))


if __name__ == '__main__':
  app.run(main)
