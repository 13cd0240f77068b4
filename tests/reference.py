"""Independent references: each cell's recurrence as a NumPy loop in float64,
written from the paper's equations (see the cells' docstrings for citations).

Every function takes params as a dict of arrays, xs [T, B, D], and returns
(ys [T, B, H], final state).
"""

import numpy as np


def sigmoid(x):
  return 1.0 / (1.0 + np.exp(-x))


def relu(x):
  return np.maximum(x, 0.0)


def _f64(params):
  return {k: np.asarray(v, np.float64) for k, v in params.items()}


def _blocks(w, n):
  return np.split(np.asarray(w, np.float64), n, axis=-1)


def vanilla(params, xs, activation='tanh'):
  """Elman: h_t = act(W x_t + U h_{t-1} + b)."""
  p = _f64(params)
  act = np.tanh if activation == 'tanh' else relu
  h = np.zeros((xs.shape[1], p['w_h'].shape[0]))
  ys = []
  for x in np.asarray(xs, np.float64):
    h = act(x @ p['w_x'] + h @ p['w_h'] + p['b'])
    ys.append(h)
  return np.stack(ys), h


def lstm(params, xs, peephole=False, no_gate=''):
  """LSTM with forget gate; with peephole, i and f see c_{t-1}, o sees c_t;
  no_gate fixes that gate to 1."""
  p = _f64(params)
  w_xi, w_xf, w_xg, w_xo = _blocks(p['w_x'], 4)
  w_hi, w_hf, w_hg, w_ho = _blocks(p['w_h'], 4)
  b_i, b_f, b_g, b_o = _blocks(p['b'], 4)
  hidden = p['w_h'].shape[0]
  zero = np.zeros(hidden)
  p_i, p_f, p_o = (p[k] if peephole else zero for k in ('p_i', 'p_f', 'p_o'))
  h = np.zeros((xs.shape[1], hidden))
  c = np.zeros_like(h)
  ys = []
  for x in np.asarray(xs, np.float64):
    i = 1.0 if no_gate == 'i' else sigmoid(x @ w_xi + h @ w_hi + b_i + p_i * c)
    f = 1.0 if no_gate == 'f' else sigmoid(x @ w_xf + h @ w_hf + b_f + p_f * c)
    c = f * c + i * np.tanh(x @ w_xg + h @ w_hg + b_g)
    o = 1.0 if no_gate == 'o' else sigmoid(x @ w_xo + h @ w_ho + b_o + p_o * c)
    h = o * np.tanh(c)
    ys.append(h)
  return np.stack(ys), (h, c)


def gru(params, xs, reset_after=True):
  """GRU, gates r, z, n; h_t = (1 - z) n + z h_{t-1}."""
  p = _f64(params)
  w_xr, w_xz, w_xn = _blocks(p['w_x'], 3)
  w_hr, w_hz, w_hn = _blocks(p['w_h'], 3)
  b_r, b_z, b_n = _blocks(p['b'], 3)
  h = np.zeros((xs.shape[1], p['w_h'].shape[0]))
  ys = []
  for x in np.asarray(xs, np.float64):
    r = sigmoid(x @ w_xr + h @ w_hr + b_r)
    z = sigmoid(x @ w_xz + h @ w_hz + b_z)
    if reset_after:
      n = np.tanh(x @ w_xn + b_n + r * (h @ w_hn + p['b_hn']))
    else:
      n = np.tanh(x @ w_xn + b_n + (r * h) @ w_hn)
    h = (1 - z) * n + z * h
    ys.append(h)
  return np.stack(ys), h


def mgu(params, xs):
  """Zhou et al. 2016, eqs. 6a-6c."""
  p = _f64(params)
  w_xf, w_xn = _blocks(p['w_x'], 2)
  w_hf, w_hn = _blocks(p['w_h'], 2)
  b_f, b_n = _blocks(p['b'], 2)
  h = np.zeros((xs.shape[1], p['w_h'].shape[0]))
  ys = []
  for x in np.asarray(xs, np.float64):
    f = sigmoid(x @ w_xf + h @ w_hf + b_f)
    n = np.tanh(x @ w_xn + (f * h) @ w_hn + b_n)
    h = (1 - f) * h + f * n
    ys.append(h)
  return np.stack(ys), h


def ran(params, xs, activation='tanh'):
  """Lee et al. 2017 (authors' code): gates read h, content is W_c x."""
  p = _f64(params)
  w_xi, w_xf, w_xc = _blocks(p['w_x'], 3)
  w_hi, w_hf = _blocks(p['w_h'], 2)
  b_i, b_f = _blocks(p['b'], 2)
  h = np.zeros((xs.shape[1], p['w_h'].shape[0]))
  c = np.zeros_like(h)
  ys = []
  for x in np.asarray(xs, np.float64):
    i = sigmoid(x @ w_xi + h @ w_hi + b_i)
    f = sigmoid(x @ w_xf + h @ w_hf + b_f)
    c = i * (x @ w_xc) + f * c
    h = np.tanh(c) if activation == 'tanh' else c
    ys.append(h)
  return np.stack(ys), (h, c)


def indrnn(params, xs, activation='relu'):
  """Li et al. 2018, eq. 3: h_{n,t} = act(w_n x_t + u_n h_{n,t-1} + b_n)."""
  p = _f64(params)
  act = np.tanh if activation == 'tanh' else relu
  h = np.zeros((xs.shape[1], p['u'].shape[0]))
  ys = []
  for x in np.asarray(xs, np.float64):
    h = act(x @ p['w_x'] + p['u'] * h + p['b'])
    ys.append(h)
  return np.stack(ys), h


def cwrnn(params, xs, periods, activation='tanh'):
  """Koutnik et al. 2014, eq. 4, modules sorted by period, t from 0.

  Module i is evaluated when t mod T_i == 0 and then reads only the modules
  j with T_j >= T_i; otherwise it keeps its value.
  """
  p = _f64(params)
  act = np.tanh if activation == 'tanh' else relu
  hidden = p['w_h'].shape[0]
  k = hidden // len(periods)
  h = np.zeros((xs.shape[1], hidden))
  ys = []
  for t, x in enumerate(np.asarray(xs, np.float64)):
    new = h.copy()
    for i, period_i in enumerate(periods):
      if t % period_i:
        continue
      rows = slice(i * k, (i + 1) * k)
      a = x @ p['w_x'][:, rows] + p['b'][rows]
      for j, period_j in enumerate(periods):
        if period_j >= period_i:
          a = a + h[:, j * k:(j + 1) * k] @ p['w_h'][j * k:(j + 1) * k, rows]
      new[:, rows] = act(a)
    h = new
    ys.append(h)
  return np.stack(ys), h


def g(x):
  """minGRU's positive activation (Feng et al. 2024, appendix B.3)."""
  return np.where(x >= 0, x + 0.5, sigmoid(x))


def mingru(params, xs, log_space=False):
  """Feng et al. 2024, section 3.1: h_t = (1 - z_t) h_{t-1} + z_t h~_t."""
  p = _f64(params)
  w_k, w_z = _blocks(p['w_x'], 2)
  b_k, b_z = _blocks(p['b'], 2)
  h = np.zeros((xs.shape[1], w_k.shape[1]))
  ys = []
  for x in np.asarray(xs, np.float64):
    z = sigmoid(x @ w_z + b_z)
    candidate = x @ w_k + b_k
    if log_space:
      candidate = g(candidate)
    h = (1 - z) * h + z * candidate
    ys.append(h)
  return np.stack(ys), h


def minlstm(params, xs, log_space=False):
  """Feng et al. 2024, section 3.2, with f and i normalised to sum to 1."""
  p = _f64(params)
  w_k, w_f, w_i = _blocks(p['w_x'], 3)
  b_k, b_f, b_i = _blocks(p['b'], 3)
  h = np.zeros((xs.shape[1], w_k.shape[1]))
  ys = []
  for x in np.asarray(xs, np.float64):
    f = sigmoid(x @ w_f + b_f)
    i = sigmoid(x @ w_i + b_i)
    candidate = x @ w_k + b_k
    if log_space:
      candidate = g(candidate)
    h = f / (f + i) * h + i / (f + i) * candidate
    ys.append(h)
  return np.stack(ys), h


def qrnn(params, xs, window=1, pooling='fo'):
  """Bradbury et al. 2017, section 2: a causal convolution of width
  `window` (zero before the first step), then f-, fo- or ifo-pooling."""
  p = _f64(params)
  names = {'f': 'zf', 'fo': 'zfo', 'ifo': 'zfoi'}[pooling]
  w = dict(zip(names, _blocks(p['w_x'], len(names))))
  b = dict(zip(names, _blocks(p['b'], len(names))))
  xs = np.asarray(xs, np.float64)
  c = np.zeros((xs.shape[1], w['z'].shape[1]))
  previous = np.zeros_like(xs[0])
  ys = []
  for x in xs:
    seen = np.concatenate([previous, x], -1) if window == 2 else x
    previous = x
    gate = {n: seen @ w[n] + b[n] for n in names}
    z, f = np.tanh(gate['z']), sigmoid(gate['f'])
    if pooling == 'ifo':
      c = f * c + sigmoid(gate['i']) * z
    else:
      c = f * c + (1 - f) * z
    h = c if pooling == 'f' else sigmoid(gate['o']) * c
    ys.append(h)
  return np.stack(ys), (h if pooling == 'f' else (h, c))


def sru(params, xs, activation='tanh'):
  """Lei et al. 2017 (arXiv:1709.02755v1), eqs. 3-7, with the highway
  input projected when D != H."""
  p = _f64(params)
  hidden = p['b'].shape[0] // 2
  blocks = _blocks(p['w_x'], p['w_x'].shape[1] // hidden)
  b_f, b_r = _blocks(p['b'], 2)
  act = np.tanh if activation == 'tanh' else (lambda v: v)
  c = np.zeros((xs.shape[1], hidden))
  ys = []
  for x in np.asarray(xs, np.float64):
    f = sigmoid(x @ blocks[1] + b_f)
    r = sigmoid(x @ blocks[2] + b_r)
    c = f * c + (1 - f) * (x @ blocks[0])
    highway = x if len(blocks) == 3 else x @ blocks[3]
    h = r * act(c) + (1 - r) * highway
    ys.append(h)
  return np.stack(ys), (h, c)


def dilated(base_run, xs, dilation):
  """Dilated recurrence: sub-sequence k (times k, k+d, ...) runs on its own."""
  num_steps = xs.shape[0]
  ys = None
  for k in range(dilation):
    sub_ys, _ = base_run(xs[k::dilation])
    if ys is None:
      ys = np.zeros((num_steps,) + sub_ys.shape[1:])
    ys[k::dilation] = sub_ys
  return ys


def run(cell, params, xs):
  """ys [T, B, H] of `cell` (an rnnzoo Cell, read for its name and options)."""
  options = cell.options()
  name = cell.name
  if name == 'dilated':
    return dilated(lambda sub: run_plain(cell.cell, params, sub), xs,
                   options['dilation'])
  return run_plain(cell, params, xs)[0]


def run_plain(cell, params, xs):
  options = cell.options()
  functions = {
      'vanilla': lambda: vanilla(params, xs, options.get('activation')),
      'irnn': lambda: vanilla(params, xs, options.get('activation')),
      'lstm': lambda: lstm(params, xs, no_gate=options.get('no_gate')),
      'peephole': lambda: lstm(params, xs, peephole=True,
                               no_gate=options.get('no_gate')),
      'gru': lambda: gru(params, xs, options.get('reset_after')),
      'mgu': lambda: mgu(params, xs),
      'ran': lambda: ran(params, xs, options.get('activation')),
      'indrnn': lambda: indrnn(params, xs, options.get('activation')),
      'cwrnn': lambda: cwrnn(params, xs, options.get('periods'),
                             options.get('activation')),
      'mingru': lambda: mingru(params, xs, options.get('log_space')),
      'minlstm': lambda: minlstm(params, xs, options.get('log_space')),
      'qrnn': lambda: qrnn(params, xs, options.get('window'),
                           options.get('pooling')),
      'sru': lambda: sru(params, xs, options.get('activation')),
  }
  return functions[cell.name]()
