r"""IMDB sentiment classification from the words of a review.

Needs the TFDS 'imdb_reviews' data (prepare it with `tfds build
imdb_reviews --file_format=array_record`):

  python launch.py --config=configs/imdb.py --workdir=runs/imdb_lstm
  python launch.py --config=configs/imdb.py:cell=gru,bidirectional=true \
      --workdir=runs/imdb_bigru

The arg takes cell, hidden, layers, bidirectional and runlocal. Reviews are
cut to 256 words of a 20000-word vocabulary, embedded in 128 dimensions.
"""

from rnnzoo import config_util


def get_config(arg=None):
  arg = config_util.parse_arg(arg, cell='lstm', hidden=128, layers=1,
                         bidirectional=False, runlocal=False)
  config = config_util.config(
      seed=0, num_steps=3000, batch_size=64,
      task=config_util.task('imdb', vocab_size=20_000, max_len=256),
      cell=config_util.cell(arg.cell),
      model=config_util.model(hidden_size=arg.hidden, num_layers=arg.layers,
                         bidirectional=arg.bidirectional, encoder_size=128,
                         dropout=0.2),
      optim=config_util.optim('adam', lr=1e-3, clip_norm=1.0),
      log=config_util.log(every=100, eval_every=500, checkpoint_every=500))
  if arg.runlocal:
    config_util.shrink(config, vocab_size=50, max_len=16)
  return config
