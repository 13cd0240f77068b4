r"""The adding problem: sum the two marked numbers of a long sequence.

The main job of the README (an LSTM at T=50 that beats the 0.167 baseline
within a few minutes on a CPU):

  python launch.py --config=configs/adding.py --workdir=runs/adding

Other cells and lengths (the arg takes cell, seq_len, variant, hidden,
layers, runlocal):

  python launch.py --config=configs/adding.py:cell=indrnn,seq_len=1000 \
      --workdir=runs/adding_indrnn_1000
  python launch.py --config=configs/adding.py:cell=gru --config.optim.lr=3e-3 \
      --workdir=runs/adding_gru

cell=indrnn follows Li et al. 2018: 2 layers, |u| <= 2^(1/T) with the top
layer's u from (2^(-1/T), 2^(1/T)), input weights N(0, 0.001^2), Adam 2e-4,
gradient clipping at 10. cell=irnn uses a smaller learning rate (1e-4),
which it needs at long T (Le et al. 2015; Li et al. 2018, 5.1).
"""

from rnnzoo import config_util


def get_config(arg=None):
  arg = config_util.parse_arg(arg, cell='lstm', seq_len=50, variant='halves',
                         hidden=128, layers=1, runlocal=False)
  if arg.cell == 'indrnn':
    cell = config_util.cell('indrnn', seq_len=arg.seq_len, input_std=0.001)
    model = config_util.model(hidden_size=arg.hidden, num_layers=max(arg.layers, 2),
                         top_layer_options={'last_layer': True})
    optim = config_util.optim('adam', lr=2e-4, clip_norm=10.0)
  else:
    cell = config_util.cell(arg.cell)
    model = config_util.model(hidden_size=arg.hidden, num_layers=arg.layers)
    lr = 1e-4 if arg.cell == 'irnn' else 1e-3
    optim = config_util.optim('adam', lr=lr, clip_norm=1.0)
  config = config_util.config(
      seed=0, num_steps=3000, batch_size=64,
      task=config_util.task('adding', seq_len=arg.seq_len, variant=arg.variant),
      cell=cell, model=model, optim=optim,
      log=config_util.log(every=50, eval_every=500, checkpoint_every=500))
  if arg.runlocal:
    config_util.shrink(config, seq_len=min(arg.seq_len, 20))
  return config


def get_sweep(arg=None):
  """Every cell of the zoo, three seeds each, at the arg's settings."""
  del arg
  return config_util.every_cell_sweep()
