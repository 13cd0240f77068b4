"""The adding experiment's newer cells have the parameters of the IRNN arm."""

import jax
import pytest

from experiments import ROOT
from experiments.adding import spec
from rnnzoo import models
from rnnzoo import tasks


def _num_params(arm):
  config = spec.EXPERIMENT.arm(arm).configs(ROOT)[0]
  task = tasks.get(**dict(config.task))
  net = models.of(config).build(config, task)
  batch = task.sample(jax.random.PRNGKey(0), 2)
  shapes = jax.eval_shape(lambda: net.init(jax.random.PRNGKey(0), batch,
                                           train=True))
  return net.num_params(shapes)


@pytest.mark.parametrize('cell', sorted(spec.ZOO_T100))
def test_zoo_arms_match_the_irnn_within_two_percent(cell):
  irnn = _num_params('irnn_T100')
  assert irnn == 16_897
  assert abs(_num_params(f'{cell}_T100') / irnn - 1) < 0.02
