r"""Run directories back into tables and plots.

  df = results.load('runs/adding')              # one row per run
  table = results.summarize(df, by=['cell.name', 'task.seq_len'])
  print(results.to_markdown(table))
  results.plot_curves('runs/adding')            # learning curves vs baseline
  results.plot_curves('runs/adding', references={'IndRNN paper': 1e-4})
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

from rnnzoo import options
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
  """One row per run under `root`: its folder ('run') and the folder above
  it ('arm': ARM of runs ARM/seed=S, '' for runs directly under root), its
  config fields (dotted), status,
  final metrics, the task's baselines ('baseline:' + metric), steps, wall
  time, steps/s and parameter count."""
  rows = []
  for run in rundir.find_runs(root):
    config = rundir.read_config(run).to_dict()
    results = rundir.read_results(run) or {'status': 'running'}
    row = {'run': os.path.relpath(run, root),
           'arm': os.path.dirname(os.path.relpath(run, root))}
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
  """Mean and sample std (ddof 1, as the experiments' tables and verdicts
  use) over seeds of each metric, per group of `by` fields.

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
      row[f'{metric} std'] = values.std(ddof=1) if len(values) else np.nan
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
  """A Markdown table; each metric as 'mean ± std' ('mean' alone for one
  seed)."""
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
      text = _number(row[f'{m} mean'])
      if not pd.isna(row[f'{m} std']):
        text += f" ± {_number(row[f'{m} std'], 2)}"
      if f'baseline:{m}' in row and not pd.isna(row[f'baseline:{m}']):
        text += f" ({_number(row[f'baseline:{m}'])})"
      cells.append(text)
    cells += [f"{_count(row['done'])}/{_count(row['runs'])}",
              _count(row['steps']),
              _count(row['wall_time_s']), _count(row['num_params'])]
    lines.append('| ' + ' | '.join(cells) + ' |')
  return '\n'.join(lines)


def _headline(df: pd.DataFrame, metric=None) -> str:
  if metric:
    options.check_choice('metric', metric, [
        c for c in df.columns if '/' in c and not c.startswith('baseline:')])
    return metric
  known = df['metric'].dropna().unique()
  if not len(known):
    raise ValueError('no run has finished: there is no metric to show')
  return known[0]


def _missing(value) -> bool:
  return value is None or (isinstance(value, float) and np.isnan(value))


def _label(by, group) -> str:
  """'name=lstm, forget_bias=1.0'; a field the group's configs lack is left
  out ('name=gru'), or named if all are ('no forget_bias')."""
  short = [k.split('.')[-1] for k in by]
  named = [f'{k}={v}' for k, v in zip(short, group) if not _missing(v)]
  return ', '.join(named or [f'no {k}' for k in short])


def _groups(df: pd.DataFrame, by: list[str]) -> list[tuple[str, pd.DataFrame]]:
  """The runs of each value of the `by` fields, with its legend label; a
  field missing from some configs is a value of its own, not dropped."""
  for field in by:
    options.check_choice('by', field, config_columns(df))
  if not by:
    return [('all', df)]
  return [(_label(by, group), runs)
          for group, runs in df.groupby(by, sort=True, dropna=False)]


COLOURS = tuple(f'C{i}' for i in range(10))  # matplotlib's default cycle
PATTERNS = (('-', 'o'), ('--', 's'), (':', '^'), ('-.', 'D'))


def _styles(count: int) -> list[dict]:
  """A colour, line style and marker per group, no two groups alike: the
  colours cycle first, then the (line style, marker) patterns."""
  most = len(COLOURS) * len(PATTERNS)
  if count > most:
    raise ValueError(f'by= makes {count} groups, too many to tell apart in '
                     f'one plot: at most {most} are allowed; group by fewer '
                     'fields')
  return [{'color': COLOURS[i % len(COLOURS)],
           'linestyle': PATTERNS[i // len(COLOURS)][0],
           'marker': PATTERNS[i // len(COLOURS)][1]} for i in range(count)]


def _curve(root: str, run: str, metric: str):
  """The run's logged metric by step, or None if it logged none."""
  rows = pd.DataFrame(rundir.read_metrics(os.path.join(root, run)))
  if metric not in rows:
    return None
  rows = rows.dropna(subset=[metric])
  return pd.Series(rows[metric].values, index=rows['step'].values)


def _figure():
  """A figure widened for the legend to the right of the axes."""
  fig = figure.Figure(figsize=(9, 4), layout='constrained')
  return fig, fig.subplots()


def _mark_diverged(ax, x, y, color) -> None:
  ax.plot([x], [y], linestyle='none', marker='x', markersize=9,
          markeredgewidth=2, color=color, gid='diverged')


def _hline(ax, value: float, label: str, linestyle: str) -> None:
  """A labelled horizontal reference line, its label also on the line."""
  ax.axhline(value, color='black', linestyle=linestyle, linewidth=1,
             label=f'{label} ({value:.3g})')
  ax.annotate(label, xy=(1, value), xycoords=('axes fraction', 'data'),
              xytext=(-4, 2), textcoords='offset points', ha='right',
              va='bottom', fontsize='small')


def _edge_mark(ax, value: float, label: str, above: bool) -> None:
  """A reference beyond the axis: an arrow on the axis' top (or bottom)
  right corner pointing its way, labelled with its value."""
  where = 'above' if above else 'below'
  ax.plot([1], [1 if above else 0], transform=ax.transAxes, clip_on=False,
          linestyle='none', marker='^' if above else 'v', color='black',
          label=f'{label} ({value:.3g}, {where} the axis)')
  ax.annotate(f'{label} {value:.3g}', xy=(1, 1 if above else 0),
              xycoords='axes fraction', xytext=(-8, -2 if above else 2),
              textcoords='offset points', ha='right',
              va='top' if above else 'bottom', fontsize='small')


def _references(df: pd.DataFrame, metric: str, references,
                baselines: bool = True) -> list[tuple[str, float, str]]:
  """The trivial baseline(s) (dashed; none if `baselines` is False) and the
  `references` (label -> value, dotted) as (label, value, line style)."""
  references = dict(references or {})
  for label, value in references.items():
    options.check_number(f'references[{label!r}]', value)
  column = f'baseline:{metric}'
  lines = []
  if baselines and column in df:
    lines += [('trivial baseline', value, '--')
              for value in sorted(df[column].dropna().unique())]
  return lines + [(label, value, ':') for label, value in references.items()]


def _fit_y_and_draw_references(ax, shown, lines) -> None:
  """Fits the y-axis to the `shown` values and the references near them
  (`_fit_scale`), then draws each reference of `lines` a labelled line,
  or, when it lies off the axis, a labelled arrow at the axis' edge."""
  far = _fit_scale(ax, 'y', shown, [value for _, value, _ in lines])
  high = ax.get_ylim()[1]
  for label, value, linestyle in lines:
    if value in far:
      _edge_mark(ax, value, label, above=value > high)
    else:
      _hline(ax, value, label, linestyle)


LOG_DECADES = 1.5  # a wider span of positive values gets a log scale
# A reference that would leave the data less than 1 / FAR (two thirds) of
# the axis is not fitted in; it is marked at the axis' edge (a
# bits-per-character plot between 2 and 3.5 does not stretch up to the
# unigram baseline of 5).
FAR = 1.5


def _fit_scale(ax, axis: str, values, references=()) -> list[float]:
  """Log scale on `axis` ('x' or 'y') when the `values` are positive and
  span more than LOG_DECADES decades, linear otherwise; limits fitted to
  the values and to each of the `references` that is not far from them
  (see FAR), with a 5% margin (in decades on a log scale). Returns the
  references left off the axis."""
  values = np.concatenate([np.ravel(np.asarray(v, dtype=float))
                           for v in values] + [np.zeros(0)])
  values = values[np.isfinite(values)]
  if not values.size:  # nothing but the references to fit
    values, references = np.asarray(references, dtype=float), ()
  if not values.size:
    return []
  low, high = values.min(), values.max()
  log = low > 0 and np.log10(high / low) > LOG_DECADES
  scale = np.log10 if log else float
  low, high = scale(low), scale(high)
  fitted, far = [low, high], []
  for value in references:
    if log and value <= 0:
      far.append(value)
      continue
    place = scale(value)
    if high > low and max(high, place) - min(low, place) > FAR * (high - low):
      far.append(value)
    else:
      fitted.append(place)
  low, high = min(fitted), max(fitted)
  if log:
    getattr(ax, f'set_{axis}scale')('log')
  margin = 0.05 * (high - low) or 0.05 * max(abs(high), 1e-12)
  limits = np.array([low - margin, high + margin])
  getattr(ax, f'set_{axis}lim')(*(10**limits if log else limits))
  return far


def _legend(fig, ax, diverged: bool) -> None:
  if diverged:
    ax.plot([], [], linestyle='none', marker='x', color='black',
                     label='diverged (its last logged value)')
  fig.legend(loc='outside right upper', fontsize='small')


def _select(df: pd.DataFrame, where) -> pd.DataFrame:
  """The rows whose fields take one of the given values ({field: values})."""
  for field, values in (where or {}).items():
    options.check_choice('where', field, df.columns)
    df = df[df[field].isin(values)]
  return df


def plot_curves(root: str, metric=None, by=None, references=None,
                where=None):
  """The metric against the step: every seed a thin line, a diverged run's
  last logged value an 'x', the mean over a group's seeds a thick line
  over the steps that all of them logged; the trivial baseline dashed and
  the `references` (label -> value, e.g. {'IndRNN paper': 0.001}) dotted,
  each labelled, or an arrow at the axis' edge where it lies far beyond the
  curves. `where` ({field: values}) keeps only some runs."""
  df = _select(load(root), where)
  metric = _headline(df, metric)
  by = list(varying(df) if by is None else by)
  fig, ax = _figure()
  groups = _groups(df, by)
  shown, diverged = [], False
  for (label, runs), style in zip(groups, _styles(len(groups))):
    curves = []
    for run, status in zip(runs['run'], runs['status']):
      curve = _curve(root, run, metric)
      if curve is None or curve.empty:
        continue
      ax.plot(curve.index, curve.values, color=style['color'],
              linestyle=style['linestyle'], linewidth=0.7, alpha=0.5, gid=run)
      if status == 'diverged':
        _mark_diverged(ax, curve.index[-1], curve.values[-1], style['color'])
        diverged = True
      curves.append(curve)
    if curves:
      mean = pd.concat(curves, axis=1).dropna().mean(axis=1)
      ax.plot(mean.index, mean.values, linewidth=2, markevery=0.1,
              label=f'{label} (mean of {len(curves)})', **style)
      shown += [c.values for c in curves]
  _fit_y_and_draw_references(ax, shown, _references(df, metric, references))
  ax.set_xlabel('step')
  ax.set_ylabel(metric)
  _legend(fig, ax, diverged)
  return fig


def plot_versus(root: str, x: str, metric=None, by=None, references=None):
  """The final metric against the config field `x`: every finished seed a
  small marker, a diverged run's last logged value an 'x', the mean over a
  group's finished seeds a line; the trivial baseline dashed against `x`
  and the `references` (label -> value) dotted, or an arrow at the axis'
  edge where one lies far beyond the data."""
  df = load(root)
  metric = _headline(df, metric)
  options.check_choice('x', x, config_columns(df))
  by = [c for c in (varying(df) if by is None else by) if c != x]
  fig, ax = _figure()
  groups = _groups(df, by)
  shown, diverged = [], False
  for (label, runs), style in zip(groups, _styles(len(groups))):
    done = runs[runs['status'] == 'done'].dropna(subset=[metric])
    placed, unplaced = done[done[x].notna()], done[done[x].isna()]
    if len(placed):
      ax.plot(placed[x], placed[metric], linestyle='none', alpha=0.5,
              marker=style['marker'], color=style['color'], markersize=4,
              gid='seeds')
      mean = placed.groupby(x, sort=True)[metric].mean()
      ax.plot(mean.index, mean.values, linewidth=2, label=label, **style)
    if len(unplaced):  # a config without `x`: its seeds and mean span it
      for value in unplaced[metric]:
        ax.axhline(value, color=style['color'], linestyle=style['linestyle'],
                   linewidth=0.7, alpha=0.5, gid='seeds')
      ax.axhline(unplaced[metric].mean(), color=style['color'],
                 linestyle=style['linestyle'], linewidth=2,
                 label=f'{label} (no {x.split(".")[-1]}, mean of '
                 f'{len(unplaced)})')
    for _, run in runs[runs['status'] == 'diverged'].iterrows():
      curve = _curve(root, run['run'], metric)
      if curve is not None and not curve.empty:
        _mark_diverged(ax, run[x], curve.values[-1], style['color'])
        shown.append(curve.values[-1:])
        diverged = True
    shown.append(done[metric].values)
  column = f'baseline:{metric}'
  if column in df and df[column].notna().any():
    base = df.groupby(x, sort=True)[column].mean()
    ax.plot(base.index, base.values, color='black', linestyle='--',
            linewidth=1, label='trivial baseline')
    shown.append(base.values)
  _fit_y_and_draw_references(
      ax, shown, _references(df, metric, references, baselines=False))
  if pd.api.types.is_numeric_dtype(df[x]):
    _fit_scale(ax, 'x', [df[x].values])
  ax.set_xlabel(x)
  ax.set_ylabel(metric)
  _legend(fig, ax, diverged)
  return fig


def write_summary(root: str, by=None, x=None, metrics=None,
                  references=None) -> str:
  """Writes summary.md, summary.csv and the plots into `root`; the plots
  draw the `references` (label -> value of the headline metric)."""
  df = load(root)
  summary = summarize(df, by=by, metrics=metrics)
  text = to_markdown(summary)
  with open(os.path.join(root, 'summary.md'), 'w') as f:
    f.write(text + '\n')
  summary.to_csv(os.path.join(root, 'summary.csv'), index=False)
  if df['metric'].notna().any():
    metric = _headline(df).replace('/', '_')
    plot_curves(root, by=by, references=references).savefig(
        os.path.join(root, f'curves_{metric}.png'), dpi=100)
    if x:
      plot_versus(root, x, by=by, references=references).savefig(
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
