"""The recurrent additive network."""

import dataclasses

import jax.numpy as jnp

from rnnzoo import rowwise
from rnnzoo.cells import base


@dataclasses.dataclass(frozen=True)
class RAN(base.Cell):
  """Recurrent additive network (Lee, Levy & Zettlemoyer 2017, "Recurrent
  additive networks", arXiv:1705.07393), in the form of the authors' code:

    [x_i, x_f, x_c] = x_t W_x + [b_i, b_f, 0]   (the content x_c has no bias)
    i_t = sigmoid(x_i + h_{t-1} W_h[:, i])
    f_t = sigmoid(x_f + h_{t-1} W_h[:, f])
    c_t = i_t * x_c + f_t * c_{t-1}
    h_t = tanh(c_t)       (activation='identity': h_t = c_t)

  The content is a linear projection of the input alone; the gates read the
  output h_{t-1}. Parameters: w_x [D, 3H] (blocks i, f, content),
  w_h [H, 2H] (blocks i, f), b [2H]; carry (h, c). Zero biases.
  """

  name = 'ran'
  blocks = 3
  cell_states = (1,)
  carry_names = ('h', 'c')
  activation: str = 'tanh'

  def validate(self):
    base.check_choice('activation', self.activation, ('tanh', 'identity'))

  def init(self, key, input_size, hidden_size):
    base.check_sizes(input_size, hidden_size)
    w_x, w_h = base.block_weights(key, input_size, hidden_size, 3, 2)
    return {'w_x': w_x, 'w_h': w_h, 'b': jnp.zeros(2 * hidden_size)}

  def initial_carry(self, params, batch_size):
    h = super().initial_carry(params, batch_size)
    return (h, h)

  def project(self, params, xs):
    hidden_size = params['b'].shape[0] // 2
    return (rowwise.matmul(xs, params['w_x']) +
            jnp.pad(params['b'], (0, hidden_size)))

  def forward(self, params, carry, inputs_t, r):
    _, c = carry
    x_i, x_f, content = jnp.split(inputs_t, 3, axis=-1)
    a_i, a_f = jnp.split(r, 2, axis=-1)
    i, f = base.sigmoid(x_i + a_i), base.sigmoid(x_f + a_f)
    c = i * content + f * c
    h = jnp.tanh(c) if self.activation == 'tanh' else c
    return (h, c), h, {'i': i, 'f': f}
