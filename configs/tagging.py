r"""Slot filling: BIO tags for generated air-travel requests (ATIS-style),
scored by span F1 on sentences whose templates (or slot values) training
never saw.

  python launch.py --config=configs/tagging.py --workdir=runs/tagging_lstm
  python launch.py --config=configs/tagging.py:bidirectional=true,holdout=values \
      --workdir=runs/tagging_bilstm_values

The arg takes cell, hidden, layers, bidirectional, holdout ('templates' or
'values') and runlocal. Words are embedded in 64 dimensions; Adam 3e-3,
batch 32.
"""

from rnnzoo import config_util


def get_config(arg=None):
  arg = config_util.parse_arg(arg, cell='lstm', hidden=64, layers=1,
                              bidirectional=False, holdout='templates',
                              runlocal=False)
  config = config_util.config(
      seed=0, num_steps=1500, batch_size=32,
      task=config_util.task('slot_filling', holdout=arg.holdout),
      cell=config_util.cell(arg.cell),
      model=config_util.model(hidden_size=arg.hidden, num_layers=arg.layers,
                              bidirectional=arg.bidirectional,
                              encoder_size=64),
      optim=config_util.optim('adam', lr=3e-3, clip_norm=1.0),
      log=config_util.log(every=50, eval_every=300, checkpoint_every=1500))
  if arg.runlocal:
    config_util.shrink(config, num_train=64, num_eval=16)
  return config


def get_sweep(arg=None):
  """One direction or two, three seeds each."""
  del arg
  return [{'config_arg': f'bidirectional={b}', 'seed': seed}
          for b in ('false', 'true') for seed in range(3)]
