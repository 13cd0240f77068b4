"""Bidirectional networks against forward ones, with and without the delay
that lets a forward network see the future (Schuster & Paliwal 1997)."""

from rnnzoo import experiment
from rnnzoo import verdicts

METRIC = 'eval/accuracy'
SEEDS = 5
SHIFT = 5


def _arm(name, bidirectional, delay):
  return experiment.Arm(
      name, f'configs/lookahead.py:bidirectional={bidirectional},'
      f'shift={SHIFT},delay={delay}', seeds=SEEDS, steps=1500)


def _solves(arm):
  return lambda o: verdicts.solves(o.sample(arm), o.baseline(arm), METRIC,
                                   higher_is_better=True)


def _matches_delayed(o):
  return verdicts.matches(o.sample('bidirectional'),
                          o.sample('forward_delayed'),
                          o.baseline('forward_delayed'), METRIC)


EXPERIMENT = experiment.Experiment(
    name='bidirectional', metric=METRIC,
    arms=(_arm('forward', False, 0), _arm('bidirectional', True, 0),
          _arm('forward_delayed', False, SHIFT)),
    claims=(
        experiment.Claim('bidirectional', 'A bidirectional GRU labels each '
                         'step with a symbol it has not reached yet',
                         _solves('bidirectional')),
        experiment.Claim('delayed', 'A bidirectional GRU does as well as a '
                         'forward GRU allowed to answer 5 steps late',
                         _matches_delayed),
    ),
)
