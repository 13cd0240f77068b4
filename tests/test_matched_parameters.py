"""The experiments' arms that compare cells at matched parameters have them:
the newer cells against the arm they join, within the stated margin."""

import jax
import pytest

from experiments import ROOT
from experiments.adding import spec as adding
from experiments.copy import spec as copy
from experiments.mnist1d import spec as mnist1d
from rnnzoo import models
from rnnzoo import tasks


def _num_params(experiment, arm):
  config = experiment.arm(arm).configs(ROOT)[0]
  task = tasks.get(**dict(config.task))
  net = models.of(config).build(config, task)
  batch = task.prepare(task.eval_items(0, 2)[0], 2)
  shapes = jax.eval_shape(lambda: net.init(jax.random.PRNGKey(0), batch,
                                           train=True))
  return net.num_params(shapes)


# (experiment, its newer cell arm, the arm it matches, that arm's count,
# the margin)
ZOO_ARMS = ([(adding.EXPERIMENT, f'{cell}_T100', 'irnn_T100', 16_897, 0.02)
             for cell in sorted(adding.ZOO_T100)] +
            [(copy.EXPERIMENT, f'{cell}_T100', 'lstm_T100', 8_529, 0.03)
             for cell in sorted(copy.ZOO)] +
            [(mnist1d.EXPERIMENT, f'{cell}_plain', 'vanilla_plain', 13_430,
              0.035) for cell in sorted(mnist1d.SIZES)])


@pytest.mark.parametrize('experiment,arm,reference,count,margin', ZOO_ARMS,
                         ids=[f'{e.name}-{a}' for e, a, *_ in ZOO_ARMS])
def test_zoo_arms_match_the_arm_they_join(experiment, arm, reference, count,
                                          margin):
  assert _num_params(experiment, reference) == count
  assert abs(_num_params(experiment, arm) / count - 1) < margin


def test_the_lstm_at_t1000_matches_the_exprnn_within_two_percent():
  exprnn = _num_params(copy.EXPERIMENT, 'exprnn_T1000')
  for lr in copy.LSTM_T1000_RATES:
    ratio = _num_params(copy.EXPERIMENT, f'lstm_T1000_lr{lr:g}') / exprnn
    assert abs(ratio - 1) < 0.02
