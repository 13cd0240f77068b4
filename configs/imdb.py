r"""IMDB sentiment classification from the words of a review.

Needs the TFDS 'imdb_reviews' data (prepare it with `tfds build
imdb_reviews --file_format=array_record`):

  python launch.py --config=configs/imdb.py --workdir=runs/imdb_lstm
  python launch.py --config=configs/imdb.py:cell=gru,bidirectional=true \
      --workdir=runs/imdb_bigru

The arg takes cell, hidden, layers, bidirectional and runlocal. Reviews are
cut to 256 words of a 20000-word vocabulary, embedded in 128 dimensions.
"""

from configs import common


def get_config(arg=None):
  arg = common.parse_arg(arg, cell='lstm', hidden=128, layers=1,
                         bidirectional=False, runlocal=False)
  config = common.config(
      seed=0, num_steps=3000, batch_size=64,
      task=common.task('imdb', vocab_size=20_000, max_len=256),
      cell=common.cell(arg.cell),
      model=common.model(hidden_size=arg.hidden, num_layers=arg.layers,
                         bidirectional=arg.bidirectional, encoder_size=128,
                         dropout=0.2),
      optim=common.optim('adam', lr=1e-3, clip_norm=1.0),
      log=common.log(every=100, eval_every=500, checkpoint_every=500))
  if arg.runlocal:
    common.shrink(config, vocab_size=50, max_len=16)
  return config
