"""The experiments' arms that compare cells at matched parameters have them:
the newer cells against the arm they join, within the stated margin."""

import jax
import pytest

from experiments import ROOT
from experiments.adding import spec as adding
from experiments.copy import spec as copy
from rnnzoo import models
from rnnzoo import tasks


def _num_params(experiment, arm):
  config = experiment.arm(arm).configs(ROOT)[0]
  task = tasks.get(**dict(config.task))
  net = models.of(config).build(config, task)
  batch = task.sample(jax.random.PRNGKey(0), 2)
  shapes = jax.eval_shape(lambda: net.init(jax.random.PRNGKey(0), batch,
                                           train=True))
  return net.num_params(shapes)


@pytest.mark.parametrize('cell', sorted(adding.ZOO_T100))
def test_adding_zoo_arms_match_the_irnn_within_two_percent(cell):
  irnn = _num_params(adding.EXPERIMENT, 'irnn_T100')
  assert irnn == 16_897
  ratio = _num_params(adding.EXPERIMENT, f'{cell}_T100') / irnn
  assert abs(ratio - 1) < 0.02


@pytest.mark.parametrize('cell', sorted(copy.ZOO))
def test_copy_zoo_arms_match_the_lstm_within_three_percent(cell):
  lstm = _num_params(copy.EXPERIMENT, 'lstm_T100')
  assert lstm == 8_529
  ratio = _num_params(copy.EXPERIMENT, f'{cell}_T100') / lstm
  assert abs(ratio - 1) < 0.03


def test_the_lstm_at_t1000_matches_the_exprnn_within_two_percent():
  exprnn = _num_params(copy.EXPERIMENT, 'exprnn_T1000')
  for lr in copy.LSTM_T1000_RATES:
    ratio = _num_params(copy.EXPERIMENT, f'lstm_T1000_lr{lr:g}') / exprnn
    assert abs(ratio - 1) < 0.02
