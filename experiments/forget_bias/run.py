r"""Forget-gate bias 0 vs 1 vs the GRU; writes the README.

  python experiments/forget_bias/run.py
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
    report.ROOT, 'runs', 'forget_bias'), 'Where the run dirs go.')

README = """# Forget-gate bias: 0 or 1

**Claim.** "We found that adding a bias of 1 to the LSTM's forget gate
closes the gap between the LSTM and the GRU" (Jozefowicz, Zaremba &
Sutskever 2015, "An empirical exploration of recurrent network
architectures", ICML, abstract; the idea is Gers et al. 2000's).

**Setup.** Copying memory at T = 100 (LSTM 40 units or GRU 46, about 8.5k
parameters; RMSProp 1e-3, batch 20, 2000 steps) and character-level
language modelling of a local English text (the licence texts in
/usr/share/common-licenses, 237k characters, 10% held out; LSTM 128 or GRU
148, about 115k parameters; windows of 64, Adam 2e-3, batch 32, 1500 steps);
3 seeds each.

    python experiments/forget_bias/run.py

## Copying memory, T = 100 (cross-entropy per step; the memoryless baseline in parentheses)

{copy}

## Character-level language model (validation bits per character)

{char_lm}

{against}
"""

METRICS = {'copy': 'eval/ce', 'char_lm': 'eval/bpc'}


def gaps(frame, metric) -> tuple[float, float]:
  """LSTM minus GRU, with forget bias 0 and with forget bias 1."""
  gru = report.mean(frame, metric, cell__name='gru')
  return tuple(report.mean(frame, metric, cell__name='lstm',
                           cell__forget_bias=bias) - gru
               for bias in (0.0, 1.0))


def against(frames) -> str:
  findings, closed = [], []
  for task, frame in frames.items():
    without, with_bias = gaps(frame, METRICS[task])
    closed.append(abs(with_bias) < abs(without))
    findings.append(f'{task}: LSTM minus GRU in {METRICS[task]} is '
                    f'{without:+.3f} with forget bias 0 and {with_bias:+.3f} '
                    'with forget bias 1')
  return report.verdict(all(closed), '; '.join(findings) + '.')


def main(argv):
  del argv
  tables = {}
  for task in ('copy', 'char_lm'):
    workdir = os.path.join(_RUNS.value, task)
    report.run_sweep(os.path.join(HERE, f'sweep.py:task={task}'), workdir,
                     workers=_WORKERS.value)
    tables[task] = report.summarize(workdir, HERE, task,
                                    by=['cell.name', 'cell.forget_bias'])
  frames = {task: report.summary(HERE, task) for task in METRICS}
  report.write(os.path.join(HERE, 'README.md'),
               README.format(against=against(frames), **tables))


if __name__ == '__main__':
  app.run(main)
