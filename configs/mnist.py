r"""Sequential MNIST: pixel by pixel (784 steps), permuted, or row by row.

Needs the TFDS 'mnist' data (prepare it with `tfds build mnist
--file_format=array_record`, then pass --config.task.data_dir=DIR if it is
not under ~/tensorflow_datasets):

  python launch.py --config=configs/mnist.py:cell=lstm,order=permuted \
      --workdir=runs/pmnist_lstm
  python launch.py --config=configs/mnist.py:order=permuted,cell=vanilla,dilations=1/2/4/8/16/32/64/128/256,hidden=20 \
      --workdir=runs/pmnist_dilated   # the Dilated RNN demo (9 x 20)

The arg takes cell, order (pixel, permuted, row), hidden, layers, dilations
and runlocal. RMSProp 1e-3, batch 128 (the Dilated RNN demo's settings).
"""

from rnnzoo import config_util


def get_config(arg=None):
  arg = config_util.parse_arg(arg, cell='lstm', order='pixel', hidden=128,
                         layers=1, dilations='', runlocal=False)
  dilations = tuple(int(d) for d in arg.dilations.split('/') if d)
  config = config_util.config(
      seed=0, num_steps=30_000, batch_size=128,
      task=config_util.task('mnist', order=arg.order),
      cell=config_util.cell(arg.cell),
      model=config_util.model(hidden_size=arg.hidden,
                         num_layers=len(dilations) or arg.layers,
                         dilations=dilations),
      optim=config_util.optim('rmsprop', lr=1e-3, clip_norm=1.0),
      log=config_util.log(every=100, eval_every=2000, checkpoint_every=2000))
  if arg.runlocal:
    config_util.shrink(config)
  return config
