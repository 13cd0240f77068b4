"""`unroll`, `bidirectional` and `stack` against plain Python loops of
`Cell.step`, by-hand flips, one-by-one runs and the naive dilated loop."""

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from rnnzoo import cells
from rnnzoo import recurrence
from rnnzoo.cells import base
from tests import conftest

KEY = jax.random.PRNGKey(0)
T, B, D = 9, 3, 3
LENGTHS = jnp.array([9, 5, 1])


def loop(cell, params, xs, carry=None, mask=None, dropout=None, offsets=None):
  """The recurrence as a Python loop of `cell.step`, differentiable by JAX."""
  dropout = dropout or recurrence.Dropout()
  carry = cell.initial_carry(params, xs.shape[1]) if carry is None else carry
  if dropout.inputs is not None:
    xs = xs * dropout.inputs
  params = cell.prepare(params)
  inputs = cell.project(params, xs)
  ys = []
  for t in range(xs.shape[0]):
    seen = carry
    if dropout.state is not None:
      seen = base.replace_hidden(carry, base.hidden(carry) * dropout.state)
    new, h = cell.update(params, carry, inputs[t], cell.recurrent(params, seen))
    new, h = zone_by_hand(cell, carry, new, h,
                          *(None if z is None else z[t]
                            for z in (dropout.zone_h, dropout.zone_c)))
    if isinstance(offsets, tuple):  # one entry per carry element
      new = tuple(n if o is None else n + o[t] for n, o in zip(new, offsets))
      h = h if offsets[0] is None else h + offsets[0][t]
    elif offsets is not None:
      new = base.replace_hidden(new, base.hidden(new) + offsets[t])
      h = h + offsets[t]
    if mask is not None:
      m = mask[t]
      new = jax.tree_util.tree_map(
          lambda n, o, m=m: jnp.where(m.reshape(_mask_shape(n, cell, m)), n, o),
          new, carry)
      h = jnp.where(mask[t][:, None], h, 0.0)
    carry = new
    ys.append(h)
  return jnp.stack(ys), carry


def zone_by_hand(cell, old, new, h, d_h, d_c):
  """Zoneout: each unit of h (d_h) and of the cell states (d_c) is
  d * (the value the step read) + (1 - d) * (the value it wrote); for a
  dilated cell, the oldest state of the buffer and the newest."""
  dilated = isinstance(cell, cells.Dilated)
  is_tuple = isinstance(old, tuple)
  olds, news = (old, new) if is_tuple else ((old,), (new,))
  read = lambda a: a[0] if dilated else a
  rates = {0: d_h} | {i: d_c for i in cell.cell_states}
  out = []
  for i, (o, n) in enumerate(zip(olds, news)):
    d = rates.get(i)
    if d is None:
      out.append(n)
    elif dilated:
      out.append(n.at[-1].set(d * o[0] + (1 - d) * n[-1]))
    else:
      out.append(d * o + (1 - d) * n)
  if d_h is not None:
    h = d_h * read(olds[0]) + (1 - d_h) * h
  return (tuple(out) if is_tuple else out[0]), h


def _mask_shape(leaf, cell, m):
  """Broadcasts a [B] mask against a carry leaf ([B, ...], or [d, B, ...])."""
  if isinstance(cell, cells.Dilated):
    return (1,) + m.shape + (1,) * (leaf.ndim - 2)
  return m.shape + (1,) * (leaf.ndim - 1)


def assert_trees_close(a, b, atol=1e-5, rtol=1e-7):
  jax.tree_util.tree_map(
      lambda x, y: np.testing.assert_allclose(x, y, atol=atol, rtol=rtol),
      a, b)


def inputs():
  return jax.random.normal(jax.random.PRNGKey(1), (T, B, D))


def test_unroll_equals_python_loop(cell):
  params = conftest.random_params(cell, KEY)
  xs = inputs()
  ys, carry = recurrence.unroll(cell, params, xs)
  ref_ys, ref_carry = loop(cell, params, xs)
  assert_trees_close((ys, carry), (ref_ys, ref_carry))


def dropout_and_zoneout(cell):
  """Variational dropout of the inputs and the state, and zoneout of h (and
  of the cell states where the cell has them)."""
  dropout = recurrence.variational_dropout(
      jax.random.PRNGKey(2), B, D, conftest.HIDDEN, input_rate=0.3,
      state_rate=0.4)
  zone = recurrence.zoneout(
      jax.random.PRNGKey(4), T, B, conftest.HIDDEN, h_rate=0.3,
      c_rate=0.5 if cell.cell_states else 0.0)
  return dropout._replace(zone_h=zone.zone_h, zone_c=zone.zone_c)


@pytest.mark.parametrize('masked', [False, True], ids=['full', 'padded'])
@pytest.mark.parametrize('dropped', [False, True], ids=['', 'dropout'])
def test_unroll_gradients_equal_python_loop(cell, masked, dropped):
  params = conftest.random_params(cell, KEY)
  xs = inputs()
  mask = recurrence.lengths_to_mask(LENGTHS, T) if masked else None
  dropout = dropout_and_zoneout(cell) if dropped else None
  carry0 = jax.tree_util.tree_map(
      lambda a: (a + 0.3 if jnp.issubdtype(a.dtype, jnp.floating) else a),
      cell.initial_carry(params, B))
  weight = jax.random.normal(jax.random.PRNGKey(3), (T, B, conftest.HIDDEN))

  def loss(run, params, xs, carry0):
    ys, carry = run(cell, params, xs, carry0, mask=mask, dropout=dropout)
    return jnp.sum(ys * weight) + jnp.sum(jnp.sin(cell.hidden(carry)))

  def unroll(*args, **kwargs):
    return recurrence.unroll(*args, **kwargs)

  argnums = (0, 1, 2)
  grads = jax.grad(lambda *a: loss(unroll, *a), argnums, allow_int=True)(
      params, xs, carry0)
  ref = jax.grad(lambda *a: loss(loop, *a), argnums, allow_int=True)(
      params, xs, carry0)
  is_float = lambda a: a.dtype != jax.dtypes.float0
  grads, ref = (jax.tree_util.tree_map(
      lambda a: a if is_float(a) else np.zeros(a.shape), g) for g in (grads, ref))
  assert_trees_close(grads, ref, atol=2e-5, rtol=1e-5)


def with_other_backward(cell):
  """The same cell differentiated the other way (`keeps_carries` flipped);
  a dilated cell's base cell decides for it."""
  if isinstance(cell, cells.Dilated):
    return dataclasses.replace(cell, cell=with_other_backward(cell.cell))
  flipped = type(type(cell).__name__, (type(cell),),
                 {'keeps_carries': not cell.keeps_carries})
  return flipped(**{f.name: getattr(cell, f.name)
                    for f in dataclasses.fields(cell)})


SEQUENTIAL_CASES = [case for case in conftest.CELL_CASES
                    if case not in conftest.LINEAR_CASES and
                    case[1].get('base') not in ('mingru', 'minlstm', 'qrnn',
                                                'sru')] + [
                        ('mingru', {'parallel': False})]


@pytest.mark.parametrize('case', SEQUENTIAL_CASES,
                         ids=[conftest.case_id(c) for c in SEQUENTIAL_CASES])
def test_both_backward_passes_give_the_same_gradients(case):
  """`keeps_carries` chooses how the scan is differentiated (the engine's
  backward or JAX's autodiff of the scan), not what: with padding, dropout,
  zoneout and offsets on every carry component, the two agree."""
  cell = cells.get(case[0], **case[1])
  other = with_other_backward(cell)
  params = conftest.random_params(cell, KEY)
  xs = inputs()
  mask = recurrence.lengths_to_mask(LENGTHS, T)
  dropout = dropout_and_zoneout(cell)
  weight = jax.random.normal(jax.random.PRNGKey(3), (T, B, conftest.HIDDEN))

  def loss(run_cell, params, xs, offsets):
    ys, carry = recurrence.unroll(run_cell, params, xs, mask=mask,
                                  dropout=dropout, offsets=offsets)
    final = [leaf for leaf in jax.tree_util.tree_leaves(carry)
             if jnp.issubdtype(leaf.dtype, jnp.floating)]
    return jnp.sum(ys * weight) + sum(jnp.sum(jnp.sin(f)) for f in final)

  offsets = jax.tree_util.tree_map(
      lambda z: jax.random.normal(jax.random.PRNGKey(5), z.shape) * 0.1,
      recurrence.zero_offsets(cell, params, T, B))
  grads = [jax.grad(loss, (1, 2, 3))(c, params, xs, offsets)
           for c in (cell, other)]
  assert_trees_close(grads[0], grads[1], atol=2e-5, rtol=1e-5)


def test_offsets_give_the_gradient_with_respect_to_each_hidden_state(cell):
  if isinstance(cell, cells.Dilated):
    pytest.skip('the loop adds offsets to the whole dilated buffer')
  params = conftest.random_params(cell, KEY)
  xs = inputs()
  mask = recurrence.lengths_to_mask(LENGTHS, T)
  weight = jax.random.normal(jax.random.PRNGKey(3), (T, B, conftest.HIDDEN))

  def loss(run, offsets):
    ys, carry = run(cell, params, xs, mask=mask, offsets=offsets)
    return jnp.sum(ys * weight) + jnp.sum(jnp.sin(cell.hidden(carry)))

  zeros = jnp.zeros((T, B, conftest.HIDDEN))
  grads = jax.grad(lambda o: loss(recurrence.unroll, o))(zeros)
  np.testing.assert_allclose(grads, jax.grad(lambda o: loss(loop, o))(zeros),
                             atol=1e-5)
  np.testing.assert_array_equal(grads[5:, 1], 0.0)  # padding
  assert np.all(np.abs(grads[:5, 1]).sum(-1) > 0)


def test_carry_offsets_give_the_gradient_with_respect_to_each_state(cell):
  if isinstance(cell, cells.Dilated):
    pytest.skip('the loop adds offsets to the whole dilated buffer')
  params = conftest.random_params(cell, KEY)
  xs = inputs()
  mask = recurrence.lengths_to_mask(LENGTHS, T)
  weight = jax.random.normal(jax.random.PRNGKey(3), (T, B, conftest.HIDDEN))

  def loss(run, offsets):
    ys, carry = run(cell, params, xs, mask=mask, offsets=offsets)
    final = [leaf for leaf in jax.tree_util.tree_leaves(carry)
             if jnp.issubdtype(leaf.dtype, jnp.floating)]
    return jnp.sum(ys * weight) + sum(jnp.sum(jnp.sin(f)) for f in final)

  zeros = recurrence.zero_offsets(cell, params, T, B)
  carry = cell.initial_carry(params, B)
  if isinstance(carry, tuple):
    assert len(zeros) == len(carry)
    assert [z is None for z in zeros] == [
        not jnp.issubdtype(c.dtype, jnp.floating) for c in carry]
  grads = jax.grad(lambda o: loss(recurrence.unroll, o))(zeros)
  assert_trees_close(grads, jax.grad(lambda o: loss(loop, o))(zeros))
  for grad in jax.tree_util.tree_leaves(grads):
    np.testing.assert_array_equal(grad[5:, 1], 0.0)  # padding
  # h reaches the loss at every valid step (a component such as the Jordan
  # net's copy of y with self_connection 0 may never be read again).
  h_grad = jax.tree_util.tree_leaves(grads)[0]
  assert np.all(np.abs(h_grad[:5, 1]).sum(-1) > 0)


def test_carry_offsets_of_an_lstm_give_dl_dc_by_the_chain_rule():
  # The carry's c_t enters only step t+1: d carry_c_t = f_{t+1} * dL/dc_{t+1}
  # with dL/dc_{t+1} = dL/dh_{t+1} * o_{t+1} * (1 - tanh(c_{t+1})^2)
  #                    + f_{t+2} * dL/dc_{t+2}: the LSTM's equations
  # backwards in NumPy, from the forward pass's gates.
  cell = cells.get('lstm')
  params = conftest.random_params(cell, KEY)
  xs = inputs()
  weight = np.asarray(jax.random.normal(jax.random.PRNGKey(3),
                                        (T, B, conftest.HIDDEN)))

  def loss(offsets):
    ys, _ = recurrence.unroll(cell, params, xs, offsets=offsets)
    return jnp.sum(ys * weight)

  d_h, d_c = jax.grad(loss)(recurrence.zero_offsets(cell, params, T, B))
  p = {k: np.asarray(v, np.float64) for k, v in params.items()}
  x = np.asarray(xs, np.float64)
  sigmoid = lambda z: 1 / (1 + np.exp(-z))
  h, c = np.zeros((B, conftest.HIDDEN)), np.zeros((B, conftest.HIDDEN))
  gates, cs = [], []
  for t in range(T):
    z_i, z_f, z_g, z_o = np.split(x[t] @ p['w_x'] + h @ p['w_h'] + p['b'],
                                  4, axis=-1)
    i, f, g, o = sigmoid(z_i), sigmoid(z_f), np.tanh(z_g), sigmoid(z_o)
    c = f * c + i * g
    h = o * np.tanh(c)
    gates.append((i, f, g, o))
    cs.append(c)
  w_i, w_f, w_g, w_o = np.split(p['w_h'], 4, axis=-1)
  dh_next = np.zeros((B, conftest.HIDDEN))  # dL/dh_t through step t+1
  dc_next = np.zeros((B, conftest.HIDDEN))  # dL/dc_{t+1}
  expected_h, expected_c = [None] * T, [None] * T
  for t in reversed(range(T)):
    i, f, g, o = gates[t]
    if t + 1 < T:
      i1, f1, g1, o1 = gates[t + 1]
      dz_o = dh_total * np.tanh(cs[t + 1]) * o1 * (1 - o1)
      dz_i = dc_total * g1 * i1 * (1 - i1)
      dz_f = dc_total * cs[t] * f1 * (1 - f1)
      dz_g = dc_total * i1 * (1 - g1 ** 2)
      dh_next = (dz_i @ w_i.T + dz_f @ w_f.T + dz_g @ w_g.T + dz_o @ w_o.T)
      dc_next = dc_total * f1
    dh_total = weight[t] + dh_next
    dc_total = dh_total * o * (1 - np.tanh(cs[t]) ** 2) + dc_next
    expected_h[t], expected_c[t] = dh_total, dc_next
  np.testing.assert_allclose(d_h, np.stack(expected_h), atol=1e-5)
  np.testing.assert_allclose(d_c, np.stack(expected_c), atol=1e-5)


def test_offsets_of_the_wrong_shape_are_refused():
  cell = cells.get('cwrnn', periods=(1, 2, 3))
  params = conftest.random_params(cell, KEY)
  h = jnp.zeros((T, B, conftest.HIDDEN))
  with pytest.raises(ValueError, match=r'offsets\[1\].*must be None'):
    recurrence.unroll(cell, params, inputs(), offsets=(h, jnp.zeros((T, B))))
  with pytest.raises(ValueError, match=r"offsets is a tuple of 2: cell "
                     r"'vanilla'"):
    recurrence.unroll(cells.get('vanilla'), conftest.random_params(
        cells.get('vanilla'), KEY), inputs(), offsets=(h, h))
  with pytest.raises(ValueError, match=r'offsets has shape \(9, 3, 5\)'):
    recurrence.unroll(cell, params, inputs(), offsets=h[..., :5])


@pytest.mark.parametrize('whole_carry', [False, True])
def test_dilated_offsets_match_the_plain_step(whole_carry):
  # An array moves h; a tuple moves each element of the (h, c) carry. The
  # dilated step updates the newest of its d carries.
  cell = cells.get('dilated', base='lstm', dilation=3)
  params = conftest.random_params(cell, KEY)
  xs = inputs()
  weight = jax.random.normal(jax.random.PRNGKey(3), (T, B, conftest.HIDDEN))

  def as_pair(offsets):
    return offsets if whole_carry else (offsets, jnp.zeros_like(offsets))

  def plain(offsets):
    carry = cell.initial_carry(params, B)
    total = 0.0
    projected = cell.project(params, xs)
    for t in range(T):
      carry, h = cell.step(params, carry, projected[t])
      carry = tuple(c.at[-1].add(o[t]) for c, o in zip(carry,
                                                       as_pair(offsets)))
      total += jnp.sum((h + as_pair(offsets)[0][t]) * weight[t])
    return total

  def folded(offsets):
    ys, _ = recurrence.unroll(cell, params, xs, offsets=offsets)
    return jnp.sum(ys * weight)

  zeros = recurrence.zero_offsets(cell, params, T, B)
  assert [z.shape for z in zeros] == [(T, B, conftest.HIDDEN)] * 2
  zeros = zeros if whole_carry else zeros[0]
  assert_trees_close(jax.grad(folded)(zeros), jax.grad(plain)(zeros))


def test_padded_batch_equals_sequences_run_one_by_one(cell):
  params = conftest.random_params(cell, KEY)
  xs = inputs()
  ys, carry = recurrence.unroll(
      cell, params, xs, mask=recurrence.lengths_to_mask(LENGTHS, T))
  for b, length in enumerate(LENGTHS.tolist()):
    one_ys, one_carry = recurrence.unroll(cell, params, xs[:length, b:b + 1])
    np.testing.assert_allclose(ys[:length, b:b + 1], one_ys, atol=1e-6)
    np.testing.assert_array_equal(ys[length:, b], 0.0)
    batch_axis = 1 if isinstance(cell, cells.Dilated) else 0
    assert_trees_close(
        jax.tree_util.tree_map(
            lambda a: jax.lax.slice_in_dim(a, b, b + 1, axis=batch_axis),
            carry), one_carry, atol=1e-6)


@pytest.mark.parametrize('masked', [False, True], ids=['full', 'padded'])
def test_reverse_equals_flipping_by_hand(cell, masked):
  params = conftest.random_params(cell, KEY)
  xs = inputs()
  mask = recurrence.lengths_to_mask(LENGTHS, T) if masked else None
  ys, carry = recurrence.unroll(cell, params, xs, mask=mask, reverse=True)
  lengths = LENGTHS.tolist() if masked else [T] * B
  for b, length in enumerate(lengths):
    flipped = xs[:length, b:b + 1][::-1]
    ref_ys, ref_carry = recurrence.unroll(cell, params, flipped)
    np.testing.assert_allclose(ys[:length, b:b + 1], ref_ys[::-1], atol=1e-6)
    np.testing.assert_array_equal(ys[length:, b], 0.0)
    batch_axis = 1 if isinstance(cell, cells.Dilated) else 0
    assert_trees_close(
        jax.tree_util.tree_map(
            lambda a: jax.lax.slice_in_dim(a, b, b + 1, axis=batch_axis),
            carry), ref_carry, atol=1e-6)


def test_bidirectional_equals_two_runs_by_hand():
  cell = cells.get('gru')
  params = (conftest.random_params(cell, KEY),
            conftest.random_params(cell, jax.random.PRNGKey(5)))
  xs = inputs()
  mask = recurrence.lengths_to_mask(LENGTHS, T)
  ys, (carry_fw, carry_bw) = recurrence.bidirectional(cell, params, xs,
                                                      mask=mask)
  for b, length in enumerate(LENGTHS.tolist()):
    seq = xs[:length, b:b + 1]
    fw, fw_carry = loop(cell, params[0], seq)
    bw, bw_carry = loop(cell, params[1], seq[::-1])
    np.testing.assert_allclose(ys[:length, b:b + 1],
                               jnp.concatenate([fw, bw[::-1]], -1), atol=1e-6)
    np.testing.assert_allclose(carry_fw[b:b + 1], fw_carry, atol=1e-6)
    np.testing.assert_allclose(carry_bw[b:b + 1], bw_carry, atol=1e-6)


def test_bidirectional_refuses_one_direction_in_place_of_a_pair():
  cell = cells.get('lstm')
  params = conftest.random_params(cell, KEY)
  with pytest.raises(ValueError, match=r'^params of type dict is not allowed: '
                     r'a bidirectional layer takes a pair \(forward, '
                     r'backward\)'):
    recurrence.bidirectional(cell, params, inputs())
  dropout = recurrence.variational_dropout(KEY, B, D, conftest.HIDDEN,
                                           state_rate=0.5)
  with pytest.raises(ValueError, match=r'^dropout of type Dropout is not'):
    recurrence.bidirectional(cell, (params, params), inputs(), dropout=dropout)


@pytest.mark.parametrize('dilation', [1, 2, 3, 4, 9, 12])
@pytest.mark.parametrize('base_name', ['vanilla', 'lstm'])
def test_dilated_unroll_equals_naive_skip_loop(base_name, dilation):
  cell = cells.get('dilated', base=base_name, dilation=dilation)
  params = conftest.random_params(cell, KEY)
  xs = inputs()
  ys, carry = recurrence.unroll(cell, params, xs)
  # h_t = f(x_t, h_{t-d}), states before t=0 are zero.
  states = [cell.cell.initial_carry(params, B)] * dilation
  inputs_ = cell.project(params, xs)
  ref = []
  for t in range(T):
    state, h = cell.cell.step(params, states[t], inputs_[t])
    states.append(state)
    ref.append(h)
  np.testing.assert_allclose(ys, jnp.stack(ref), atol=1e-6)
  # The carry holds the last d states, oldest first.
  expected = jax.tree_util.tree_map(lambda *s: jnp.stack(s), *states[-dilation:])
  assert_trees_close(carry, expected, atol=1e-6)


def test_dilated_carry_continues_a_sequence():
  cell = cells.get('dilated', base='gru', dilation=3)
  params = conftest.random_params(cell, KEY)
  xs = inputs()
  ys, _ = recurrence.unroll(cell, params, xs)
  first, carry = recurrence.unroll(cell, params, xs[:4])
  second, _ = recurrence.unroll(cell, params, xs[4:], carry)
  np.testing.assert_allclose(jnp.concatenate([first, second]), ys, atol=1e-6)


def test_variational_dropout_masks_are_per_sequence():
  dropout = recurrence.variational_dropout(KEY, 1000, 8, 16, input_rate=0.25,
                                           state_rate=0.5)
  np.testing.assert_allclose(np.unique(dropout.inputs), [0.0, 1 / 0.75])
  assert set(np.unique(dropout.state).tolist()) == {0.0, 2.0}
  assert abs(float((dropout.inputs == 0).mean()) - 0.25) < 0.02
  assert abs(float((dropout.state == 0).mean()) - 0.5) < 0.02
  none = recurrence.variational_dropout(KEY, 4, 8, 16)
  assert none.inputs is None and none.state is None


def test_variational_dropout_reuses_the_mask_at_every_step():
  cell = cells.get('vanilla', activation='relu', recurrent_init='identity')
  params = cell.init(KEY, 2, 4) | {'w_x': jnp.eye(2, 4), 'b': jnp.zeros(4)}
  state = jnp.array([[1.0, 0.0, 1.0, 0.0]]) * 2.0
  xs = jnp.ones((5, 1, 2))
  ys, _ = recurrence.unroll(cell, params, xs,
                            dropout=recurrence.Dropout(state=state))
  # h_t = relu(x_t W + (h_{t-1} * m) I): units 1 and 3 never accumulate.
  expected = []
  h = jnp.zeros((1, 4))
  for _ in range(5):
    h = jnp.maximum(xs[0] @ params['w_x'] + h * state, 0)
    expected.append(h)
  np.testing.assert_allclose(ys, jnp.stack(expected))
  np.testing.assert_array_equal(ys[:, 0, 1], 1.0)
  assert ys[-1, 0, 0] == 31.0


@pytest.mark.parametrize('rate', [-0.1, 1.0])
def test_dropout_rates_outside_zero_one_are_refused(rate):
  with pytest.raises(ValueError, match=f'state_rate={rate}'):
    recurrence.variational_dropout(KEY, 2, 3, 4, state_rate=rate)


def test_zoneout_masks_are_fresh_at_every_step():
  zone = recurrence.zoneout(KEY, 50, 40, 30, h_rate=0.25, c_rate=0.5)
  assert set(np.unique(zone.zone_h).tolist()) == {0.0, 1.0}
  assert abs(float(zone.zone_h.mean()) - 0.25) < 0.02
  assert abs(float(zone.zone_c.mean()) - 0.5) < 0.02
  # Each step draws anew: consecutive steps agree only by chance.
  same = (zone.zone_h[1:] == zone.zone_h[:-1]).mean()
  assert abs(float(same) - (0.25 ** 2 + 0.75 ** 2)) < 0.02
  assert recurrence.zoneout(KEY, 5, 4, 3, c_rate=0.5).zone_h is None
  expectation = recurrence.zoneout(None, 5, 4, 3, h_rate=0.25, train=False)
  np.testing.assert_array_equal(expectation.zone_h, 0.25)


def test_zoneout_keeps_or_updates_each_unit():
  # h_t = d_t h_{t-1} + (1 - d_t) h~_t and c_t likewise, by hand for an LSTM.
  cell = cells.get('lstm')
  params = conftest.random_params(cell, KEY)
  xs = inputs()
  zone = recurrence.zoneout(jax.random.PRNGKey(3), T, B, conftest.HIDDEN,
                            h_rate=0.4, c_rate=0.6)
  ys, (h, c) = recurrence.unroll(cell, params, xs, dropout=zone)
  h_ref = c_ref = jnp.zeros((B, conftest.HIDDEN))
  inputs_ = cell.project(params, xs)
  for t in range(T):
    (h_new, c_new), _ = cell.step(params, (h_ref, c_ref), inputs_[t])
    kept_h, kept_c = zone.zone_h[t] == 1, zone.zone_c[t] == 1
    h_ref = jnp.where(kept_h, h_ref, h_new)
    c_ref = jnp.where(kept_c, c_ref, c_new)
    np.testing.assert_allclose(ys[t], h_ref, atol=1e-6)
  np.testing.assert_allclose(c, c_ref, atol=1e-6)
  # Units held at step t are exactly their value at t - 1.
  held = np.asarray(zone.zone_h[1:] == 1)
  np.testing.assert_array_equal(np.asarray(ys[1:])[held],
                                np.asarray(ys[:-1])[held])


@pytest.mark.parametrize('name', ['lstm', 'dilated'])
def test_zoneout_masks_follow_their_steps_in_reverse(name):
  cell = cells.get(name, **({'base': 'lstm', 'dilation': 2}
                            if name == 'dilated' else {}))
  params = conftest.random_params(cell, KEY)
  xs = inputs()
  mask = recurrence.lengths_to_mask(LENGTHS, T)
  zone = recurrence.zoneout(jax.random.PRNGKey(3), T, B, conftest.HIDDEN,
                            h_rate=0.4, c_rate=0.6)
  ys, _ = recurrence.unroll(cell, params, xs, mask=mask, reverse=True,
                            dropout=zone)
  for b, length in enumerate(LENGTHS.tolist()):
    flip = lambda a, b=b, length=length: a[:length, b:b + 1][::-1]
    ref, _ = loop(cell, params, flip(xs), dropout=recurrence.Dropout(
        zone_h=flip(zone.zone_h), zone_c=flip(zone.zone_c)))
    np.testing.assert_allclose(ys[:length, b:b + 1], ref[::-1], atol=1e-6)


@pytest.mark.parametrize('rate', [-0.1, 1.0])
def test_zoneout_rates_outside_zero_one_are_refused(rate):
  with pytest.raises(ValueError, match=f'c_rate={rate}.*zoneout rate'):
    recurrence.zoneout(KEY, 2, 3, 4, c_rate=rate)


@pytest.mark.parametrize('name', ['lstm', 'cwrnn'])
def test_remat_gives_the_same_values_and_gradients(name):
  cell = cells.get(name, **({'periods': (1, 2, 3)} if name == 'cwrnn' else {}))
  params = conftest.random_params(cell, KEY)
  xs = jax.random.normal(jax.random.PRNGKey(1), (23, B, D))
  mask = recurrence.lengths_to_mask(jnp.array([23, 11, 3]), 23)
  zone = recurrence.zoneout(KEY, 23, B, conftest.HIDDEN, h_rate=0.2,
                            c_rate=0.3 if name == 'lstm' else 0.0)

  def loss(params, xs, remat):
    ys, carry = recurrence.unroll(cell, params, xs, mask=mask, remat=remat,
                                  dropout=zone)
    return jnp.sum(ys ** 2) + jnp.sum(cell.hidden(carry))

  for argnum in (0, 1):
    assert_trees_close(jax.grad(loss, argnum)(params, xs, True),
                       jax.grad(loss, argnum)(params, xs, False))
  np.testing.assert_allclose(loss(params, xs, True), loss(params, xs, False),
                             rtol=1e-6)


@pytest.mark.parametrize('name', ['lstm', 'gru', 'dilated', 'mingru'])
@pytest.mark.parametrize('reverse', [False, True])
def test_scan_unroll_gives_the_values_and_gradients_of_the_step_loop(
    name, reverse):
  """Three steps per loop iteration over 23 (not a multiple of 3), with
  masks and zoneout; minGRU with zoneout runs on the sequential scan."""
  options = {'dilated': {'base': 'lstm', 'dilation': 2},
             'mingru': {'parallel': True}}.get(name, {})
  cell = cells.get(name, **options)
  params = conftest.random_params(cell, KEY)
  xs = jax.random.normal(jax.random.PRNGKey(1), (23, B, D))
  lengths = jnp.array([23, 11, 3])
  mask = recurrence.lengths_to_mask(lengths, 23)
  zone = recurrence.zoneout(KEY, 23, B, conftest.HIDDEN, h_rate=0.2)

  def loss(params, xs, scan_unroll):
    ys, carry = recurrence.unroll(cell, params, xs, mask=mask, dropout=zone,
                                  reverse=reverse, scan_unroll=scan_unroll)
    return jnp.sum(ys ** 2) + jnp.sum(cell.hidden(carry))

  def reference(params, xs):
    total = 0.0
    for b, length in enumerate(lengths.tolist()):
      flip = (lambda a: a[::-1]) if reverse else (lambda a: a)
      ys, carry = loop(cell, params, flip(xs[:length, b:b + 1]),
                       dropout=recurrence.Dropout(
                           zone_h=flip(zone.zone_h[:length, b:b + 1])))
      total += jnp.sum(ys ** 2) + jnp.sum(cell.hidden(carry))
    return total

  np.testing.assert_allclose(loss(params, xs, 3), reference(params, xs),
                             rtol=1e-5)
  for argnum in (0, 1):
    assert_trees_close(jax.grad(loss, argnum)(params, xs, 3),
                       jax.grad(reference, argnum)(params, xs))
    assert_trees_close(jax.grad(loss, argnum)(params, xs, 3),
                       jax.grad(loss, argnum)(params, xs, 1), atol=1e-6)


def test_scan_unroll_reaches_the_loops_forward_and_backward():
  cell = cells.get('lstm')
  params = conftest.random_params(cell, KEY)
  grad = jax.grad(lambda p, xs: jnp.sum(
      recurrence.unroll(cell, p, xs, scan_unroll=4)[0]))
  jaxpr = jax.make_jaxpr(grad)(params, inputs())
  unrolls = [eqn.params['unroll'] for eqn in _equations(jaxpr.jaxpr)
             if eqn.primitive.name == 'scan']
  assert unrolls == [4, 4]  # the forward loop and the backward loop


def _equations(jaxpr, loops=True):
  """Every equation of `jaxpr` and of the jaxprs nested in it; with
  loops=False, the loops' bodies left out."""
  for eqn in jaxpr.eqns:
    if not loops and eqn.primitive.name in ('scan', 'while'):
      continue
    yield eqn
    for value in eqn.params.values():
      for inner in (value if isinstance(value, (tuple, list)) else (value,)):
        inner = getattr(inner, 'jaxpr', inner)
        if hasattr(inner, 'eqns'):
          yield from _equations(inner, loops)


@pytest.mark.parametrize('value', [0, 1.5, -2])
def test_scan_unroll_must_be_a_positive_integer(value):
  cell = cells.get('gru')
  params = conftest.random_params(cell, KEY)
  with pytest.raises(ValueError, match=f'scan_unroll.*{value}'):
    recurrence.unroll(cell, params, inputs(), scan_unroll=value)


def test_remat_keeps_fewer_activations():
  cell = cells.get('lstm')
  params = cell.init(KEY, 8, 64)
  xs = jnp.ones((2048, 4, 8))

  def temp_bytes(remat):
    grad = jax.jit(jax.grad(lambda p: jnp.sum(
        recurrence.unroll(cell, p, xs, remat=remat)[0])))
    return grad.lower(params).compile().memory_analysis().temp_size_in_bytes

  assert temp_bytes(True) < 0.5 * temp_bytes(False)


def test_stack_equals_layers_by_hand():
  layers = [(cells.get('lstm'), conftest.random_params(cells.get('lstm'), KEY)),
            (cells.get('gru'), conftest.random_params(
                cells.get('gru'), jax.random.PRNGKey(4), conftest.HIDDEN))]
  xs = inputs()
  mask = recurrence.lengths_to_mask(LENGTHS, T)
  ys, carries = recurrence.stack(layers, xs, mask=mask)
  first, carry0 = recurrence.unroll(*layers[0], xs, mask=mask)
  second, carry1 = recurrence.unroll(*layers[1], first, mask=mask)
  np.testing.assert_allclose(ys, second)
  assert_trees_close(carries, [carry0, carry1])


def _random_carry(cell, params, key):
  """A carry of the cell's structure with random float entries."""
  carry = cell.initial_carry(params, B)
  leaves, tree = jax.tree_util.tree_flatten(carry)
  keys = jax.random.split(key, len(leaves))
  return jax.tree_util.tree_unflatten(tree, [
      jax.random.normal(k, a.shape, a.dtype) if _is_float(a) else a
      for k, a in zip(keys, leaves)])


def _is_float(a):
  return jnp.issubdtype(a.dtype, jnp.floating)


def test_stack_starts_from_given_carries_as_layers_by_hand():
  layers = [(cells.get('lstm'), conftest.random_params(cells.get('lstm'), KEY)),
            (cells.get('gru'), conftest.random_params(
                cells.get('gru'), jax.random.PRNGKey(4), conftest.HIDDEN))]
  starts = [_random_carry(cell, params, jax.random.PRNGKey(10 + i))
            for i, (cell, params) in enumerate(layers)]
  xs = inputs()
  mask = recurrence.lengths_to_mask(LENGTHS, T)
  ys, carries = recurrence.stack(layers, xs, mask=mask, carries=starts)
  first, carry0 = recurrence.unroll(*layers[0], xs, starts[0], mask=mask)
  second, carry1 = recurrence.unroll(*layers[1], first, starts[1], mask=mask)
  np.testing.assert_allclose(ys, second, atol=1e-6)
  assert_trees_close(carries, [carry0, carry1])
  zero_start, _ = recurrence.stack(layers, xs, mask=mask)
  assert not np.allclose(ys, zero_start)


def test_bidirectional_stack_starts_from_given_pairs_as_loops_by_hand():
  cell = cells.get('lstm')
  params = (conftest.random_params(cell, KEY),
            conftest.random_params(cell, jax.random.PRNGKey(5)))
  starts = (_random_carry(cell, params[0], jax.random.PRNGKey(6)),
            _random_carry(cell, params[1], jax.random.PRNGKey(7)))
  xs = inputs()
  mask = recurrence.lengths_to_mask(LENGTHS, T)
  ys, [(carry_fw, carry_bw)] = recurrence.stack(
      [(cell, params)], xs, mask=mask, bidirectional=True, carries=[starts])
  row = lambda carry, b: jax.tree_util.tree_map(lambda a: a[b:b + 1], carry)
  for b, length in enumerate(LENGTHS.tolist()):
    seq = xs[:length, b:b + 1]
    fw, fw_carry = loop(cell, params[0], seq, row(starts[0], b))
    bw, bw_carry = loop(cell, params[1], seq[::-1], row(starts[1], b))
    np.testing.assert_allclose(ys[:length, b:b + 1],
                               jnp.concatenate([fw, bw[::-1]], -1), atol=1e-5)
    assert_trees_close(row(carry_fw, b), fw_carry, atol=1e-5)
    assert_trees_close(row(carry_bw, b), bw_carry, atol=1e-5)


def test_stack_refuses_a_carry_count_unlike_the_layers():
  cell = cells.get('gru')
  params = conftest.random_params(cell, KEY)
  with pytest.raises(ValueError, match='carries has 2 entries.*one initial '
                     r'carry per layer \(1\)'):
    recurrence.stack([(cell, params)], inputs(),
                     carries=[None, None])


def test_unroll_runs_under_jit_with_a_traced_mask(cell):
  params = conftest.random_params(cell, KEY)
  xs = inputs()
  mask = recurrence.lengths_to_mask(LENGTHS, T)
  run = jax.jit(lambda p, x, m: recurrence.unroll(cell, p, x, mask=m,
                                                  reverse=True))
  assert_trees_close(run(params, xs, mask),
                     recurrence.unroll(cell, params, xs, mask=mask,
                                       reverse=True))


# ----------------------------------------------------------------------------
# Bad input.


def _lstm():
  cell = cells.get('lstm')
  return cell, cell.init(KEY, D, 4)


@pytest.mark.parametrize('kwargs,message', [
    (dict(xs=jnp.ones((T, D))), r'xs has shape \(9, 3\).*\[T, B, D\]'),
    (dict(xs=jnp.ones((T, B, D + 1))), r'xs has 4 features.*input_size=3'),
    (dict(xs=jnp.ones((0, B, D))), r'xs has shape \(0, 3, 3\).*at least one'),
    (dict(mask=jnp.ones((B, T), bool)), r'mask has shape \(3, 9\).*\(9, 3\)'),
    (dict(mask=jnp.ones((T, B))), r'mask has dtype float32.*bool'),
    (dict(mask=jnp.ones((T, B), bool).at[3, 1].set(False)),
     r'mask is not right-padded'),
    (dict(carry=jnp.zeros((B, 4))), r'carry is .*needs'),
    (dict(carry=(jnp.zeros((B, 5)), jnp.zeros((B, 5)))), r'carry is .*needs'),
    (dict(dropout=recurrence.Dropout(state=jnp.ones((B, 5)))),
     r'dropout.state has shape \(3, 5\).*\(3, 4\)'),
    (dict(dropout=recurrence.Dropout(inputs=jnp.ones((B,)))),
     r'dropout.inputs has shape \(3,\)'),
    (dict(dropout=recurrence.Dropout(zone_h=jnp.ones((B, 4)))),
     r'dropout.zone_h has shape \(3, 4\).*\[T, B, H\] = \(9, 3, 4\)'),
])
def test_bad_input_names_the_argument(kwargs, message):
  cell, params = _lstm()
  xs = kwargs.pop('xs', jnp.ones((T, B, D)))
  with pytest.raises(ValueError, match=message):
    recurrence.unroll(cell, params, xs, **kwargs)


def test_zoneout_of_a_cell_state_needs_a_cell_with_one():
  cell = cells.get('gru')
  with pytest.raises(ValueError, match="zone_c is not allowed for cell 'gru'"):
    recurrence.unroll(cell, cell.init(KEY, D, 4), jnp.ones((T, B, D)),
                      dropout=recurrence.Dropout(zone_c=jnp.ones((T, B, 4))))


def test_a_cell_that_is_not_a_cell_is_refused():
  with pytest.raises(ValueError, match="cell='lstm' is not a Cell"):
    recurrence.unroll('lstm', {}, jnp.ones((T, B, D)))


@pytest.mark.parametrize('name, swapped', [('lstm', {'w_h'}), ('gru', {'w_h'}),
                                           ('mgu', set()), ('indrnn', set())])
def test_backward_layout_swaps_only_matrices_read_whole(name, swapped):
  """The backward scan reads a transposed copy of exactly the matrices that
  `recurrent` multiplies whole: MGU slices w_h, IndRNN multiplies
  elementwise, and neither may be swapped."""
  cell = cells.get(name)
  params = cell.init(jax.random.PRNGKey(0), 3, 4)
  which = recurrence._matmul_only_weights(cell, params,
                                          cell.initial_carry(params, 2))
  paths = [jax.tree_util.keystr(path, simple=True, separator='/')
           for path, _ in jax.tree_util.tree_flatten_with_path(params)[0]]
  assert {p for p, chosen in zip(paths, which) if chosen} == swapped


@pytest.mark.parametrize('name, recomputed', [
    ('lstm', False), ('ran', False), ('gru', True), ('vanilla', True)])
def test_backward_recomputes_the_gates_after_the_loop_only_where_needed(
    name, recomputed):
  """Gated cells whose update reads no params (LSTM, RAN) get their input
  gradients inside the backward loop: no activation is evaluated outside
  the loops. The GRU's update reads w_h, and the vanilla RNN's single
  activation is cheaper to recompute than to keep: both recompute."""
  cell = cells.get(name)
  params = cell.init(jax.random.PRNGKey(0), 3, 4)
  grad = jax.grad(lambda p: jnp.sum(recurrence.unroll(cell, p, inputs())[0]))
  jaxpr = jax.make_jaxpr(grad)(params).jaxpr
  found = {eqn.primitive.name for eqn in _equations(jaxpr, loops=False)}
  assert bool(found & {'tanh', 'logistic'}) == recomputed
