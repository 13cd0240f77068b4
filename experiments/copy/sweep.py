"""Copying memory (uRNN variant) for experiments/copy/run.py.

arg: cell, delay, steps, runlocal. Sizes follow Arjovsky et al. 2016
(LSTM 40, RNN and IRNN 80 units) and give the other cells a similar count
(7k-8.5k parameters); the Dilated RNN is 9 vanilla layers of 20 units with
dilations 1, 2, ..., 256 (Chang et al. 2017). RMSProp 1e-3, batch 20,
gradient clipping at 1 (the uRNN code clips its baselines at 1).
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
# pylint: disable=g-import-not-at-top,wrong-import-position
from rnnzoo import config_util
from configs import copy as copy_config

# cell name in the sweep -> its config arg
CELLS = {
    'lstm': 'cell=lstm,hidden=40',
    'gru': 'cell=gru,hidden=46',
    'vanilla': 'cell=vanilla,hidden=80',
    'irnn': 'cell=irnn,hidden=80',
    'indrnn': 'cell=indrnn,hidden=80,layers=2',
    'cwrnn': 'cell=cwrnn,hidden=96',
    'dilated': 'cell=vanilla,hidden=20,dilations=' + '/'.join(
        str(2 ** i) for i in range(9)),
}


def get_config(arg=None):
  arg = config_util.parse_arg(arg, cell='lstm', delay=100, steps=4000,
                         runlocal=False)
  config = copy_config.get_config(
      f'{CELLS[arg.cell]},delay={arg.delay},runlocal={arg.runlocal}')
  if arg.cell == 'irnn':
    config.optim.lr = 1e-4
  if not arg.runlocal:
    config.num_steps = arg.steps
    config.log = config_util.log(every=50, eval_every=arg.steps // 10,
                            checkpoint_every=arg.steps // 4)
  return config


def get_sweep(arg=None):
  del arg
  return [{'config_arg': f'cell={cell}', 'seed': seed}
          for cell in CELLS for seed in range(3)]
