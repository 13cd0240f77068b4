"""The plots of `rnnzoo.results`, read back from their artists: every seed's
line equals the metrics its run logged, every group is in the legend, a
diverged run is marked where it stopped, the scale fits the values."""

import json
import math

import numpy as np
import pytest

from rnnzoo import results

BASELINE = 1 / 6


def write_run(root, name, config, curve, status='done', metric='eval/mse',
              baseline=BASELINE, higher_is_better=False):
  """A run directory as train.py leaves it: config.json, results.json and
  metrics.jsonl with `curve` ({step: value}) as the metric's evaluations
  between train rows."""
  run = root / name
  run.mkdir(parents=True)
  (run / 'config.json').write_text(json.dumps(config))
  steps = sorted(curve)
  final = {metric: curve[steps[-1]]} if status == 'done' else {}
  (run / 'results.json').write_text(json.dumps(
      {'status': status, 'final': final, 'baseline': {metric: baseline},
       'metric': metric, 'higher_is_better': higher_is_better,
       'steps': steps[-1], 'wall_time_s': 1.0, 'steps_per_s': 10.0,
       'num_params': 10}))
  rows = [row for step in steps
          for row in ({'step': step, 'train/loss': 9.0},
                      {'step': step, metric: curve[step]})]
  (run / 'metrics.jsonl').write_text(
      ''.join(json.dumps(r) + '\n' for r in rows))


def cell(name, **options):
  return {'task': {'name': 'copy'}, 'cell': {'name': name, **options}}


def seed_lines(ax):
  return {line.get_gid(): line for line in ax.lines
          if line.get_gid() not in (None, 'diverged', 'seeds')}


def legend_labels(fig):
  (legend,) = fig.legends
  return [text.get_text() for text in legend.get_texts()]


def mean_line(ax, label):
  (line,) = [l for l in ax.lines if l.get_label() == label]
  return line


# Forget bias 0 and 1 for the LSTM, and the GRU, whose config has none.
FORGET_BIAS_RUNS = {
    'lstm-b0-s0': (cell('lstm', forget_bias=0.0), {10: 0.16, 20: 0.12}),
    'lstm-b0-s1': (cell('lstm', forget_bias=0.0), {10: 0.15, 20: 0.10}),
    'lstm-b1-s0': (cell('lstm', forget_bias=1.0), {10: 0.14, 20: 0.08}),
    'lstm-b1-s1': (cell('lstm', forget_bias=1.0), {10: 0.13, 20: 0.09}),
    'gru-s0': (cell('gru'), {10: 0.12, 20: 0.05}),
    'gru-s1': (cell('gru'), {10: 0.11, 20: 0.07}),
}


@pytest.fixture(name='forget_bias')
def fixture_forget_bias(tmp_path):
  for name, (config, curve) in FORGET_BIAS_RUNS.items():
    write_run(tmp_path, name, config, curve)
  return str(tmp_path)


def test_curves_keep_a_group_whose_configs_lack_a_field(forget_bias):
  fig = results.plot_curves(forget_bias, by=['cell.name', 'cell.forget_bias'])
  (ax,) = fig.axes
  assert legend_labels(fig) == [
      'name=gru (mean of 2)', 'name=lstm, forget_bias=0.0 (mean of 2)',
      'name=lstm, forget_bias=1.0 (mean of 2)', 'trivial baseline (0.167)']
  lines = seed_lines(ax)
  assert sorted(lines) == sorted(FORGET_BIAS_RUNS)
  for name, (_, curve) in FORGET_BIAS_RUNS.items():
    assert list(lines[name].get_xdata()) == list(curve)
    assert list(lines[name].get_ydata()) == list(curve.values())
  gru = mean_line(ax, 'name=gru (mean of 2)')
  assert list(gru.get_xdata()) == [10, 20]
  np.testing.assert_allclose(gru.get_ydata(), [0.115, 0.06])
  assert lines['gru-s0'].get_color() == gru.get_color()
  styles = {(l.get_color(), l.get_linestyle(), l.get_marker())
            for l in ax.lines if l.get_label().endswith('(mean of 2)')}
  assert len(styles) == 3


def test_versus_keeps_a_group_without_the_x_field_as_a_level(forget_bias):
  fig = results.plot_versus(forget_bias, x='cell.forget_bias',
                            by=['cell.name'])
  (ax,) = fig.axes
  assert legend_labels(fig) == ['name=gru (no forget_bias, mean of 2)',
                                'name=lstm', 'trivial baseline']
  gru = mean_line(ax, 'name=gru (no forget_bias, mean of 2)')
  np.testing.assert_allclose(gru.get_ydata(), [0.06, 0.06])
  lstm = mean_line(ax, 'name=lstm')
  assert list(lstm.get_xdata()) == [0.0, 1.0]
  np.testing.assert_allclose(lstm.get_ydata(), [0.11, 0.085])
  seeds = [l for l in ax.lines if l.get_gid() == 'seeds']
  points = sorted(y for l in seeds for y in l.get_ydata())
  assert points == sorted([0.12, 0.10, 0.08, 0.09, 0.05, 0.05, 0.07, 0.07])


def test_a_diverged_run_is_marked_at_its_last_logged_step(tmp_path):
  write_run(tmp_path, 's0', cell('irnn'), {10: 0.2, 20: 0.1, 30: 0.05})
  write_run(tmp_path, 's1', cell('irnn'), {10: 0.3, 20: 0.4},
            status='diverged')
  fig = results.plot_curves(str(tmp_path), by=['cell.name'])
  (ax,) = fig.axes
  (cross,) = [l for l in ax.lines if l.get_gid() == 'diverged']
  assert (list(cross.get_xdata()), list(cross.get_ydata())) == ([20], [0.4])
  assert cross.get_marker() == 'x'
  assert 'diverged (its last logged value)' in legend_labels(fig)
  mean = mean_line(ax, 'name=irnn (mean of 2)')  # where both seeds logged
  assert list(mean.get_xdata()) == [10, 20]
  np.testing.assert_allclose(mean.get_ydata(), [0.25, 0.25])
  assert list(seed_lines(ax)['s0'].get_xdata()) == [10, 20, 30]


def test_versus_marks_a_diverged_run_at_its_x(tmp_path):
  for n, mse in ((10, 0.1), (20, 0.2)):
    write_run(tmp_path, f'n{n}', {**cell('lstm'), 'seq_len': n}, {5: mse})
  write_run(tmp_path, 'bad', {**cell('lstm'), 'seq_len': 20}, {5: 0.9},
            status='diverged')
  fig = results.plot_versus(str(tmp_path), x='seq_len')
  (cross,) = [l for l in fig.axes[0].lines if l.get_gid() == 'diverged']
  assert (list(cross.get_xdata()), list(cross.get_ydata())) == ([20], [0.9])


def edge_marks(ax):
  """The references off the axis: {legend label: (x, y) in axes fraction}."""
  return {l.get_label(): (l.get_xdata()[0], l.get_ydata()[0])
          for l in ax.lines if l.get_transform() == ax.transAxes}


def test_a_narrow_range_is_linear_and_a_far_baseline_an_arrow(tmp_path):
  # Bits per character between 2.4 and 3 under a baseline of 5: linear, the
  # axis fitted to the curve, the baseline an arrow at the top edge.
  write_run(tmp_path, 'a', cell('gru'), {10: 3.0, 20: 2.4}, metric='eval/bpc',
            baseline=5.0)
  fig = results.plot_curves(str(tmp_path))
  (ax,) = fig.axes
  assert ax.get_yscale() == 'linear'
  np.testing.assert_allclose(ax.get_ylim(), [2.4 - 0.03, 3.0 + 0.03])
  assert edge_marks(ax) == {'trivial baseline (5, above the axis)': (1, 1)}
  assert legend_labels(fig) == ['all (mean of 1)',
                                'trivial baseline (5, above the axis)']
  assert [t.get_text() for t in ax.texts] == ['trivial baseline 5']


def test_a_reference_is_fitted_in_only_near_the_data(tmp_path):
  # 2.2 keeps the curve (2.4 to 3) on three quarters of the axis: a line;
  # 1.9 would leave it on less than two thirds: an arrow.
  write_run(tmp_path, 'a', cell('gru'), {10: 3.0, 20: 2.4}, metric='eval/bpc',
            baseline=5.0)
  fig = results.plot_curves(str(tmp_path), references={'paper': 2.2,
                                                       'other': 1.9})
  (ax,) = fig.axes
  np.testing.assert_allclose(ax.get_ylim(), [2.2 - 0.04, 3.0 + 0.04])
  assert list(mean_line(ax, 'paper (2.2)').get_ydata()) == [2.2, 2.2]
  assert edge_marks(ax) == {'trivial baseline (5, above the axis)': (1, 1),
                            'other (1.9, below the axis)': (1, 0)}


def test_a_range_over_one_and_a_half_decades_is_log(tmp_path):
  write_run(tmp_path, 'a', cell('indrnn'), {10: 0.15, 20: 0.01, 30: 1e-4})
  (ax,) = results.plot_curves(str(tmp_path)).axes
  assert ax.get_yscale() == 'log'
  decades = math.log10(BASELINE / 1e-4)
  np.testing.assert_allclose(
      np.log10(ax.get_ylim()),
      [-4 - 0.05 * decades, math.log10(BASELINE) + 0.05 * decades])


def test_references_are_labelled_lines_or_arrows_below_a_log_axis(tmp_path):
  write_run(tmp_path, 'a', cell('indrnn'), {10: 0.15, 20: 0.01, 30: 1e-4})
  fig = results.plot_curves(str(tmp_path), references={
      'IndRNN paper': 0.0, 'LSTM paper': 0.05})
  (ax,) = fig.axes
  assert ax.get_yscale() == 'log'  # the curve spans three decades
  assert legend_labels(fig) == ['all (mean of 1)', 'trivial baseline (0.167)',
                                'IndRNN paper (0, below the axis)',
                                'LSTM paper (0.05)']
  for label, value in (('LSTM paper (0.05)', 0.05),
                       ('trivial baseline (0.167)', BASELINE)):
    assert list(mean_line(ax, label).get_ydata()) == [value, value]
  assert edge_marks(ax) == {'IndRNN paper (0, below the axis)': (1, 0)}
  assert [t.get_text() for t in ax.texts] == [
      'trivial baseline', 'IndRNN paper 0', 'LSTM paper']


def test_a_reference_must_be_a_number(tmp_path):
  write_run(tmp_path, 'a', cell('gru'), {10: 0.1})
  with pytest.raises(ValueError, match=r"^references\['paper'\]='low' is not "
                     'allowed: it must be a number'):
    results.plot_curves(str(tmp_path), references={'paper': 'low'})


def test_groups_beyond_the_palette_change_line_style_and_marker(tmp_path):
  for size in range(12):
    write_run(tmp_path, f'h{size:02d}', {**cell('gru'), 'hidden': size},
              {10: 0.1 + size / 100})
  (ax,) = results.plot_curves(str(tmp_path)).axes
  means = [l for l in ax.lines if '(mean of 1)' in l.get_label()]
  styles = [(l.get_color(), l.get_linestyle(), l.get_marker()) for l in means]
  assert len(set(styles)) == 12
  assert styles[0][0] == styles[10][0] and styles[0][1:] != styles[10][1:]


def test_more_groups_than_styles_are_refused(tmp_path):
  for size in range(41):
    write_run(tmp_path, f'h{size:02d}', {**cell('gru'), 'hidden': size},
              {10: 0.1})
  with pytest.raises(ValueError, match=r'^by= makes 41 groups, too many to '
                     'tell apart in one plot: at most 40 are allowed'):
    results.plot_curves(str(tmp_path))


def test_the_legend_is_right_of_the_axes(forget_bias):
  fig = results.plot_curves(forget_bias)
  fig.draw_without_rendering()
  (legend,) = fig.legends
  assert legend.get_window_extent().x0 >= fig.axes[0].get_window_extent().x1


def test_versus_fits_each_axis(tmp_path):
  for n, mse in ((10, 0.1), (100, 0.12), (1000, 0.15)):
    write_run(tmp_path, f'n{n}', {**cell('lstm'), 'seq_len': n}, {5: mse})
  (ax,) = results.plot_versus(str(tmp_path), x='seq_len').axes
  assert (ax.get_xscale(), ax.get_yscale()) == ('log', 'linear')
  np.testing.assert_allclose(np.log10(ax.get_xlim()), [0.9, 3.1])
  np.testing.assert_allclose(ax.get_ylim(), [0.1 - 0.00333, BASELINE + 0.00333],
                             atol=1e-5)


@pytest.mark.parametrize('option, value, named, allowed', [
    ('by', ['cell.forget_bais'], "by='cell.forget_bais'", "'cell.forget_bias'"),
    ('metric', 'eval/acc', "metric='eval/acc'", "'eval/mse'")])
def test_unknown_fields_are_named(forget_bias, option, value, named, allowed):
  with pytest.raises(ValueError, match=rf'^{named} is not allowed: choose one '
                     rf'of \[.*{allowed}.*\]'):
    results.plot_curves(forget_bias, **{option: value})
