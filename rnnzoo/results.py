r"""Run directories back into tables and plots.

  df = results.load('runs/adding')              # one row per run
  table = results.summarize(df, by=['cell.name', 'task.seq_len'])
  print(results.to_markdown(table))
  results.plot_curves('runs/adding')            # learning curves vs baseline
  results.plot_versus('runs/adding', x='task.seq_len')

From the shell (writes summary.md, summary.csv and the plots next to the
runs):

  python -m rnnzoo.results runs/adding [--by=cell.name,task.seq_len] \
      [--x=task.seq_len]
"""

import os

from absl import app
from absl import flags
from matplotlib import figure
import numpy as np
import pandas as pd

from rnnzoo import rundir

RUN_FIELDS = ('status', 'steps', 'wall_time_s', 'steps_per_s', 'num_params',
              'metric', 'higher_is_better')


def _flatten(tree: dict, prefix: str = '') -> dict:
  flat = {}
  for key, value in tree.items():
    if isinstance(value, dict) and value:
      flat.update(_flatten(value, f'{prefix}{key}.'))
    else:
      flat[prefix + key] = tuple(value) if isinstance(value, list) else value
  return flat


def load(root: str) -> pd.DataFrame:
  """One row per run under `root`: its config fields (dotted), status,
  final metrics, the task's baselines ('baseline:' + metric), steps, wall
  time, steps/s and parameter count."""
  rows = []
  for run in rundir.find_runs(root):
    config = rundir.read_config(run).to_dict()
    results = rundir.read_results(run) or {'status': 'running'}
    row = {'run': os.path.relpath(run, root)}
    row.update(_flatten(config))
    row.update({field: results.get(field) for field in RUN_FIELDS})
    row.update(results.get('final', {}))
    row.update({f'baseline:{k}': v
                for k, v in results.get('baseline', {}).items()})
    rows.append(row)
  return pd.DataFrame(rows)


def config_columns(df: pd.DataFrame) -> list[str]:
  known = {'run', *RUN_FIELDS}
  return [c for c in df.columns if c not in known and '/' not in c]


def varying(df: pd.DataFrame) -> list[str]:
  """The config fields whose value differs between runs, the seed aside."""
  return [c for c in config_columns(df) if c != 'seed'
          and df[c].astype(str).nunique() > 1]


def summarize(df: pd.DataFrame, by=None, metrics=None) -> pd.DataFrame:
  """Mean and std over seeds of each metric, per group of `by` fields.

  Args:
    df: from `load`.
    by: config fields to group by; by default those that vary, the seed
      aside.
    metrics: final metrics to summarise; by default every 'eval/' metric.

  Returns:
    One row per group: the `by` fields, then for each metric '<m> mean',
    '<m> std' and 'baseline:<m>', then 'done' (runs that finished) and
    'runs', and the mean 'steps', 'wall_time_s' and 'num_params'.
  """
  by = list(varying(df) if by is None else by)
  metrics = metrics or sorted(c for c in df.columns
                              if c.startswith('eval/'))
  keys = by or [lambda _: 'all']
  rows = []
  for group, runs in df.groupby(keys, sort=True, dropna=False):
    group = group if isinstance(group, tuple) else (group,)
    row = dict(zip(by, group)) if by else {}
    done = runs[runs['status'] == 'done']
    for metric in metrics:
      values = done[metric].dropna() if metric in done else pd.Series([])
      row[f'{metric} mean'] = values.mean() if len(values) else np.nan
      row[f'{metric} std'] = values.std(ddof=0) if len(values) else np.nan
      baseline = f'baseline:{metric}'
      row[baseline] = runs[baseline].mean() if baseline in runs else np.nan
    row['done'] = len(done)
    row['runs'] = len(runs)
    for field in ('steps', 'wall_time_s', 'num_params'):
      row[field] = done[field].mean() if len(done) else np.nan
    rows.append(row)
  return pd.DataFrame(rows)


def _number(value, digits: int = 4) -> str:
  if isinstance(value, (float, np.floating)):
    if np.isnan(value):
      return '-'
    return f'{value:.{digits}g}'
  return str(value)


def _count(value) -> str:
  return '-' if pd.isna(value) else f'{value:,.0f}'


def to_markdown(summary: pd.DataFrame) -> str:
  """A Markdown table; each metric as 'mean ± std'."""
  metrics = [c[:-len(' mean')] for c in summary.columns if c.endswith(' mean')]
  columns = [c for c in summary.columns
             if not c.endswith((' mean', ' std'))
             and not c.startswith('baseline:')]
  groups = [c for c in columns if c not in ('done', 'runs', 'steps',
                                            'wall_time_s', 'num_params')]
  header = groups + [f'{m} (baseline)' for m in metrics] + [
      'done/runs', 'steps', 'wall time s', 'params']
  lines = ['| ' + ' | '.join(header) + ' |', '|' + ' --- |' * len(header)]
  for _, row in summary.iterrows():
    cells = [_number(row[g]) for g in groups]
    for m in metrics:
      text = f"{_number(row[f'{m} mean'])} ± {_number(row[f'{m} std'], 2)}"
      if f'baseline:{m}' in row and not pd.isna(row[f'baseline:{m}']):
        text += f" ({_number(row[f'baseline:{m}'])})"
      cells.append(text)
    cells += [f"{row['done']}/{row['runs']}", _count(row['steps']),
              _count(row['wall_time_s']), _count(row['num_params'])]
    lines.append('| ' + ' | '.join(cells) + ' |')
  return '\n'.join(lines)


def _headline(df: pd.DataFrame, metric=None) -> str:
  if metric:
    return metric
  known = df['metric'].dropna().unique()
  if not len(known):
    raise ValueError('no run has finished: there is no metric to show')
  return known[0]


def _label(by, group) -> str:
  group = group if isinstance(group, tuple) else (group,)
  return ', '.join(f'{k.split(".")[-1]}={v}' for k, v in zip(by, group))


def plot_curves(root: str, metric=None, by=None):
  """The metric against the step, mean over seeds per group, with the
  task's baseline as a dashed line."""
  df = load(root)
  metric = _headline(df, metric)
  by = list(varying(df) if by is None else by)
  fig = figure.Figure(figsize=(6.5, 4))
  ax = fig.subplots()
  for group, runs in (df.groupby(by, sort=True) if by else [('all', df)]):
    curves = []
    for run in runs['run']:
      rows = pd.DataFrame(rundir.read_metrics(os.path.join(root, run)))
      if metric in rows:
        rows = rows.dropna(subset=[metric])
        curves.append(pd.Series(rows[metric].values, index=rows['step']))
    if not curves:
      continue
    mean = pd.concat(curves, axis=1).mean(axis=1)
    ax.plot(mean.index, mean.values, label=_label(by, group) if by else None)
  baselines = df.get(f'baseline:{metric}')
  if baselines is not None and baselines.notna().any():
    for value in sorted(baselines.dropna().unique()):
      ax.axhline(value, color='gray', linestyle='--', linewidth=1)
    ax.plot([], [], color='gray', linestyle='--', label='trivial baseline')
  ax.set_xlabel('step')
  ax.set_ylabel(metric)
  if not df['higher_is_better'].dropna().all():  # a loss: log scale
    ax.set_yscale('log')
  ax.legend(fontsize='small')
  fig.tight_layout()
  return fig


def plot_versus(root: str, x: str, metric=None, by=None):
  """The final metric (mean ± std over seeds) against the config field `x`,
  one line per group of `by`, the baselines dashed."""
  df = load(root)
  metric = _headline(df, metric)
  by = [c for c in (varying(df) if by is None else by) if c != x]
  summary = summarize(df, by=by + [x], metrics=[metric])
  fig = figure.Figure(figsize=(6.5, 4))
  ax = fig.subplots()
  for group, rows in (summary.groupby(by, sort=True) if by
                      else [('all', summary)]):
    rows = rows.sort_values(x)
    ax.errorbar(rows[x], rows[f'{metric} mean'], yerr=rows[f'{metric} std'],
                marker='o', capsize=3, label=_label(by, group) if by else None)
  base = summary.groupby(x)[f'baseline:{metric}'].mean().sort_index()
  ax.plot(base.index, base.values, color='gray', linestyle='--',
          label='trivial baseline')
  ax.set_xlabel(x)
  ax.set_ylabel(metric)
  ax.legend(fontsize='small')
  fig.tight_layout()
  return fig


def write_summary(root: str, by=None, x=None, metrics=None) -> str:
  """Writes summary.md, summary.csv and the plots into `root`."""
  df = load(root)
  summary = summarize(df, by=by, metrics=metrics)
  text = to_markdown(summary)
  with open(os.path.join(root, 'summary.md'), 'w') as f:
    f.write(text + '\n')
  summary.to_csv(os.path.join(root, 'summary.csv'), index=False)
  if df['metric'].notna().any():
    metric = _headline(df).replace('/', '_')
    plot_curves(root, by=by).savefig(
        os.path.join(root, f'curves_{metric}.png'), dpi=100)
    if x:
      plot_versus(root, x, by=by).savefig(
          os.path.join(root, f'{metric}_vs_{x.split(".")[-1]}.png'), dpi=100)
  return text


def main(argv):
  if len(argv) != 2:
    raise app.UsageError('usage: python -m rnnzoo.results RUNS_DIR')
  try:
    print(write_summary(argv[1], by=flags.FLAGS.by, x=flags.FLAGS.x))
  except ValueError as error:
    raise SystemExit(f'error: {error}') from None


if __name__ == '__main__':
  # Flags only for the command line: importing the module defines none.
  flags.DEFINE_list('by', None, 'Config fields to group by (default: the '
                    'fields that vary, the seed aside).')
  flags.DEFINE_string('x', None, 'Also plot the metric against this field.')
  app.run(main)
