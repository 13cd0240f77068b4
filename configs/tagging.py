r"""Slot filling: BIO tags for generated air-travel requests (ATIS-style),
scored by span F1 on sentences whose templates (or slot values) training
never saw.

  python launch.py --config=configs/tagging.py --workdir=runs/tagging_lstm
  python launch.py --config=configs/tagging.py:bidirectional=true,holdout=values \
      --workdir=runs/tagging_bilstm_values

Named entities of CoNLL-2003, where the TFDS data is prepared (`tfds build
conll2003 --file_format=array_record`):

  python launch.py --config=configs/tagging.py:data=conll2003,bidirectional=true \
      --workdir=runs/conll_bilstm

The arg takes data ('slot_filling' or 'conll2003'), cell, hidden, layers,
bidirectional, holdout (slot filling: 'templates' or 'values') and
runlocal. Words are embedded in 64 dimensions; Adam 3e-3, batch 32.
"""

from rnnzoo import config_util
from rnnzoo import options

DATA = ('slot_filling', 'conll2003')


def get_config(arg=None):
  arg = config_util.parse_arg(arg, data='slot_filling', cell='lstm',
                              hidden=64, layers=1, bidirectional=False,
                              holdout='templates', runlocal=False)
  options.check_choice('config arg data', arg.data, DATA)
  if arg.data == 'slot_filling':
    task = config_util.task('slot_filling', holdout=arg.holdout)
    small = dict(num_train=64, num_eval=16)
  else:
    task = config_util.task('conll2003')
    small = dict(vocab_size=50, max_len=16)
  config = config_util.config(
      seed=0, num_steps=1500, batch_size=32, task=task,
      cell=config_util.cell(arg.cell),
      model=config_util.model(hidden_size=arg.hidden, num_layers=arg.layers,
                              bidirectional=arg.bidirectional,
                              encoder_size=64),
      optim=config_util.optim('adam', lr=3e-3, clip_norm=1.0),
      log=config_util.log(every=50, eval_every=300, checkpoint_every=1500))
  if arg.runlocal:
    config_util.shrink(config, **small)
  return config


def get_sweep(arg=None):
  """One direction or two, three seeds each."""
  del arg
  return [{'config_arg': f'bidirectional={b}', 'seed': seed}
          for b in ('false', 'true') for seed in range(3)]
