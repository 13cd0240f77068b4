r"""Reversal (rnnzoo.tasks.transduction): an LSTM encoder-decoder with
additive attention (Bahdanau et al. 2015) reverses strings of 10 to 100
symbols.

  python launch.py --config=configs/reverse.py:attention=none,cell=gru \
      --workdir=runs/reverse_gru_none

The arg takes cell, attention ('additive', 'general', 'dot' or 'none'),
hidden, embed, min_len, max_len, symbols and runlocal. Adam 1e-3 with
gradient clipping at 1 and batch 64; evaluation buckets the inputs by tens
of symbols. The trivial baseline knows each answer's length and guesses
its symbols uniformly (sequence accuracy about 0, token accuracy about
1/symbols).
"""

from rnnzoo import config_util


def get_config(arg=None):
  arg = config_util.parse_arg(arg, cell='lstm', attention='additive',
                              hidden=128, embed=64, min_len=10, max_len=100,
                              symbols=20, runlocal=False)
  config = config_util.config(
      seed=0, num_steps=20_000, batch_size=64,
      task=config_util.task('reverse', min_len=arg.min_len,
                            max_len=arg.max_len, symbols=arg.symbols,
                            bucket=10),
      cell=config_util.cell(arg.cell),
      model=config_util.model(
          'seq2seq', hidden_size=arg.hidden, embed_size=arg.embed,
          attention=arg.attention, max_decode_len=arg.max_len + 1),
      optim=config_util.optim('adam', lr=1e-3, clip_norm=1.0),
      log=config_util.log(every=100, eval_every=1000, checkpoint_every=2000))
  if arg.runlocal:
    config_util.shrink(config, min_len=2, max_len=6, bucket=2)
    config.model.max_decode_len = 7
  return config
