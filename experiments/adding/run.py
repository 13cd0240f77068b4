r"""The adding problem at T = 100, 500 and 1000: IndRNN against LSTM, GRU,
vanilla tanh and IRNN; and all nine cells at a matched parameter budget at
T = 100. Writes experiments/adding/README.md.

  python experiments/adding/run.py [--workers=2] [--steps=2000,2000,1000]
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
_LENGTHS = flags.DEFINE_list('lengths', ['100', '500', '1000'], 'Values of T.')
_STEPS = flags.DEFINE_list('steps', ['2000'],
                           'Training steps: one value for every T, or one '
                           'per value of --lengths.')
_LONGEST_CELLS = flags.DEFINE_list(
    'longest_cells', [], 'The cells to run at the longest T (default: all).')
_RUNS = flags.DEFINE_string('runs', os.path.join(report.ROOT, 'runs', 'adding'),
                            'Where the run dirs go.')

README = """# The adding problem: memory over 100 to 1000 steps

**Claim.** On the adding problem, an IndRNN (two ReLU layers of 128 units,
|u| <= 2^(1/T)) "converge[s] to a small error very quickly" at every
length, while "IRNN and LSTM cannot minimize the error any more" at T = 1000
(Li et al. 2018, IndRNN, section 5.1 and Fig. 2; the figure has no table).
A third-party re-run (batzner/indrnn, batch 50, Adam 2e-4) saw the IndRNN
reach MSE near 0 within about 1k (T = 100), 2k (T = 500) and 2-5k (T = 1000)
steps, and the LSTM stay at the baseline for 20k steps at T = 1000.

**Task.** The halves variant (one marked number in each half), MSE of the
sum read at the last step; a trivial model that predicts 1 scores 1/6
(0.167). Data drawn fresh for every batch.

**Setup.** IndRNN as in the paper: 2 x 128 ReLU, input weights
N(0, 0.001^2), u ~ U(0, 2^(1/T)) (top layer U(2^(-1/T), 2^(1/T))), clipped
to |u| <= 2^(1/T) after every update, Adam 2e-4, gradient clipping at 10.
LSTM (forget bias 1), GRU and vanilla tanh RNN: 128 units, Adam 1e-3,
clipping at 1; IRNN: 128 units, Adam 1e-4. Batch 32, {steps} (a CPU
budget; the paper trains far longer), 3 seeds, test MSE on 320 sequences.
The matched table adds the Dilated RNN: 7 tanh layers of 36 units with
dilations 1, 2, ..., 64.

    {command}    # these tables
    python experiments/adding/run.py --steps=2000  # about 3 hours on 2 cores
    python experiments/adding/run.py --steps=20000  # the papers' budget

## IndRNN, LSTM, GRU, vanilla, IRNN at 128 units

{main}

![MSE against T](main_eval_mse_vs_seq_len.png)

{against}

## All nine cells at T = 100, about 17k parameters each

{matched}

The gradient through time of these runs, at initialisation and after
training, is in [../gradient_through_time](../gradient_through_time).
"""


def steps_per_length() -> dict[int, int]:
  """--steps as {T: steps}."""
  lengths = [int(length) for length in _LENGTHS.value]
  steps = [int(value) for value in _STEPS.value]
  if len(steps) == 1:
    steps *= len(lengths)
  if len(steps) != len(lengths):
    raise app.UsageError(f'--steps={",".join(_STEPS.value)} needs one value '
                         f'or one per --lengths ({len(lengths)} values)')
  return dict(zip(lengths, steps))


def describe(steps: dict[int, int]) -> str:
  """'2000 steps at T = 100 and 500, 1000 at T = 1000'."""
  by_steps = {}
  for length, count in steps.items():
    by_steps.setdefault(count, []).append(str(length))
  parts = [f'{count} steps at T = {" and ".join(lengths)}'
           for count, lengths in by_steps.items()]
  return ', '.join(parts)


def diverged(workdir: str) -> str:
  """'IRNN at T = 500: 3 of 3 runs diverged; ...' from the run dirs."""
  runs = results.load(workdir)
  parts = []
  for (cell, length), group in runs.groupby(['cell.name', 'task.seq_len']):
    count = int((group['status'] == 'diverged').sum())
    if count:
      parts.append(f'{cell} at T = {length}: {count} of {len(group)}')
  return (' Runs whose loss or gradients stopped being finite (diverged): '
          + '; '.join(parts) + '.') if parts else ''


def against(frame) -> str:
  """The verdict on the IndRNN paper's claim at the longest T run."""
  baseline = 1 / 6
  longest = int(frame['task.seq_len'].max())
  indrnn, lstm = (report.mean(frame, 'eval/mse', cell__name=cell,
                              task__seq_len=longest)
                  for cell in ('indrnn', 'lstm'))
  solved = []
  for length in sorted(frame['task.seq_len'].unique()):
    rows = frame[(frame['task.seq_len'] == length) &
                 (frame['eval/mse mean'] < 0.1 * baseline)]
    solved.append(f'T = {length}: ' + (', '.join(sorted(rows['cell.name']))
                                        or 'none'))
  shortest = int(frame['task.seq_len'].min())
  lstm_short = report.mean(frame, 'eval/mse', cell__name='lstm',
                           task__seq_len=shortest)
  late = (f' The LSTM (forget bias 1, Adam 1e-3) has not left the baseline '
          f'even at T = {shortest} within this budget: it learns the task, '
          'but later (the quick start\'s LSTM solves T = 50 in 3000 steps of '
          'batch 64).' if lstm_short > 0.9 * baseline else '')
  return report.verdict(
      indrnn < 0.1 * baseline and lstm > 0.9 * baseline,
      f'At T = {longest} the IndRNN ends at MSE '
      f'{report.percent_of_baseline(indrnn, baseline)} and the LSTM at '
      f'{report.percent_of_baseline(lstm, baseline)}. Cells below 10% of '
      f'the baseline: {"; ".join(solved)}.' + late)


def main(argv):
  del argv
  steps = steps_per_length()
  main_dir = os.path.join(_RUNS.value, 'main')
  longest = max(steps)
  for length, count in steps.items():
    cells = ('/'.join(_LONGEST_CELLS.value) if length == longest else '')
    report.run_sweep(os.path.join(HERE, f'sweep.py:seq_len={length},'
                                  f'steps={count},cells={cells}'),
                     os.path.join(main_dir, f'T{length}'),
                     workers=_WORKERS.value)
  matched_dir = os.path.join(_RUNS.value, 'matched')
  report.run_sweep(os.path.join(HERE, f'sweep.py:matched=true,'
                                f'steps={steps.get(100, 2000)}'),
                   matched_dir, workers=_WORKERS.value)
  main_table = report.summarize(main_dir, HERE, 'main',
                                by=['cell.name', 'task.seq_len'],
                                x='task.seq_len')
  matched_table = report.summarize(matched_dir, HERE, 'matched',
                                   by=['cell.name', 'model.dilations'])
  report.write(os.path.join(HERE, 'README.md'), README.format(
      steps=describe(steps) + (
          f'; at T = {longest} only {", ".join(_LONGEST_CELLS.value)}'
          if _LONGEST_CELLS.value else ''),
      command=report.command(), main=main_table,
      against=against(report.summary(HERE, 'main')) + diverged(main_dir),
      matched=matched_table))


if __name__ == '__main__':
  app.run(main)
