"""The nested LSTM: an LSTM whose cell update is an inner LSTM."""

import dataclasses

import jax
import jax.numpy as jnp

from rnnzoo.cells import base

sigmoid = base.sigmoid


@dataclasses.dataclass(frozen=True)
class NestedLSTM(base.Cell):
  """Nested LSTM (Moniz & Krueger 2017, "Nested LSTMs", ACML, PMLR 77;
  arXiv:1801.10308; eqs. 1-15). The LSTM's additive memory
  c_t = f_t * c_{t-1} + i_t * g_t becomes a learned, stateful function of
  the same two terms, an inner LSTM:

    [z_i, z_f, z_g, z_o] = x_t W_x + h_{t-1} W_h + b          outer
    i, f, o = sigmoid(z_i), sigmoid(z_f), sigmoid(z_o);  g = z_g  (identity)
    x~ = i * g,   h~ = f * c_{t-1}                            the inner LSTM's
                                                              input and state
    [u_i, u_f, u_g, u_o] = x~ U_x + h~ U_h + u_b              inner
    c~_t = sigmoid(u_f) * c~_{t-1} + sigmoid(u_i) * tanh(u_g)
    c_t = sigmoid(u_o) * tanh(c~_t)                           (the inner h)
    h_t = o * tanh(c_t)

  The outer candidate's activation is the identity, as in all the paper's
  runs (section 4); the inner LSTM keeps no hidden state of its own (its
  h~ is f * c_{t-1}, recomputed each step). Its two matmuls read the step's
  gates, so they run inside the step.

  Parameters: w_x [D, 4H], w_h [H, 4H], b [4H] (outer, gate blocks i, f, g,
  o), u_x [H, 4H], u_h [H, 4H], u_b [4H] (inner, same order):
  4HD + 12H^2 + 8H, the count of a two-layer LSTM of width H. Carry
  (h, c, c~). Init as the paper: the input weights w_x Glorot-uniform, all
  other weights orthogonal block by block, biases zero.
  """

  name = 'nested_lstm'
  blocks = 4
  cell_states = (1, 2)
  carry_names = ('h', 'c', 'inner_c')

  def init(self, key, input_size, hidden_size):
    base.check_sizes(input_size, hidden_size)
    k_outer, k_ux, k_uh = jax.random.split(key, 3)
    w_x, w_h = base.block_weights(k_outer, input_size, hidden_size, 4, 4)
    zeros = jnp.zeros(4 * hidden_size, jnp.float32)
    return {'w_x': w_x, 'w_h': w_h, 'b': zeros,
            'u_x': base.orthogonal(k_ux, hidden_size, 4),
            'u_h': base.orthogonal(k_uh, hidden_size, 4), 'u_b': zeros}

  def initial_carry(self, params, batch_size):
    h = super().initial_carry(params, batch_size)
    return (h, h, h)

  def forward(self, params, carry, inputs_t, r):
    _, c_prev, inner_c_prev = carry
    z_i, z_f, z_g, z_o = jnp.split(inputs_t + r, 4, axis=-1)
    i, f, o = sigmoid(z_i), sigmoid(z_f), sigmoid(z_o)
    inner_x, inner_h = i * z_g, f * c_prev
    u = inner_x @ params['u_x'] + inner_h @ params['u_h'] + params['u_b']
    u_i, u_f, u_g, u_o = jnp.split(u, 4, axis=-1)
    inner_i, inner_f, inner_o = sigmoid(u_i), sigmoid(u_f), sigmoid(u_o)
    inner_c = inner_f * inner_c_prev + inner_i * jnp.tanh(u_g)
    c = inner_o * jnp.tanh(inner_c)
    h = o * jnp.tanh(c)
    gates = {'i': i, 'f': f, 'o': o, 'inner_i': inner_i, 'inner_f': inner_f,
             'inner_o': inner_o}
    return (h, c, inner_c), h, gates
