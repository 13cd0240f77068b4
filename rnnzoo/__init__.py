"""rnnzoo: recurrent cells in JAX, run faithfully and fast, compared honestly.

  from rnnzoo import cells, recurrence
  cell = cells.get('lstm', forget_bias=1.0)
  params = cell.init(jax.random.key(0), input_size, hidden_size)
  ys, carry = recurrence.unroll(cell, params, xs)   # xs: [T, B, D]

  from rnnzoo import config_util, train, results
  config = config_util.load('configs/copy.py:cell=gru')
  train.train_and_evaluate(config, workdir)
  results.summarize(results.load(workdir))

Modules: cells (the registry of cells), recurrence (running them over
sequences), tasks (the registry of tasks), models (the registry of
networks: the RNN, an MLP, a gated convolutional network), optim (the
optimizer of a config), config_util (building, loading and overriding
configs), assembly (a config checked and built once), train (the train
loop), rundir (the run directory's files), sweep (sweeps), results (tables
and plots of run dirs), diagnostics (gradient through time, gates), launch
(the command line). `rnnzoo.results` is imported on use: it is
also the command `python -m rnnzoo.results`.
"""

__version__ = '0.2.0'

from rnnzoo import assembly
from rnnzoo import cells
from rnnzoo import config_util
from rnnzoo import diagnostics
from rnnzoo import models
from rnnzoo import optim
from rnnzoo import recurrence
from rnnzoo import rundir
from rnnzoo import sweep
from rnnzoo import tasks
from rnnzoo import train

__all__ = ['assembly', 'cells', 'config_util', 'diagnostics', 'models', 'optim',
           'recurrence', 'results', 'rundir', 'sweep', 'tasks', 'train']  # pylint: disable=undefined-all-variable
