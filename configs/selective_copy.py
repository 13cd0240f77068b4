r"""Selective copying: recall `tokens` data tokens scattered among `slots`
steps of noise, in order (the task of Gu & Dao 2023 and Feng et al. 2024,
at a CPU-sized length).

  python launch.py --config=configs/selective_copy.py:cell=mingru,layers=3 \
      --workdir=runs/selective_copy_mingru

The arg takes cell, hidden, layers, slots, tokens and runlocal. Adam 1e-3
with gradient clipping at 1 and batch 64; the trivial baseline is a
uniform guess among the 14 data tokens (accuracy 1/14).
"""

from rnnzoo import config_util


def get_config(arg=None):
  arg = config_util.parse_arg(arg, cell='mingru', hidden=64, layers=3,
                              slots=64, tokens=8, runlocal=False)
  config = config_util.config(
      seed=0, num_steps=5000, batch_size=64,
      task=config_util.task('selective_copy', slots=arg.slots,
                            tokens=arg.tokens),
      cell=config_util.cell(arg.cell),
      model=config_util.model(hidden_size=arg.hidden, num_layers=arg.layers),
      optim=config_util.optim('adam', lr=1e-3, clip_norm=1.0),
      log=config_util.log(every=100, eval_every=500, checkpoint_every=1000))
  if arg.runlocal:
    config_util.shrink(config, slots=12, tokens=3)
  return config


def get_sweep(arg=None):
  """minGRU, minLSTM and LSTM, three seeds each, at the arg's settings."""
  del arg
  return [{'config_arg': f'cell={cell}', 'seed': seed}
          for cell in ('mingru', 'minlstm', 'lstm') for seed in range(3)]
