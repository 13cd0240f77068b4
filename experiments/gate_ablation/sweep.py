"""The LSTM with each of its gates fixed to 1 in turn, on the adding problem
(T = 100), copying (T = 100) and a character-level language model (arg
task=adding, copy or char_lm)."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# pylint: disable=g-import-not-at-top,wrong-import-position
import report
from configs import adding
from configs import char_lm
from rnnzoo import config_util
from configs import copy as copy_config


def get_config(arg=None):
  arg = config_util.parse_arg(arg, task='adding', runlocal=False)
  if arg.task == 'adding':
    config = adding.get_config(f'cell=lstm,seq_len=50,'
                               f'runlocal={arg.runlocal}')
    steps = 1500
  elif arg.task == 'copy':
    config = copy_config.get_config(f'cell=lstm,hidden=40,delay=100,'
                                    f'runlocal={arg.runlocal}')
    steps = 2000
  else:
    config = char_lm.get_config(f'cell=lstm,hidden=128,layers=1,seq_len=64,'
                                f'runlocal={arg.runlocal}')
    config.task.path = report.corpus()
    config.batch_size, steps = 32, 1200
  return config if arg.runlocal else report.budget(config, steps)


def get_sweep(arg=None):
  del arg
  return [{'cell.no_gate': gate, 'seed': seed} for gate in ('', 'i', 'f', 'o')
          for seed in range(3)]
