"""Slot filling: a bidirectional LSTM tagger against a forward one, span F1
on sentences whose templates, or whose slot values, training never saw."""

from rnnzoo import experiment
from rnnzoo import verdicts

METRIC = 'eval/span_f1'
SEEDS = 5
STEPS = 1500


def _arm(holdout, bidirectional):
  name = f"{'bidirectional' if bidirectional else 'forward'}_{holdout}"
  return experiment.Arm(
      name, f'configs/tagging.py:bidirectional={bidirectional},'
      f'holdout={holdout}', seeds=SEEDS, steps=STEPS)


def _bidirectional_wins(holdout):
  return lambda o: verdicts.beats(
      o.sample(f'bidirectional_{holdout}'), o.sample(f'forward_{holdout}'),
      METRIC, higher_is_better=True)


_PAPER = ('Mesnil et al. 2015 (IEEE/ACM TASLP), ATIS slot filling',
          'about 95% F1 for RNN taggers, the bidirectional Jordan network '
          'best (unverified here)',
          'real ATIS requests, a test set of the same kind, there; 20 '
          'templates, 10 slots and held-out values here')
EXPERIMENT = experiment.Experiment(
    name='tagging', metric=METRIC,
    arms=tuple(_arm(h, b) for h in ('values', 'templates')
               for b in (False, True)),
    claims=(
        experiment.Claim('values', 'A bidirectional LSTM tags unseen slot '
                         'values better than a forward LSTM',
                         _bidirectional_wins('values')),
        experiment.Claim('templates', 'A bidirectional LSTM tags requests '
                         'of unseen templates better than a forward LSTM',
                         _bidirectional_wins('templates')),
    ),
    references=(
        experiment.Reference('bidirectional_values', *_PAPER),
    ),
)
