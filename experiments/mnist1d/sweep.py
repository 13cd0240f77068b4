"""MNIST-1D: every cell at a matched budget of about 13.5k parameters.

Run through experiments/mnist1d/run.py. The arg takes cell, shuffle and
runlocal (as configs/mnist1d.py); the hidden size comes from HIDDEN.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
# pylint: disable=g-import-not-at-top,wrong-import-position
from rnnzoo import config_util
from configs import mnist1d

# Hidden sizes that give each cell about 13.5k parameters with the readout
# (IndRNN in two layers: one elementwise layer cannot mix its units). The
# Dilated RNN is the paper's 9 x 20 vanilla layers, dilations 1..256 (7.2k).
HIDDEN = {'vanilla': 110, 'irnn': 110, 'lstm': 56, 'peephole': 56, 'gru': 64,
          'mgu': 78, 'ran': 78, 'indrnn': 108, 'cwrnn': 138, 'dilated': 20}
DILATIONS = tuple(2 ** i for i in range(9))
STEPS = 3000


def get_config(arg=None):
  arg = config_util.parse_arg(arg, cell='gru', shuffle=False, runlocal=False)
  layers = {'indrnn': 2, 'dilated': len(DILATIONS)}.get(arg.cell, 1)
  cell = 'vanilla' if arg.cell == 'dilated' else arg.cell
  config = mnist1d.get_config(
      f'cell={cell},hidden={HIDDEN[arg.cell]},layers={layers},'
      f'shuffle={arg.shuffle},runlocal={arg.runlocal}')
  if arg.cell == 'dilated':
    config.model.dilations = DILATIONS
  if arg.cell == 'cwrnn':
    config.cell.periods = (1, 2, 4, 8, 16, 32)
  if arg.cell == 'irnn':
    config.optim.lr = 3e-4  # the IRNN needs a small learning rate
  if not arg.runlocal:
    config.num_steps = STEPS
    config.log.eval_every = 500
    config.log.checkpoint_every = STEPS
  return config


def get_sweep(arg=None):
  del arg
  return [{'config_arg': f'cell={cell}', 'seed': seed}
          for cell in HIDDEN for seed in range(3)]
