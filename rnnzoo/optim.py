"""The optimizer of a config: optax from the `config.optim` section.

  tx = optim.make(config.optim, num_steps, constrain=model.constrain)

The chain is: global-norm clipping -> the optimizer, with its learning-rate
schedule and weight decay (masked by a regex on parameter paths) -> the
learning rate times `lr_scale` on the parameters whose paths match
`lr_scale_params` (the expRNN's skew-symmetric parameter at a tenth of the
rest, as Lezcano-Casado & Martinez-Rubio 2019 train it; each optimizer here
is linear in its learning rate, so scaling the update is scaling the rate)
-> the model's constraint projection (IndRNN's clip of |u|), which turns
each update into one that lands on constrain(params + update).
"""

import re
from typing import Callable

import jax
import ml_collections
import optax

from rnnzoo import options

# Each optimizer's own options and their defaults.
OPTIMIZERS = {
    'adam': dict(b1=0.9, b2=0.999, eps=1e-8),
    'adamw': dict(b1=0.9, b2=0.999, eps=1e-8),
    'sgd': dict(momentum=0.0, nesterov=False),
    'rmsprop': dict(decay=0.9, eps=1e-8, momentum=0.0),
}
SCHEDULES = ('constant', 'cosine', 'step')


def default_config(name: str = 'adam', **overrides) -> ml_collections.ConfigDict:
  """The `config.optim` section for optimizer `name`."""
  options.check_choice('optim.name', name, OPTIMIZERS)
  config = dict(
      name=name,
      lr=1e-3,
      schedule='constant',      # 'constant', 'cosine' (to final_lr_fraction
                                # at the last step) or 'step'
      warmup_steps=0,           # linear warmup from 0
      decay_every=0,            # 'step': lr *= decay_rate every decay_every
      decay_rate=0.1,
      final_lr_fraction=0.0,    # 'cosine': the last step's fraction of lr
      clip_norm=0.0,            # global gradient-norm clip; 0: none
      weight_decay=0.0,         # decoupled for adamw, L2 added otherwise
      no_decay=r'(^|/)(b|b_hn|bias)$',  # parameter paths without decay
      lr_scale=0.0,             # the learning rate x lr_scale on the
      lr_scale_params='',       # parameter paths that match this regex
                                # (both unset: every rate as it is)
      **OPTIMIZERS[name])
  for key, value in overrides.items():
    if key not in config:
      raise ValueError(f'optim {name!r} has no option {key!r}: its options '
                       f'are {sorted(config)}')
    config[key] = value
  return ml_collections.ConfigDict(config)


def check_config(optim: ml_collections.ConfigDict) -> None:
  """Raises a ValueError naming the first impossible field of config.optim."""
  options.check_choice('optim.name', optim.name, OPTIMIZERS)
  expected = set(default_config(optim.name))
  for key in optim:
    if key not in expected:
      raise ValueError(f'optim.{key} is not an option of optim.name='
                       f'{optim.name!r}: its options are {sorted(expected)}')
  options.check_number('optim.lr', optim.lr, minimum=0, strict=True)
  for key in OPTIMIZERS[optim.name]:
    field, value = f'optim.{key}', optim[key]
    if key == 'nesterov':
      options.check_bool(field, value)
    elif key == 'eps':
      options.check_number(field, value, minimum=0, strict=True)
    else:  # b1, b2, decay, momentum: decay factors of running averages
      options.check_number(field, value, minimum=0, below=1)
  options.check_choice('optim.schedule', optim.schedule, SCHEDULES)
  options.check_number('optim.warmup_steps', optim.warmup_steps, minimum=0,
                       integer=True)
  if optim.schedule == 'step':
    options.check_number('optim.decay_every', optim.decay_every, minimum=1,
                         integer=True)
    options.check_number('optim.decay_rate', optim.decay_rate, minimum=0,
                         strict=True)
  options.check_number('optim.final_lr_fraction', optim.final_lr_fraction,
                       minimum=0, maximum=1)
  options.check_number('optim.clip_norm', optim.clip_norm, minimum=0)
  options.check_number('optim.weight_decay', optim.weight_decay, minimum=0)
  for field in ('no_decay', 'lr_scale_params'):
    try:
      re.compile(optim[field])
    except (re.error, TypeError) as error:
      raise ValueError(f'optim.{field}={optim[field]!r} is not a regular '
                       f'expression: {error}') from None
  if optim.lr_scale_params:
    options.check_number('optim.lr_scale', optim.lr_scale, minimum=0,
                         strict=True)
  elif optim.lr_scale:
    raise ValueError(f'optim.lr_scale={optim.lr_scale} is not allowed with '
                     "optim.lr_scale_params='': name the parameters it "
                     "scales by a regex on their paths (e.g. '(^|/)a$')")


def schedule(optim: ml_collections.ConfigDict, num_steps: int):
  """The learning rate as a function of the step."""
  decay_steps = max(num_steps - optim.warmup_steps, 1)
  if optim.schedule == 'cosine':
    main = optax.cosine_decay_schedule(optim.lr, decay_steps,
                                       alpha=optim.final_lr_fraction)
  elif optim.schedule == 'step':
    main = optax.exponential_decay(optim.lr, optim.decay_every,
                                   optim.decay_rate, staircase=True)
  else:
    main = optax.constant_schedule(optim.lr)
  if not optim.warmup_steps:
    return main
  warmup = optax.linear_schedule(0.0, optim.lr, optim.warmup_steps)
  return optax.join_schedules([warmup, main], [optim.warmup_steps])


def path_mask(params, pattern: str, match: bool):
  """A tree of bools: whether each parameter's 'a/b/c' path matches."""
  regex = re.compile(pattern)
  return jax.tree_util.tree_map_with_path(
      lambda path, _: bool(regex.search(path_string(path))) == match, params)


def path_string(path) -> str:
  return '/'.join(str(getattr(k, 'key', getattr(k, 'idx', k))) for k in path)


def scale_matching(factor: float,
                   pattern: str) -> optax.GradientTransformation:
  """Updates of the parameters whose paths match `pattern` times `factor`;
  a ValueError at init if no path matches."""
  mask = lambda params: path_mask(params, pattern, match=True)
  scale = optax.masked(optax.scale(factor), mask)

  def init(params):
    if not any(jax.tree_util.tree_leaves(mask(params))):
      paths = [path_string(path) for path, _ in
               jax.tree_util.tree_leaves_with_path(params)]
      raise ValueError(f'optim.lr_scale_params={pattern!r} matches no '
                       f'parameter: the paths are {paths}')
    return scale.init(params)

  return optax.GradientTransformation(init, scale.update)


def project(constrain: Callable) -> optax.GradientTransformation:
  """Updates that land on constrain(params + update): a projection step."""

  def update(updates, state, params=None):
    if params is None:
      raise ValueError('the constraint projection needs params')
    target = constrain(optax.apply_updates(params, updates))
    return jax.tree_util.tree_map(lambda t, p: t - p, target, params), state

  return optax.GradientTransformation(lambda params: optax.EmptyState(),
                                      update)


def make(optim: ml_collections.ConfigDict, num_steps: int,
         constrain: Callable | None = None) -> optax.GradientTransformation:
  """The optax transformation of config.optim."""
  check_config(optim)
  lr = schedule(optim, num_steps)
  decay_mask = lambda params: path_mask(params, optim.no_decay, match=False)
  chain = []
  if optim.clip_norm:
    chain.append(optax.clip_by_global_norm(optim.clip_norm))
  if optim.weight_decay and optim.name != 'adamw':
    chain.append(optax.add_decayed_weights(optim.weight_decay, decay_mask))
  if optim.name == 'adam':
    chain.append(optax.adam(lr, b1=optim.b1, b2=optim.b2, eps=optim.eps))
  elif optim.name == 'adamw':
    chain.append(optax.adamw(lr, b1=optim.b1, b2=optim.b2, eps=optim.eps,
                             weight_decay=optim.weight_decay,
                             mask=decay_mask))
  elif optim.name == 'sgd':
    chain.append(optax.sgd(lr, momentum=optim.momentum or None,
                           nesterov=optim.nesterov))
  else:
    chain.append(optax.rmsprop(lr, decay=optim.decay, eps=optim.eps,
                               momentum=optim.momentum or None))
  if optim.lr_scale_params:
    chain.append(scale_matching(optim.lr_scale, optim.lr_scale_params))
  if constrain is not None:
    chain.append(project(constrain))
  return optax.chain(*chain)
