r"""Copying memory (the uRNN variant): recall 10 symbols after `delay` steps.

  python launch.py --config=configs/copy.py:cell=lstm,delay=100 \
      --workdir=runs/copy_lstm_100
  python launch.py --config=configs/copy.py:cell=gru,delay=200,runlocal \
      --workdir=/tmp/copy

The arg takes cell, delay, variant (urnn or tcn), hidden, layers, dilations
(a '/'-separated list such as 1/2/4/8, for a Dilated RNN) and runlocal.
RMSProp 1e-3 and batch 20 follow Arjovsky et al. 2016; the LSTM's forget
bias is 1. Baseline: cross-entropy 10 ln 8 / (delay + 20).
"""

from rnnzoo import config_util


def get_config(arg=None):
  arg = config_util.parse_arg(arg, cell='lstm', delay=100, variant='urnn',
                         hidden=128, layers=1, dilations='', runlocal=False)
  dilations = tuple(int(d) for d in arg.dilations.split('/') if d)
  layers = len(dilations) if dilations else arg.layers
  config = config_util.config(
      seed=0, num_steps=10_000, batch_size=20,
      task=config_util.task('copy', delay=arg.delay, variant=arg.variant),
      cell=config_util.cell(arg.cell),
      model=config_util.model(hidden_size=arg.hidden, num_layers=layers,
                         dilations=dilations),
      optim=config_util.optim('rmsprop', lr=1e-3, clip_norm=1.0),
      log=config_util.log(every=100, eval_every=1000, checkpoint_every=1000))
  if arg.runlocal:
    config_util.shrink(config, delay=min(arg.delay, 10))
  return config


def get_sweep(arg=None):
  """Every cell of the zoo, three seeds each, at the arg's settings."""
  del arg
  return config_util.every_cell_sweep()
