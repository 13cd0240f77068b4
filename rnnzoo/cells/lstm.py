"""The LSTM with a forget gate, and its peephole variant."""

import dataclasses

import jax
import jax.numpy as jnp

from rnnzoo import rowwise
from rnnzoo.cells import base
from rnnzoo.cells import cudnn as cudnn_lib
from rnnzoo.cells import layer_norm

sigmoid = base.sigmoid


def _lstm_weights(key, input_size, hidden_size, forget_bias, norm):
  """w_x [D, 4H], w_h [H, 4H] and b [4H] with b_f = forget_bias (gates i, f,
  g, o), and the layer-norm gains and biases when `norm` is set."""
  base.check_sizes(input_size, hidden_size)
  w_x, w_h = base.block_weights(key, input_size, hidden_size, 4, 4)
  b = jnp.zeros(4 * hidden_size, jnp.float32)
  b = b.at[hidden_size:2 * hidden_size].set(forget_bias)
  params = {'w_x': w_x, 'w_h': w_h, 'b': b}
  if norm:
    for name, size in (('x', 4 * hidden_size), ('h', 4 * hidden_size),
                       ('c', hidden_size)):
      params |= layer_norm.params(name, size)
  return params


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

  norm='layer' is the layer-normalised LSTM of Ba, Kiros & Hinton 2016
  ("Layer normalization", arXiv:1607.06450, supplementary material):

    [z_i, z_f, z_g, z_o] = LN(x_t W_x; g_x, beta_x)
                           + LN(h_{t-1} W_h; g_h, beta_h) + b
    c_t = sigmoid(z_f) * c_{t-1} + sigmoid(z_i) * tanh(z_g)
    h_t = sigmoid(z_o) * tanh(LN(c_t; g_c, beta_c))

  with each LN over all 4H pre-activations of one example at one step, as
  in the paper (norm='layer_per_gate': over each gate's H on its own; see
  `rnnzoo.cells.layer_norm`). The input side is normalised in `project`,
  row by row, so per step. Extra parameters g_x, beta_x, g_h, beta_h [4H]
  and g_c, beta_c [H]: gains 1, biases 0. The carried c is the cell state
  before its normalisation. Not combined with no_gate.

  cudnn=True runs the plain LSTM through cuDNN's fused kernel on a CUDA GPU
  (`rnnzoo.cells.cudnn`: the same parameters and function, without
  recurrent dropout, zoneout, the diagnostics' offsets or remat).
  """

  name = 'lstm'
  blocks = 4
  cell_states = (1,)
  carry_names = ('h', 'c')
  forget_bias: float = 1.0
  no_gate: str = ''
  norm: str = ''
  cudnn: bool = False

  def validate(self):
    base.check_number('forget_bias', self.forget_bias)
    base.check_choice('no_gate', self.no_gate, ('', 'i', 'f', 'o'))
    base.check_choice('norm', self.norm, layer_norm.KINDS)
    base.check_bool('cudnn', self.cudnn)
    if self.norm and self.no_gate:
      raise ValueError(f'no_gate={self.no_gate!r} is not allowed with norm='
                       f'{self.norm!r}: the ablations are of the plain LSTM '
                       "(give no_gate='' or norm='')")
    if self.cudnn:
      self._check_cudnn()

  def _check_cudnn(self):
    variant = {'cell': self.name if self.name != 'lstm' else '',
               'no_gate': self.no_gate, 'norm': self.norm}
    for field, value in variant.items():
      if value:
        raise ValueError(f'cudnn=True is not allowed with {field}={value!r}: '
                         "cuDNN's kernel is the plain LSTM (give cudnn=False)")
    if not cudnn_lib.available():
      raise ValueError("cudnn=True is not allowed here: cuDNN's kernel needs "
                       'a CUDA GPU and JAX runs on '
                       f'{jax.default_backend()!r} (give cudnn=False)')

  def run(self, params, xs, carry, *, mask, state_mask, remat, offsets,
          zone, scan_unroll=1):
    """The sequential scan, or cuDNN's kernel when `cudnn`."""
    if not self.cudnn:
      return super().run(params, xs, carry, mask=mask, state_mask=state_mask,
                         remat=remat, offsets=offsets, zone=zone,
                         scan_unroll=scan_unroll)
    unsupported = {'recurrent dropout': state_mask is not None,
                   'zoneout': zone != (None, None),
                   'offsets': offsets is not None, 'remat': remat}
    for option, given in unsupported.items():
      if given:
        raise ValueError(f'cudnn=True is not allowed with {option}: '
                         "cuDNN's kernel has no hook for it (give "
                         'cudnn=False)')
    return cudnn_lib.run(params, xs, carry, mask)

  def init(self, key, input_size, hidden_size):
    return _lstm_weights(key, input_size, hidden_size, self.forget_bias,
                         self.norm)

  def _groups(self):
    return layer_norm.groups(self.norm, (4,))

  def project(self, params, xs):
    if not self.norm:
      return super().project(params, xs)
    return layer_norm.apply(params, 'x', rowwise.matmul(xs, params['w_x']),
                            self._groups()) + params['b']

  def _preactivations(self, params, inputs_t, r):
    """[z_i, z_f, z_g, z_o], the recurrent part normalised when `norm`."""
    if self.norm:
      r = layer_norm.apply(params, 'h', r, self._groups())
    return jnp.split(inputs_t + r, 4, axis=-1)

  def _output(self, params, o, c):
    """h_t = o * tanh(c_t), c_t normalised first when `norm`."""
    if self.norm:
      c = layer_norm.apply(params, 'c', c)
    return o * jnp.tanh(c)

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
    z_i, z_f, z_g, z_o = self._preactivations(params, inputs_t, r)
    i, f, o = (self._open(g, sigmoid(z))
               for g, z in (('i', z_i), ('f', z_f), ('o', z_o)))
    c = f * c + i * jnp.tanh(z_g)
    h = self._output(params, o, c)
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
  starts as the LSTM. Other parameters, gate order, carry and `norm` as
  `lstm` (with norm, the peepholes read the unnormalised c).
  Unlike Gers et al.'s truncated gradient, backpropagation here flows through
  the peepholes into the cell state.
  """

  name = 'peephole'

  def init(self, key, input_size, hidden_size):
    params = _lstm_weights(key, input_size, hidden_size, self.forget_bias,
                           self.norm)
    zeros = jnp.zeros(hidden_size, jnp.float32)
    return params | {'p_i': zeros, 'p_f': zeros, 'p_o': zeros}

  def forward(self, params, carry, inputs_t, r):
    _, c_prev = carry
    z_i, z_f, z_g, z_o = self._preactivations(params, inputs_t, r)
    i = self._open('i', sigmoid(z_i + params['p_i'] * c_prev))
    f = self._open('f', sigmoid(z_f + params['p_f'] * c_prev))
    c = f * c_prev + i * jnp.tanh(z_g)
    o = self._open('o', sigmoid(z_o + params['p_o'] * c))
    h = self._output(params, o, c)
    return (h, c), h, {'i': i, 'f': f, 'o': o}
