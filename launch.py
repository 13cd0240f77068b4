r"""Runs the experiment of a config file, or its sweep (`rnnzoo.launch`).

  python launch.py --config=configs/adding.py:cell=gru,seq_len=200 \
      --workdir=runs/adding_gru --config.optim.lr=3e-3
  python launch.py --config=configs/adding.py --workdir=runs/adding --sweep

The installed console script `rnnzoo` takes the same flags.
"""

from rnnzoo import launch

if __name__ == '__main__':
  launch.run()
