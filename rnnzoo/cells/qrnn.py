"""The quasi-recurrent neural network."""

import dataclasses

import jax.numpy as jnp

from rnnzoo import rowwise
from rnnzoo.cells import base
from rnnzoo.cells import linear

# The gate blocks of each pooling, in the order of w_x's columns.
POOLING_BLOCKS = {'f': ('z', 'f'), 'fo': ('z', 'f', 'o'),
                  'ifo': ('z', 'f', 'o', 'i')}


@dataclasses.dataclass(frozen=True)
class QRNN(linear.LinearCell):
  """QRNN (Bradbury, Merity, Xiong & Socher 2017, "Quasi-recurrent neural
  networks", ICLR; section 2): a causal convolution of width k = `window`
  over time, then an elementwise pooling.

    [Z, F, O, I] = [x_{t-k+1}; ...; x_t] W_x + b     (x_t = 0 for t < 0)
    z_t = tanh(Z),  f_t = sigmoid(F),  o_t = sigmoid(O),  i_t = sigmoid(I)
    f-pooling:    h_t = f_t * h_{t-1} + (1 - f_t) * z_t
    fo-pooling:   c_t = f_t * c_{t-1} + (1 - f_t) * z_t,  h_t = o_t * c_t
    ifo-pooling:  c_t = f_t * c_{t-1} + i_t * z_t,        h_t = o_t * c_t

  f is the paper's forget gate (it keeps the old state; the authors'
  ForgetMult kernel names its complement f). The convolution is computed in
  `project`, so a window of 2 reads the previous input of the same
  sequence: in a reverse run the next one in time, and never padding (which
  follows the valid steps). A carry does not hold x_{t-1}: a sequence run
  in pieces restarts its window with zeros. The pooling is linear in c, so
  the cell runs on an associative scan (parallel=True, the default).

  Parameters: w_x [k*D, G*H] acting on the window, oldest step's rows first,
  and b [G*H]; blocks z, f (f-pooling), z, f, o (fo) or z, f, o, i (ifo).
  Carry h for f-pooling, else (h, c). Glorot-uniform w_x per block, zero
  biases (the authors use PyTorch's Linear defaults).
  """

  name = 'qrnn'
  window: int = 1
  pooling: str = 'fo'

  def validate(self):
    super().validate()
    base.check_choice('window', self.window, (1, 2))
    base.check_choice('pooling', self.pooling, tuple(POOLING_BLOCKS))

  @property
  def blocks(self):
    return len(POOLING_BLOCKS[self.pooling])

  @property
  def project_window(self):
    return self.window

  @property
  def output_is_state(self):
    return self.pooling == 'f'

  def init(self, key, input_size, hidden_size):
    base.check_sizes(input_size, hidden_size)
    w_x = base.glorot_uniform(key, self.window * input_size, hidden_size,
                              self.blocks)
    return {'w_x': w_x, 'b': jnp.zeros(self.blocks * hidden_size)}

  def input_size(self, params):
    return params['w_x'].shape[0] // self.window

  def project(self, params, xs):
    if self.window == 2:
      previous = jnp.concatenate([jnp.zeros_like(xs[:1]), xs[:-1]])
      xs = jnp.concatenate([previous, xs], axis=-1)
    return rowwise.matmul(xs, params['w_x']) + params['b']

  def _split(self, inputs):
    blocks = jnp.split(inputs, self.blocks, axis=-1)
    return dict(zip(POOLING_BLOCKS[self.pooling], blocks))

  def coefficients(self, params, inputs):
    blocks = self._split(inputs)
    f = base.sigmoid(blocks['f'])
    z = jnp.tanh(blocks['z'])
    if self.pooling == 'ifo':
      return f, base.sigmoid(blocks['i']) * z
    return f, (1 - f) * z

  def output(self, params, inputs, c):
    if self.pooling == 'f':
      return c
    return base.sigmoid(self._split(inputs)['o']) * c

  def gates(self, params, inputs):
    blocks = self._split(inputs)
    return {name: base.sigmoid(blocks[name])
            for name in POOLING_BLOCKS[self.pooling] if name != 'z'}
