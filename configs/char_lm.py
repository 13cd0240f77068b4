r"""Character-level language modelling, in bits per character.

On tiny_shakespeare (TFDS; prepare it with `tfds build tiny_shakespeare
--file_format=array_record`) or on any local text file:

  python launch.py --config=configs/char_lm.py --workdir=runs/shakespeare
  python launch.py --config=configs/char_lm.py \
      --config.task.path=/path/to/book.txt --workdir=runs/book

The arg takes cell, hidden, layers, seq_len, stateful and runlocal. A
2-layer LSTM of 256 units, Adam 2e-3, windows of 128 characters; with
`:stateful` the batch rows are streams through the text, the carry passes
from batch to batch (truncated BPTT every seq_len characters) and the
validation text is evaluated as one stream.
"""

from rnnzoo import config_util


def get_config(arg=None):
  arg = config_util.parse_arg(arg, cell='lstm', hidden=256, layers=2, seq_len=128,
                              stateful=False, runlocal=False)
  config = config_util.config(
      seed=0, num_steps=5000, batch_size=64,
      task=config_util.task('char_lm', seq_len=arg.seq_len,
                            stateful=arg.stateful),
      cell=config_util.cell(arg.cell),
      model=config_util.model(hidden_size=arg.hidden, num_layers=arg.layers,
                         encoder_size=64),
      optim=config_util.optim('adam', lr=2e-3, clip_norm=1.0),
      log=config_util.log(every=100, eval_every=1000, checkpoint_every=1000))
  if arg.runlocal:
    config_util.shrink(config, seq_len=min(arg.seq_len, 16))
  return config
