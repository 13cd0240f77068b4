"""Loading configs outside absl, and the typed `:arg` string of config files.

  config = config_util.load('configs/copy.py:cell=gru,runlocal')
  config = config_util.override(config, {'optim.lr': 3e-3})

`load` follows `ml_collections.config_flags`' `path:arg` rule (whose loader is
private) so that a notebook gets exactly the config the command line gets.
"""

import importlib.util
import os
from typing import Any

import ml_collections


def parse_arg(arg: str | None, **defaults) -> ml_collections.ConfigDict:
  """Parses 'key=value,flag' into the fields of `defaults`, typed like them.

  A bare key sets a bool to True. Values take the type of their default
  (ints, floats, strings; bools as true/false). Unknown keys raise a
  ValueError naming the valid ones.
  """
  parsed = dict(defaults)
  for part in filter(None, (arg or '').split(',')):
    key, sep, text = part.partition('=')
    key = key.strip()
    if key not in defaults:
      raise ValueError(f'config arg {key!r} is unknown: the arg takes '
                       f'{sorted(defaults)}')
    parsed[key] = _typed(key, text.strip() if sep else 'true', defaults[key])
  return ml_collections.ConfigDict(parsed)


def _typed(key: str, text: str, default: Any):
  if isinstance(default, bool):
    if text.lower() in ('true', '1', 'yes'):
      return True
    if text.lower() in ('false', '0', 'no'):
      return False
    raise ValueError(f'config arg {key}={text!r} is not allowed: it must be '
                     'true or false')
  if isinstance(default, str):
    return text
  try:
    return type(default)(text)
  except ValueError:
    raise ValueError(f'config arg {key}={text!r} is not allowed: it must be '
                     f'a {type(default).__name__} like its default '
                     f'{default!r}') from None


def module(path: str):
  """The config file at `path`, imported as a module."""
  if not os.path.isfile(path):
    raise FileNotFoundError(f'config file {path!r} does not exist')
  module_spec = importlib.util.spec_from_file_location(
      os.path.splitext(os.path.basename(path))[0], path)
  config_module = importlib.util.module_from_spec(module_spec)
  module_spec.loader.exec_module(config_module)
  return config_module


def load(spec: str) -> ml_collections.ConfigDict:
  """The ConfigDict of 'path/to/config.py[:arg]' (the --config= syntax)."""
  path, _, arg = spec.partition(':')
  config_module = module(path)
  if not hasattr(config_module, 'get_config'):
    raise ValueError(f'config file {path!r} defines no get_config(arg)')
  return config_module.get_config(arg or None)


def get(config: ml_collections.ConfigDict, dotted: str):
  """The value of a dotted field; a ValueError naming it if it is missing."""
  keys = dotted.split('.')
  node = config
  for depth, key in enumerate(keys):
    if not isinstance(node, ml_collections.ConfigDict) or key not in node:
      where = '.'.join(keys[:depth]) or 'the config'
      fields = sorted(node) if isinstance(node,
                                          ml_collections.ConfigDict) else []
      raise ValueError(f'config field {dotted!r} does not exist: {where} '
                       f'has fields {fields}')
    node = node[key]
  return node


def override(config: ml_collections.ConfigDict,
             overrides: dict[str, Any]) -> ml_collections.ConfigDict:
  """A copy of `config` with dotted fields set; unknown fields raise."""
  config = ml_collections.ConfigDict(config.to_dict())
  for dotted, value in overrides.items():
    get(config, dotted)
    *parents, leaf = dotted.split('.')
    node = get(config, '.'.join(parents)) if parents else config
    try:
      node[leaf] = value
    except TypeError as error:
      raise ValueError(f'config field {dotted}={value!r} is not allowed: '
                       f'{error}') from None
  return config


def spec_of(argv) -> str | None:
  """The 'FILE[:arg]' of the last --config=... in a command line."""
  specs = [a.split('=', 1)[1] for a in argv if a.startswith('--config=')]
  return specs[-1] if specs else None


def check_flags(argv) -> None:
  """Loads --config=FILE[:arg] and checks that every --config.FIELD exists,
  raising a one-line error (config_flags would print a traceback)."""
  spec = spec_of(argv)
  if spec is None:
    return
  config = load(spec)
  for arg in argv:
    if arg.startswith('--config.'):
      get(config, arg[len('--config.'):].split('=', 1)[0])
