"""Independent references: each cell's recurrence as a NumPy loop in float64,
written from the paper's equations (see the cells' docstrings for citations).

Every function takes params as a dict of arrays, xs [T, B, D], and returns
(ys [T, B, H], final state).
"""

import numpy as np
import scipy.linalg


def sigmoid(x):
  return 1.0 / (1.0 + np.exp(-x))


def relu(x):
  return np.maximum(x, 0.0)


def _f64(params):
  return {k: np.asarray(v, np.float64) for k, v in params.items()}


def _blocks(w, n):
  return np.split(np.asarray(w, np.float64), n, axis=-1)


def layer_norm(z, gain, bias, groups):
  """Ba et al. 2016: each group of features (a list of widths) normalised to
  zero mean and unit variance (+ 1e-5), then z * gain + bias."""
  out, start = [], 0
  for width in groups:
    part = z[..., start:start + width]
    mean = part.mean(-1, keepdims=True)
    var = ((part - mean) ** 2).mean(-1, keepdims=True)
    out.append((part - mean) / np.sqrt(var + 1e-5))
    start += width
  return np.concatenate(out, -1) * gain + bias


def _norm_groups(norm, hidden, joint):
  """Group widths: `joint` (in blocks of H) for 'layer', each block alone for
  'layer_per_gate'."""
  blocks = joint if norm == 'layer' else [1] * sum(joint)
  return [b * hidden for b in blocks]


def vanilla(params, xs, activation='tanh', identity_path=False):
  """Elman: h_t = act(W x_t + U h_{t-1} + b); RIN (identity_path): U + I."""
  p = _f64(params)
  act = np.tanh if activation == 'tanh' else relu
  hidden = p['w_h'].shape[0]
  u = p['w_h'] + np.eye(hidden) if identity_path else p['w_h']
  h = np.zeros((xs.shape[1], hidden))
  ys = []
  for x in np.asarray(xs, np.float64):
    h = act(x @ p['w_x'] + h @ u + p['b'])
    ys.append(h)
  return np.stack(ys), h


def lstm(params, xs, peephole=False, no_gate='', norm=''):
  """LSTM with forget gate; with peephole, i and f see c_{t-1}, o sees c_t;
  no_gate fixes that gate to 1; with norm, Ba et al.'s layer-normalised
  LSTM: LN(x W_x) + LN(h W_h) + b, h = o tanh(LN(c))."""
  p = _f64(params)
  hidden = p['w_h'].shape[0]
  zero = np.zeros(hidden)
  p_i, p_f, p_o = (p[k] if peephole else zero for k in ('p_i', 'p_f', 'p_o'))
  groups = _norm_groups(norm, hidden, [4])
  h = np.zeros((xs.shape[1], hidden))
  c = np.zeros_like(h)
  ys = []
  for x in np.asarray(xs, np.float64):
    a_x, a_h = x @ p['w_x'], h @ p['w_h']
    if norm:
      a_x = layer_norm(a_x, p['g_x'], p['beta_x'], groups)
      a_h = layer_norm(a_h, p['g_h'], p['beta_h'], groups)
    z_i, z_f, z_g, z_o = _blocks(a_x + a_h + p['b'], 4)
    i = 1.0 if no_gate == 'i' else sigmoid(z_i + p_i * c)
    f = 1.0 if no_gate == 'f' else sigmoid(z_f + p_f * c)
    c = f * c + i * np.tanh(z_g)
    o = 1.0 if no_gate == 'o' else sigmoid(z_o + p_o * c)
    c_out = layer_norm(c, p['g_c'], p['beta_c'], [hidden]) if norm else c
    h = o * np.tanh(c_out)
    ys.append(h)
  return np.stack(ys), (h, c)


def gru(params, xs, reset_after=True, norm=''):
  """GRU, gates r, z, n; h_t = (1 - z) n + z h_{t-1}. With norm, the
  layer-normalised GRU of Ba et al.'s code: LN of x W_x in groups [r z], [n];
  of h W_h[:, rz]; and of the candidate's recurrent term (h W_hn, scaled by
  r after; or (r h) W_hn); b added after, no b_hn."""
  p = _f64(params)
  hidden = p['w_h'].shape[0]
  w_hr, w_hz, w_hn = _blocks(p['w_h'], 3)
  b_hn = p.get('b_hn', 0.0)
  rz_groups = _norm_groups(norm, hidden, [2])
  g_h, beta_h = p.get('g_h'), p.get('beta_h')

  def norm_n(a):
    if not norm:
      return a
    return layer_norm(a, g_h[2 * hidden:], beta_h[2 * hidden:], [hidden])

  h = np.zeros((xs.shape[1], hidden))
  ys = []
  for x in np.asarray(xs, np.float64):
    a_x = x @ p['w_x']
    a_rz = h @ np.concatenate([w_hr, w_hz], 1)
    if norm:
      a_x = layer_norm(a_x, p['g_x'], p['beta_x'], rz_groups + [hidden])
      a_rz = layer_norm(a_rz, g_h[:2 * hidden], beta_h[:2 * hidden],
                        rz_groups)
    x_r, x_z, x_n = _blocks(a_x + p['b'], 3)
    a_r, a_z = _blocks(a_rz, 2)
    r = sigmoid(x_r + a_r)
    z = sigmoid(x_z + a_z)
    if reset_after:
      n = np.tanh(x_n + r * (norm_n(h @ w_hn) + b_hn))
    else:
      n = np.tanh(x_n + norm_n((r * h) @ w_hn))
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


def exprnn(params, xs):
  """Lezcano-Casado & Martinez-Rubio 2019: W = expm(A), A the skew-symmetric
  matrix of a's strict upper triangle; h_t = modReLU(x_t W_x + h_{t-1} W)."""
  p = _f64(params)
  upper = np.triu(p['a'], 1)
  w = scipy.linalg.expm(upper - upper.T)
  h = np.zeros((xs.shape[1], w.shape[0]))
  ys = []
  for x in np.asarray(xs, np.float64):
    z = x @ p['w_x'] + h @ w
    h = np.sign(z) * relu(np.abs(z) + p['b'])
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


def scrn(params, xs, alpha):
  """Mikolov et al. 2015 (authors' code): s_t = (1 - alpha) B x_t +
  alpha s_{t-1}; f_t = sigmoid(A x_t + R f_{t-1} + P s_{t-1}); h = [f, s]."""
  p = _f64(params)
  hidden, fast = p['w_x'].shape[1], p['w_h'].shape[1]
  slow_size = hidden - fast
  w_a, w_b = p['w_x'][:, :fast], p['w_x'][:, fast:]
  w_r, w_p = p['w_h'][:fast], p['w_h'][fast:]
  f = np.zeros((xs.shape[1], fast))
  s = np.zeros((xs.shape[1], slow_size))
  ys = []
  for x in np.asarray(xs, np.float64):
    f, s = (sigmoid(x @ w_a + f @ w_r + s @ w_p),
            (1 - alpha) * (x @ w_b) + alpha * s)
    ys.append(np.concatenate([f, s], -1))
  return np.stack(ys), ys[-1]


def mist(params, xs, delays, activation='tanh'):
  """DiPietro et al. (authors' code): a = softmax(.), r = sigmoid(.),
  h_t = act(W_m^T (r * sum_i a_i h_{t-d_i}) + W_x^T x_t + b), h_{<0} = 0."""
  p = _f64(params)
  act = np.tanh if activation == 'tanh' else relu
  hidden, n = p['w_m'].shape[0], len(delays)
  w_xr, w_xm, w_xa = np.split(p['w_x'], [hidden, 2 * hidden], axis=1)
  w_hr, w_ha = np.split(p['w_h'], [hidden], axis=1)
  b_r, b_m, b_a = np.split(p['b'], [hidden, 2 * hidden])
  past = []  # past[t] = h_t
  zero = np.zeros((xs.shape[1], hidden))
  state = lambda t: past[t] if t >= 0 else zero
  for t, x in enumerate(np.asarray(xs, np.float64)):
    h = state(t - 1)
    logits = x @ w_xa + h @ w_ha + b_a
    a = np.exp(logits - logits.max(-1, keepdims=True))
    a /= a.sum(-1, keepdims=True)
    mixed = sum(a[:, i:i + 1] * state(t - d) for i, d in enumerate(delays))
    r = sigmoid(x @ w_xr + h @ w_hr + b_r)
    past.append(act(x @ w_xm + (r * mixed) @ p['w_m'] + b_m))
  assert n == a.shape[1]
  return np.stack(past), past[-1]


def nested_lstm(params, xs):
  """Moniz & Krueger 2017, eqs. 1-15: the outer LSTM's memory update is an
  inner LSTM fed i * g (g linear) with state f * c_{t-1}; c_t is its h."""
  p = _f64(params)
  hidden = p['w_h'].shape[0]
  h, c, inner_c = (np.zeros((xs.shape[1], hidden)) for _ in range(3))
  ys = []
  for x in np.asarray(xs, np.float64):
    z_i, z_f, z_g, z_o = _blocks(x @ p['w_x'] + h @ p['w_h'] + p['b'], 4)
    i, f, o = sigmoid(z_i), sigmoid(z_f), sigmoid(z_o)
    inner_x, inner_h = i * z_g, f * c
    u_i, u_f, u_g, u_o = _blocks(
        inner_x @ p['u_x'] + inner_h @ p['u_h'] + p['u_b'], 4)
    inner_c = sigmoid(u_f) * inner_c + sigmoid(u_i) * np.tanh(u_g)
    c = sigmoid(u_o) * np.tanh(inner_c)
    h = o * np.tanh(c)
    ys.append(h)
  return np.stack(ys), (h, c, inner_c)


def softmax(z):
  e = np.exp(z - z.max(-1, keepdims=True))
  return e / e.sum(-1, keepdims=True)


def jordan(params, xs, self_connection, activation, output_activation,
           emit_pre_activation=False, fed_back=None):
  """Jordan 1986: s_t = mu s_{t-1} + y_{t-1}; u_t = act(W_x x_t + W_s s_t +
  b); z_t = W_y u_t + b_y; y_t = out(z_t); the outputs recur, or with
  fed_back [T, B, H] given, fed_back[t] stands for y_{t-1} (teacher
  forcing). Emits y_t, or z_t when emit_pre_activation."""
  p = _f64(params)
  acts = {'sigmoid': sigmoid, 'tanh': np.tanh, 'relu': relu,
          'identity': lambda z: z, 'softmax': softmax}
  outputs = p['w_y'].shape[1]
  y = s = np.zeros((xs.shape[1], outputs))
  ys = []
  for t, x in enumerate(np.asarray(xs, np.float64)):
    if fed_back is not None:
      y = np.asarray(fed_back[t], np.float64)
    s = self_connection * s + y
    u = acts[activation](x @ p['w_x'] + s @ p['w_s'] + p['b'])
    z = u @ p['w_y'] + p['b_y']
    y = acts[output_activation](z)
    ys.append(z if emit_pre_activation else y)
  return np.stack(ys), (y, s)


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
      **{name: lambda: vanilla(params, xs, options.get('activation'),
                               options.get('identity_path'))
         for name in ('vanilla', 'irnn', 'nprnn', 'rin')},
      'lstm': lambda: lstm(params, xs, no_gate=options.get('no_gate'),
                           norm=options.get('norm')),
      'peephole': lambda: lstm(params, xs, peephole=True,
                               no_gate=options.get('no_gate'),
                               norm=options.get('norm')),
      'gru': lambda: gru(params, xs, options.get('reset_after'),
                         options.get('norm')),
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
      'exprnn': lambda: exprnn(params, xs),
      'nested_lstm': lambda: nested_lstm(params, xs),
      'jordan': lambda: jordan(params, xs, options.get('self_connection'),
                               options.get('activation'),
                               options.get('output_activation'),
                               options.get('emit_pre_activation')),
      'mist': lambda: mist(params, xs, options.get('delays'),
                           options.get('activation')),
      'scrn': lambda: scrn(params, xs, options.get('alpha')),
  }
  return functions[cell.name]()
