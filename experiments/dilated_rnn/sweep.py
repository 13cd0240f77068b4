"""The Dilated RNN demo on permuted pixel MNIST, for run.py.

arg: data_dir, steps, runlocal. 9 vanilla layers of 20 units with
dilations 1, 2, ..., 256, RMSProp 1e-3, batch 128 (Chang et al. 2017's
demo); 3 seeds.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# pylint: disable=g-import-not-at-top,wrong-import-position
import report
from rnnzoo import config_util
from configs import mnist

DILATIONS = tuple(2 ** i for i in range(9))


def get_config(arg=None):
  arg = config_util.parse_arg(arg, data_dir='', steps=5000, runlocal=False)
  config = mnist.get_config(
      'order=permuted,cell=vanilla,hidden=20,dilations='
      + '/'.join(map(str, DILATIONS)) + f',runlocal={arg.runlocal}')
  config.task.data_dir = arg.data_dir
  return config if arg.runlocal else report.budget(config, arg.steps)


def get_sweep(arg=None):
  del arg
  return [{'seed': seed} for seed in range(3)]
