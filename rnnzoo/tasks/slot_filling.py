"""Slot filling in generated air-travel requests, in the manner of ATIS."""

import dataclasses
import functools
import re
from typing import NamedTuple

import numpy as np

from rnnzoo.tasks import base
from rnnzoo.tasks import tagging
from rnnzoo.tasks import words as words_lib

HOLDOUTS = ('templates', 'values')

# Values by kind; a slot draws from its kind's values.
VALUES = {
    'city': ('boston', 'denver', 'atlanta', 'dallas', 'pittsburgh',
             'baltimore', 'philadelphia', 'oakland', 'seattle', 'chicago',
             'houston', 'miami', 'phoenix', 'detroit', 'memphis', 'orlando',
             'new york', 'san francisco', 'los angeles', 'washington',
             'salt lake city', 'las vegas', 'kansas city', 'st. louis',
             'san diego', 'fort worth', 'charlotte', 'milwaukee', 'nashville',
             'tampa', 'cleveland', 'columbus'),
    'day': ('monday', 'tuesday', 'wednesday', 'thursday', 'friday',
            'saturday', 'sunday'),
    'period': ('morning', 'afternoon', 'evening', 'night', 'early morning',
               'late evening'),
    'airline': ('united', 'delta', 'american airlines', 'us air',
                'continental', 'northwest', 'twa', 'alaska airlines'),
    'class': ('first class', 'economy', 'business class', 'coach'),
    'cost': ('cheapest', 'lowest', 'least expensive'),
}

# Slot names as in ATIS (Hemphill et al. 1990; Price 1990), with their kind.
SLOTS = {
    'fromloc.city_name': 'city', 'toloc.city_name': 'city',
    'stoploc.city_name': 'city', 'depart_date.day_name': 'day',
    'arrive_date.day_name': 'day', 'depart_time.period_of_day': 'period',
    'arrive_time.period_of_day': 'period', 'airline_name': 'airline',
    'class_type': 'class', 'cost_relative': 'cost',
}
_SHORT = {'from': 'fromloc.city_name', 'to': 'toloc.city_name',
          'stop': 'stoploc.city_name', 'depart_date': 'depart_date.day_name',
          'arrive_date': 'arrive_date.day_name',
          'depart_time': 'depart_time.period_of_day',
          'arrive_time': 'arrive_time.period_of_day',
          'airline': 'airline_name', 'class': 'class_type',
          'cost': 'cost_relative'}

# Some templates name a slot's role only after its value ('{to} from
# {from}', '{arrive_time} arrivals'): a tagger that reads only the past must
# guess there.
TEMPLATES = (
    'i want to fly from {from} to {to} on {depart_date} {depart_time}',
    'show me flights from {from} to {to}',
    '{from} to {to} on {depart_date}',
    'flights to {to} from {from} {depart_date}',
    'what are the {cost} fares from {from} to {to}',
    'i need a {class} ticket on {airline} from {from} to {to}',
    '{depart_time} flights from {from} to {to}',
    '{arrive_time} arrivals in {to} from {from}',
    'list {airline} flights leaving {from} {depart_date} {depart_time}',
    'does {airline} fly from {from} to {to} with a stop in {stop}',
    'i would like to arrive in {to} on {arrive_date} {arrive_time}',
    '{to} from {from} on {depart_date} please',
    'what is the {cost} {class} flight from {from} to {to}',
    'is there a flight between {from} and {to} on {depart_date}',
    'i am leaving {from} on {depart_date} and going to {to}',
    'get me to {to} by {arrive_date} {arrive_time} from {from}',
    '{airline} flights {from} to {to} stopping in {stop}',
    'which flights depart {from} in the {depart_time} and arrive in {to} '
    'in the {arrive_time}',
    '{depart_date} {depart_time} departures from {from}',
    '{arrive_date} {arrive_time} arrivals into {to} from {from}',
)
_SLOT = re.compile(r'\{(\w+)\}')


class Sentence(NamedTuple):
  words: list[str]
  tags: list[str]
  template: int                   # index into TEMPLATES
  values: list[tuple[str, str]]   # (slot, value) in order


def tag_names() -> list[str]:
  return ['O'] + [f'{p}-{s}' for s in sorted(SLOTS) for p in 'BI']


def render(template: str, values: dict[str, str]) -> Sentence:
  """The words of `template` with its slots filled, tagged B-/I-/O."""
  words, tags, filled = [], [], []
  for token in template.split():
    match = _SLOT.fullmatch(token)
    if not match:
      words.append(token)
      tags.append('O')
      continue
    slot = _SHORT[match.group(1)]
    value = values[slot]
    filled.append((slot, value))
    for i, word in enumerate(value.split()):
      words.append(word)
      tags.append(('B-' if i == 0 else 'I-') + slot)
  return Sentence(words, tags, -1, filled)


def _slots_of(template: str) -> list[str]:
  return [_SHORT[s] for s in _SLOT.findall(template)]


@dataclasses.dataclass(frozen=True)
class SlotFilling(tagging.Tagging):
  """Slot filling (the ATIS task of Hemphill et al. 1990) on generated
  air-travel requests: "i want to fly from boston to denver on monday
  morning" tagged O O O O O B-fromloc.city_name O B-toloc.city_name O
  B-depart_date.day_name B-depart_time.period_of_day.

  A sentence is one of 20 templates with each slot filled by a value of its
  kind (32 cities, 7 days, 6 periods of the day, 8 airlines, 4 classes, 3
  cost words; the cities of one sentence differ), tagged with the ATIS slot
  names in BIO. The split is fixed by data_seed: with holdout='templates',
  a held_out fraction of the templates (at least one) makes the eval
  sentences and the rest the training ones; with holdout='values', a
  held_out fraction of every kind's values fills the eval sentences' slots
  and the rest the training ones, so every eval slot value is unseen. The
  vocabulary is the training words by count (ties alphabetically) after id
  0 (padding) and id 1 (words not in training: held-out values become it),
  and is stored with the run; sentences are right-padded to the longest
  with a mask. So that the unknown word's embedding is trained, each word
  of the training split is replaced by it with probability unknown_rate
  (drawn once, from data_seed).

  Scores: those of `tagging.Tagging`.
  """

  name = 'slot_filling'
  holdout: str = 'templates'
  held_out: float = 0.25
  num_train: int = 2000
  num_eval: int = 500
  unknown_rate: float = 0.05
  data_seed: int = 0

  def validate(self):
    base.check_choice('holdout', self.holdout, HOLDOUTS)
    base.check_number('held_out', self.held_out, minimum=0, maximum=0.5,
                      strict=True)
    base.check_number('num_train', self.num_train, minimum=1, integer=True)
    base.check_number('num_eval', self.num_eval, minimum=1, integer=True)
    base.check_number('unknown_rate', self.unknown_rate, minimum=0,
                      maximum=0.5)
    base.check_number('data_seed', self.data_seed, minimum=0, integer=True)

  def tag_set(self):
    return _TAG_SET

  def sentences(self, name: str) -> list[Sentence]:
    """The 'train' or 'test' sentences."""
    return _sentences(self.holdout, self.held_out, self.num_train,
                      self.num_eval, self.data_seed)[name != 'train']

  def vocabulary(self) -> list[str]:
    return ['<pad>', '<unk>'] + words_lib.ranked_words(
        [s.words for s in self.sentences('train')])

  @property
  def input_size(self):
    return len(self.vocabulary())

  def split(self, name):
    lookup = {w: i for i, w in enumerate(self.vocabulary())}
    chosen = self.sentences(name)
    length = max(len(s.words) for split in ('train', 'test')
                 for s in self.sentences(split))
    x, mask = tagging.pad(
        [[lookup.get(w, words_lib.UNKNOWN) for w in s.words] for s in chosen],
        length)
    y, _ = tagging.pad([_TAG_SET.encode('tag', s.tags) for s in chosen],
                       length)
    if name == 'train':
      rng = np.random.RandomState([self.data_seed, 1])
      dropped = mask & (rng.rand(*x.shape) < self.unknown_rate)
      x = np.where(dropped, words_lib.UNKNOWN, x).astype(np.int32)
    return {'x': x, 'y': y, 'mask': mask}

  def artifacts(self):
    return {'vocabulary': self.vocabulary(), 'tags': list(_TAG_SET.names)}


_TAG_SET = tagging.TagSet(tag_names())


def _held_out(count: int, fraction: float, rng, least: int) -> np.ndarray:
  """A random `fraction` of range(count), at least `least` and not all."""
  size = min(max(least, round(count * fraction)), count - 1)
  return rng.permutation(count)[:size]


@functools.lru_cache(maxsize=8)
def _sentences(holdout, fraction, num_train, num_eval, seed):
  """(training sentences, eval sentences)."""
  rng = np.random.RandomState(seed)
  templates = {'train': list(range(len(TEMPLATES)))}
  values = {'train': dict(VALUES)}
  templates['test'], values['test'] = templates['train'], values['train']
  if holdout == 'templates':
    held = set(_held_out(len(TEMPLATES), fraction, rng, 1).tolist())
    templates['train'] = [t for t in templates['train'] if t not in held]
    templates['test'] = sorted(held)
  else:
    values = {'train': {}, 'test': {}}
    for kind, choices in VALUES.items():
      # A sentence names up to three different cities.
      least = 3 if kind == 'city' else 1
      held = set(_held_out(len(choices), fraction, rng, least).tolist())
      values['test'][kind] = [v for i, v in enumerate(choices) if i in held]
      values['train'][kind] = [v for i, v in enumerate(choices)
                               if i not in held]
  return tuple(
      [_draw(templates[split], values[split], rng) for _ in range(count)]
      for split, count in (('train', num_train), ('test', num_eval)))


def _draw(templates, values, rng) -> Sentence:
  """One sentence: a template and a value for each of its slots, the
  cities of the sentence all different."""
  template = templates[rng.randint(len(templates))]
  slots = _slots_of(TEMPLATES[template])
  cities = [s for s in slots if SLOTS[s] == 'city']
  picks = rng.choice(len(values['city']), len(cities), replace=False)
  chosen = {slot: values['city'][i] for slot, i in zip(cities, picks)}
  for slot in slots:
    if slot not in chosen:
      kind_values = values[SLOTS[slot]]
      chosen[slot] = kind_values[rng.randint(len(kind_values))]
  return render(TEMPLATES[template], chosen)._replace(template=template)
