"""The clockwork RNN."""

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np

from rnnzoo.cells import base


@dataclasses.dataclass(frozen=True)
class CWRNN(base.Cell):
  """Clockwork RNN (Koutnik, Greff, Gomez & Schmidhuber 2014, "A clockwork
  RNN", ICML; eq. 4):

  The H units form g = len(periods) modules of H/g units; module i runs at
  period T_i (ascending). With t counted from 0 (so every module updates at
  the first step),

    a_t   = x_t W_x + h_{t-1} (W_h * M) + b
    h_t^i = act(a_t^i)  if t mod T_i = 0,  else h_{t-1}^i

  M[j, i] = 1 when the sending module j is at least as slow as the receiving
  module i (T_j >= T_i): W_h is block-upper-triangular in the paper's
  orientation, so slow modules feed fast ones and never read them.
  Parameters: w_x [D, H], w_h [H, H] (held at zero outside M), b [H];
  carry (h, t) with t [B] int32, one clock per sequence. Glorot-uniform w_x,
  masked orthogonal w_h, zero b.
  """

  name = 'cwrnn'
  carry_names = ('h', 'clock')
  periods: tuple[int, ...] = (1, 2, 4, 8, 16, 32, 64, 128)
  activation: str = 'tanh'

  def __post_init__(self):
    object.__setattr__(self, 'periods', base.as_tuple(self.periods))
    super().__post_init__()

  def validate(self):
    # Ascending: the fastest module first.
    base.check_positive_ints('periods', self.periods, ascending=True)
    base.check_choice('activation', self.activation, base.ACTIVATIONS)

  def _module_size(self, hidden_size: int) -> int:
    modules = len(self.periods)
    if hidden_size % modules:
      raise ValueError(
          f'hidden_size={hidden_size} is not allowed for periods='
          f'{self.periods!r}: the {modules} modules need a hidden size '
          f'divisible by {modules}')
    return hidden_size // modules

  def unit_periods(self, hidden_size: int) -> np.ndarray:
    """[H] the period of each unit's module."""
    return np.repeat(self.periods, self._module_size(hidden_size))

  def recurrent_mask(self, hidden_size: int) -> np.ndarray:
    """[H, H] M[j, i] = 1 where unit j's module is at least as slow as unit i's."""
    periods = self.unit_periods(hidden_size)
    return (periods[:, None] >= periods[None, :]).astype(np.float32)

  def init(self, key, input_size, hidden_size):
    base.check_sizes(input_size, hidden_size)
    k_x, k_h = jax.random.split(key)
    w_h = base.orthogonal(k_h, hidden_size) * self.recurrent_mask(hidden_size)
    return {'w_x': base.glorot_uniform(k_x, input_size, hidden_size),
            'w_h': w_h, 'b': jnp.zeros(hidden_size)}

  def initial_carry(self, params, batch_size):
    h = super().initial_carry(params, batch_size)
    return (h, jnp.zeros(batch_size, jnp.int32))

  def recurrent(self, params, carry):
    h, _ = carry
    return h @ (params['w_h'] * self.recurrent_mask(h.shape[-1]))

  def forward(self, params, carry, inputs_t, r):
    h_prev, t = carry
    periods = self.unit_periods(h_prev.shape[-1])
    active = t[:, None] % periods == 0
    h = jnp.where(active, base.ACTIVATIONS[self.activation](inputs_t + r),
                  h_prev)
    return (h, t + 1), h, {}

  def num_params(self, params):
    mask = self.recurrent_mask(self.hidden_size(params))
    return params['w_x'].size + int(mask.sum()) + params['b'].size
