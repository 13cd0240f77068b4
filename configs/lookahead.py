r"""Lookahead: label every step with the symbol 5 steps later, an answer
that lies in the future (a test of bidirectional layers).

  python launch.py --config=configs/lookahead.py:bidirectional=true \
      --workdir=runs/lookahead_bi

The arg takes cell, hidden, bidirectional, shift, delay (answer that many
steps late: the forward control of Schuster & Paliwal 1997) and runlocal.
"""

from rnnzoo import config_util


def get_config(arg=None):
  arg = config_util.parse_arg(arg, cell='gru', hidden=64, bidirectional=False,
                         shift=5, delay=0, runlocal=False)
  config = config_util.config(
      seed=0, num_steps=1500, batch_size=32,
      task=config_util.task('lookahead', seq_len=50, shift=arg.shift,
                            delay=arg.delay),
      cell=config_util.cell(arg.cell),
      model=config_util.model(hidden_size=arg.hidden,
                         bidirectional=arg.bidirectional),
      optim=config_util.optim('adam', lr=3e-3, clip_norm=1.0),
      log=config_util.log(every=50, eval_every=300, checkpoint_every=1500))
  if arg.runlocal:
    config_util.shrink(config, seq_len=12, shift=3, delay=min(arg.delay, 3))
  return config


def get_sweep(arg=None):
  """One direction or two, three seeds each."""
  del arg
  return [{'config_arg': f'bidirectional={b}', 'seed': seed}
          for b in ('false', 'true') for seed in range(3)]
