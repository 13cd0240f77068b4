r"""Character-level language modelling with a gated convolutional network
(Dauphin et al. 2017), in bits per character.

  python launch.py --config=configs/char_lm_glu.py --workdir=runs/glu_lm
  python launch.py --config=configs/char_lm_glu.py:gate=gtu,blocks=8 \
      --config.task.path=/path/to/book.txt --workdir=runs/gtu_book

The arg takes channels, blocks, kernel, gate (glu or gtu), seq_len and
runlocal. Eight residual GLU blocks of 256 channels and width 4 (each
output reads the previous 25 characters), Adam 1e-3 with clipping at 1
(the paper clips gradients too), windows of 128 characters; the data as in
configs/char_lm.py.
"""

from rnnzoo import config_util


def get_config(arg=None):
  arg = config_util.parse_arg(arg, channels=256, blocks=8, kernel=4,
                              gate='glu', seq_len=128, runlocal=False)
  config = config_util.config(
      seed=0, num_steps=5000, batch_size=64,
      task=config_util.task('char_lm', seq_len=arg.seq_len),
      model=config_util.model('conv_glu', channels=arg.channels,
                              num_blocks=arg.blocks, kernel_size=arg.kernel,
                              gate=arg.gate),
      optim=config_util.optim('adam', lr=1e-3, clip_norm=1.0),
      log=config_util.log(every=100, eval_every=1000, checkpoint_every=1000))
  if arg.runlocal:
    config_util.shrink(config, seq_len=min(arg.seq_len, 16))
  return config
