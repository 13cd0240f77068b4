"""cuDNN's fused LSTM kernel (`jax.experimental.rnn`) as a backend of `lstm`.

`LSTM(cudnn=True)` runs each layer and direction through the kernel
instead of the scan: a fast baseline on a CUDA GPU, and a backend a user
can choose there. The kernel reads one flat weight vector per layer, packed
as cuDNN lays it out (the layout `jax.experimental.rnn` documents):

  W_ih [4H, D], W_hh [4H, H], b_ih [4H], b_hh [4H]

row blocks in the gate order i, f, g, o, and two biases added together.
rnnzoo's LSTM keeps w_x [D, 4H], w_h [H, 4H] and one bias b [4H] in the
same gate order, so

  W_ih = w_x^T,  W_hh = w_h^T,  b_ih = b,  b_hh = 0

and both compute the same function (the tests check the mapping on the CPU
through `jax.experimental.rnn.lstm_ref`, which reads the same vector).
The parameters stay rnnzoo's: checkpoints move freely between the
backends, and the packing is part of the differentiated function.

The kernel takes right-padded sequences by length, so a mask must be one
of right-padded sequences (as everywhere in rnnzoo); it has no hook for
recurrent dropout, zoneout, the diagnostics' offsets or remat.
"""

import jax
from jax.experimental import rnn
import jax.numpy as jnp


def pack(params) -> jax.Array:
  """The flat cuDNN weight vector of an `lstm` cell's params."""
  w_x, w_h, b = params['w_x'], params['w_h'], params['b']
  return jnp.concatenate([w_x.T.ravel(), w_h.T.ravel(), b, jnp.zeros_like(b)])


def available() -> bool:
  """Whether JAX runs on a CUDA GPU, where the kernel is lowered."""
  return jax.default_backend() == 'gpu'


def run(params, xs, carry, mask):
  """The LSTM over xs [T, B, D] from carry (h, c) through the kernel;
  returns (ys [T, B, H], (h, c) at each sequence's last valid step), with
  ys zero past a sequence's length."""
  h, c = carry
  num_steps, batch_size, input_size = xs.shape
  hidden_size = h.shape[-1]
  if mask is None:
    lengths = jnp.full((batch_size,), num_steps, jnp.int32)
  else:
    lengths = mask.sum(0).astype(jnp.int32)
  ys, h_n, c_n = rnn.lstm(
      jnp.swapaxes(xs, 0, 1), h[None], c[None], pack(params), lengths,
      input_size=input_size, hidden_size=hidden_size, num_layers=1,
      dropout=0.0, bidirectional=False)
  ys = jnp.swapaxes(ys, 0, 1)
  if mask is not None:
    ys = jnp.where(mask[..., None], ys, 0.0)
  return ys, (h_n[0], c_n[0])
