"""The adding problem at T = 50 for a tanh RNN and an LSTM trained by SGD
at four learning rates, without gradient clipping and with global-norm
clipping at 1."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# pylint: disable=g-import-not-at-top,wrong-import-position
import report
from configs import adding
from rnnzoo import config_util

STEPS = 5000
SEQ_LEN = 50
RATES = (0.03, 0.1, 0.3, 1.0)
CLIP_NORM = 1.0


def get_config(arg=None):
  arg = config_util.parse_arg(arg, cell='lstm', runlocal=False)
  config = adding.get_config(f'cell={arg.cell},hidden=64,seq_len={SEQ_LEN},'
                             f'runlocal={arg.runlocal}')
  config.optim = config_util.optim('sgd', lr=0.1, momentum=0.9)
  if arg.runlocal:
    return config
  config.batch_size = 16
  return report.budget(config, STEPS, 5)


def get_sweep(arg=None):
  del arg
  return [{'config_arg': f'cell={cell}', 'optim.lr': lr,
           'optim.clip_norm': clip, 'seed': seed}
          for cell in ('vanilla', 'lstm') for lr in RATES
          for clip in (0.0, CLIP_NORM) for seed in range(3)]
