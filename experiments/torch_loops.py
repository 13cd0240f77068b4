"""rnnzoo's cells as PyTorch per-step loops: the baseline that a
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


def _layer_norm(z, gain, bias, groups):
  """z normalised in consecutive groups of `groups[i]` features (eps 1e-5)."""
  parts = [torch.nn.functional.layer_norm(part, part.shape[-1:], eps=1e-5)
           for part in torch.split(z, groups, dim=-1)]
  return torch.cat(parts, -1) * gain + bias


def _norm_groups(cell, hidden):
  """Feature widths normalised together: the cell's blocks of H grouped the
  way its `norm` option says."""
  joint = {'lstm': [4], 'peephole': [4], 'gru': [2, 1]}[cell.name]
  if cell.options()['norm'] == 'layer_per_gate':
    joint = [1] * sum(joint)
  return [b * hidden for b in joint]


def _vanilla(cell):
  options = cell.options()
  act = _act(options['activation'])
  identity = 1.0 if options['identity_path'] else 0.0
  return lambda p, h, x, t: (lambda h: (h, h))(
      act(x + h @ p['w_h'] + identity * h))


def _lstm(cell):
  options = cell.options()
  peephole = cell.name == 'peephole'
  norm = options['norm']
  removed = options['no_gate']  # that gate is fixed to 1

  def gate(name, z):
    return torch.ones_like(z) if name == removed else torch.sigmoid(z)

  def lstm(p, carry, x, t):
    h, c = carry
    a = h @ p['w_h']
    if norm:
      a = _layer_norm(a, p['g_h'], p['beta_h'],
                      _norm_groups(cell, h.shape[-1]))
    z_i, z_f, z_g, z_o = _blocks(x + a, 4)
    if peephole:
      z_i, z_f = z_i + p['p_i'] * c, z_f + p['p_f'] * c
    c = gate('f', z_f) * c + gate('i', z_i) * torch.tanh(z_g)
    if peephole:
      z_o = z_o + p['p_o'] * c
    c_out = c
    if norm:
      c_out = _layer_norm(c, p['g_c'], p['beta_c'], [c.shape[-1]])
    h = gate('o', z_o) * torch.tanh(c_out)
    return (h, c), h
  return lstm


def _gru(cell):
  options = cell.options()
  reset_after = options['reset_after']
  norm = options['norm']

  def gru(p, h, x, t):
    x_r, x_z, x_n = _blocks(x, 3)
    hidden = h.shape[-1]
    w_h = p['w_h']
    rz, n_part = slice(0, 2 * hidden), slice(2 * hidden, None)

    def norm_rz(a):
      if not norm:
        return a
      return _layer_norm(a, p['g_h'][rz], p['beta_h'][rz],
                         _norm_groups(cell, hidden)[:-1])

    def norm_n(a):
      if not norm:
        return a
      return _layer_norm(a, p['g_h'][n_part], p['beta_h'][n_part], [hidden])

    a_r, a_z = _blocks(norm_rz(h @ w_h[:, rz]), 2)
    r = torch.sigmoid(x_r + a_r)
    if reset_after:
      n = torch.tanh(x_n + r * (norm_n(h @ w_h[:, n_part]) +
                                p.get('b_hn', 0.0)))
    else:
      n = torch.tanh(x_n + norm_n((r * h) @ w_h[:, n_part]))
    z = torch.sigmoid(x_z + a_z)
    h = (1 - z) * n + z * h
    return h, h
  return gru


def _mgu(cell):
  def mgu(p, h, x, t):
    hidden = h.shape[-1]
    x_f, x_n = _blocks(x, 2)
    f = torch.sigmoid(x_f + h @ p['w_h'][:, :hidden])
    n = torch.tanh(x_n + (f * h) @ p['w_h'][:, hidden:])
    h = (1 - f) * h + f * n
    return h, h
  return mgu


def _ran(cell):
  options = cell.options()
  identity = options['activation'] == 'identity'

  def ran(p, carry, x, t):
    h, c = carry
    x_i, x_f, content = _blocks(x, 3)
    a_i, a_f = _blocks(h @ p['w_h'], 2)
    c = torch.sigmoid(x_i + a_i) * content + torch.sigmoid(x_f + a_f) * c
    h = c if identity else torch.tanh(c)
    return (h, c), h
  return ran


def _indrnn(cell):
  options = cell.options()
  act = _act(options['activation'])
  return lambda p, h, x, t: (lambda h: (h, h))(act(x + p['u'] * h))


def _cwrnn(cell):
  options = cell.options()
  act = _act(options['activation'])
  periods = np.asarray(options['periods'])

  def cwrnn(p, h, x, t):
    unit_periods = np.repeat(periods, h.shape[-1] // len(periods))
    active = torch.tensor(t % unit_periods == 0)
    h = torch.where(active, act(x + h @ (p['w_h'] * p['mask'])), h)
    return h, h
  return cwrnn


def _exprnn(cell):
  def exprnn(p, h, x, t):
    z = x + h @ p['w_h']
    h = torch.sign(z) * torch.relu(torch.abs(z) + p['b'])
    return h, h
  return exprnn


def _nested_lstm(cell):
  def nested_lstm(p, carry, x, t):
    h, c, inner_c = carry
    z_i, z_f, z_g, z_o = _blocks(x + h @ p['w_h'], 4)
    i, f, o = torch.sigmoid(z_i), torch.sigmoid(z_f), torch.sigmoid(z_o)
    u = (i * z_g) @ p['u_x'] + (f * c) @ p['u_h'] + p['u_b']
    u_i, u_f, u_g, u_o = _blocks(u, 4)
    inner_c = (torch.sigmoid(u_f) * inner_c +
               torch.sigmoid(u_i) * torch.tanh(u_g))
    c = torch.sigmoid(u_o) * torch.tanh(inner_c)
    h = o * torch.tanh(c)
    return (h, c, inner_c), h
  return nested_lstm


def _jordan(cell):
  options = cell.options()
  acts = {'sigmoid': torch.sigmoid, 'tanh': torch.tanh, 'relu': torch.relu,
          'identity': lambda z: z,
          'softmax': lambda z: torch.softmax(z, -1)}
  act, out = acts[options['activation']], acts[options['output_activation']]
  mu = options['self_connection']

  def jordan(p, carry, x, t):
    y, s = carry
    s = mu * s + y
    z = act(x + s @ p['w_s']) @ p['w_y'] + p['b_y']
    y = out(z)
    return (y, s), (z if options['emit_pre_activation'] else y)
  return jordan


def _mist(cell):
  """The carry is the last K = max(delays) states, newest first: a loop
  written by hand reads h_{t-d} from the states it keeps."""
  options = cell.options()
  delays, act = options['delays'], _act(options['activation'])

  def mist(p, past, x, t):
    hidden = past[0].shape[-1]
    x_r, x_m, x_a = torch.split(x, [hidden, hidden, len(delays)], -1)
    r_h, a_h = torch.split(past[0] @ p['w_h'], [hidden, len(delays)], -1)
    mixture = torch.softmax(x_a + a_h, -1)
    mixed = sum(mixture[:, i:i + 1] * past[d - 1]
                for i, d in enumerate(delays))
    h = act(x_m + (torch.sigmoid(x_r + r_h) * mixed) @ p['w_m'])
    return (h,) + past[:-1], h
  return mist


def _scrn(cell):
  options = cell.options()
  alpha = options['alpha']

  def scrn(p, h, x, t):
    fast = p['w_h'].shape[1]
    s = (1 - alpha) * x[:, fast:] + alpha * h[:, fast:]
    h = torch.cat([torch.sigmoid(x[:, :fast] + h @ p['w_h']), s], -1)
    return h, h
  return scrn


# Cell name -> (cell -> step (params, carry, inputs_t, t) -> (carry, h_t),
# the number of [B, H] arrays in the carry, or cell -> that number). A cell
# without an entry is benchmarked without a PyTorch loop.
LOOPS = {
    'vanilla': (_vanilla, 1),
    'irnn': (_vanilla, 1),
    'nprnn': (_vanilla, 1),
    'rin': (_vanilla, 1),
    'lstm': (_lstm, 2),
    'peephole': (_lstm, 2),
    'gru': (_gru, 1),
    'mgu': (_mgu, 1),
    'ran': (_ran, 2),
    'indrnn': (_indrnn, 1),
    'cwrnn': (_cwrnn, 1),
    'exprnn': (_exprnn, 1),
    'nested_lstm': (_nested_lstm, 3),
    'jordan': (_jordan, 2),
    'mist': (_mist, lambda cell: max(cell.delays)),
    'scrn': (_scrn, 1),
}


def has_loop(cell) -> bool:
  """Whether `LOOPS` has `cell` (or a dilated cell's base)."""
  base = cell.cell if cell.name == 'dilated' else cell
  return base.name in LOOPS


def _project(base, p, xs, hidden):
  """The time-parallel part: x_t W_x (+ b), layer-normalised when the cell's
  `norm` option is set; the RAN's content block has no bias, the expRNN
  and the SCRN no input bias at all."""
  inputs = xs @ p['w_x']
  if base.name in ('exprnn', 'scrn'):
    return inputs
  if base.options().get('norm'):
    inputs = _layer_norm(inputs, p['g_x'], p['beta_x'],
                         _norm_groups(base, hidden))
  if base.name == 'ran':
    return inputs + torch.cat([p['b'], torch.zeros(hidden)])
  return inputs + p['b']


def make_loop(cell, params):
  """A function xs [T, B, D] -> ys [T, B, H] and the torch leaf tensors."""
  base = cell.cell if cell.name == 'dilated' else cell
  dilation = cell.dilation if cell.name == 'dilated' else 1
  p = {k: torch.tensor(np.asarray(v), requires_grad=True)
       for k, v in params.items()}
  if base.name == 'cwrnn':
    p['mask'] = torch.tensor(base.recurrent_mask(params['w_h'].shape[0]))
  make_step, carry_size = LOOPS[base.name]
  step = make_step(base)
  if callable(carry_size):
    carry_size = carry_size(base)
  hidden = base.hidden_size(params)

  def run(xs):
    inputs = _project(base, p, xs, hidden)
    weights = p
    if base.name == 'exprnn':  # W = expm(A), once per sequence
      upper = torch.triu(p['a'], 1)
      weights = p | {'w_h': torch.matrix_exp(upper - upper.T)}
    zero = torch.zeros(xs.shape[1], hidden)
    init = (zero,) * carry_size if carry_size > 1 else zero
    states = [init] * dilation
    ys = []
    # unbind, not inputs[t]: the backward of T slices would add T
    # full-size [T, B, ...] gradients, a cost quadratic in T.
    for t, inputs_t in enumerate(torch.unbind(inputs)):
      # The dilated recurrence h_t = f(x_t, h_{t-d}); d = 1 for plain cells.
      state, h = step(weights, states[-dilation], inputs_t, t // dilation)
      states.append(state)
      ys.append(h)
    return torch.stack(ys)

  return run, [v for k, v in p.items() if k != 'mask']
