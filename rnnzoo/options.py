"""Configurable objects: frozen dataclasses whose fields are options, checked
at construction, and the registries that build them by name.

Cells and tasks are both built this way: `cells.get('gru', reset_after=False)`
and `tasks.get('copy', delay=200)` look the class up by name, refuse unknown
names and options with the valid ones and the closest match, and check every
option's value.
"""

import dataclasses
import difflib
import math
from typing import Any, ClassVar, Iterable


def _closest(word: str, choices) -> str:
  close = difflib.get_close_matches(str(word), [str(c) for c in choices], 1)
  return f"; did you mean '{close[0]}'?" if close else ''


def check_choice(field: str, value: Any, allowed) -> None:
  """Raises a ValueError unless `value` is one of `allowed`."""
  allowed = list(allowed)
  if value not in allowed:
    raise ValueError(f'{field}={value!r} is not allowed: choose one of '
                     f'{allowed}{_closest(value, allowed)}')


def check_bool(field: str, value: Any) -> None:
  """Raises a ValueError unless `value` is True or False."""
  if not isinstance(value, bool):
    raise ValueError(f'{field}={value!r} is not allowed: it must be True or '
                     'False')


def check_number(field: str, value: Any, *, minimum=None, maximum=None,
                 below=None, integer=False, strict=False) -> None:
  """Raises a ValueError unless `value` is a number within the bounds.

  `minimum` is inclusive unless `strict`; `maximum` is inclusive, `below`
  exclusive.
  """
  kind = int if integer else (int, float)
  if isinstance(value, bool) or not isinstance(value, kind):
    wanted = 'an integer' if integer else 'a number'
    raise ValueError(f'{field}={value!r} is not allowed: it must be {wanted}')
  if not math.isfinite(value):
    raise ValueError(f'{field}={value!r} is not allowed: it must be a finite '
                     'number')
  if minimum is not None and (value <= minimum if strict else value < minimum):
    relation = '>' if strict else '>='
    raise ValueError(
        f'{field}={value!r} is not allowed: it must be {relation} {minimum}')
  if maximum is not None and value > maximum:
    raise ValueError(f'{field}={value!r} is not allowed: it must be <= '
                     f'{maximum}')
  if below is not None and value >= below:
    raise ValueError(f'{field}={value!r} is not allowed: it must be < '
                     f'{below}')


class UnknownOptionError(ValueError):
  """An option that the object does not have; `option` names it."""

  def __init__(self, message: str, option: str, hinted: bool = False):
    super().__init__(message)
    self.option = option
    self.hinted = hinted


@dataclasses.dataclass(frozen=True)
class Configurable:
  """A frozen dataclass of options, checked by `validate` at construction."""

  name: ClassVar[str]
  kind: ClassVar[str] = 'object'

  def __post_init__(self):
    self.validate()

  def validate(self) -> None:
    """Raises a ValueError naming the first option with an impossible value."""

  @classmethod
  def create(cls, **options):
    """Builds the object from keyword options, rejecting unknown ones."""
    known = [f.name for f in dataclasses.fields(cls)]
    for option, value in options.items():
      if option not in known:
        raise UnknownOptionError(
            f'{cls.kind} {cls.name!r} has no option {option!r} (given '
            f'{value!r}): its options are {known}{_closest(option, known)}',
            option)
    return cls(**options)

  def options(self) -> dict[str, Any]:
    """The options; `registry.get(self.name, **self.options())` rebuilds it."""
    return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}


class Registry:
  """Configurable classes by name."""

  def __init__(self, kind: str, classes: Iterable[type[Configurable]]):
    self.kind = kind
    self._classes = {cls.name: cls for cls in classes}

  def names(self) -> list[str]:
    """The registered names, sorted."""
    return sorted(self._classes)

  def get(self, name: str, **options):
    """The object `name` built with `options`; a ValueError if unknown."""
    if name not in self._classes:
      raise ValueError(f'{self.kind} name={name!r} is unknown: choose one of '
                       f'{self.names()}{_closest(name, self.names())}')
    try:
      return self._classes[name].create(**options)
    except UnknownOptionError as error:
      holders = [other for other, cls in sorted(self._classes.items())
                 if error.option in {f.name for f in dataclasses.fields(cls)}]
      if error.hinted or not holders:
        raise
      raise UnknownOptionError(
          f'{error}; {error.option!r} is an option of {holders}',
          error.option, hinted=True) from None

  def defaults(self, name: str, **options) -> dict[str, Any]:
    """Every option of `name`, defaults overridden by `options`."""
    return self.get(name, **options).options()

  def register(self, cls: type[Configurable], *, replace: bool = False):
    """Adds `cls` under `cls.name` (for notebook experiments)."""
    if cls.name in self._classes and not replace:
      raise ValueError(f'{self.kind} name={cls.name!r} is already registered; '
                       'pass replace=True to replace it')
    self._classes[cls.name] = cls
