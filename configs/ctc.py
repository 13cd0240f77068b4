r"""CTC: digit strings read from noisy frames of varying duration, with no
alignment given (Graves et al. 2006), scored by the label error rate.

  python launch.py --config=configs/ctc.py --workdir=runs/ctc_lstm
  python launch.py --config=configs/ctc.py:cell=gru,bidirectional=true \
      --workdir=runs/ctc_bigru

The arg takes cell, hidden, layers, bidirectional and runlocal. 2-8 digits
of 2-6 frames each after 0-2 silence frames, 8 features, noise s.d. 1.5
(a frame alone is often misread);
Adam 3e-3, batch 32.
"""

from rnnzoo import config_util


def get_config(arg=None):
  arg = config_util.parse_arg(arg, cell='lstm', hidden=64, layers=1,
                              bidirectional=False, runlocal=False)
  config = config_util.config(
      seed=0, num_steps=2000, batch_size=32,
      task=config_util.task('ctc_digits', feature_size=8, noise=1.5),
      cell=config_util.cell(arg.cell),
      model=config_util.model(hidden_size=arg.hidden, num_layers=arg.layers,
                              bidirectional=arg.bidirectional),
      optim=config_util.optim('adam', lr=3e-3, clip_norm=1.0),
      log=config_util.log(every=100, eval_every=500, checkpoint_every=1000))
  if arg.runlocal:
    config_util.shrink(config, max_labels=3, max_frames=3, max_silence=1,
                       feature_size=8)
  return config


def get_sweep(arg=None):
  """LSTM and GRU, one direction or two, three seeds each."""
  del arg
  return [{'config_arg': f'cell={c},bidirectional={b}', 'seed': seed}
          for c in ('lstm', 'gru') for b in ('false', 'true')
          for seed in range(3)]
