"""Selective copying (Feng et al. 2024, section 4.1; the task of Gu & Dao
2023): minGRU and minLSTM at three layers, one minGRU layer, and an LSTM
with the parameters of the three-layer minGRU."""

from rnnzoo import experiment
from rnnzoo import verdicts

METRIC = 'eval/accuracy'
STEPS = 12_000
SEEDS = 3
# About 27,000 parameters each, but the one-layer minGRU (the same width).
ARMS = {
    'mingru_L3': ('cell=mingru,layers=3,hidden=64', 'minGRU, 3 x 64'),
    'minlstm_L3': ('cell=minlstm,layers=3,hidden=52', 'minLSTM, 3 x 52'),
    'mingru_L1': ('cell=mingru,layers=1,hidden=64', 'minGRU, 1 x 64'),
    'lstm_L1': ('cell=lstm,layers=1,hidden=56', 'LSTM, 1 x 56'),
}
# "Solves": a token accuracy within a tenth of the gap from 1 to chance
# (1/14), i.e. above 0.907.
SOLVES = 0.1


def _arm(name):
  arg, label = ARMS[name]
  return experiment.Arm(name, f'configs/selective_copy.py:{arg}',
                        seeds=SEEDS, steps=STEPS, label=label)


def _solves(arm):
  return lambda o: verdicts.solves(o.sample(arm), o.baseline(arm), METRIC,
                                   higher_is_better=True, fraction=SOLVES)


def _depth_helps(o):
  return verdicts.beats(o.sample('mingru_L3'), o.sample('mingru_L1'), METRIC,
                        higher_is_better=True)


# "Matches" within a tenth of the minGRU's gain over chance (about 9 points
# of token accuracy), as for the cells near the ceiling of MNIST-1D: a
# quarter would let a 20-point gap pass.
MATCH_MARGIN = 0.1


def _lstm_matches(o):
  return verdicts.matches(o.sample('lstm_L1'), o.sample('mingru_L3'),
                          o.baseline('mingru_L3'), METRIC,
                          margin=MATCH_MARGIN)


_COST = f'{SEEDS} x {STEPS:,} steps'
EXPERIMENT = experiment.Experiment(
    name='selective_copy', metric=METRIC,
    arms=tuple(_arm(name) for name in ARMS),
    claims=(
        experiment.Claim('mingru', 'A three-layer minGRU solves selective '
                         'copying', _solves('mingru_L3'),
                         needs=f'{_COST}: about 30 minutes here.'),
        experiment.Claim('minlstm', 'A three-layer minLSTM solves selective '
                         'copying', _solves('minlstm_L3'),
                         needs=f'{_COST}: about 40 minutes here.'),
        experiment.Claim('depth', 'Three minGRU layers beat one',
                         _depth_helps,
                         needs=f'{_COST} for each minGRU: about 35 '
                         'minutes here.'),
        experiment.Claim('lstm', 'An LSTM with as many parameters matches '
                         'the three-layer minGRU', _lstm_matches,
                         needs=f'{_COST}: about 10 minutes here.'),
    ),
    references=(
        experiment.Reference('mingru_L3', 'Feng et al. 2024, Table 1',
                             'about 99% (3 layers; unverified here)',
                             'length 4096 with 16 tokens and residual '
                             'blocks with normalisation there; 64 noise '
                             'steps, 8 tokens and plain stacked layers '
                             'here'),
        experiment.Reference('minlstm_L3', 'Feng et al. 2024, Table 1',
                             'about 99% (3 layers; unverified here)',
                             'as above'),
        experiment.Reference('mingru_L1', 'Feng et al. 2024, Table 1',
                             'about 37% (1 layer; unverified here)',
                             'as above'),
    ),
)
