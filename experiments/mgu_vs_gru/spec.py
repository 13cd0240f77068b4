"""MGU against GRU (Zhou et al. 2016, section 4.1), unidirectional at
T = 100, ten seeds each, an equivalence test."""

from rnnzoo import experiment
from rnnzoo import verdicts

METRIC = 'eval/mse'
SEEDS = 10
STEPS = 2000


def _arm(cell, **overrides):
  return experiment.Arm(
      cell, f'configs/adding.py:cell={cell},seq_len=100,hidden=100',
      {'batch_size': 32, **overrides}, seeds=SEEDS, steps=STEPS)


def _matches(o):
  return verdicts.matches(o.sample('mgu'), o.sample('gru'), o.baseline('gru'),
                          METRIC)


EXPERIMENT = experiment.Experiment(
    name='mgu_vs_gru', metric=METRIC,
    # The GRU of the MGU paper (eq. 5): the reset gate before the matmul.
    arms=(_arm('mgu'), _arm('gru', **{'cell.reset_after': False})),
    claims=(experiment.Claim(
        'matches', 'The MGU matches the GRU with two thirds of the '
        'parameters', _matches,
        needs=f'{2 * SEEDS} x {STEPS} steps: about 25 minutes here.'),),
    references=(
        experiment.Reference('mgu', 'Zhou et al. 2016, Table 1', '0.0045 '
                             '(41,400 parameters)', 'bidirectional, T = 50 '
                             'to 55, 1000 epochs there; unidirectional, '
                             'T = 100, 2,000 steps of 32 here'),
        experiment.Reference('gru', 'Zhou et al. 2016, Table 1', '0.0041 '
                             '(62,000 parameters)', 'as above'),
    ),
)
