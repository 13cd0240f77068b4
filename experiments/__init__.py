"""The experiments: one folder each, holding

  spec.py     EXPERIMENT, its declaration (`rnnzoo.experiment.Experiment`)
  README.md   the claim in prose, the setup and why, then the generated part
              (tables, verdicts, plots) between its markers
  runs/       the committed small files of every run (config.json,
              results.json, metrics.jsonl), from which the tables are made

Run them with `python -m experiments` (see experiments/__main__.py).
"""

import importlib
import os

from rnnzoo import experiment

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def names() -> list[str]:
  """Every experiment: the folders here that hold a spec.py."""
  return sorted(name for name in os.listdir(HERE)
                if os.path.isfile(os.path.join(HERE, name, 'spec.py')))


def load(name: str) -> experiment.Experiment:
  """The EXPERIMENT of experiments/NAME/spec.py."""
  if name not in names():
    raise ValueError(f'experiment {name!r} does not exist: choose one of '
                     f'{names()}')
  return importlib.import_module(f'experiments.{name}.spec').EXPERIMENT


def folder(name: str) -> str:
  return os.path.join(HERE, name)
