"""The optimizer of a config against optax built by hand and closed forms."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from rnnzoo import optim

PARAMS = {'layer0': {'w_x': jnp.ones((2, 3)), 'b': jnp.ones(3),
                     'u': jnp.full(3, 0.5)},
          'readout': {'kernel': jnp.ones((3, 1)), 'bias': jnp.ones(1)}}
GRADS = jax.tree_util.tree_map(lambda a: 0.1 * jnp.arange(a.size).reshape(
    a.shape).astype(jnp.float32), PARAMS)


def _updates(config, grads=GRADS, params=PARAMS, steps=1, constrain=None):
  tx = optim.make(config, 100, constrain=constrain)
  state = tx.init(params)
  for _ in range(steps):
    updates, state = tx.update(grads, state, params)
  return updates


@pytest.mark.parametrize('name,reference', [
    ('adam', lambda: optax.adam(0.01, b1=0.9, b2=0.999, eps=1e-8)),
    ('adamw', lambda: optax.adamw(0.01, weight_decay=0.0)),
    ('sgd', lambda: optax.sgd(0.01)),
    ('rmsprop', lambda: optax.rmsprop(0.01, decay=0.9, eps=1e-8)),
])
def test_each_optimizer_equals_optax(name, reference):
  config = optim.default_config(name, lr=0.01)
  tx = reference()
  state = tx.init(PARAMS)
  for _ in range(3):
    expected, state = tx.update(GRADS, state, PARAMS)
  jax.tree_util.tree_map(np.testing.assert_allclose,
                         _updates(config, steps=3), expected)


def test_sgd_momentum_and_nesterov():
  config = optim.default_config('sgd', lr=0.1, momentum=0.9, nesterov=True)
  tx = optax.sgd(0.1, momentum=0.9, nesterov=True)
  state = tx.init(PARAMS)
  for _ in range(2):
    expected, state = tx.update(GRADS, state, PARAMS)
  jax.tree_util.tree_map(np.testing.assert_allclose,
                         _updates(config, steps=2), expected)


def test_schedules_in_closed_form():
  cosine = optim.schedule(optim.default_config(
      lr=1.0, schedule='cosine', warmup_steps=10, final_lr_fraction=0.1), 110)
  assert float(cosine(0)) == 0.0
  assert float(cosine(5)) == pytest.approx(0.5)
  assert float(cosine(10)) == pytest.approx(1.0)
  assert float(cosine(60)) == pytest.approx(0.1 + 0.9 * 0.5)
  assert float(cosine(110)) == pytest.approx(0.1)
  step = optim.schedule(optim.default_config(
      lr=1.0, schedule='step', decay_every=20, decay_rate=0.5), 100)
  assert [float(step(s)) for s in (0, 19, 20, 45)] == [1.0, 1.0, 0.5, 0.25]


def test_clip_norm_bounds_the_global_norm():
  config = optim.default_config('sgd', lr=1.0, clip_norm=0.05)
  updates = _updates(config)
  assert float(optax.tree.norm(updates)) == pytest.approx(0.05, rel=1e-5)
  assert float(optax.tree.norm(GRADS)) > 0.05


@pytest.mark.parametrize('name', ['sgd', 'adamw'])
def test_weight_decay_spares_the_paths_that_match(name):
  config = optim.default_config(name, lr=1.0, weight_decay=0.1)
  zero = jax.tree_util.tree_map(jnp.zeros_like, GRADS)
  updates = _updates(config, grads=zero)
  np.testing.assert_allclose(updates['layer0']['w_x'], -0.1, rtol=1e-5)
  np.testing.assert_allclose(updates['readout']['kernel'], -0.1, rtol=1e-5)
  np.testing.assert_array_equal(updates['layer0']['b'], 0.0)
  np.testing.assert_array_equal(updates['readout']['bias'], 0.0)
  custom = optim.default_config(name, lr=1.0, weight_decay=0.1,
                                no_decay=r'(^|/)(b|bias|u)$')
  np.testing.assert_array_equal(
      _updates(custom, grads=zero)['layer0']['u'], 0.0)


def test_constrain_projects_every_update():
  config = optim.default_config('sgd', lr=10.0)
  clip = lambda p: jax.tree_util.tree_map(lambda a: jnp.clip(a, -1.0, 1.0), p)
  updates = _updates(config, constrain=clip)
  landed = optax.apply_updates(PARAMS, updates)
  unconstrained = optax.apply_updates(PARAMS, _updates(config))
  jax.tree_util.tree_map(np.testing.assert_allclose, landed,
                         clip(unconstrained))


@pytest.mark.parametrize('overrides,message', [
    (dict(name='adamm'), r"optim.name='adamm'.*did you mean 'adam'"),
    (dict(lr=-1.0), r'optim.lr=-1.0.*> 0'),
    (dict(lr=0.0), r'optim.lr=0.0.*> 0'),
    (dict(schedule='linear'), r"optim.schedule='linear'"),
    (dict(schedule='step', decay_every=0), r'optim.decay_every=0'),
    (dict(clip_norm=-1.0), r'optim.clip_norm=-1.0'),
    (dict(no_decay='('), r"optim.no_decay='\('.*regular expression"),
    (dict(lr_scale_params='['), r"optim.lr_scale_params='\['.*regular"),
    (dict(lr_scale_params='u'), r'optim.lr_scale=0.0.*> 0'),
    (dict(lr_scale=0.1), r"optim.lr_scale=0.1 is not allowed with "
     r"optim.lr_scale_params=''"),
    (dict(momentum=0.9), r"optim.momentum is not an option of optim.name='adam'"),
])
def test_impossible_optim_fields_are_refused(overrides, message):
  config = optim.default_config('adam')
  with pytest.raises(ValueError, match=message):
    config.update(overrides)
    optim.check_config(config)


@pytest.mark.parametrize('name,overrides,message', [
    ('adam', dict(b1=1.0), r'optim.b1=1.0 is not allowed: it must be < 1'),
    ('adamw', dict(b2=-0.1), r'optim.b2=-0.1 is not allowed: it must be >= 0'),
    ('adam', dict(eps=0.0), r'optim.eps=0.0 is not allowed: it must be > 0'),
    ('rmsprop', dict(decay=1.5), r'optim.decay=1.5 .*must be < 1'),
    ('sgd', dict(momentum=1.0), r'optim.momentum=1.0 .*must be < 1'),
    ('sgd', dict(nesterov='yes'), r"optim.nesterov='yes' .*True or False"),
])
def test_impossible_options_of_each_optimizer_are_refused(name, overrides,
                                                          message):
  with pytest.raises(ValueError, match=f'^{message}'):
    optim.check_config(optim.default_config(name, **overrides))


def test_an_option_of_another_optimizer_is_refused_when_built():
  with pytest.raises(ValueError, match=r"optim 'adam' has no option 'momentum'"):
    optim.default_config('adam', momentum=0.9)


@pytest.mark.parametrize('name', ['rmsprop', 'adam', 'sgd'])
def test_lr_scale_equals_a_second_optimizer_on_the_matching_params(name):
  # The expRNN's training: one optimizer at lr on most parameters, a second
  # at lr / 10 on the skew-symmetric one (here 'u').
  config = optim.default_config(name, lr=0.01, lr_scale=0.1,
                                lr_scale_params=r'(^|/)u$')
  make = {'rmsprop': lambda lr: optax.rmsprop(lr, decay=0.9, eps=1e-8),
          'adam': lambda lr: optax.adam(lr, b1=0.9, b2=0.999, eps=1e-8),
          'sgd': optax.sgd}[name]
  labels = optim.path_mask(PARAMS, r'(^|/)u$', match=True)
  tx = optax.multi_transform({True: make(0.001), False: make(0.01)}, labels)
  state = tx.init(PARAMS)
  for _ in range(3):
    expected, state = tx.update(GRADS, state, PARAMS)
  jax.tree_util.tree_map(
      lambda a, b: np.testing.assert_allclose(a, b, rtol=1e-6),
      _updates(config, steps=3), expected)


def test_lr_scale_params_that_match_nothing_are_refused_at_init():
  config = optim.default_config('adam', lr_scale=0.1,
                                lr_scale_params=r'(^|/)skew$')
  with pytest.raises(ValueError, match=r"lr_scale_params='\(\^\|/\)skew\$' "
                     r"matches no parameter: the paths are \['layer0/b'"):
    optim.make(config, 10).init(PARAMS)
