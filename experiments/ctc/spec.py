"""CTC on noisy digit frames: bidirectional LSTM and GRU against forward
ones, by the label error rate of best-path decoding."""

from rnnzoo import experiment
from rnnzoo import verdicts

METRIC = 'eval/label_error_rate'
SEEDS = 3
STEPS = 2000


def _arm(cell, bidirectional):
  name = f"{cell}_{'bidirectional' if bidirectional else 'forward'}"
  return experiment.Arm(
      name, f'configs/ctc.py:cell={cell},bidirectional={bidirectional}',
      seeds=SEEDS, steps=STEPS)


def _bidirectional_wins(cell):
  return lambda o: verdicts.beats(
      o.sample(f'{cell}_bidirectional'), o.sample(f'{cell}_forward'),
      METRIC, higher_is_better=False)


_COST = f'{SEEDS} x {STEPS:,} steps per arm'
EXPERIMENT = experiment.Experiment(
    name='ctc', metric=METRIC,
    arms=tuple(_arm(c, b) for c in ('lstm', 'gru') for b in (False, True)),
    claims=(
        experiment.Claim('lstm', 'A bidirectional LSTM reads the digits '
                         'with fewer label errors than a forward LSTM',
                         _bidirectional_wins('lstm'),
                         needs=f'{_COST}: about 9 minutes here for each '
                         'arm (1,000 steps took 85 s forward and 93 s '
                         'bidirectional on one shared core).'),
        experiment.Claim('gru', 'A bidirectional GRU reads the digits with '
                         'fewer label errors than a forward GRU',
                         _bidirectional_wins('gru'),
                         needs=f'{_COST}: about 9 minutes here for each '
                         'arm, judging by the LSTM\'s time.'),
    ),
    references=(
        experiment.Reference('lstm_bidirectional',
                             'Graves et al. 2006, Table 1 (TIMIT)',
                             'label error rate 31.47% (BLSTM, CTC, best '
                             'path; unverified here)',
                             'TIMIT phonemes from speech with a BLSTM alone '
                             'there; ten digits from noisy template frames '
                             'here'),
    ),
)
