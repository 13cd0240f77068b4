"""The adding problem at T = 1000 for a vanilla RNN and an LSTM, without
gradient clipping and with global-norm clipping at 10, 1 and 0.1."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# pylint: disable=g-import-not-at-top,wrong-import-position
import report
from configs import adding
from configs import common

STEPS = 1000


def get_config(arg=None):
  arg = common.parse_arg(arg, cell='lstm', runlocal=False)
  config = adding.get_config(f'cell={arg.cell},hidden=64,seq_len=1000,'
                             f'runlocal={arg.runlocal}')
  config.optim = common.optim('sgd', lr=0.01, momentum=0.9)
  if arg.runlocal:
    return config
  config.batch_size = 16
  return report.budget(config, STEPS, 5)


def get_sweep(arg=None):
  del arg
  return [{'config_arg': f'cell={cell}', 'optim.clip_norm': clip, 'seed': seed}
          for cell in ('vanilla', 'lstm') for clip in (0.0, 10.0, 1.0, 0.1)
          for seed in range(3)]
