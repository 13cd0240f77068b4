"""The model: readouts against the recurrence run by hand, padding, dropout,
parameter counts and the layer cells a config asks for."""

import re

import jax
import jax.test_util
import jax.numpy as jnp
import ml_collections
import numpy as np
import pytest

from rnnzoo import cells
from rnnzoo import config_util
from rnnzoo.models import rnn as model_lib
from rnnzoo import recurrence

KEY = jax.random.PRNGKey(0)


def _model(cell='gru', readout='last', input_kind='real', **kwargs):
  layers = kwargs.pop('layers', (cells.get(cell),))
  return model_lib.RNN(layers=layers, input_kind=input_kind, input_size=3,
                       output_size=4, readout=readout, hidden_size=5, **kwargs)


def _dense(params, x):
  return x @ params['kernel'] + params['bias']


@pytest.mark.parametrize('bidirectional', [False, True])
def test_last_readout_reads_the_last_valid_step(bidirectional):
  model = _model(bidirectional=bidirectional)
  x = jax.random.normal(KEY, (3, 7, 3))
  mask = jnp.arange(7)[None] < jnp.array([7, 4, 1])[:, None]
  variables = model.init(KEY, {'x': x, 'mask': mask})
  out = model.apply(variables, {'x': x, 'mask': mask})
  p = variables['params']
  for b, length in enumerate([7, 4, 1]):
    xs = x[b:b + 1, :length].swapaxes(0, 1)
    cell = cells.get('gru')
    if bidirectional:
      ys, _ = recurrence.bidirectional(
          cell, (p['layer0']['fw'], p['layer0']['bw']), xs)
      features = jnp.concatenate([ys[-1, :, :5], ys[0, :, 5:]], -1)
    else:
      ys, _ = recurrence.unroll(cell, p['layer0'], xs)
      features = ys[-1]
    np.testing.assert_allclose(out[b:b + 1], _dense(p['readout'], features),
                               atol=1e-5)


def test_scan_unroll_changes_no_output_of_the_stack():
  x = jax.random.normal(KEY, (3, 7, 3))
  mask = jnp.arange(7)[None] < jnp.array([7, 4, 1])[:, None]
  layers = (cells.get('lstm'), cells.get('gru'))
  plain = _model(layers=layers, readout='every', bidirectional=True)
  unrolled = _model(layers=layers, readout='every', bidirectional=True,
                    scan_unroll=3)
  variables = plain.init(KEY, {'x': x, 'mask': mask})
  np.testing.assert_allclose(
      unrolled.apply(variables, {'x': x, 'mask': mask}),
      plain.apply(variables, {'x': x, 'mask': mask}), atol=1e-6)


def test_padding_never_changes_a_prediction():
  model = _model('lstm', input_kind='tokens', encoder_size=6)
  tokens = jnp.array([[5, 1, 2, 0, 0, 0, 0, 0]])
  mask = tokens > 0
  variables = model.init(KEY, {'x': tokens, 'mask': mask})
  short = model.apply(variables, {'x': tokens[:, :3]})
  padded = model.apply(variables, {'x': tokens, 'mask': mask})
  noisy = model.apply(variables, {'x': tokens.at[:, 3:].set(2), 'mask': mask})
  np.testing.assert_allclose(padded, short, atol=1e-6)
  np.testing.assert_allclose(noisy, short, atol=1e-6)


def test_every_step_readout_stacks_layers():
  layers = (cells.get('lstm'), cells.get('dilated', base='gru', dilation=2))
  model = _model(readout='every', layers=layers)
  x = jax.random.normal(KEY, (2, 6, 3))
  variables = model.init(KEY, {'x': x})
  out = model.apply(variables, {'x': x})
  p = variables['params']
  ys, _ = recurrence.stack([(layers[0], p['layer0']), (layers[1], p['layer1'])],
                           x.swapaxes(0, 1))
  np.testing.assert_allclose(out, _dense(p['readout'], ys).swapaxes(0, 1),
                             atol=1e-5)
  assert out.shape == (2, 6, 4)


@pytest.mark.parametrize('kind', ['variational', 'per_step'])
def test_dropout_acts_only_in_training(kind):
  model = _model('lstm', readout='every', dropout=0.5, dropout_kind=kind,
                 recurrent_dropout=0.3)
  x = jax.random.normal(KEY, (2, 6, 3))
  variables = model.init(KEY, {'x': x})
  evaluation = model.apply(variables, {'x': x})
  np.testing.assert_array_equal(evaluation, model.apply(variables, {'x': x}))
  one = model.apply(variables, {'x': x}, train=True, rngs={'dropout': KEY})
  again = model.apply(variables, {'x': x}, train=True, rngs={'dropout': KEY})
  other = model.apply(variables, {'x': x}, train=True,
                      rngs={'dropout': jax.random.PRNGKey(1)})
  np.testing.assert_array_equal(one, again)
  assert not np.allclose(one, evaluation) and not np.allclose(one, other)


def test_zoneout_draws_in_training_and_takes_the_expectation_in_evaluation():
  model = _model('lstm', readout='every', zoneout_h=0.3, zoneout_c=0.6)
  x = jax.random.normal(KEY, (2, 6, 3))
  variables = model.init(KEY, {'x': x})
  p = variables['params']
  # Evaluation: h_t = 0.3 h_{t-1} + 0.7 h~_t, c_t = 0.6 c_{t-1} + 0.4 c~_t.
  expectation = recurrence.zoneout(None, 6, 2, 5, h_rate=0.3, c_rate=0.6,
                                   train=False)
  ys, _ = recurrence.unroll(model.layers[0], p['layer0'], x.swapaxes(0, 1),
                            dropout=expectation)
  np.testing.assert_allclose(model.apply(variables, {'x': x}),
                             _dense(p['readout'], ys).swapaxes(0, 1),
                             atol=1e-5)
  one = model.apply(variables, {'x': x}, train=True, rngs={'dropout': KEY})
  again = model.apply(variables, {'x': x}, train=True, rngs={'dropout': KEY})
  other = model.apply(variables, {'x': x}, train=True,
                      rngs={'dropout': jax.random.PRNGKey(1)})
  np.testing.assert_array_equal(one, again)
  assert not np.allclose(one, model.apply(variables, {'x': x}))
  assert not np.allclose(one, other)


def test_variational_readout_dropout_keeps_one_mask_over_time():
  model = _model('vanilla', readout='every', dropout=0.5)
  x = jax.random.normal(KEY, (4, 9, 3))
  variables = model.init(KEY, {'x': x})
  # Route hidden unit j to output j: a unit dropped before the readout then
  # shows as a zero output.
  variables['params']['readout'] = {'kernel': jnp.eye(5, 4),
                                    'bias': jnp.zeros(4)}
  out = model.apply(variables, {'x': x}, train=True, rngs={'dropout': KEY})
  dropped = np.asarray(out) == 0.0
  assert dropped.any() and (~dropped).any()
  np.testing.assert_array_equal(dropped, dropped[:, :1].repeat(9, axis=1))


def _config(**model):
  return ml_collections.ConfigDict(dict(cell=config_util.cell('indrnn'),
                                        model=config_util.model(**model)))


def test_layer_cells_apply_dilations_and_top_layer_options():
  config = _config(num_layers=3, dilations=(1, 2, 4),
                   top_layer_options={'last_layer': True})
  layers = model_lib.layer_cells(config)
  assert layers[0] == cells.get('indrnn')
  assert layers[1] == cells.get('dilated', base='indrnn', dilation=2)
  assert layers[2] == cells.get('dilated', base='indrnn', dilation=4,
                                last_layer=True)


@pytest.mark.parametrize('model_options,message', [
    (dict(num_layers=2, dilations=(1, 2, 4)), r'model.dilations=\(1, 2, 4\)'),
    (dict(hidden_size=0), r'model.hidden_size=0'),
    (dict(dropout=1.0), r'model.dropout=1.0.*\[0, 1\)'),
    (dict(dropout_kind='zoneout'), r"model.dropout_kind='zoneout'"),
    (dict(zoneout_h=1.0), r'model.zoneout_h=1.0.*zoneout rate.*\[0, 1\)'),
    (dict(zoneout_c=-0.1), r'model.zoneout_c=-0.1.*>= 0'),
    (dict(scan_unroll=0), r'model.scan_unroll=0.*>= 1'),
    (dict(zoneout_c=0.5), r"model.zoneout_c=0.5 is not allowed for "
                          r"cell.name='indrnn'.*no cell state"),
])
def test_impossible_model_fields_are_refused(model_options, message):
  with pytest.raises(ValueError, match=message):
    model_lib.check_config(_config(**model_options))


@pytest.mark.parametrize('field,value', [
    ('model.recurrent_dropout', 0.1), ('model.zoneout_h', 0.1),
    ('model.zoneout_c', 0.1), ('model.remat', True),
    ('log.diagnostics_at', (0, 10))])
def test_cudnn_with_an_option_its_kernel_lacks_is_refused(field, value):
  # Checked on the config, before a GPU is needed to build the cell.
  section, name = field.split('.')
  config = ml_collections.ConfigDict(dict(
      cell=config_util.cell('lstm'), model=config_util.model(),
      log=config_util.log()))
  config.cell.cudnn = True
  config[section][name] = value
  with pytest.raises(ValueError, match='^' + re.escape(
      f'{field}={value!r} is not allowed with cell.cudnn=True')):
    model_lib.check_config(config)


@pytest.mark.parametrize('field,value,allowed', [
    ('readout', 'per_step', r"\['last', 'every'\]"),
    ('input_kind', 'ids', r"\['real', 'tokens'\]")])
def test_a_readout_or_input_kind_that_does_not_exist_is_refused(field, value,
                                                                allowed):
  with pytest.raises(ValueError, match=rf"^{field}='{value}' is not allowed: "
                     rf'choose one of {allowed}'):
    _model(**{field: value})


def test_dilations_with_a_dilated_cell_are_refused():
  config = ml_collections.ConfigDict(dict(
      cell=config_util.cell('dilated'), model=config_util.model(num_layers=1,
                                                      dilations=(2,))))
  with pytest.raises(ValueError, match=r"cell.name='dilated'"):
    model_lib.check_config(config)


def test_num_params_counts_each_cell_its_own_way():
  layers = (cells.get('cwrnn', periods=(1, 5)),)
  model = model_lib.RNN(layers=layers, input_kind='real', input_size=3,
                        output_size=4, readout='last', hidden_size=6,
                        bidirectional=True)
  variables = model.init(KEY, {'x': jnp.ones((1, 2, 3))})
  cell_params = 3 * 6 + (9 + 9 + 9) + 6  # w_x, masked w_h, b
  assert model.num_params(variables) == 2 * cell_params + 12 * 4 + 4


def test_constrain_clips_every_indrnn_layer():
  layers = (cells.get('indrnn', seq_len=10),) * 2
  model = _model(layers=layers, bidirectional=True)
  variables = model.init(KEY, {'x': jnp.ones((1, 2, 3))})
  big = jax.tree_util.tree_map(lambda a: a + 10.0, variables)
  clipped = model.constrain(big)
  for name in ('layer0', 'layer1'):
    for direction in ('fw', 'bw'):
      np.testing.assert_allclose(clipped['params'][name][direction]['u'],
                                 2 ** 0.1, rtol=1e-6)
  np.testing.assert_array_equal(clipped['params']['readout']['kernel'],
                                big['params']['readout']['kernel'])


# ----------------------------------------------------------------------------
# The learned initial carry.


@pytest.mark.parametrize('cell,bidirectional', [
    ('lstm', False), ('gru', True), ('cwrnn', False)])
def test_a_learned_initial_carry_starts_at_zero_and_feeds_every_sequence(
    cell, bidirectional):
  layers = (cells.get(cell, periods=(1, 2, 4, 8, 16)) if cell == 'cwrnn'
            else cells.get(cell),) * 2
  model = _model(layers=layers, readout='every', bidirectional=bidirectional,
                 learn_initial_carry=True)
  plain = _model(layers=layers, readout='every', bidirectional=bidirectional)
  x = jax.random.normal(KEY, (3, 6, 3))
  variables = model.init(KEY, {'x': x})
  params = variables['params']
  # At init (zeros) it is the model without it.
  without = {'params': {k: v for k, v in params.items()
                        if not k.startswith('initial')}}
  np.testing.assert_allclose(model.apply(variables, {'x': x}),
                             plain.apply(without, {'x': x}), atol=1e-6)
  # Trained values: every sequence starts from them, layer by layer.
  learned = jax.tree_util.tree_map(
      lambda a: jax.random.normal(jax.random.PRNGKey(a.size), a.shape),
      {k: v for k, v in params.items() if k.startswith('initial')})
  variables = {'params': {**params, **learned}}
  directions = 2 if bidirectional else 1

  def start(index, direction, layer_params):
    """The carry that param initial{index} says, for 3 sequences."""
    template = layers[index].initial_carry(layer_params, 3)
    leaves, treedef = jax.tree_util.tree_flatten(template)
    values = iter(learned[f'initial{index}'][direction])
    return treedef.unflatten([
        jnp.broadcast_to(next(values), leaf.shape)
        if jnp.issubdtype(leaf.dtype, jnp.floating) else leaf
        for leaf in leaves])

  stack_layers, carries = [], []
  for index in range(2):
    layer = params[f'layer{index}']
    parts = (layer['fw'], layer['bw']) if bidirectional else (layer,)
    stack_layers.append((layers[index], parts if bidirectional else layer))
    starts = tuple(start(index, d, p) for d, p in enumerate(parts))
    carries.append(starts if bidirectional else starts[0])
    assert len(learned[f'initial{index}']) == directions
  ys, _ = recurrence.stack(stack_layers, x.swapaxes(0, 1),
                           bidirectional=bidirectional, carries=carries)
  np.testing.assert_allclose(model.apply(variables, {'x': x}),
                             _dense(params['readout'], ys).swapaxes(0, 1),
                             atol=1e-5)
  if cell == 'cwrnn':  # the clock is no parameter
    assert all(len(d) == 1 for d in learned['initial0'])


def test_the_learned_initial_carry_gets_the_gradient_of_the_loss():
  model = _model('lstm', learn_initial_carry=True)
  x = jax.random.normal(KEY, (2, 4, 3))
  variables = model.init(KEY, {'x': x})

  def loss(initial):
    params = {**variables['params'], 'initial0': initial}
    return jnp.sum(model.apply({'params': params}, {'x': x}) ** 2)

  initial = jax.tree_util.tree_map(lambda a: a + 0.3,
                                   variables['params']['initial0'])
  jax.test_util.check_grads(loss, (initial,), order=1, modes=['rev'],
                            atol=1e-2, rtol=1e-2)
  gradient = jax.grad(loss)(initial)
  assert all(float(jnp.abs(g).sum()) > 0
             for g in jax.tree_util.tree_leaves(gradient))
