"""The Jordan network: the previous output, not the hidden layer, recurs."""

import dataclasses

import jax
import jax.numpy as jnp

from rnnzoo import rowwise
from rnnzoo.cells import base

_ACTIVATIONS = {'sigmoid': base.sigmoid, 'tanh': jnp.tanh,
                'relu': jax.nn.relu, 'identity': lambda z: z,
                'softmax': jax.nn.softmax}


@dataclasses.dataclass(frozen=True)
class Jordan(base.Cell):
  """Jordan network (Jordan 1986, "Serial order: a parallel distributed
  processing approach", ICS report 8604): the output layer sits inside the
  recurrence and its previous activations, gathered in context units with
  a fixed self-connection mu, are what the hidden layer reads,

    s_t = mu * s_{t-1} + y_{t-1}                context units, one per output
    u_t = act(x_t W_x + s_t W_s + b)            hidden layer [B, U]
    z_t = u_t W_y + b_y                         output pre-activations
    y_t = out(z_t)                              output layer [B, H]

  with y_{-1} = s_{-1} = 0. mu = 0 (self_connection) is the usual form,
  where the context is the last output; in the original the context units
  also decay through their self-connections.

  The cell's state is the output y_t: `hidden_size` H is the number of
  output units, and the hidden layer has hidden_units U (H when 0). It
  emits y_t, which a readout reads in the recurrent network (model 'rnn'),
  or with emit_pre_activation z_t: the logits, where the output units are
  the prediction itself, as in the report (model 'jordan', whose softmax
  outputs recur). With the targets known,
  `teacher_forced` feeds the previous target in place of y_{t-1}. With
  mu = 0, U = H, out = identity, W_y = I and b_y = 0 this is the Elman RNN
  with W_h = W_s.

  Parameters: w_x [D, U], w_s [H, U], b [U], w_y [U, H], b_y [H]; carry
  (y, s), each [B, H]. No canonical init: Glorot-uniform weights, zero
  biases; logistic units (the report's era) unless act / out say otherwise.
  """

  name = 'jordan'
  carry_names = ('h', 's')  # h: the output y_t, which the carry holds
  hidden_units: int = 0
  self_connection: float = 0.0
  activation: str = 'sigmoid'
  output_activation: str = 'sigmoid'
  emit_pre_activation: bool = False

  def validate(self):
    base.check_number('hidden_units', self.hidden_units, minimum=0,
                      integer=True)
    base.check_number('self_connection', self.self_connection, minimum=0)
    if self.self_connection >= 1:
      raise ValueError(f'self_connection={self.self_connection!r} is not '
                       'allowed: the context decays with mu in [0, 1)')
    base.check_choice('activation', self.activation,
                      ('sigmoid', 'tanh', 'relu'))
    base.check_choice('output_activation', self.output_activation,
                      ('sigmoid', 'tanh', 'identity', 'softmax'))
    base.check_bool('emit_pre_activation', self.emit_pre_activation)

  def init(self, key, input_size, hidden_size):
    base.check_sizes(input_size, hidden_size)
    units = self.hidden_units or hidden_size
    k_x, k_s, k_y = jax.random.split(key, 3)
    return {'w_x': base.glorot_uniform(k_x, input_size, units),
            'w_s': base.glorot_uniform(k_s, hidden_size, units),
            'b': jnp.zeros(units, jnp.float32),
            'w_y': base.glorot_uniform(k_y, units, hidden_size),
            'b_y': jnp.zeros(hidden_size, jnp.float32)}

  def hidden_size(self, params):
    return params['w_y'].shape[1]

  def initial_carry(self, params, batch_size):
    y = super().initial_carry(params, batch_size)
    return (y, y)

  def _context(self, carry):
    y, s = carry
    return self.self_connection * s + y

  def recurrent(self, params, carry):
    return self._context(carry) @ params['w_s']

  def forward(self, params, carry, inputs_t, r):
    y, emitted = self._outputs(params, inputs_t, r)
    return (y, self._context(carry)), emitted, {}

  def _outputs(self, params, inputs_t, r):
    """(y_t, what the cell emits) from the projected inputs x_t W_x + b and
    the context's term s_t W_s."""
    units = _ACTIVATIONS[self.activation](inputs_t + r)
    z = units @ params['w_y'] + params['b_y']
    y = _ACTIVATIONS[self.output_activation](z)
    return y, (z if self.emit_pre_activation else y)

  def teacher_forced(self, params, xs, fed_back):
    """What `recurrence.unroll` emits over xs [T, B, D] from the zero carry
    when the outputs fed back are given (teacher forcing, Williams & Zipser
    1989): fed_back [T, B, H] holds at step t what replaces y_{t-1}, the
    previous target (zeros at t = 0). No state then depends on the network,
    so all steps run at once: the contexts s_t = mu s_{t-1} + y*_{t-1} by
    one linear recurrence, then the step's equations on [T, B, ...]
    arrays."""
    # rnnzoo.recurrence imports the cells' base module.
    from rnnzoo import recurrence  # pylint: disable=g-import-not-at-top
    contexts = recurrence.linear_recurrence(
        jnp.full_like(fed_back, self.self_connection), fed_back,
        jnp.zeros_like(fed_back[0]))
    _, emitted = self._outputs(params, self.project(params, xs),
                               rowwise.matmul(contexts, params['w_s']))
    return emitted
