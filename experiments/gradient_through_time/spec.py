"""The gradient through time, ||dL/dh_t|| and ||dL/dc_t|| against t, on the
adding problem: at initialisation (a tanh RNN, an LSTM with forget bias 0,
1 and 3, a GRU, an IndRNN; T = 100 and 500) and after training to a solved
task (Hochreiter 1991; Bengio et al. 1994; Pascanu et al. 2013; Arjovsky
et al. 2016, Fig. 4; Li et al. 2018, section 3.1)."""

import os

from matplotlib import figure
import numpy as np

from experiments.adding import spec as adding
from rnnzoo import experiment
from rnnzoo import verdicts

METRIC = 'eval/mse'
CONFIG = 'configs/adding.py:cell={cell},seq_len={length}'
LENGTHS = (100, 500)
# "Vanishes over T steps": less than a hundredth of the gradient's norm at
# the last step, ||dL/dh_(T-1)||, reaches the first step's state.
VANISHES = -2.0
CELLS = {  # arm stem: (cell, overrides)
    'vanilla': ('vanilla', {}),
    'lstm_fb0': ('lstm', {'cell.forget_bias': 0.0}),
    'lstm_fb1': ('lstm', {'cell.forget_bias': 1.0}),
    'lstm_fb3': ('lstm', {'cell.forget_bias': 3.0}),
    'gru': ('gru', {}),
    'indrnn': ('indrnn', {}),
}
# A tanh RNN solves the adding problem only at short lengths: T = 30.
TRAINED = {  # arm: (cell, length, steps, seeds, overrides)
    'trained_indrnn_T100': ('indrnn', 100, 2000, 3, {}),
    'trained_gru_T100': ('gru', 100, 2000, 3, {}),
    'trained_lstm_T100': ('lstm', 100, 10_000, 3, adding.PAPER_SETUP),
    'trained_vanilla_T30': ('vanilla', 30, 2000, 3, {}),
}


def _init_arm(stem, length):
  cell, overrides = CELLS[stem]
  return experiment.Arm(
      f'init_{stem}_T{length}', CONFIG.format(cell=cell, length=length),
      {'batch_size': 32, **overrides}, seeds=5 if length == 100 else 3,
      steps=1, evaluations=1,
      diagnostics=True, label=f'{stem}, T = {length}, at init')


def _trained_arm(name):
  cell, length, steps, seeds, overrides = TRAINED[name]
  return experiment.Arm(
      name, CONFIG.format(cell=cell, length=length),
      {'batch_size': 32, **overrides}, seeds=seeds, steps=steps,
      diagnostics=True, label=f'{cell}, T = {length}, trained {steps} steps')


ARMS = tuple(_init_arm(stem, length) for length in LENGTHS
             for stem in CELLS) + tuple(_trained_arm(n) for n in TRAINED)


# ----------------------------------------------------------------------------
# The per-seed numbers.


def top_layer(report: dict) -> dict[str, np.ndarray]:
  """{'h': [T], 'c': [T] (LSTM)} of the top layer, from a diagnostics
  report (`rnnzoo.diagnostics.save`)."""
  norms = report['state_gradient_norms']
  top = max(norms, key=lambda name: int(name[len('layer'):]))
  return {part: np.asarray(values, np.float64)
          for part, values in norms[top].items()}


def _step(o: experiment.Outcomes, arm: str) -> int:
  """The diagnostics step read: 0 for an arm at init, its last otherwise."""
  return 0 if arm.startswith('init_') else o.experiment.arm(arm).steps


def log_ratios(o: experiment.Outcomes, arm: str) -> dict[str, list[float]]:
  """Per seed, log10 ||dL/dh_0|| / ||dL/dh_(T-1)|| ('h') and, for a cell
  state, log10 ||dL/dc_0|| / ||dL/dh_(T-1)|| ('c'): how much of the
  gradient the loss puts on the last state reaches each part of the
  first."""
  ratios = {}
  for report in o.diagnostics(arm, _step(o, arm)):
    norms = top_layer(report)
    for part, values in norms.items():
      ratios.setdefault(part, []).append(
          float(np.log10(values[0] / norms['h'][-1])))
  return ratios


def _sample(o, arm, part='h') -> verdicts.Sample:
  return verdicts.Sample(o.experiment.arm(arm).label,
                         log_ratios(o, arm)[part])


def _metric(part: str) -> str:
  return f'log10 ||dL/d{part}_0|| / ||dL/dh_(T-1)||'


def _vanishes(arm, part='h', vanishes=True):
  def rule(o):
    return verdicts.exceeds(_sample(o, arm, part), VANISHES, _metric(part),
                            above=not vanishes)
  return rule


def _solved_and_kept(arm, part='h'):
  """A claim about a network that solved the task: judged by the gradient
  part when the arm solves the task, inconclusive (not tested) when it does
  not."""
  def rule(o):
    solved = verdicts.solves(o.sample(arm), o.baseline(arm), METRIC,
                             higher_is_better=False,
                             claim='it solves the task')
    kept = verdicts.exceeds(_sample(o, arm, part), VANISHES, _metric(part),
                            claim=f'the gradient through {part} does not '
                            'vanish')
    claim = f'{o.experiment.arm(arm).label}: solved, gradient kept'
    if solved.outcome == verdicts.SUPPORTED:
      return verdicts.all_of([solved, kept], claim)
    return verdicts.Verdict(
        verdicts.INCONCLUSIVE, claim, 'Not tested: the arm did not solve '
        'the task, the premise of the claim.', 'Judged by its gradient part '
        'only when its first part (solving the task) is supported; '
        'inconclusive otherwise.', parts=(solved, kept))
  return rule


# ----------------------------------------------------------------------------
# The report's sections.

PANELS = (('at initialisation, T = 100', [f'init_{s}_T100' for s in CELLS]),
          ('at initialisation, T = 500', [f'init_{s}_T500' for s in CELLS]),
          ('after training', list(TRAINED)))


def plot(o: experiment.Outcomes, folder: str) -> str:
  """Every seed's ||dL/dh_t|| (solid) and ||dL/dc_t|| (dashed) of the top
  layer, thin lines, one colour per arm; arms not run yet are left out."""
  fig = figure.Figure(figsize=(16, 4.6))
  axes = fig.subplots(1, len(PANELS))
  for ax, (title, arms) in zip(axes, PANELS):
    for index, arm in enumerate(arms):
      try:
        reports = o.diagnostics(arm, _step(o, arm))
      except experiment.NotFinished:
        continue
      for seed, report in enumerate(reports):
        for part, values in top_layer(report).items():
          ax.plot(np.arange(len(values)),
                  np.where(values > 0, values, np.nan), color=f'C{index}',
                  linestyle='--' if part == 'c' else '-', linewidth=0.7,
                  alpha=0.7, label=(f'{o.experiment.arm(arm).label} {part}'
                                    if seed == 0 else None))
    ax.set_yscale('log')
    ax.set_xlabel('step t')
    ax.set_title(title, fontsize='medium')
    ax.legend(fontsize='x-small', loc='upper left', bbox_to_anchor=(0, -0.15),
              ncol=2)
  axes[0].set_ylabel('||dL/dh_t|| (solid), ||dL/dc_t|| (dashed)')
  fig.tight_layout()
  name = 'gradient_through_time.png'
  fig.savefig(os.path.join(folder, name), dpi=90)
  return (f'### The gradient through time, every seed\n\n![{name}]({name})')


def ratio_table(o: experiment.Outcomes, folder: str) -> str:
  """log10 of the share of the last step's gradient that reaches step 0,
  per seed, per arm."""
  del folder
  lines = ['### The share that reaches the first step, per seed', '',
           'log10 ||dL/dh_0|| / ||dL/dh_(T-1)|| (h) and log10 ||dL/dc_0|| / '
           '||dL/dh_(T-1)|| (c), top layer; below -2 is "vanishes".', '',
           '| arm | diagnostics at step | h, per seed | c, per seed |',
           '| --- | --- | --- | --- |']
  for arm in [a.name for a in o.experiment.arms]:
    try:
      ratios = log_ratios(o, arm)
    except experiment.NotFinished as unfinished:
      lines.append(f'| {o.experiment.arm(arm).label} | - | not run: '
                   f'{unfinished} | |')
      continue
    cells = [', '.join(f'{r:.2f}' for r in ratios[part]) if part in ratios
             else '-' for part in ('h', 'c')]
    lines.append(f'| {o.experiment.arm(arm).label} | {_step(o, arm)} | '
                 f'{cells[0]} | {cells[1]} |')
  return '\n'.join(lines)


HOURS = 'on one core of this CPU'
EXPERIMENT = experiment.Experiment(
    name='gradient_through_time', metric=METRIC, arms=ARMS,
    claims=(
        experiment.Claim(
            'vanilla_T100', "A tanh RNN's gradient vanishes over 100 steps "
            'at initialisation', _vanishes('init_vanilla_T100')),
        experiment.Claim(
            'vanilla_T500', "A tanh RNN's gradient vanishes over 500 steps "
            'at initialisation', _vanishes('init_vanilla_T500')),
        experiment.Claim(
            'lstm_h_T100', "An LSTM's gradient (forget bias 1) does not "
            'vanish over 100 steps at initialisation, through h',
            _vanishes('init_lstm_fb1_T100', vanishes=False)),
        experiment.Claim(
            'lstm_c_T100', "An LSTM's gradient (forget bias 1) does not "
            'vanish over 100 steps at initialisation, through its cell '
            'state c', _vanishes('init_lstm_fb1_T100', 'c', vanishes=False)),
        experiment.Claim(
            'lstm_fb3_c_T100', "With forget bias 3, an LSTM's gradient does "
            'not vanish over 100 steps at initialisation, through c',
            _vanishes('init_lstm_fb3_T100', 'c', vanishes=False)),
        experiment.Claim(
            'lstm_fb3_c_T500', "With forget bias 3, an LSTM's gradient does "
            'not vanish over 500 steps at initialisation, through c',
            _vanishes('init_lstm_fb3_T500', 'c', vanishes=False)),
        experiment.Claim(
            'gru_T100', "A GRU's gradient does not vanish over 100 steps at "
            'initialisation', _vanishes('init_gru_T100', vanishes=False)),
        experiment.Claim(
            'indrnn_T500', "An IndRNN's gradient does not vanish over 500 "
            'steps at initialisation', _vanishes('init_indrnn_T500',
                                                 vanishes=False)),
        experiment.Claim(
            'trained_indrnn', 'An IndRNN that solved the adding problem at '
            'T = 100 passes the gradient over the 100 steps',
            _solved_and_kept('trained_indrnn_T100')),
        experiment.Claim(
            'trained_gru', 'A GRU that solved the adding problem at T = 100 '
            'passes the gradient over the 100 steps',
            _solved_and_kept('trained_gru_T100')),
        experiment.Claim(
            'trained_lstm', 'An LSTM that solved the adding problem at '
            'T = 100 passes the gradient over the 100 steps through its '
            'cell state', _solved_and_kept('trained_lstm_T100', 'c'),
            needs=f'3 x 10,000 steps at T = 100: about 12 minutes a seed '
            f'{HOURS}.'),
        experiment.Claim(
            'trained_vanilla', 'A tanh RNN that solved the adding problem at '
            'T = 30 passes the gradient over the 30 steps',
            _solved_and_kept('trained_vanilla_T30')),
    ),
    plots={'curves_trained': tuple(TRAINED)},
    sections=(ratio_table, plot),
)
