r"""Copying memory at T = 100 and 500 (uRNN variant); writes
experiments/copy/README.md.

  python experiments/copy/run.py [--workers=2]
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
_STEPS = flags.DEFINE_list('steps', ['4000', '3000'],
                           'Training steps at T = 100 and at T = 500.')
_RUNS = flags.DEFINE_string('runs', os.path.join(report.ROOT, 'runs', 'copy'),
                            'Where the run dirs go.')

README = """# Copying memory: recall 10 symbols after T steps

**Claims.** Arjovsky, Shah & Bengio 2016 (uRNN, section 5.1, Fig. 1; LSTM 40
units, tanh RNN 80, about 6500 parameters each): "The LSTM is able to beat
the baseline only for 100 times steps"; the tanh RNN gets "almost exactly
the same cost as the memoryless strategy"; the IRNN was too unstable to
show. Henaff et al. 2016 report that an LSTM "does eventually converge" when
trained longer. Chang et al. 2017: a Dilated RNN solves copying at T = 500
and 1000 where non-dilated networks "resort to random guessing" (their
figure; the numbers are not tabulated).

**Task.** The uRNN variant: 10 symbols from 1..8, T - 1 blanks, a
delimiter, 10 blanks; the target is T + 10 blanks and then the 10 symbols;
one-hot inputs, cross-entropy averaged over all T + 20 steps. The
memoryless baseline, blanks and then a uniform guess, scores
10 ln 8 / (T + 20) (0.173 at T = 100, 0.040 at T = 500) and 1/8 accuracy on
the last 10 steps.

**Setup.** Sizes, learning rates and the Dilated RNN in `sweep.py`: LSTM 40
(forget bias 1), GRU 46, tanh RNN and IRNN 80, IndRNN 2 x 80
(|u| <= 2^(1/(T+20))), CW-RNN 96 (8 modules, periods 1..128), Dilated RNN
9 x 20 (dilations 1..256); RMSProp 1e-3 (IRNN 1e-4), batch 20, clipping at
1; {steps100} steps at T = 100 and {steps500} at T = 500 (a CPU budget),
3 seeds, evaluated on 10 fresh batches.

    {command}    # these tables{default}

## T = 100

{t100}

## T = 500

{t500}

{against}

Learning curves: `T100_curves_eval_ce.png`, `T500_curves_eval_ce.png`.
"""


def _name(row) -> str:
  return 'dilated' if ',' in str(row['model.dilations']) else row['cell.name']


def beating(frame) -> tuple[list[str], list[str]]:
  """The cells below 90% of the baseline's cross-entropy, and those that
  recall more than half of the last ten symbols."""
  names = [_name(row) for _, row in frame.iterrows()]
  below = frame['eval/ce mean'] < 0.9 * frame['baseline:eval/ce']
  recall = frame['eval/acc_last10 mean'] > 0.5
  return ([n for n, b in zip(names, below) if b],
          [n for n, r in zip(names, recall) if r])


def against(frames: dict[int, object]) -> str:
  """The verdict on the uRNN and Dilated RNN papers' claims."""
  findings, beaten = [], {}
  for delay, frame in frames.items():
    below, recall = beating(frame)
    beaten[delay] = below
    findings.append(f'At T = {delay}, below 90% of the baseline: '
                    f'{", ".join(below) or "none"}; recalling more than half '
                    f'of the ten symbols: {", ".join(recall) or "none"}.')
  supported = ('lstm' in beaten.get(100, []) and
               'vanilla' not in beaten.get(100, []) and
               'dilated' in beaten.get(500, []))
  return report.verdict(
      supported, ' '.join(findings) + ' The claims: the LSTM beats the '
      'baseline at T = 100, the tanh RNN does not, and the Dilated RNN '
      'beats it at T = 500.')


def default_command() -> str:
  """The default budget's command line, when other steps made the tables."""
  if _STEPS.value == _STEPS.default:
    return ''
  return ('\n    python experiments/copy/run.py    # {} and {} steps, about '
          'half an hour on 2 cores'.format(*_STEPS.default))


def main(argv):
  del argv
  tables = {}
  for delay, steps in zip((100, 500), _STEPS.value):
    workdir = os.path.join(_RUNS.value, f'T{delay}')
    report.run_sweep(os.path.join(HERE, f'sweep.py:delay={delay},'
                                  f'steps={steps}'),
                     workdir, workers=_WORKERS.value)
    tables[f't{delay}'] = report.summarize(workdir, HERE, f'T{delay}',
                                           by=['cell.name', 'model.dilations'])
  frames = {delay: report.summary(HERE, f'T{delay}') for delay in (100, 500)}
  report.write(os.path.join(HERE, 'README.md'), README.format(
      steps100=_STEPS.value[0], steps500=_STEPS.value[1],
      command=report.command(), default=default_command(),
      against=against(frames), **tables))


if __name__ == '__main__':
  app.run(main)
