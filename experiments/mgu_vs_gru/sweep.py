"""MGU against GRU on the adding problem at T = 50, bidirectional, 100 units
(arg cell=mgu or gru)."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# pylint: disable=g-import-not-at-top,wrong-import-position
import report
from configs import adding
from rnnzoo import config_util

STEPS = 3000


def get_config(arg=None):
  arg = config_util.parse_arg(arg, cell='mgu', runlocal=False)
  config = adding.get_config(f'cell={arg.cell},seq_len=50,hidden=100,'
                             f'runlocal={arg.runlocal}')
  config.model.bidirectional = True
  if arg.cell == 'gru':
    config.cell.reset_after = False  # the GRU of the MGU paper (eq. 5)
  if arg.runlocal:
    return config
  config.batch_size = 100
  return report.budget(config, STEPS)


def get_sweep(arg=None):
  del arg
  return [{'config_arg': f'cell={cell}', 'seed': seed}
          for cell in ('mgu', 'gru') for seed in range(3)]
