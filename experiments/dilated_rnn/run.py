r"""The Dilated RNN (9 x 20 vanilla, dilations 1..256): on permuted pixel
MNIST where its TFDS data is prepared, and the same architecture's rows of
the MNIST-1D and copying experiments; writes the README.

  python experiments/dilated_rnn/run.py [--data_dir=DIR] [--steps=5000]
"""

import os
import sys

from absl import app
from absl import flags

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# pylint: disable=g-import-not-at-top,wrong-import-position
import report
from rnnzoo.tasks import base

HERE = os.path.dirname(os.path.abspath(__file__))
_WORKERS = flags.DEFINE_integer('workers', 1, 'Processes.')
_DATA_DIR = flags.DEFINE_string('data_dir', '', 'Where TFDS mnist is '
                                '(prepared as ArrayRecord); default TFDS\'s.')
_STEPS = flags.DEFINE_integer('steps', 5000, 'Training steps.')
_RUNS = flags.DEFINE_string('runs', os.path.join(report.ROOT, 'runs',
                                                 'dilated_rnn'),
                            'Where the run dirs go.')

README = """# The Dilated RNN: 9 vanilla layers of 20 units, dilations 1 to 256

**Claim.** Chang et al. 2017 ("Dilated recurrent neural networks",
NeurIPS) report 96.1% test accuracy on permuted pixel MNIST for this
network (98.0% in pixel order; numbers as cited in the S4 paper's Table 12),
and a Dilated RNN that solves copying at T = 500 and 1000 where
non-dilated networks "resort to random guessing". The official demo
(RMSProp 1e-3, batch 128) reached 94.3% on permuted MNIST after 5k
iterations in a third-party re-run of its code.

**Setup.** `sweep.py`: permuted pixel MNIST (784 steps, the demo's
permutation seed 92916), 9 x 20 vanilla tanh layers with dilations 1, 2,
..., 256, readout at the last step, RMSProp 1e-3, batch 128, gradient
clipping at 1, {steps} steps, 3 seeds.

    python experiments/dilated_rnn/run.py --data_dir=DIR   # about 1 h per seed on 2 CPU cores

## Permuted pixel MNIST

{pmnist}

## The same architecture on MNIST-1D and on copying

From [../mnist1d](../mnist1d) (40 steps, dilations up to 256, so the top
layers see one step each) and [../copy](../copy); every other cell of those
experiments is in their READMEs.

{others}

{against}
"""


def mnist_available() -> str:
  """'' if TFDS mnist opens, else why not."""
  try:
    base.load_tfds('mnist', 'test', _DATA_DIR.value, download=False)
  except FileNotFoundError as error:
    return str(error)
  return ''


def dilated_row(experiment: str, csv: str, metric: str) -> str:
  """The Markdown row of the Dilated RNN in an experiment's summary."""
  frame = report.summary(os.path.join(HERE, '..', experiment), csv)
  if 'model.dilations' in frame:
    row = frame[frame['model.dilations'].astype(str).str.contains(',')]
  else:  # a summary by layer count: the 9-layer rows
    row = frame[frame['model.num_layers'] == 9]
  row = row.iloc[0]
  return (f'| {experiment}, {csv} | {metric} | {row[f"{metric} mean"]:.4g} '
          f'± {row[f"{metric} std"]:.2g} | {row[f"baseline:{metric}"]:.4g} | '
          f'{int(row["num_params"]):,} |')


def main(argv):
  del argv
  missing = mnist_available()
  if missing:
    pmnist = (f'Not run here: {missing}. The table of a run replaces this '
              'paragraph.')
  else:
    workdir = _RUNS.value
    report.run_sweep(os.path.join(
        HERE, f'sweep.py:data_dir={_DATA_DIR.value},steps={_STEPS.value}'),
        workdir, workers=_WORKERS.value)
    pmnist = report.summarize(workdir, HERE, 'pmnist', by=['task.order'])
  sources = (('mnist1d', 'plain', 'eval/accuracy'),
             ('mnist1d', 'shuffled', 'eval/accuracy'),
             ('copy', 'T100', 'eval/ce'), ('copy', 'T500', 'eval/ce'))
  others = '\n'.join(
      ['| experiment | metric | Dilated RNN | baseline | params |',
       '| --- | --- | --- | --- | --- |'] +
      [dilated_row(*source) for source in sources
       if os.path.exists(os.path.join(HERE, '..', source[0],
                                      f'{source[1]}.csv'))])
  report.write(os.path.join(HERE, 'README.md'), README.format(
      steps=_STEPS.value, pmnist=pmnist, others=others,
      against=against()))


def against() -> str:
  """The copying claim at T = 500, where that experiment has run."""
  path = os.path.join(HERE, '..', 'copy', 'T500.csv')
  if not os.path.exists(path):
    return ''
  frame = report.summary(os.path.join(HERE, '..', 'copy'), 'T500')
  dilated = frame['model.dilations'].astype(str).str.contains(',')
  ce = float(frame[dilated]['eval/ce mean'].iloc[0])
  baseline = float(frame[dilated]['baseline:eval/ce'].iloc[0])
  others = frame[~dilated]
  best = others.loc[others['eval/ce mean'].idxmin()]
  return report.verdict(
      ce < 0.9 * baseline and ce < best['eval/ce mean'],
      f'Copying at T = 500: the Dilated RNN ends at cross-entropy '
      f'{report.percent_of_baseline(ce, baseline)}; the best non-dilated '
      f'cell, {best["cell.name"]}, at '
      f'{report.percent_of_baseline(best["eval/ce mean"], baseline)}.')


if __name__ == '__main__':
  app.run(main)
