"""Copying memory at T = 100 and 500 (Arjovsky et al. 2016, uRNN, section
5.1; Chang et al. 2017, Dilated RNN, section 4.1)."""

from rnnzoo import experiment
from rnnzoo import verdicts

METRIC = 'eval/ce'
DILATIONS = '/'.join(str(2 ** i) for i in range(9))  # 1, 2, ..., 256
# The uRNN paper's sizes (about 6,500 parameters each) and optimizer:
# RMSProp 1e-3, batch 20 (the config's), gradient clipping at 1.
CELLS = {
    'lstm': 'cell=lstm,hidden=40',
    'vanilla': 'cell=vanilla,hidden=80',
    'dilated': f'cell=vanilla,hidden=20,dilations={DILATIONS}',
}
# "Beats the baseline": a cross-entropy below BEATS x the memoryless one.
BEATS = 0.9


def _arm(cell, delay, steps, suffix=''):
  return experiment.Arm(
      f'{cell}_T{delay}{suffix}',
      f'configs/copy.py:{CELLS[cell]},delay={delay}', seeds=5, steps=steps,
      label=f'{cell}, T = {delay}' + (f', {steps:,} steps' if suffix else ''))


def _beats(arm):
  return lambda o: verdicts.solves(o.sample(arm), o.baseline(arm), METRIC,
                                   higher_is_better=False, fraction=BEATS)


def _does_not_beat(arm):
  return lambda o: verdicts.stays_at_baseline(
      o.sample(arm), o.baseline(arm), METRIC, higher_is_better=False,
      fraction=BEATS)


EXPERIMENT = experiment.Experiment(
    name='copy', metric=METRIC,
    arms=(_arm('lstm', 100, 20_000), _arm('lstm', 100, 60_000, '_60k'),
          _arm('vanilla', 100, 20_000), _arm('dilated', 500, 4000)),
    claims=(
        experiment.Claim('lstm_T100', 'An LSTM beats the memoryless '
                         'baseline at T = 100 (20,000 steps)',
                         _beats('lstm_T100'),
                         needs='5 x 20,000 steps: about 8 minutes here.'),
        experiment.Claim('lstm_T100_60k', 'An LSTM trained three times '
                         'longer (60,000 steps) beats the memoryless '
                         'baseline at T = 100', _beats('lstm_T100_60k'),
                         needs='5 x 60,000 steps: about 25 minutes here.'),
        experiment.Claim('vanilla_T100', 'A tanh RNN does not beat the '
                         'memoryless baseline at T = 100 (20,000 steps)',
                         _does_not_beat('vanilla_T100'),
                         needs='5 x 20,000 steps: about 6 minutes here.'),
        experiment.Claim('dilated_T500', 'A Dilated RNN beats the memoryless '
                         'baseline at T = 500 (4,000 steps)',
                         _beats('dilated_T500'),
                         needs='5 x 4,000 steps at T = 500: about 30 '
                         'minutes here.'),
    ),
    references=(
        experiment.Reference('lstm_T100', 'Arjovsky et al. 2016, Fig. 1',
                             '"able to beat the baseline only for 100 time '
                             'steps" (a curve)', 'none in the setup'),
        experiment.Reference('lstm_T100_60k', 'Henaff et al. 2016',
                             'the LSTM "does eventually converge" '
                             'when trained longer', 'their budget is not '
                             'stated; 60,000 steps here'),
        experiment.Reference('vanilla_T100', 'Arjovsky et al. 2016, Fig. 1',
                             '"almost exactly the same cost as the '
                             'memoryless strategy"', 'none in the setup'),
        experiment.Reference('dilated_T500', 'Chang et al. 2017, Fig. 3',
                             'solves it; non-dilated nets "resort to random '
                             'guessing" (a curve)', 'tanh cells of 20 units '
                             'here; their budget is not stated'),
    ),
    columns=(experiment.Column('copy T=100, CE', {
        'lstm': 'lstm_T100', 'vanilla': 'vanilla_T100'}),
             experiment.Column('copy T=500, CE', {
                 'dilated': 'dilated_T500'})),
)
