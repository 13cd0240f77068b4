"""Copying memory at T = 100 and 500 (Arjovsky et al. 2016, uRNN, section
5.1; Chang et al. 2017, Dilated RNN, section 4.1)."""

from experiments import authors
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

# The newer cells at T = 100, sized to the LSTM's 8,529 parameters (within
# 3%) and trained as it is; the cells linear in their state two layers deep,
# the QRNN over two steps, as in the adding table. The expRNN's skew
# parameter learns at a tenth of the rate, as its authors train it.
ZOO = {'mingru': (58, 2), 'minlstm': (46, 2), 'qrnn': (32, 2),
       'sru': (45, 2), 'exprnn': (112, 1), 'nested_lstm': (24, 1),
       'mist': (56, 1), 'jordan': (60, 1), 'scrn': (90, 1)}

# T = 1000 as the expRNN's authors run it (lezcano/expRNN, 1_copying.py):
# 190 units, batch 128, 4,000 steps, RMSProp (decay 0.99) 2e-4 and 2e-5 on
# the skew parameter, no clipping; against an LSTM with as many parameters
# (67 units) at two learning rates, the better one counting.
T1000 = {'batch_size': 128, 'optim.decay': 0.99, 'optim.clip_norm': 0.0}
LSTM_T1000_RATES = (1e-3, 2e-4)


def _arm(cell, delay, steps, suffix=''):
  return experiment.Arm(
      f'{cell}_T{delay}{suffix}',
      f'configs/copy.py:{CELLS[cell]},delay={delay}', seeds=5, steps=steps,
      label=f'{cell}, T = {delay}' + (f', {steps:,} steps' if suffix else ''))


def _zoo_arm(cell):
  hidden, layers = ZOO[cell]
  return experiment.Arm(
      f'{cell}_T100', f'configs/copy.py:cell={cell},hidden={hidden},'
      f'layers={layers},delay=100', authors.options(cell), seeds=3,
      steps=20_000,
      label=f'{cell} ({layers} x {hidden})' if layers > 1 else
      f'{cell} ({hidden})')


def _t1000_arms():
  yield experiment.Arm(
      'exprnn_T1000', 'configs/copy.py:cell=exprnn,hidden=190,delay=1000',
      {**T1000, **authors.options('exprnn'), 'optim.lr': 2e-4}, seeds=3,
      steps=4000,
      label='exprnn (190), T = 1000')
  for lr in LSTM_T1000_RATES:
    yield experiment.Arm(
        f'lstm_T1000_lr{lr:g}', 'configs/copy.py:cell=lstm,hidden=67,'
        'delay=1000', {**T1000, 'optim.lr': lr}, seeds=3, steps=4000,
        label=f'lstm (67), T = 1000, lr {lr:g}')


def _best_lstm_t1000(o):
  return o.best_arm([f'lstm_T1000_lr{lr:g}' for lr in LSTM_T1000_RATES])


def _beats(arm, fraction=BEATS):
  return lambda o: verdicts.solves(o.sample(arm), o.baseline(arm), METRIC,
                                   higher_is_better=False, fraction=fraction)


def _does_not_beat(arm):
  def rule(o):
    name = arm(o) if callable(arm) else arm
    return verdicts.stays_at_baseline(
        o.sample(name), o.baseline(name), METRIC, higher_is_better=False,
        fraction=BEATS)
  return rule


EXPERIMENT = experiment.Experiment(
    name='copy', metric=METRIC,
    arms=(_arm('lstm', 100, 20_000), _arm('lstm', 100, 60_000, '_60k'),
          _arm('vanilla', 100, 20_000), _arm('dilated', 500, 4000),
          *(_zoo_arm(cell) for cell in ZOO), *_t1000_arms()),
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
        experiment.Claim('exprnn_T1000', 'An expRNN solves copying at '
                         'T = 1000 (a cross-entropy below a tenth of the '
                         "memoryless one) in its authors' 4,000 steps",
                         _beats('exprnn_T1000', fraction=0.1),
                         needs='3 x 4,000 steps of batch 128 at T = 1000: '
                         'about 2 hours a seed on one core here '
                         '(0.6 steps/s), or a GPU.'),
        experiment.Claim('lstm_T1000', 'An LSTM with as many parameters '
                         'does not beat the memoryless baseline at T = 1000 '
                         'in the same budget (its better of two learning '
                         'rates)', _does_not_beat(_best_lstm_t1000),
                         needs='6 x 4,000 steps of batch 128 at T = 1000: '
                         'one to two hours a seed on one core '
                         'here, or a GPU.'),
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
        experiment.Reference('exprnn_T1000', 'Lezcano-Casado & Martinez-'
                             'Rubio 2019, copying problem (a figure)',
                             'converges to zero cross-entropy at L = 1000 '
                             '(a curve)', 'their code\'s setup; their '
                             'figure was not checked here'),
        experiment.Reference(tuple(f'lstm_T1000_lr{lr:g}'
                                   for lr in LSTM_T1000_RATES),
                             'Lezcano-Casado & Martinez-Rubio 2019, copying '
                             'problem (a figure)', 'the LSTM stays at the '
                             'memoryless baseline at L = 1000 (a curve)',
                             'as many parameters as their expRNN here (67 '
                             'units), the better of two rates; their LSTM\'s '
                             'size and the figure were not checked here',
                             setting='lstm, T = 1000, best rate'),
    ),
    plots={'curves': ('lstm_T100', 'lstm_T100_60k', 'vanilla_T100',
                      'dilated_T500'),
           'curves_zoo_T100': tuple(f'{cell}_T100' for cell in ZOO),
           'curves_T1000': ('exprnn_T1000', *(f'lstm_T1000_lr{lr:g}'
                                              for lr in LSTM_T1000_RATES))},
    columns=(experiment.Column('copy T=100, CE', {
        'lstm': 'lstm_T100', 'vanilla': 'vanilla_T100',
        **{cell: f'{cell}_T100' for cell in ZOO}}),
             experiment.Column('copy T=500, CE', {
                 'dilated': 'dilated_T500'}),
             experiment.Column('copy T=1000, CE', {
                 'exprnn': 'exprnn_T1000',
                 'lstm': tuple(f'lstm_T1000_lr{lr:g}'
                               for lr in LSTM_T1000_RATES)})),
)
