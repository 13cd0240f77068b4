"""Each rnnzoo cell as a PyTorch per-step loop: the baseline that a
researcher would write by hand, used by bench_throughput.py.

Written from the cells' equations (see rnnzoo/cells): the input projection is
one matmul for all steps, then one Python iteration per time step.
"""

import numpy as np
import torch


def _blocks(x, n):
  return torch.chunk(x, n, dim=-1)


def _act(name):
  return torch.tanh if name == 'tanh' else torch.relu


LOOPED_CELLS = ('vanilla', 'irnn', 'lstm', 'peephole', 'gru', 'mgu', 'ran',
                'indrnn', 'cwrnn')


def supports(cell) -> bool:
  """Whether `make_loop` has a loop of `cell` (dilated: of its base)."""
  base = cell.cell if cell.name == 'dilated' else cell
  return base.name in LOOPED_CELLS


def step_fn(cell):
  """(params, carry, inputs_t, t) -> (carry, h_t) for an rnnzoo cell."""
  name, options = cell.name, cell.options()
  if name in ('vanilla', 'irnn'):
    act = _act(options['activation'])
    return lambda p, h, x, t: (lambda h: (h, h))(act(x + h @ p['w_h']))
  if name in ('lstm', 'peephole'):
    peephole = name == 'peephole'

    def lstm(p, carry, x, t):
      h, c = carry
      z_i, z_f, z_g, z_o = _blocks(x + h @ p['w_h'], 4)
      if peephole:
        z_i, z_f = z_i + p['p_i'] * c, z_f + p['p_f'] * c
      c = torch.sigmoid(z_f) * c + torch.sigmoid(z_i) * torch.tanh(z_g)
      if peephole:
        z_o = z_o + p['p_o'] * c
      h = torch.sigmoid(z_o) * torch.tanh(c)
      return (h, c), h
    return lstm
  if name == 'gru':
    reset_after = options['reset_after']

    def gru(p, h, x, t):
      x_r, x_z, x_n = _blocks(x, 3)
      hidden = h.shape[-1]
      w_h = p['w_h']
      if reset_after:
        a_r, a_z, a_n = _blocks(h @ w_h, 3)
        r = torch.sigmoid(x_r + a_r)
        n = torch.tanh(x_n + r * (a_n + p['b_hn']))
      else:
        a_r, a_z = _blocks(h @ w_h[:, :2 * hidden], 2)
        r = torch.sigmoid(x_r + a_r)
        n = torch.tanh(x_n + (r * h) @ w_h[:, 2 * hidden:])
      z = torch.sigmoid(x_z + a_z)
      h = (1 - z) * n + z * h
      return h, h
    return gru
  if name == 'mgu':
    def mgu(p, h, x, t):
      hidden = h.shape[-1]
      x_f, x_n = _blocks(x, 2)
      f = torch.sigmoid(x_f + h @ p['w_h'][:, :hidden])
      n = torch.tanh(x_n + (f * h) @ p['w_h'][:, hidden:])
      h = (1 - f) * h + f * n
      return h, h
    return mgu
  if name == 'ran':
    identity = options['activation'] == 'identity'

    def ran(p, carry, x, t):
      h, c = carry
      x_i, x_f, content = _blocks(x, 3)
      a_i, a_f = _blocks(h @ p['w_h'], 2)
      c = torch.sigmoid(x_i + a_i) * content + torch.sigmoid(x_f + a_f) * c
      h = c if identity else torch.tanh(c)
      return (h, c), h
    return ran
  if name == 'indrnn':
    act = _act(options['activation'])
    return lambda p, h, x, t: (lambda h: (h, h))(act(x + p['u'] * h))
  if name == 'cwrnn':
    act = _act(options['activation'])
    periods = np.asarray(options['periods'])

    def cwrnn(p, h, x, t):
      unit_periods = np.repeat(periods, h.shape[-1] // len(periods))
      active = torch.tensor(t % unit_periods == 0)
      h = torch.where(active, act(x + h @ (p['w_h'] * p['mask'])), h)
      return h, h
    return cwrnn
  raise ValueError(f'no PyTorch loop for cell {name!r}')


def make_loop(cell, params):
  """A function xs [T, B, D] -> ys [T, B, H] and the torch leaf tensors."""
  base = cell.cell if cell.name == 'dilated' else cell
  dilation = cell.dilation if cell.name == 'dilated' else 1
  p = {k: torch.tensor(np.asarray(v), requires_grad=True)
       for k, v in params.items()}
  if base.name == 'cwrnn':
    p['mask'] = torch.tensor(base.recurrent_mask(params['w_h'].shape[0]))
  step = step_fn(base)
  hidden = base.hidden_size(params)
  carry_size = 2 if base.name in ('lstm', 'peephole', 'ran') else 1
  bias = p['b']
  if base.name == 'ran':
    bias = torch.cat([bias, torch.zeros(hidden)])

  def run(xs):
    inputs = xs @ p['w_x'] + bias
    zero = torch.zeros(xs.shape[1], hidden)
    init = (zero, zero) if carry_size == 2 else zero
    states = [init] * dilation
    ys = []
    # unbind, not inputs[t]: the backward of T slices would add T
    # full-size [T, B, ...] gradients, a cost quadratic in T.
    for t, inputs_t in enumerate(torch.unbind(inputs)):
      # The dilated recurrence h_t = f(x_t, h_{t-d}); d = 1 for plain cells.
      state, h = step(p, states[-dilation], inputs_t, t // dilation)
      states.append(state)
      ys.append(h)
    return torch.stack(ys)

  return run, [v for k, v in p.items() if k != 'mask']
