"""Cells against NumPy loops of their papers' equations, gradient checks, and
the properties each paper relies on."""

import jax
import jax.extend
import jax.numpy as jnp
from jax.experimental import rnn as rnn_lib
import numpy as np
import pytest
from jax.test_util import check_grads

from rnnzoo import cells
from rnnzoo import recurrence
from rnnzoo.cells import cudnn
from tests import conftest
from tests import reference

KEY = jax.random.PRNGKey(0)


def test_cases_cover_every_registered_cell():
  assert {name for name, _ in conftest.CELL_CASES} == set(cells.names())


def test_unroll_matches_numpy_reference(cell):
  params = conftest.random_params(cell, KEY)
  xs = jax.random.normal(jax.random.PRNGKey(1), (9, 2, 3))
  ys, _ = recurrence.unroll(cell, params, xs)
  np.testing.assert_allclose(ys, reference.run(cell, params, xs), atol=2e-6,
                             rtol=1e-6)


def test_step_gradients_match_finite_differences(cell):
  with jax.enable_x64(True):
    params = jax.tree_util.tree_map(lambda a: a.astype(jnp.float64),
                                    conftest.random_params(cell, KEY))
    carry = cell.initial_carry(params, 2)
    # A nonzero state, reached by running a few steps.
    xs = jax.random.normal(jax.random.PRNGKey(1), (4, 2, 3), jnp.float64)
    _, carry = recurrence.unroll(cell, params, xs, carry)
    inputs_t = cell.project(params, xs)[0]
    floats = [a for a in jax.tree_util.tree_leaves(carry)
              if jnp.issubdtype(a.dtype, jnp.floating)]
    others = [a for a in jax.tree_util.tree_leaves(carry)
              if not jnp.issubdtype(a.dtype, jnp.floating)]
    treedef = jax.tree_util.tree_structure(carry)
    is_float = [jnp.issubdtype(a.dtype, jnp.floating)
                for a in jax.tree_util.tree_leaves(carry)]

    def step(params, floats, inputs_t):
      it_f, it_o = iter(floats), iter(others)
      full = treedef.unflatten([next(it_f) if f else next(it_o)
                                for f in is_float])
      new, h = cell.step(params, full, inputs_t)
      return [a for a in jax.tree_util.tree_leaves(new)
              if jnp.issubdtype(a.dtype, jnp.floating)], h

    check_grads(step, (params, floats, inputs_t), order=2, modes=("fwd", "rev"), eps=1e-5,
               
                atol=1e-6, rtol=1e-6)


def test_unroll_gradients_match_finite_differences(cell):
  with jax.enable_x64(True):
    params = jax.tree_util.tree_map(lambda a: a.astype(jnp.float64),
                                    conftest.random_params(cell, KEY))
    xs = jax.random.normal(jax.random.PRNGKey(1), (5, 2, 3), jnp.float64)
    mask = recurrence.lengths_to_mask(jnp.array([5, 3]), 5)

    def loss(params, xs):
      ys, carry = recurrence.unroll(cell, params, xs, mask=mask)
      return jnp.sum(ys ** 2) + jnp.sum(cell.hidden(carry))

    check_grads(loss, (params, xs), order=1, modes=("rev",), eps=1e-6, atol=1e-6,
                rtol=1e-6)


# ----------------------------------------------------------------------------
# Registry.


def test_unknown_cell_names_the_valid_ones_and_the_closest():
  with pytest.raises(ValueError, match=r"name='lstn'.*'lstm'.*did you mean 'lstm'"):
    cells.get('lstn')


def test_unknown_option_names_the_valid_ones():
  with pytest.raises(ValueError,
                     match=r"no option 'forget_bais'.*did you mean 'forget_bias'"):
    cells.get('lstm', forget_bais=1.0)


@pytest.mark.parametrize('name,options,message', [
    ('vanilla', {'activation': 'sigmoid'}, r"activation='sigmoid'.*'tanh', 'relu'"),
    ('vanilla', {'recurrent_init': 'eye'}, r"recurrent_init='eye'"),
    ('lstm', {'forget_bias': 'one'}, r"forget_bias='one'.*number"),
    ('gru', {'reset_after': 1}, r'reset_after=1'),
    ('lstm', {'no_gate': 'g'}, r"no_gate='g'.*'i', 'f', 'o'"),
    ('indrnn', {'seq_len': -1}, r'seq_len=-1.*>= 0'),
    ('vanilla', {'input_std': -0.1}, r'input_std=-0.1.*>= 0'),
    ('indrnn', {'gamma': 1.0}, r'gamma=1.0.*> 1'),
    ('cwrnn', {'periods': (4, 2)}, r'periods=\(4, 2\).*not ascending'),
    ('cwrnn', {'periods': (1, 0)}, r'periods=\(1, 0\).*0 is not a positive'),
    ('cwrnn', {'periods': ()}, r'periods=\(\)'),
    ('cwrnn', {'periods': 4}, r'periods=4 is not allowed'),
    ('dilated', {'dilation': 0}, r'dilation=0.*>= 1'),
    ('dilated', {'dilation': 1.5}, r'dilation=1.5.*integer'),
    ('dilated', {'base': 'dilated'}, r"base='dilated'"),
    ('dilated', {'base': 'gru', 'forget_bias': 1.0}, r"'gru' has no option 'forget_bias'"),
    ('qrnn', {'window': 3}, r'window=3 is not allowed.*\[1, 2\]'),
    ('qrnn', {'pooling': 'of'}, r"pooling='of' is not allowed.*\['f', 'fo', 'ifo'\]"),
    ('mingru', {'parallel': 'yes'}, r"parallel='yes'.*True or False"),
    ('sru', {'activation': 'relu'}, r"activation='relu'.*\['tanh', 'identity'\]"),
    # Options only some cells have: the error names the cells that do.
    ('lstm', {'parallel': True}, r"'lstm' has no option 'parallel' \(given True\): its "
     r"options are \['forget_bias', 'no_gate', 'norm', 'cudnn'\]; 'parallel' is an option of "
     r"\['mingru', 'minlstm', 'qrnn', 'sru'\]"),
    ('qrnn', {'log_space': True}, r"'qrnn' has no option 'log_space' \(given True\): its "
     r"options are \['parallel', 'window', 'pooling'\]; 'log_space' is an option of "
     r"\['mingru', 'minlstm'\]"),
    ('dilated', {'base': 'qrnn', 'window': 2, 'dilation': 2},
     r"base='qrnn' with window=2 is not allowed with dilation=2.*window=1"),
    ('lstm', {'norm': 'batch'}, r"norm='batch'.*'', 'layer', 'layer_per_gate'"),
    ('gru', {'norm': 'Layer'}, r"norm='Layer'.*did you mean 'layer'"),
    ('lstm', {'norm': 'layer', 'no_gate': 'f'}, r"no_gate='f' is not allowed with norm='layer'"),
    ('exprnn', {'skew_init': 'haar'}, r"skew_init='haar'.*'henaff', 'cayley'"),
    ('vanilla', {'recurrent_init': 'np-rnn'}, r"recurrent_init='np-rnn'.*'identity', 'np', 'zeros'"),
    ('rin', {'identity_path': 'yes'}, r"identity_path='yes'.*True or False"),
    ('scrn', {'alpha': 1.0}, r'alpha=1.0.*\[0, 1\)'),
    ('scrn', {'slow_size': -1}, r'slow_size=-1.*>= 0'),
    ('mist', {'delays': (1, 0)}, r'delays=\(1, 0\) is not allowed: 0 is not a positive integer.*distinct positive integers'),
    ('mist', {'delays': (1, 2.5)}, r'delays=\(1, 2.5\).*2.5 is not a positive integer'),
    ('mist', {'delays': (2, 2)}, r'delays=\(2, 2\).*an entry repeats'),
    ('mist', {'delays': ()}, r'delays=\(\) is not allowed'),
    ('mist', {'delays': 4}, r'delays=4 is not allowed'),
    ('jordan', {'self_connection': 1.0}, r'self_connection=1.0.*\[0, 1\)'),
    ('jordan', {'output_activation': 'relu'}, r"output_activation='relu'.*'sigmoid', 'tanh', 'identity', 'softmax'"),
    ('jordan', {'emit_pre_activation': 'yes'}, r"emit_pre_activation='yes'.*True or False"),
    ('jordan', {'hidden_units': -1}, r'hidden_units=-1.*>= 0'),
    ('lstm', {'cudnn': True}, r"cudnn=True is not allowed here: cuDNN's kernel needs a CUDA GPU and JAX runs on 'cpu'"),
    ('lstm', {'cudnn': True, 'norm': 'layer'}, r"cudnn=True is not allowed with norm='layer'"),
    ('peephole', {'cudnn': True}, r"cudnn=True is not allowed with cell='peephole'"),
])
def test_impossible_options_are_refused(name, options, message):
  with pytest.raises(ValueError, match=message):
    cells.get(name, **options)


@pytest.mark.parametrize('input_size,hidden_size,message', [
    (3, 0, 'hidden_size=0'), (0, 4, 'input_size=0'), (3, 2.5, 'hidden_size=2.5')])
def test_impossible_sizes_are_refused(cell, input_size, hidden_size, message):
  with pytest.raises(ValueError, match=message):
    cell.init(KEY, input_size, hidden_size)


def test_cwrnn_periods_must_divide_the_hidden_size():
  with pytest.raises(ValueError, match=r'hidden_size=10.*periods=\(1, 2, 4\).*divisible by 3'):
    cells.get('cwrnn', periods=(1, 2, 4)).init(KEY, 3, 10)


def test_options_rebuild_the_same_cell(cell):
  assert cells.get(cell.name, **cell.options()) == cell
  assert hash(cells.get(cell.name, **cell.options())) == hash(cell)


def test_register_refuses_to_replace_silently():
  with pytest.raises(ValueError, match="'lstm' is already registered"):
    cells.register(cells.lstm.LSTM)


# ----------------------------------------------------------------------------
# Parameter counts, against the papers' formulas.


@pytest.mark.parametrize('name,options,input_size,hidden_size,expected', [
    # IndRNN paper, 5.1: adding problem (D=2, H=128): RNN 16K, LSTM 67K.
    ('vanilla', {}, 2, 128, 2 * 128 + 128 * 128 + 128),
    ('lstm', {}, 2, 128, 4 * (2 * 128 + 128 * 128 + 128)),
    ('indrnn', {}, 2, 128, 2 * 128 + 2 * 128),
    # MGU paper, 4.3: row MNIST (D=28, H=100): MGU 25,800, GRU 38,700.
    ('mgu', {}, 28, 100, 25_800),
    ('gru', {'reset_after': False}, 28, 100, 38_700),
    ('gru', {'reset_after': True}, 28, 100, 38_700 + 100),
    ('peephole', {}, 28, 100, 4 * (28 * 100 + 100 * 100 + 100) + 3 * 100),
    ('ran', {}, 28, 100, 3 * 28 * 100 + 2 * 100 * 100 + 2 * 100),
    # CW-RNN: 8 modules of 8 units, D=1: 2,497 with a 65-parameter readout.
    ('cwrnn', {'periods': (1, 2, 4, 8, 16, 32, 64, 128)}, 1, 64, 2_497 - 65),
    ('dilated', {'base': 'vanilla', 'dilation': 4}, 1, 20, 440),
    # Jozefowicz et al.'s ablations: one gate's weights unused.
    ('lstm', {'no_gate': 'i'}, 2, 128, 3 * (2 * 128 + 128 * 128 + 128)),
    ('peephole', {'no_gate': 'f'}, 2, 8, 3 * (2 * 8 + 8 * 8 + 8) + 2 * 8),
    # Feng et al. 2024: 2HD (minGRU), 3HD (minLSTM), plus biases.
    ('mingru', {}, 28, 100, 2 * 28 * 100 + 2 * 100),
    ('minlstm', {'log_space': True}, 28, 100, 3 * 28 * 100 + 3 * 100),
    # QRNN: a width-k filter bank per gate block, 3kHD + 3H for fo-pooling.
    ('qrnn', {'window': 2}, 28, 100, 3 * 2 * 28 * 100 + 3 * 100),
    ('qrnn', {'pooling': 'f'}, 28, 100, 2 * 28 * 100 + 2 * 100),
    ('qrnn', {'pooling': 'ifo', 'window': 2}, 28, 100, 4 * 2 * 28 * 100 + 4 * 100),
    # SRU: 3HD + 2H when D = H; a fourth block for the highway when D != H.
    ('sru', {}, 100, 100, 3 * 100 * 100 + 2 * 100),
    ('sru', {}, 28, 100, 4 * 28 * 100 + 2 * 100),
    # Ba et al.: gains and biases of LN(x W_x), LN(h W_h) [4H] and LN(c) [H].
    ('lstm', {'norm': 'layer'}, 2, 128, 4 * (2 * 128 + 128 * 128 + 128) + 18 * 128),
    ('gru', {'norm': 'layer'}, 28, 100, 38_700 + 12 * 100),
    # expRNN copy task (lezcano/expRNN 1_copying.py): D=10, H=190, the
    # strict upper triangle of A, no input bias, modReLU's b.
    ('exprnn', {}, 10, 190, 190 * 189 // 2 + 10 * 190 + 190),
    # SCRN, the authors' README example: 100 fast and 20 slow units, one-hot
    # inputs of D words: A, B [D, 100 | 20], R [100, 100], P [20, 100].
    ('scrn', {'slow_size': 20}, 50, 120, 50 * 120 + 120 * 100),
    ('scrn', {}, 50, 120, 50 * 120 + 120 * 100),
    ('rin', {}, 2, 128, 2 * 128 + 128 * 128 + 128),
    # MIST (DiPietro et al.): (2H + n_d)(H + D + 1), 141 units on the copy
    # problem's 10 symbols + 2 markers, 8 delays.
    ('mist', {}, 12, 141, (2 * 141 + 8) * (141 + 12 + 1)),
    # Nested LSTM paper, Table 3 (MNIST glimpses, D=49, 10 classes): NLSTM-75
    # and LSTM 2x75 both 83.6k with a 760-parameter readout.
    ('nested_lstm', {}, 49, 75, 83_560 - 760),
    ('lstm', {}, 75, 75, 83_560 - 760 - 4 * (49 * 75 + 75 * 75 + 75)),
    # Jordan: D inputs, U = 16 hidden units, H = 3 outputs fed back.
    ('jordan', {'hidden_units': 16}, 5, 3, 5 * 16 + 3 * 16 + 16 + 16 * 3 + 3),
])
def test_parameter_counts(name, options, input_size, hidden_size, expected):
  cell = cells.get(name, **options)
  assert cell.num_params(cell.init(KEY, input_size, hidden_size)) == expected


# ----------------------------------------------------------------------------
# Initialisation.


def test_lstm_forget_bias_starts_at_the_option():
  params = cells.get('lstm', forget_bias=2.0).init(KEY, 3, 5)
  np.testing.assert_array_equal(params['b'][5:10], 2.0)
  np.testing.assert_array_equal(params['b'][:5], 0.0)
  np.testing.assert_array_equal(params['b'][10:], 0.0)


def test_an_ablated_gate_gets_no_gradient():
  cell = cells.get('lstm', no_gate='o')
  params = conftest.random_params(cell, KEY, hidden_size=4)
  xs = jax.random.normal(jax.random.PRNGKey(1), (6, 2, 3))
  grads = jax.grad(lambda p: jnp.sum(recurrence.unroll(cell, p, xs)[0]))(params)
  np.testing.assert_array_equal(grads['w_h'][:, 12:], 0.0)
  np.testing.assert_array_equal(grads['b'][12:], 0.0)
  assert np.all(np.abs(grads['w_h'][:, :12]).sum(0) > 0)


def test_irnn_starts_at_the_identity():
  params = cells.get('irnn').init(KEY, 3, 5)
  np.testing.assert_array_equal(params['w_h'], np.eye(5))
  np.testing.assert_array_equal(params['b'], 0.0)
  assert float(jnp.std(params['w_x'])) < 0.01


def test_recurrent_blocks_start_orthogonal():
  w_h = cells.get('gru').init(KEY, 3, 16)['w_h']
  for block in np.split(np.asarray(w_h), 3, axis=1):
    np.testing.assert_allclose(block.T @ block, np.eye(16), atol=1e-5)


def test_indrnn_init_follows_the_sequence_length():
  seq_len, hidden = 100, 4096
  bound = 2.0 ** (1 / seq_len)
  u = cells.get('indrnn', seq_len=seq_len).init(KEY, 2, hidden)['u']
  assert 0 <= float(u.min()) and float(u.max()) <= bound
  assert float(u.max()) > 0.99 * bound
  u_last = cells.get('indrnn', seq_len=seq_len, last_layer=True).init(
      KEY, 2, hidden)['u']
  assert float(u_last.min()) >= 1 / bound and float(u_last.max()) <= bound
  u_plain = cells.get('indrnn', last_layer=True).init(KEY, 2, 8)['u']
  np.testing.assert_array_equal(u_plain, 1.0)


def test_indrnn_constrain_clips_the_recurrent_weight():
  cell = cells.get('indrnn', seq_len=10)
  params = cell.init(KEY, 2, 4) | {'u': jnp.array([-3.0, -0.5, 0.5, 3.0])}
  bound = 2.0 ** 0.1
  np.testing.assert_allclose(cell.constrain(params)['u'],
                             [-bound, -0.5, 0.5, bound], rtol=1e-6)
  unclipped = cells.get('indrnn', seq_len=10, recurrent_clip=False)
  np.testing.assert_array_equal(unclipped.constrain(params)['u'], params['u'])


# ----------------------------------------------------------------------------
# Structure.


def test_indrnn_step_jacobian_is_diagonal():
  cell = cells.get('indrnn', activation='tanh')
  params = conftest.random_params(cell, KEY)
  h = jax.random.normal(jax.random.PRNGKey(2), (1, conftest.HIDDEN))
  inputs_t = jax.random.normal(jax.random.PRNGKey(3), (1, conftest.HIDDEN))
  jacobian = jax.jacobian(lambda h: cell.step(params, h, inputs_t)[1])(h)
  jacobian = jacobian[0, :, 0, :]
  off_diagonal = jacobian - jnp.diag(jnp.diag(jacobian))
  np.testing.assert_array_equal(off_diagonal, 0.0)
  expected = params['u'] * (1 - jnp.tanh(inputs_t[0] + params['u'] * h[0]) ** 2)
  np.testing.assert_allclose(jnp.diag(jacobian), expected, rtol=1e-5)


def test_cwrnn_modules_hold_their_value_between_ticks():
  periods = (1, 2, 4)
  cell = cells.get('cwrnn', periods=periods)
  params = conftest.random_params(cell, KEY)
  xs = jax.random.normal(jax.random.PRNGKey(1), (9, 2, 3))
  ys, (_, clock) = recurrence.unroll(cell, params, xs)
  modules = np.split(np.asarray(ys), len(periods), axis=-1)
  for period, module in zip(periods, modules):
    for t in range(1, 9):
      if t % period:
        np.testing.assert_array_equal(module[t], module[t - 1])
      else:
        assert not np.allclose(module[t], module[t - 1])
  np.testing.assert_array_equal(clock, [9, 9])


def test_cwrnn_slow_modules_never_read_faster_ones():
  cell = cells.get('cwrnn', periods=(1, 2, 4))
  params = conftest.random_params(cell, KEY)
  h, clock = cell.initial_carry(params, 1)
  inputs_t = jnp.ones((1, conftest.HIDDEN))
  perturbed = h.at[:, :4].set(5.0)  # the two faster modules (2 units each)
  _, out = cell.step(params, (h, clock), inputs_t)
  _, out_perturbed = cell.step(params, (perturbed, clock), inputs_t)
  np.testing.assert_array_equal(out[:, 4:], out_perturbed[:, 4:])
  assert not np.allclose(out[:, :2], out_perturbed[:, :2])
  # The slowest module does read itself.
  _, out_slow = cell.step(params, (h.at[:, 4:].set(5.0), clock), inputs_t)
  assert not np.allclose(out[:, 4:], out_slow[:, 4:])


def test_cwrnn_masked_weights_get_no_gradient():
  cell = cells.get('cwrnn', periods=(1, 2, 4))
  params = conftest.random_params(cell, KEY)
  xs = jax.random.normal(jax.random.PRNGKey(1), (8, 2, 3))
  grads = jax.grad(lambda p: jnp.sum(recurrence.unroll(cell, p, xs)[0]))(params)
  mask = cell.recurrent_mask(conftest.HIDDEN)
  np.testing.assert_array_equal(np.asarray(grads['w_h'])[mask == 0], 0.0)
  assert np.all(np.asarray(grads['w_h'])[mask == 1] != 0.0)


# ----------------------------------------------------------------------------
# expRNN.


def _exp_w(cell, params):
  return np.asarray(cell.prepare(params)['w_h'], np.float64)


def test_exprnn_recurrent_matrix_is_orthogonal_for_any_parameter():
  cell = cells.get('exprnn')
  params = conftest.random_params(cell, KEY, hidden_size=7, scale=2.0)
  w = _exp_w(cell, params)
  np.testing.assert_allclose(w.T @ w, np.eye(7), atol=1e-5)
  assert abs(np.linalg.det(w) - 1.0) < 1e-4  # SO(H): det +1
  # Only the strict upper triangle of a matters.
  lower = params | {'a': params['a'] + 5.0 * jnp.tril(jnp.ones((7, 7)))}
  np.testing.assert_array_equal(_exp_w(cell, lower), w)


def test_exprnn_gradient_reaches_only_the_upper_triangle():
  cell = cells.get('exprnn')
  params = conftest.random_params(cell, KEY)
  xs = jax.random.normal(jax.random.PRNGKey(1), (6, 2, 3))
  grads = jax.grad(lambda p: jnp.sum(recurrence.unroll(cell, p, xs)[0] ** 2))(
      params)
  g = np.asarray(grads['a'])
  np.testing.assert_array_equal(np.tril(g), 0.0)
  assert np.all(np.abs(g[np.triu_indices(conftest.HIDDEN, 1)]) > 0)


def test_exprnn_gradient_of_the_skew_parameter_matches_finite_differences():
  cell = cells.get('exprnn')
  with jax.enable_x64(True):
    params = jax.tree_util.tree_map(lambda a: a.astype(jnp.float64),
                                    conftest.random_params(cell, KEY))
    xs = jax.random.normal(jax.random.PRNGKey(1), (5, 2, 3), jnp.float64)

    def loss(a):
      ys, _ = recurrence.unroll(cell, params | {'a': a}, xs)
      return jnp.sum(jnp.sin(ys))

    check_grads(loss, (params['a'],), order=2, modes=('rev',), eps=1e-6,
                atol=1e-6, rtol=1e-6)


def _sub_jaxprs(eqn):
  for value in eqn.params.values():
    for item in value if isinstance(value, (tuple, list)) else (value,):
      if isinstance(item, jax.extend.core.ClosedJaxpr):
        yield item.jaxpr
      elif isinstance(item, jax.extend.core.Jaxpr):
        yield item


def _scan_bodies(jaxpr, inside=False):
  """(primitive name, whether inside a scan body) for every equation."""
  for eqn in jaxpr.eqns:
    yield eqn.primitive.name, inside
    for sub in _sub_jaxprs(eqn):
      yield from _scan_bodies(sub, inside or eqn.primitive.name == 'scan')


def test_exprnn_computes_the_exponential_once_outside_the_scan():
  cell = cells.get('exprnn')
  params = conftest.random_params(cell, KEY)
  xs = jax.random.normal(jax.random.PRNGKey(1), (6, 2, 3))
  expm_solves = [(name, inside) for name, inside in _scan_bodies(
      jax.make_jaxpr(jax.scipy.linalg.expm)(params['a']).jaxpr)
                 if name == 'custom_linear_solve']
  assert expm_solves == [('custom_linear_solve', False)]
  for run in (lambda p: recurrence.unroll(cell, p, xs)[0],
              jax.grad(lambda p: jnp.sum(recurrence.unroll(cell, p, xs)[0]))):
    solves = [inside for name, inside in _scan_bodies(
        jax.make_jaxpr(run)(params).jaxpr) if name == 'custom_linear_solve']
    assert solves and not any(solves)


@pytest.mark.parametrize('skew_init', ['henaff', 'cayley'])
def test_exprnn_init_is_block_diagonal_rotations(skew_init):
  hidden = 9
  params = cells.get('exprnn', skew_init=skew_init).init(KEY, 4, hidden)
  a = np.asarray(params['a'])
  s = np.diag(a, 1)[::2]
  np.testing.assert_array_equal(np.diag(a, 1)[1::2], 0.0)
  np.testing.assert_array_equal(a + a.T, 0.0)
  np.testing.assert_array_equal(np.triu(a, 2), 0.0)
  if skew_init == 'henaff':
    assert np.all(np.abs(s) <= np.pi)
  else:  # -tan(u / 2) for u in (0, pi / 2)
    assert np.all((s <= 0) & (s >= -1))
  # Each 2x2 block of W = expm(A) rotates by its angle; the odd unit is fixed.
  w = _exp_w(cells.get('exprnn'), params)
  np.testing.assert_allclose(w[0, :2], [np.cos(s[0]), np.sin(s[0])],
                             atol=1e-6)
  assert w[-1, -1] == pytest.approx(1.0)
  assert np.all(np.abs(params['b']) <= 0.01)
  # Kaiming normal for ReLU: std sqrt(2 / D).
  big = cells.get('exprnn').init(KEY, 50, 200)['w_x']
  assert float(jnp.std(big)) == pytest.approx(0.2, rel=0.05)


def test_modrelu_keeps_the_sign_and_shifts_the_modulus():
  z = jnp.array([-2.0, -0.5, 0.5, 2.0])
  np.testing.assert_allclose(cells.exprnn.modrelu(z, jnp.full(4, -1.0)),
                             [-1.0, 0.0, 0.0, 1.0])
  np.testing.assert_allclose(cells.exprnn.modrelu(z, jnp.full(4, 0.5)),
                             [-2.5, -1.0, 1.0, 2.5])


# ----------------------------------------------------------------------------
# Layer normalisation.


@pytest.mark.parametrize('name,options', [
    ('lstm', {'norm': 'layer'}), ('gru', {'norm': 'layer'}),
    ('gru', {'norm': 'layer_per_gate', 'reset_after': False})])
def test_layer_norm_makes_the_cell_invariant_to_weight_scale(name, options):
  # Ba et al. 2016, section 5: LN outputs do not change when a layer's
  # weights are scaled.
  cell = cells.get(name, **options)
  params = conftest.random_params(cell, KEY)
  xs = jax.random.normal(jax.random.PRNGKey(1), (7, 2, 3))
  # (Large enough weights that LN's eps = 1e-5 is negligible.)
  scale = lambda s_x, s_h: params | {'w_x': s_x * params['w_x'],
                                     'w_h': s_h * params['w_h']}
  ys, _ = recurrence.unroll(cell, scale(10.0, 10.0), xs)
  ys_scaled, _ = recurrence.unroll(cell, scale(70.0, 30.0), xs)
  np.testing.assert_allclose(ys_scaled, ys, atol=1e-5)
  plain = cells.get(name, reset_after=options.get('reset_after', True)) \
      if name == 'gru' else cells.get(name)
  plain_params = {k: v for k, v in params.items() if k in plain.init(KEY, 3, 6)}
  plain_ys, _ = recurrence.unroll(plain, plain_params, xs)
  assert not np.allclose(plain_ys, ys, atol=1e-2)


def test_layer_norm_statistics_are_per_step_and_per_example():
  # The input side is normalised in `project`: each [t, b] row on its own.
  params = conftest.random_params(cells.get('lstm', norm='layer'), KEY, 3, 4)
  xs = jax.random.normal(jax.random.PRNGKey(1), (5, 2, 3))
  raw = np.asarray(xs @ params['w_x'], np.float64)
  for norm, groups in (('layer', [16]), ('layer_per_gate', [4] * 4)):
    projected = cells.get('lstm', norm=norm).project(params, xs)
    for t in range(5):
      for b in range(2):
        expected = reference.layer_norm(raw[t, b], params['g_x'],
                                        params['beta_x'], groups)
        np.testing.assert_allclose(projected[t, b], expected + params['b'],
                                   atol=1e-5)


# ----------------------------------------------------------------------------
# np-RNN, RIN, SCRN.


def test_nprnn_recurrent_init_is_positive_definite_with_radius_one():
  w = np.asarray(cells.get('nprnn').init(KEY, 3, 40)['w_h'], np.float64)
  np.testing.assert_allclose(w, w.T, atol=1e-6)
  eigenvalues = np.linalg.eigvalsh(w)
  assert eigenvalues.min() > 0
  assert eigenvalues.max() == pytest.approx(1.0, abs=1e-5)


def test_rin_starts_as_the_irnn_but_learns_a_different_weight():
  rin, irnn = cells.get('rin'), cells.get('irnn')
  params = rin.init(KEY, 3, 5)
  np.testing.assert_array_equal(params['w_h'], 0.0)
  irnn_params = params | {'w_h': jnp.eye(5)}
  xs = jax.random.normal(jax.random.PRNGKey(1), (6, 2, 3))
  ys, _ = recurrence.unroll(rin, params, xs)
  np.testing.assert_allclose(ys, recurrence.unroll(irnn, irnn_params, xs)[0],
                             atol=1e-6)
  # The identity is not a parameter: weight decay of w_h toward zero keeps it.
  decayed = params | {'w_h': 0.0 * params['w_h']}
  np.testing.assert_allclose(recurrence.unroll(rin, decayed, xs)[0], ys)
  decayed_irnn = irnn_params | {'w_h': 0.5 * irnn_params['w_h']}
  assert not np.allclose(recurrence.unroll(irnn, decayed_irnn, xs)[0], ys)


def test_scrn_context_units_are_an_exponential_average_of_the_input():
  # s_t = (1 - alpha) sum_k alpha^(t-k) x_k B: linear, blind to the fast units.
  alpha, slow = 0.9, 3
  cell = cells.get('scrn', slow_size=slow, alpha=alpha)
  params = conftest.random_params(cell, KEY, hidden_size=8)
  xs = jax.random.normal(jax.random.PRNGKey(1), (12, 2, 3))
  ys, _ = recurrence.unroll(cell, params, xs)
  x_b = np.asarray(xs @ params['w_x'][:, -slow:], np.float64)
  for t in range(12):
    expected = (1 - alpha) * sum(alpha ** (t - k) * x_b[k] for k in range(t + 1))
    np.testing.assert_allclose(ys[t, :, -slow:], expected, atol=1e-5)
  perturbed = params | {'w_h': params['w_h'] * 3.0}
  np.testing.assert_allclose(recurrence.unroll(cell, perturbed, xs)[0][..., -slow:],
                             ys[..., -slow:], atol=1e-6)


def test_scrn_needs_more_units_than_its_context():
  with pytest.raises(ValueError, match=r'hidden_size=20 is not allowed with slow_size=20'):
    cells.get('scrn', slow_size=20).init(KEY, 3, 20)
  with pytest.raises(ValueError, match=r'hidden_size=1 is not allowed with slow_size=1'):
    cells.get('scrn').init(KEY, 3, 1)
  # The default: a sixth of the units are context units.
  assert cells.get('scrn').init(KEY, 3, 120)['w_h'].shape == (120, 100)


def test_mist_carry_holds_the_last_states_newest_first():
  cell = cells.get('mist', delays=(1, 2, 5))
  params = conftest.random_params(cell, KEY)
  xs = jax.random.normal(jax.random.PRNGKey(1), (9, 2, 3))
  ys, (h, older) = recurrence.unroll(cell, params, xs)
  np.testing.assert_array_equal(h, ys[-1])
  np.testing.assert_array_equal(older, jnp.stack([ys[-2], ys[-3], ys[-4],
                                                  ys[-5]], 1))
  # Continuing from the carry is running the whole sequence.
  first, carry = recurrence.unroll(cell, params, xs[:4])
  second, _ = recurrence.unroll(cell, params, xs[4:], carry)
  np.testing.assert_allclose(jnp.concatenate([first, second]), ys, atol=1e-6)


def test_mist_reaches_far_states_in_one_step():
  # With the mixture on delay 8 alone, h_7 reads h_{-1} directly: the
  # Jacobian dh_7 / dh_{-1} is one step's, not a product of eight.
  cell = cells.get('mist', delays=(1, 8), activation='tanh')
  params = conftest.random_params(cell, KEY)
  params = params | {'b': params['b'].at[-2:].set(jnp.array([-50.0, 50.0]))}
  xs = jax.random.normal(jax.random.PRNGKey(1), (8, 1, 3))
  older = jnp.zeros((1, 7, conftest.HIDDEN))

  def last(h0):
    return recurrence.unroll(cell, params, xs, (h0[None], older))[0][-1, 0]

  h0 = jnp.ones(conftest.HIDDEN)
  jacobian = jax.jacobian(last)(h0)
  ys, _ = recurrence.unroll(cell, params, xs, (h0[None], older))
  x_r = xs[-1, 0] @ params['w_x'][:, :6] + params['b'][:6]
  reset = jax.nn.sigmoid(x_r + ys[-2, 0] @ params['w_h'][:, :6])
  expected = (1 - ys[-1, 0] ** 2)[:, None] * (params['w_m'].T * reset[None, :])
  np.testing.assert_allclose(jacobian, expected, atol=1e-4)


def test_nested_lstm_inner_memory_reads_the_outer_gates():
  # h~ = f * c_{t-1}: with the outer forget gate shut, the inner LSTM no
  # longer sees the previous cell; c_t then depends on c_{t-1} only through
  # the inner cell c~.
  cell = cells.get('nested_lstm')
  params = conftest.random_params(cell, KEY)
  hidden = conftest.HIDDEN
  h, c, inner_c = (jax.random.normal(jax.random.PRNGKey(k), (2, hidden))
                   for k in (2, 3, 4))
  inputs_t = jax.random.normal(jax.random.PRNGKey(5), (2, 4 * hidden))
  inputs_t = inputs_t.at[:, hidden:2 * hidden].set(-60.0)  # z_f
  (_, c_new, _), _ = cell.step(params, (h, c, inner_c), inputs_t)
  (_, c_other, _), _ = cell.step(params, (h, 5.0 * c, inner_c), inputs_t)
  np.testing.assert_allclose(c_new, c_other, atol=1e-6)
  (_, c_inner, _), _ = cell.step(params, (h, c, 5.0 * inner_c), inputs_t)
  assert not np.allclose(c_new, c_inner)


def test_jordan_with_an_identity_output_layer_is_the_elman_rnn():
  cell = cells.get('jordan', activation='tanh', output_activation='identity')
  params = conftest.random_params(cell, KEY)
  params = params | {'w_y': jnp.eye(conftest.HIDDEN),
                     'b_y': jnp.zeros(conftest.HIDDEN)}
  xs = jax.random.normal(jax.random.PRNGKey(1), (7, 2, 3))
  elman = {'w_x': params['w_x'], 'w_h': params['w_s'], 'b': params['b']}
  np.testing.assert_allclose(
      recurrence.unroll(cell, params, xs)[0],
      recurrence.unroll(cells.get('vanilla'), elman, xs)[0], atol=1e-6)


def test_jordan_past_reaches_the_present_only_through_the_outputs():
  # Without the context's weights (w_s = 0) each output is a function of its
  # own step's input: a hidden layer carried from step to step would still
  # reach it.
  cell = cells.get('jordan', hidden_units=4)
  params = conftest.random_params(cell, KEY)
  params = params | {'w_s': jnp.zeros_like(params['w_s']),
                     'b_y': jax.random.normal(KEY, params['b_y'].shape)}
  xs = jax.random.normal(jax.random.PRNGKey(1), (5, 2, 3))
  ys, _ = recurrence.unroll(cell, params, xs)
  p = {k: np.asarray(v, np.float64) for k, v in params.items()}
  units = 1 / (1 + np.exp(-(np.asarray(xs, np.float64) @ p['w_x'] + p['b'])))
  np.testing.assert_allclose(
      ys, 1 / (1 + np.exp(-(units @ p['w_y'] + p['b_y']))), atol=1e-6)


@pytest.mark.parametrize('self_connection', [0.0, 0.6])
def test_jordan_teacher_forced_equals_numpy_and_its_own_run(self_connection):
  # Fed back its own outputs, the teacher-forced pass is the recurrence;
  # fed any vectors, it is the NumPy loop that reads them for y_{t-1}.
  cell = cells.get('jordan', hidden_units=5, self_connection=self_connection,
                   output_activation='softmax',
                   emit_pre_activation=True)
  params = conftest.random_params(cell, KEY)
  xs = jax.random.normal(jax.random.PRNGKey(1), (6, 2, 3))
  zs, _ = recurrence.unroll(cell, params, xs)
  own = jax.nn.softmax(zs)
  shifted = jnp.concatenate([jnp.zeros_like(own[:1]), own[:-1]])
  np.testing.assert_allclose(cell.teacher_forced(params, xs, shifted), zs,
                             atol=1e-5)
  fed_back = jax.random.uniform(jax.random.PRNGKey(2), own.shape)
  expected, _ = reference.jordan(params, xs, self_connection, 'sigmoid',
                                 'softmax', emit_pre_activation=True,
                                 fed_back=fed_back)
  np.testing.assert_allclose(cell.teacher_forced(params, xs, fed_back),
                             expected, atol=1e-5)


# ----------------------------------------------------------------------------
# The LSTM through cuDNN's kernel: its weight layout, checked on the CPU
# through the kernel's reference implementation.


def _reference_kernel(x, h_0, c_0, weights, seq_lengths, *, input_size,
                      hidden_size, num_layers, dropout, bidirectional):
  """jax.experimental.rnn.lstm, computed by its CPU reference."""
  unpacked = rnn_lib.unpack_lstm_weights(weights, input_size, hidden_size,
                                         num_layers, bidirectional)
  return rnn_lib.lstm_ref(x, h_0, c_0, *unpacked, seq_lengths, input_size,
                          hidden_size, num_layers, dropout, bidirectional)


def _padded(batch_lengths, num_steps, input_size):
  xs = jax.random.normal(KEY, (num_steps, len(batch_lengths), input_size))
  return xs, recurrence.lengths_to_mask(jnp.array(batch_lengths), num_steps)


def test_cudnn_weight_layout_computes_the_lstm():
  lstm = cells.get('lstm')
  params = lstm.init(jax.random.PRNGKey(3), 3, 5)
  params['b'] = jax.random.normal(jax.random.PRNGKey(4), (20,))
  xs, mask = _padded([6, 2, 4], 6, 3)
  carry = (jax.random.normal(jax.random.PRNGKey(5), (3, 5)),
           jax.random.normal(jax.random.PRNGKey(6), (3, 5)))
  ys, (h, c) = recurrence.unroll(lstm, params, xs, carry, mask=mask)
  ref_ys, h_n, c_n = _reference_kernel(
      jnp.swapaxes(xs, 0, 1), carry[0][None], carry[1][None],
      cudnn.pack(params), mask.sum(0).astype(jnp.int32), input_size=3,
      hidden_size=5, num_layers=1, dropout=0.0, bidirectional=False)
  ref_ys = jnp.where(mask[..., None], jnp.swapaxes(ref_ys, 0, 1), 0.0)
  np.testing.assert_allclose(ys, ref_ys, atol=1e-6)
  np.testing.assert_allclose(h, h_n[0], atol=1e-6)
  np.testing.assert_allclose(c, c_n[0], atol=1e-6)


@pytest.mark.parametrize('reverse', [False, True])
def test_the_cudnn_backend_runs_the_same_lstm_and_gradient(monkeypatch,
                                                           reverse):
  monkeypatch.setattr(cudnn.rnn, 'lstm', _reference_kernel)
  monkeypatch.setattr(cudnn, 'available', lambda: True)
  plain, fused = cells.get('lstm'), cells.get('lstm', cudnn=True)
  params = plain.init(jax.random.PRNGKey(7), 3, 4)
  xs, mask = _padded([5, 3], 5, 3)

  def loss(cell, params, xs):
    ys, (h, c) = recurrence.unroll(cell, params, xs, mask=mask,
                                   reverse=reverse)
    return jnp.sum(ys ** 2) + jnp.sum(h * c)

  np.testing.assert_allclose(loss(fused, params, xs), loss(plain, params, xs),
                             rtol=1e-6)
  grads = [jax.grad(loss, argnums=(1, 2))(cell, params, xs)
           for cell in (plain, fused)]
  for want, got in zip(*map(jax.tree_util.tree_leaves, grads)):
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_the_cudnn_backend_refuses_what_its_kernel_cannot_do(monkeypatch):
  monkeypatch.setattr(cudnn, 'available', lambda: True)
  fused = cells.get('lstm', cudnn=True)
  params = fused.init(KEY, 3, 4)
  xs = jnp.ones((5, 2, 3))
  dropout = recurrence.variational_dropout(KEY, 2, 3, 4, input_rate=0.0,
                                           state_rate=0.5)
  with pytest.raises(ValueError, match='cudnn=True is not allowed with '
                     'recurrent dropout'):
    recurrence.unroll(fused, params, xs, dropout=dropout)
  with pytest.raises(ValueError, match='cudnn=True is not allowed with remat'):
    recurrence.unroll(fused, params, xs, remat=True)
