"""LSTM with forget-gate bias 0 or 1, and the GRU, on copying (T = 100) and
on character-level language modelling (arg task=copy or char_lm)."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# pylint: disable=g-import-not-at-top,wrong-import-position
import report
from configs import char_lm
from rnnzoo import config_util
from configs import copy as copy_config

VARIANTS = ({'config_arg': 'cell=lstm', 'cell.forget_bias': 0.0},
            {'config_arg': 'cell=lstm', 'cell.forget_bias': 1.0},
            {'config_arg': 'cell=gru'})


def get_config(arg=None):
  arg = config_util.parse_arg(arg, task='copy', cell='lstm', runlocal=False)
  if arg.task == 'copy':
    hidden = 40 if arg.cell == 'lstm' else 46  # about 8.5k parameters
    config = copy_config.get_config(
        f'cell={arg.cell},hidden={hidden},delay=100,runlocal={arg.runlocal}')
    steps = 2000
  else:
    hidden = 128 if arg.cell == 'lstm' else 148  # about 115k parameters
    config = char_lm.get_config(f'cell={arg.cell},hidden={hidden},layers=1,'
                                f'seq_len=64,runlocal={arg.runlocal}')
    config.task.path = report.corpus()
    config.batch_size = 32
    steps = 1500
  return config if arg.runlocal else report.budget(config, steps)


def get_sweep(arg=None):
  del arg
  return [dict(variant, seed=seed) for variant in VARIANTS
          for seed in range(3)]
