"""The LSTM with a forget gate, and its peephole variant."""

import dataclasses

import jax.numpy as jnp

from rnnzoo.cells import base

sigmoid = base.sigmoid


def _lstm_weights(key, input_size, hidden_size, forget_bias):
  """w_x [D, 4H], w_h [H, 4H] and b [4H] with b_f = forget_bias (gates i, f, g, o)."""
  base.check_sizes(input_size, hidden_size)
  w_x, w_h = base.block_weights(key, input_size, hidden_size, 4, 4)
  b = jnp.zeros(4 * hidden_size, jnp.float32)
  b = b.at[hidden_size:2 * hidden_size].set(forget_bias)
  return {'w_x': w_x, 'w_h': w_h, 'b': b}


@dataclasses.dataclass(frozen=True)
class LSTM(base.Cell):
  """LSTM (Hochreiter & Schmidhuber 1997) with the forget gate of Gers,
  Schmidhuber & Cummins 2000, "Learning to forget", Neural Computation 12.

    [z_i, z_f, z_g, z_o] = x_t W_x + h_{t-1} W_h + b
    c_t = sigmoid(z_f) * c_{t-1} + sigmoid(z_i) * tanh(z_g)
    h_t = sigmoid(z_o) * tanh(c_t)

  Parameters: w_x [D, 4H], w_h [H, 4H], b [4H], gate blocks in the order
  i, f, g, o (PyTorch's order; one bias per gate, not PyTorch's two);
  carry (h, c). The forget-gate bias starts at `forget_bias`, 1 by default as
  Jozefowicz, Zaremba & Sutskever 2015 recommend ("An empirical exploration of
  recurrent network architectures", ICML).

  no_gate='i', 'f' or 'o' fixes that gate to 1, the ablations of Jozefowicz
  et al. (NIG, NFG, NOG); its block of weights is then unused and not
  counted by `num_params`.
  """

  name = 'lstm'
  blocks = 4
  forget_bias: float = 1.0
  no_gate: str = ''

  def validate(self):
    base.check_number('forget_bias', self.forget_bias)
    base.check_choice('no_gate', self.no_gate, ('', 'i', 'f', 'o'))

  def init(self, key, input_size, hidden_size):
    return _lstm_weights(key, input_size, hidden_size, self.forget_bias)

  def _open(self, gate: str, value):
    """The gate's activation, or 1 if it is the ablated one."""
    return jnp.ones_like(value) if gate == self.no_gate else value

  def num_params(self, params):
    total = super().num_params(params)
    if not self.no_gate:
      return total
    input_size, hidden_size = self.input_size(params), self.hidden_size(params)
    unused = input_size * hidden_size + hidden_size * hidden_size + hidden_size
    return total - unused - params.get(f'p_{self.no_gate}', jnp.zeros(0)).size

  def initial_carry(self, params, batch_size):
    h = super().initial_carry(params, batch_size)
    return (h, h)

  def forward(self, params, carry, inputs_t, r):
    _, c = carry
    z_i, z_f, z_g, z_o = jnp.split(inputs_t + r, 4, axis=-1)
    i, f, o = (self._open(g, sigmoid(z))
               for g, z in (('i', z_i), ('f', z_f), ('o', z_o)))
    c = f * c + i * jnp.tanh(z_g)
    h = o * jnp.tanh(c)
    return (h, c), h, {'i': i, 'f': f, 'o': o}


@dataclasses.dataclass(frozen=True)
class Peephole(LSTM):
  """Peephole LSTM (Gers & Schmidhuber 2000, "Recurrent nets that time and
  count", IJCNN; the formulation of Graves 2013, arXiv:1308.0850):

    [z_i, z_f, z_g, z_o] = x_t W_x + h_{t-1} W_h + b
    i_t = sigmoid(z_i + p_i * c_{t-1})
    f_t = sigmoid(z_f + p_f * c_{t-1})
    c_t = f_t * c_{t-1} + i_t * tanh(z_g)
    o_t = sigmoid(z_o + p_o * c_t)          (the output gate sees the new cell)
    h_t = o_t * tanh(c_t)

  The peepholes p_i, p_f, p_o [H] are diagonal and start at zero, so the cell
  starts as the LSTM. Other parameters, gate order and carry as `lstm`.
  Unlike Gers et al.'s truncated gradient, backpropagation here flows through
  the peepholes into the cell state.
  """

  name = 'peephole'

  def init(self, key, input_size, hidden_size):
    params = _lstm_weights(key, input_size, hidden_size, self.forget_bias)
    zeros = jnp.zeros(hidden_size, jnp.float32)
    return params | {'p_i': zeros, 'p_f': zeros, 'p_o': zeros}

  def forward(self, params, carry, inputs_t, r):
    _, c_prev = carry
    z_i, z_f, z_g, z_o = jnp.split(inputs_t + r, 4, axis=-1)
    i = self._open('i', sigmoid(z_i + params['p_i'] * c_prev))
    f = self._open('f', sigmoid(z_f + params['p_f'] * c_prev))
    c = f * c_prev + i * jnp.tanh(z_g)
    o = self._open('o', sigmoid(z_o + params['p_o'] * c))
    h = o * jnp.tanh(c)
    return (h, c), h, {'i': i, 'f': f, 'o': o}
