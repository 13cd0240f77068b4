"""What the experiments' run.py scripts share: run a sweep, then copy its
summary (summary.md / .csv and the plots, all made by rnnzoo.results from
the run dirs) next to the experiment's README."""

import glob
import os
import shutil
import sys

import pandas as pd

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

# pylint: disable=g-import-not-at-top,wrong-import-position
from rnnzoo import config_util
from rnnzoo import config_util
from rnnzoo import results
from rnnzoo import sweep


def budget(config, steps: int, evaluations: int = 10):
  """Sets the run's length: train measurements every 50 steps,
  `evaluations` evaluations, one checkpoint at the end."""
  config.num_steps = steps
  config.log = config_util.log(every=50, eval_every=max(steps // evaluations, 1),
                          checkpoint_every=steps)
  return config


def sweep_module(here: str):
  """The experiment's sweep.py (its constants: STEPS, RATE, ...)."""
  return config_util.module(os.path.join(here, 'sweep.py'))


def run_sweep(spec: str, workdir: str, workers: int = 2, **kwargs) -> None:
  """Runs the points of a sweep that are not done yet."""
  reports = sweep.run(spec, workdir, workers=workers, **kwargs)
  print(sweep.describe(reports, workdir), flush=True)


def summarize(workdir: str, out_dir: str, name: str, by=None, x=None,
              metrics=None) -> str:
  """Writes the runs' summary into out_dir as {name}.md, {name}.csv and
  {name}_*.png; returns the Markdown table."""
  text = results.write_summary(workdir, by=by, x=x, metrics=metrics)
  os.makedirs(out_dir, exist_ok=True)
  with open(os.path.join(out_dir, f'{name}.md'), 'w') as f:
    f.write(text + '\n')
  shutil.copy(os.path.join(workdir, 'summary.csv'),
              os.path.join(out_dir, f'{name}.csv'))
  for png in glob.glob(os.path.join(workdir, '*.png')):
    shutil.copy(png, os.path.join(out_dir, f'{name}_{os.path.basename(png)}'))
  return text


def write(path: str, text: str) -> None:
  with open(path, 'w') as f:
    f.write(text.strip() + '\n')


LICENSES = '/usr/share/common-licenses'


def command() -> str:
  """The command line that runs this script, relative to the repository."""
  script = os.path.relpath(os.path.abspath(sys.argv[0]), ROOT)
  return ' '.join(['python', script] + sys.argv[1:])


def corpus() -> str:
  """A local English text for the character-level experiments when TFDS's
  tiny_shakespeare is not prepared: the licence texts that Debian ships in
  /usr/share/common-licenses (about 250k characters), concatenated in name
  order. Returns the path of runs/corpus.txt, made on first use."""
  path = os.path.join(ROOT, 'runs', 'corpus.txt')
  if not os.path.exists(path):
    texts = {}
    for name in sorted(os.listdir(LICENSES)):
      real = os.path.realpath(os.path.join(LICENSES, name))
      if real not in texts:
        with open(real, encoding='utf-8', errors='replace') as f:
          texts[real] = f.read()
    os.makedirs(os.path.dirname(path), exist_ok=True)
    write(path, '\n\n'.join(texts.values()))
  return path


def summary(out_dir: str, name: str) -> pd.DataFrame:
  """The summary table {name}.csv that `summarize` wrote into out_dir."""
  return pd.read_csv(os.path.join(out_dir, f'{name}.csv'))


def mean(frame: pd.DataFrame, metric: str, **where) -> float:
  """The mean of `metric` in the row where the fields equal `where`."""
  rows = frame
  for field, value in where.items():
    rows = rows[rows[field.replace('__', '.')] == value]
  return float(rows[f'{metric} mean'].iloc[0]) if len(rows) else float('nan')


def verdict(supported: bool, finding: str) -> str:
  """The README's verdict on its claim, from measured numbers."""
  word = 'Supported' if supported else 'Not supported at this budget'
  return f'**Verdict.** {word}. {finding}'


def percent_of_baseline(value: float, baseline: float) -> str:
  return f'{value:.3g} ({value / baseline:.0%} of the baseline)'
