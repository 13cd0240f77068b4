"""A 2-layer LSTM language model of a local text without dropout, with
per-step dropout between layers, and with variational dropout."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# pylint: disable=g-import-not-at-top,wrong-import-position
import report
from configs import char_lm
from rnnzoo import config_util

RATE = 0.3
STEPS = 3000


def get_config(arg=None):
  arg = config_util.parse_arg(arg, runlocal=False)
  config = char_lm.get_config(f'cell=lstm,hidden=128,layers=2,seq_len=64,'
                              f'runlocal={arg.runlocal}')
  config.task.path = report.corpus()
  config.batch_size = 32
  return config if arg.runlocal else report.budget(config, STEPS, 20)


def get_sweep(arg=None):
  del arg
  kinds = ({'model.dropout': 0.0},
           {'model.dropout': RATE, 'model.dropout_kind': 'per_step'},
           {'model.dropout': RATE, 'model.dropout_kind': 'variational',
            'model.recurrent_dropout': RATE})
  return [dict(kind, seed=seed) for kind in kinds for seed in range(3)]
