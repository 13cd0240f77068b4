"""The adding problem (halves variant) for experiments/adding/run.py.

arg: cell, seq_len, steps, matched (the nine cells at ~17k parameters
instead of 128 units each), cells (the sweep's cells, '/'-separated),
runlocal. Batch 32, evaluation on 10 batches of
32, diagnostics (gradient through time, gates) at the first and last step.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
# pylint: disable=g-import-not-at-top,wrong-import-position
from configs import adding
from rnnzoo import config_util

# IndRNN paper, 5.1: 2-layer IndRNN against 1-layer RNN, IRNN and LSTM of
# 128 units (here also the GRU).
MAIN = ('indrnn', 'lstm', 'gru', 'vanilla', 'irnn')
# Hidden sizes that give each cell about 17k parameters, the 2-layer
# IndRNN's count (IndRNN paper: RNN 16K, LSTM 67K, 2-layer IndRNN 17K).
MATCHED = {'vanilla': 128, 'irnn': 128, 'lstm': 64, 'peephole': 64,
           'gru': 74, 'mgu': 91, 'ran': 90, 'indrnn': 128, 'cwrnn': 168,
           'dilated': 36}
# The Dilated RNN: tanh layers with dilations 1, 2, ..., 64 (< T = 100).
DILATIONS = tuple(2 ** i for i in range(7))


def _parse(arg):
  return config_util.parse_arg(arg, cell='lstm', seq_len=100, steps=2000,
                          matched=False, cells='', runlocal=False)


def get_config(arg=None):
  arg = _parse(arg)
  hidden = MATCHED[arg.cell] if arg.matched else 128
  cell = 'vanilla' if arg.cell == 'dilated' else arg.cell
  config = adding.get_config(f'cell={cell},seq_len={arg.seq_len},'
                             f'hidden={hidden},runlocal={arg.runlocal}')
  if arg.cell == 'dilated':
    config.model.num_layers = len(DILATIONS)
    config.model.dilations = DILATIONS
  if not arg.runlocal:
    config.num_steps = arg.steps
    config.batch_size = 32
    config.log = config_util.log(every=50, eval_every=arg.steps // 10,
                            checkpoint_every=arg.steps // 4,
                            diagnostics_at=(0, arg.steps))
  return config


def get_sweep(arg=None):
  arg = _parse(arg)
  chosen = tuple(arg.cells.split('/')) if arg.cells else (
      tuple(MATCHED) if arg.matched else MAIN)
  return [{'config_arg': f'cell={cell}', 'seed': seed}
          for cell in chosen for seed in range(3)]
