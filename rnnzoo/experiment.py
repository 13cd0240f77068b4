r"""Experiments as declarations: arms, budgets, claims and the papers' numbers.

An experiment is a small spec, not a script:

  EXPERIMENT = experiment.Experiment(
      name='adding', metric='eval/mse',
      arms=(experiment.Arm('lstm_T100', 'configs/adding.py:seq_len=100',
                           {'optim.lr': 2e-4}, seeds=5, steps=10_000),),
      claims=(experiment.Claim(
          'lstm_T100', 'An LSTM solves the adding problem at T = 100',
          lambda o: verdicts.solves(o.sample('lstm_T100'), ...)),),
      references=(experiment.Reference('lstm_T100', 'Li et al. 2018', ...),))

`run` trains every arm's seeds that are not final yet (run dirs under
experiments/NAME/runs/ARM/seed=S, resumable, skipped when done, copied
when another experiment ran the same config), `report`
turns the run dirs into the tables, plots and verdicts of the generated part
of experiments/NAME/README.md. Each claim's verdict comes from the per-seed
final metrics through its rule (`rnnzoo.verdicts`); a claim whose arms have
not finished is inconclusive, saying what finishing them `needs` and the
command that runs them ('not run' where the claim's data is `unavailable`
here). The run dirs' small files (config.json, results.json,
metrics.jsonl) are committed, so the tables can be regenerated anywhere and
a run elsewhere skips what is done.
"""

import dataclasses
import glob
import json
import os
import re
import shutil
from typing import Callable, Mapping

import ml_collections
import numpy as np
import pandas as pd

from rnnzoo import config_util
from rnnzoo import options
from rnnzoo import results
from rnnzoo import rundir
from rnnzoo import sweep
from rnnzoo import verdicts

RUNS = 'runs'
FINAL = ('done', 'diverged')  # the statuses of the runs a plot draws
SHORT = 'short of its budget'  # done at fewer steps than its arm declares
BEGIN, END = '<!-- experiment:begin -->', '<!-- experiment:end -->'
TRAIN_LOG_EVERY = 50


@dataclasses.dataclass(frozen=True)
class Arm:
  """One setting, run over `seeds` seeds (0, 1, ...).

  Attributes:
    name: its run dirs are runs/NAME/seed=S.
    config: 'path/to/config.py[:arg]', relative to the repository root.
    overrides: dotted config fields set on top ('optim.lr': 2e-4).
    seeds: how many seeds.
    steps: training steps (None: the config's num_steps).
    evaluations: how many evaluations over the run (the last at the end).
    diagnostics: save the gradient through time and the gate statistics at
      the first and the last step.
    label: how tables and plots name it (default: `name`).
    metric: the final metric its tables and claims read (default: the
      experiment's).
  """

  name: str
  config: str
  overrides: Mapping = dataclasses.field(default_factory=dict)
  seeds: int = 3
  steps: int | None = None
  evaluations: int = 10
  diagnostics: bool = False
  label: str = ''
  metric: str = ''

  def __post_init__(self):
    if not re.fullmatch(r'[A-Za-z0-9_.=+-]+', self.name):
      raise ValueError(f'arm name={self.name!r} is not allowed: use letters, '
                       'digits and _ . = + -')
    options.check_number('seeds', self.seeds, minimum=1, integer=True)
    options.check_number('evaluations', self.evaluations, minimum=1,
                         integer=True)
    if self.steps is not None:
      options.check_number('steps', self.steps, minimum=1, integer=True)

  def configs(self, root: str) -> list[ml_collections.ConfigDict]:
    """The config of each seed."""
    path, sep, arg = self.config.partition(':')
    base = config_util.load(os.path.join(root, path) + sep + arg)
    steps = self.steps or base.num_steps
    log = dict(every=min(TRAIN_LOG_EVERY, steps),
               eval_every=max(steps // self.evaluations, 1),
               checkpoint_every=max(steps // 4, 1),
               diagnostics_at=(0, steps) if self.diagnostics else ())
    fields = {'num_steps': steps, **{f'log.{k}': v for k, v in log.items()},
              **self.overrides}
    return [config_util.override(base, {**fields, 'seed': seed})
            for seed in range(self.seeds)]


@dataclasses.dataclass(frozen=True)
class Claim:
  """A claim from the literature and the rule that settles it: `rule`
  takes the experiment's `Outcomes` and returns a `verdicts.Verdict`.
  Until its arms have all run, the claim is inconclusive and `needs` says
  what settling it takes (steps, hours on 2 cores); or, when `unavailable`
  says why its arms cannot run here (data that cannot be downloaded), it is
  'not run', with the command that runs it."""

  name: str
  text: str
  rule: Callable[['Outcomes'], verdicts.Verdict]
  needs: str = ''
  unavailable: str = ''


def as_arms(arms: str | tuple[str, ...]) -> tuple[str, ...]:
  """An arm, or several (one setting at several learning rates), as a
  tuple of names: how References and Columns name what they show."""
  return (arms,) if isinstance(arms, str) else tuple(arms)


@dataclasses.dataclass(frozen=True)
class Reference:
  """A paper's number at the setting of `arm`, beside ours.

  `arm` may name several arms, one variant at several learning rates: ours
  is then the best of them (once all have finished), and the table names
  the setting by `setting`. With `over_run`, ours is each run's best
  evaluation rather than its final one (`Outcomes.values`), as the
  claims of a model that overfits within its budget read it."""

  arm: str | tuple[str, ...]
  source: str
  value: str
  differs: str
  setting: str = ''
  over_run: bool = False

  @property
  def arms(self) -> tuple[str, ...]:
    return as_arms(self.arm)


@dataclasses.dataclass(frozen=True)
class Column:
  """A column of README.md's table of cells: {cell: arm} at one setting. An
  arm may be a tuple (one setting at several learning rates): the column
  shows the best of them once all have finished."""

  title: str
  arms: Mapping[str, str | tuple[str, ...]]


@dataclasses.dataclass(frozen=True)
class Experiment:
  """What an experiment runs, what it claims, and what the papers report.

  Attributes:
    name: its folder, experiments/NAME.
    metric: the final metric its tables and claims read ('eval/mse'),
      unless an arm names its own.
    arms: the settings it runs.
    claims: one per sub-claim, each with its rule.
    references: the papers' numbers beside ours.
    plots: {file stem: arm names} for learning-curve plots (default: one
      plot of every arm).
    plot_references: {file stem: {label: value}}, the papers' numbers drawn
      as labelled lines on that plot (the trivial baseline always is).
    columns: its columns in README.md's table of cells.
    sections: more of the report: each takes the `Outcomes` and the
      experiment's folder (to write plots into) and returns Markdown, put
      after the arms table (e.g. gradient norms read from the runs'
      diagnostics).
  """

  name: str
  metric: str
  arms: tuple[Arm, ...]
  claims: tuple[Claim, ...] = ()
  references: tuple[Reference, ...] = ()
  plots: Mapping[str, tuple[str, ...]] = dataclasses.field(
      default_factory=dict)
  plot_references: Mapping[str, Mapping[str, float]] = dataclasses.field(
      default_factory=dict)
  columns: tuple[Column, ...] = ()
  sections: tuple[Callable[['Outcomes', str], str], ...] = ()

  def __post_init__(self):
    names = [arm.name for arm in self.arms]
    if len(set(names)) != len(names):
      raise ValueError(f'experiment {self.name!r}: arm names repeat: {names}')
    for arms in self.plots.values():
      for name in arms:
        self.arm(name)
    for column in self.columns:
      for arms in column.arms.values():
        for name in as_arms(arms):
          self.arm(name)
    for reference in self.references:
      for name in reference.arms:
        self.arm(name)
    stems = list(self.plots) or ['curves']
    for stem in self.plot_references:
      if stem not in stems:
        raise ValueError(f'experiment {self.name!r}: plot_references names '
                         f'the plot {stem!r}: its plots are {stems}')

  def arm(self, name: str) -> Arm:
    for arm in self.arms:
      if arm.name == name:
        return arm
    raise ValueError(f'experiment {self.name!r} has no arm {name!r}: its arms '
                     f'are {[a.name for a in self.arms]}')

  def command(self) -> str:
    return f'python -m experiments {self.name}'


class Outcomes:
  """The per-seed final metrics of an experiment's run dirs, for its rules."""

  def __init__(self, experiment: Experiment, runs_dir: str):
    self.experiment = experiment
    self.root = runs_dir
    try:
      self.frame = results.load(runs_dir)
    except ValueError:  # no runs yet
      self.frame = pd.DataFrame(columns=['run', 'arm', 'seed', 'status'])
    self._mark_short()

  def _mark_short(self) -> None:
    """A run done at fewer steps than its arm declares now (the budget was
    raised after it ran; it resumes to the new one) is not finished: its
    status reads SHORT, so no table, verdict or plot takes it."""
    if 'steps' not in self.frame:
      return
    budgets = self.frame['arm'].map(
        {arm.name: arm.steps for arm in self.experiment.arms})
    short = (self.frame['status'] == 'done') & (self.frame['steps'] < budgets)
    self.frame.loc[short, 'status'] = SHORT

  def finished_runs(self, arms) -> list[str]:
    """The runs of `arms` that are done or diverged."""
    return list(self.frame[self.frame['arm'].isin(arms) &
                           self.frame['status'].isin(FINAL)]['run'])

  def metric_of(self, arm: str) -> str:
    return self.experiment.arm(arm).metric or self.experiment.metric

  def runs(self, arm: str) -> pd.DataFrame:
    self.experiment.arm(arm)
    return self.frame[self.frame['arm'] == arm]

  def values(self, arm: str, metric: str | None = None, *,
             over_run: bool = False) -> list[float]:
    """The final `metric` of each seed of `arm` that finished (status
    done), in seed order; with `over_run`, each seed's best `metric` of any
    evaluation during the run (the lowest, or the highest if higher is
    better), for a model that overfits within its budget."""
    metric = metric or self.metric_of(arm)
    done = self.runs(arm)
    done = done[done['status'] == 'done'].sort_values('seed')
    if over_run:
      pick = max if self.higher_is_better() else min
      logged = [[row[metric] for row in rundir.read_metrics(
          os.path.join(self.root, run)) if metric in row]
                for run in done['run']]
      return [float(pick(values)) for values in logged if values]
    if metric not in done:
      return []
    return [float(v) for v in done[metric] if not pd.isna(v)]

  def sample(self, arm: str, metric: str | None = None, *,
             over_run: bool = False) -> verdicts.Sample:
    """The arm's `values` as a `verdicts.Sample`; NotFinished (which
    `verdict_of` turns into an inconclusive verdict) until `arm` has
    finished all its seeds."""
    self.check_finished(arm)
    return verdicts.Sample(self.experiment.arm(arm).label or arm,
                           self.values(arm, metric, over_run=over_run))

  def check_finished(self, arm: str) -> None:
    """NotFinished unless every seed of `arm` is done or diverged."""
    expected = self.experiment.arm(arm).seeds
    final = int(self.runs(arm)['status'].isin(['done', 'diverged']).sum())
    if final < expected:
      raise NotFinished(f'arm {arm!r} has finished {final} of its '
                        f'{expected} seeds')

  def best_arm(self, arms, metric: str | None = None, *,
               over_run: bool = False) -> str:
    """Of `arms` (e.g. one setting at several learning rates), the one whose
    mean `metric` over seeds is best: of the final scores, or with
    `over_run` of each run's best evaluation (see `values`); NotFinished
    until all have finished their seeds."""
    means = {}
    for arm in arms:
      self.check_finished(arm)
      values = self.values(arm, metric, over_run=over_run)
      if values:
        means[arm] = float(np.mean(values))
    if not means:
      raise NotFinished(f'every run of {list(arms)} diverged')
    pick = max if self.higher_is_better() else min
    return pick(means, key=means.get)

  def diagnostics(self, arm: str, step: int) -> list[dict]:
    """The diagnostics (`rnnzoo.diagnostics.save`) of each finished seed of
    `arm` at `step`, in seed order; NotFinished until all seeds have them."""
    runs = self.runs(arm)
    runs = runs[runs['status'] == 'done'].sort_values('seed')
    found = [rundir.read_diagnostics(os.path.join(self.root, run), step)
             for run in runs['run']]
    found = [report for report in found if report is not None]
    expected = self.experiment.arm(arm).seeds
    if len(found) < expected:
      raise NotFinished(f'arm {arm!r} has diagnostics at step {step} for '
                        f'{len(found)} of its {expected} seeds')
    return found

  def diverged(self, arm: str) -> int:
    return int((self.runs(arm)['status'] == 'diverged').sum())

  def baseline(self, arm: str, metric: str | None = None) -> float:
    column = f'baseline:{metric or self.metric_of(arm)}'
    values = self.runs(arm)[column].dropna() if column in self.frame else []
    if not len(values):
      raise NotFinished(f'arm {arm!r} has no run with a baseline yet')
    return float(values.iloc[0])

  def higher_is_better(self) -> bool:
    known = self.frame['higher_is_better'].dropna() if (
        'higher_is_better' in self.frame) else []
    return bool(known.iloc[0]) if len(known) else False


class NotFinished(ValueError):
  """A claim's arms have not finished their seeds."""


# ----------------------------------------------------------------------------
# Running.


def runs_dir(folder: str) -> str:
  """Where an experiment in `folder` keeps its run dirs."""
  return os.path.join(folder, RUNS)


def points(experiment: Experiment, root: str,
           arms: tuple[str, ...] = ()) -> list[sweep.Point]:
  """The run of every seed of the chosen arms (all by default)."""
  chosen = [experiment.arm(name) for name in arms] or experiment.arms
  return [sweep.Point(f'{arm.name}/seed={config.seed}', config)
          for arm in chosen for config in arm.configs(root)]


def run(experiment: Experiment, root: str, folder: str, *, workers: int = 1,
        arms: tuple[str, ...] = ()) -> list[dict]:
  """Trains the seeds that are not final yet; returns the sweep reports.

  A seed whose config another experiment beside `folder` has already run
  to its end is not trained again: that run's files are copied
  (`copy_identical_runs`). The gate ablation's full LSTM on the character
  LM, for one, is the forget-bias experiment's LSTM with bias 1.
  """
  stale = stale_runs(experiment, root, folder)
  if stale:
    raise ValueError(
        f'{runs_dir(folder)} holds runs that are not runs of their arm as the '
        f'spec declares it now: {"; ".join(stale[:5])}. Delete them to train '
        'them again, or restore the spec they were run with')
  chosen = points(experiment, root, arms)
  siblings = os.path.dirname(os.path.abspath(folder))
  copy_identical_runs(chosen, runs_dir(folder), siblings)
  return sweep.run_points(chosen, runs_dir(folder), workers=workers)


def stale_runs(experiment: Experiment, root: str, folder: str) -> list[str]:
  """'arm/seed=n: what differs' for each run in the folder's runs whose
  config.json is not the config its arm declares now (the spec changed
  after it ran), and 'arm/seed=n: no arm declares it' for a run of an arm
  or seed the spec no longer has. A table read from such runs would not be
  what the spec says it is."""
  declared = {p.name: json.loads(p.config.to_json())
              for p in points(experiment, root)}
  runs = runs_dir(folder)
  found = []
  for config_path in sorted(glob.glob(os.path.join(runs, '*', 'seed=*',
                                                   rundir.CONFIG))):
    run_dir = os.path.dirname(config_path)
    name = os.path.relpath(run_dir, runs)
    if name not in declared:
      found.append(f'{name}: no arm declares it')
      continue
    differs = rundir.differences(rundir.read_config(run_dir).to_dict(),
                                 declared[name])
    if differs:
      found.append(f'{name}: {", ".join(differs)}')
  return found


def copy_identical_runs(chosen: list[sweep.Point], runs: str,
                        siblings: str) -> list[str]:
  """Copies into `runs` each point that is not final there but that an
  experiment folder under `siblings` holds finished with the same config
  (config.json equal but for `resources`, which changes no number). The
  copy leaves out checkpoints and TensorBoard events. Returns the names of
  the points copied."""
  wanted = [p for p in chosen if not rundir.is_final(
      os.path.join(runs, p.name), p.config.num_steps)]
  if not wanted:
    return []
  own = os.path.realpath(runs) + os.sep
  finished = {}
  for config_path in sorted(glob.glob(os.path.join(
      siblings, '*', RUNS, '*', 'seed=*', 'config.json'))):
    run_dir = os.path.dirname(config_path)
    results = rundir.read_results(run_dir)
    if (os.path.realpath(run_dir).startswith(own) or not results or
        results.get('status') not in FINAL):
      continue
    with open(config_path) as f:
      finished.setdefault(_identity(json.load(f)), run_dir)
  copied = []
  for point in wanted:
    source = finished.get(_identity(json.loads(point.config.to_json())))
    if source:
      shutil.copytree(source, os.path.join(runs, point.name),
                      ignore=shutil.ignore_patterns('checkpoints',
                                                    'tensorboard'),
                      dirs_exist_ok=True)
      copied.append(point.name)
  return copied


def _identity(config: dict) -> str:
  return json.dumps({k: v for k, v in config.items() if k != 'resources'},
                    sort_keys=True)


# ----------------------------------------------------------------------------
# Reporting.


UNFINISHED = 'Not settled here'


def verdict_of(claim: Claim, outcomes: Outcomes,
               experiment: Experiment) -> verdicts.Verdict:
  """The claim's verdict by its rule; until its arms have finished, an
  inconclusive one that says what is missing and what it `needs`."""
  try:
    return claim.rule(outcomes)
  except NotFinished as unfinished:
    if claim.unavailable:
      return verdicts.not_run(claim.text, experiment.command(),
                              f'{claim.unavailable} ({unfinished}).')
    return verdicts.Verdict(
        verdicts.INCONCLUSIVE, claim.text,
        f'{UNFINISHED}: {unfinished}. {claim.needs}'.strip(),
        command=experiment.command())


def is_unfinished(verdict: verdicts.Verdict) -> bool:
  """Whether `verdict_of` gave `verdict` because the claim's arms have not
  all finished, not by the claim's rule."""
  return (verdict.outcome == verdicts.INCONCLUSIVE and not verdict.rule and
          verdict.finding.startswith(UNFINISHED))


def _mean_std(values: list[float]) -> str:
  if not values:
    return '-'
  if len(values) == 1:
    return f'{values[0]:.4g}'
  return f'{np.mean(values):.4g} ± {np.std(values, ddof=1):.2g}'


def arms_table(experiment: Experiment, outcomes: Outcomes) -> str:
  """One row per arm: its setting, budget and final metric over seeds."""
  lines = ['| arm | config | overrides | steps | final metric (mean ± std '
           'over seeds) | trivial baseline | finished / diverged / seeds | '
           'params |', '|' + ' --- |' * 8]
  for arm in experiment.arms:
    runs = outcomes.runs(arm.name)
    values = outcomes.values(arm.name)
    try:
      baseline = f'{outcomes.baseline(arm.name):.4g}'
    except NotFinished:
      baseline = '-'
    params = runs['num_params'].dropna() if 'num_params' in runs else []
    overrides = ', '.join(f'{k}={v}' for k, v in arm.overrides.items())
    overrides = overrides.replace('|', '\\|')  # a regex's | is not a column
    lines.append(
        f'| {arm.label or arm.name} | `{arm.config}` | {overrides or "-"} | '
        f'{arm.steps or "-"} | {outcomes.metric_of(arm.name)} '
        f'{_mean_std(values)} | {baseline} | '
        f'{len(values)} / {outcomes.diverged(arm.name)} / {arm.seeds} | '
        f'{int(params.iloc[0]) if len(params) else "-"} |')
  return '\n'.join(lines)


def references_table(experiment: Experiment, outcomes: Outcomes) -> str:
  if not experiment.references:
    return ''
  lines = ['| setting | paper | paper\'s number | ours | what differs |',
           '|' + ' --- |' * 5]
  for ref in experiment.references:
    first = experiment.arm(ref.arms[0])
    setting = ref.setting or first.label or first.name
    values = lambda arm: outcomes.values(arm, over_run=ref.over_run)
    if len(ref.arms) == 1:
      found = values(first.name)
      ours = _mean_std(found)  # '-' where every seed diverged
      try:
        outcomes.check_finished(first.name)
      except NotFinished:
        ours = (f'{ours} ({len(found)} of {first.seeds} seeds)' if found
                else 'pending')
    else:
      try:
        best = outcomes.best_arm(ref.arms, over_run=ref.over_run)
        ours = f'{_mean_std(values(best))} ({best}, the best)'
      except NotFinished:
        ours = 'pending'
    lines.append(f'| {setting} | {ref.source} | {ref.value} | {ours} | '
                 f'{ref.differs} |')
  return '\n'.join(lines)


def _plots(experiment: Experiment, outcomes: Outcomes, runs: str,
           folder: str) -> list[str]:
  """Writes the learning-curve plots of the finished (done or diverged)
  runs, which are those committed; returns their file names."""
  groups = dict(experiment.plots) or {'curves': tuple(
      a.name for a in experiment.arms)}
  written = []
  for stem, arms in groups.items():
    finished = outcomes.finished_runs(arms)
    if not finished:
      continue
    figure = results.plot_curves(
        runs, metric=outcomes.metric_of(arms[0]), by=['arm'],
        where={'run': finished},
        references=experiment.plot_references.get(stem))
    name = f'{stem}.png'
    figure.savefig(os.path.join(folder, name), dpi=100)
    written.append(name)
  return written


def report(experiment: Experiment, folder: str) -> str:
  """The generated part of the experiment's README (also written there,
  between its markers), with the plots beside it."""
  runs = runs_dir(folder)
  outcomes = Outcomes(experiment, runs)
  parts = [f'Regenerate with `{experiment.command()}` (it trains only the '
           'seeds that are not finished; `--report` redraws from the '
           'committed run files).', '### Arms', arms_table(experiment,
                                                             outcomes)]
  for section in experiment.sections:
    try:
      parts.append(section(outcomes, folder))
    except NotFinished as unfinished:
      note = f'(Not drawn yet: {unfinished}.)'
      if note not in parts:  # sections drawn from the same runs say it once
        parts.append(note)
  if experiment.references:
    parts += ['### Beside the papers', references_table(experiment, outcomes)]
  parts.append('### Verdicts')
  for claim in experiment.claims:
    verdict = verdict_of(claim, outcomes, experiment)
    parts.append(f'**{claim.text}.** ' + verdict.markdown())
  for name in _plots(experiment, outcomes, runs, folder):
    parts.append(f'![{name}]({name})')
  text = '\n\n'.join(parts)
  readme = os.path.join(folder, 'README.md')
  replace_block(readme, BEGIN, END, text)
  return text


def replace_block(path: str, begin: str, end: str, body: str) -> None:
  """Replaces what lies between `begin` and `end` in the file at `path`
  (both markers are appended if the file has none)."""
  text = open(path).read() if os.path.exists(path) else ''
  block = f'{begin}\n{body}\n{end}'
  if begin in text and end in text:
    head, rest = text.split(begin, 1)
    text = head + block + rest.split(end, 1)[1]
  else:
    text = text.rstrip() + ('\n\n' if text else '') + block + '\n'
  with open(path, 'w') as f:
    f.write(text)


def verdicts_of(experiment: Experiment, folder: str) -> list[tuple[Claim, verdicts.Verdict]]:
  """Each claim with its verdict from the committed run files."""
  outcomes = Outcomes(experiment, runs_dir(folder))
  return [(claim, verdict_of(claim, outcomes, experiment))
          for claim in experiment.claims]
