"""Gradient clipping and SGD's learning rate (Pascanu, Mikolov & Bengio
2013, section 3.2): tanh RNN and LSTM on the adding problem at T = 50."""

from rnnzoo import experiment
from rnnzoo import verdicts

METRIC = 'eval/mse'
RATES = {'vanilla': (1e-3, 3e-3, 1e-2, 0.03, 0.1, 0.3, 1.0),
         'lstm': (0.03, 0.1, 0.3, 1.0)}
CLIP_NORM = 1.0
LEARNS = 0.5  # a run has learned below half the trivial baseline


def _name(cell, lr, clip):
  return f'{cell}_lr{lr:g}_' + ('clip' if clip else 'noclip')


ARMS = tuple(
    experiment.Arm(
        _name(cell, lr, clip), f'configs/adding.py:cell={cell},hidden=64,'
        'seq_len=50',
        {'batch_size': 16, 'optim.name': 'sgd', 'optim.momentum': 0.9,
         'optim.lr': lr, 'optim.clip_norm': clip},
        seeds=5, steps=5000, evaluations=5)
    for cell, rates in RATES.items() for lr in rates
    for clip in (0.0, CLIP_NORM))


def _failed(o, arm) -> int:
  """Seeds that diverged or ended at or above the trivial baseline."""
  baseline = o.baseline(arm)
  return o.diverged(arm) + sum(v >= baseline for v in o.values(arm))


def _clipping_rescues(cell):
  """At some rate every unclipped run fails while the clipped ones learn."""

  def rule(o):
    rescued, not_rescued, undecided, parts = [], [], [], []
    for lr in RATES[cell]:
      plain, clipped = _name(cell, lr, 0.0), _name(cell, lr, CLIP_NORM)
      o.check_finished(plain)
      o.check_finished(clipped)
      if _failed(o, plain) < o.experiment.arm(plain).seeds:
        continue
      failed, seeds = _failed(o, clipped), o.experiment.arm(clipped).seeds
      if failed == seeds or len(o.values(clipped)) < 2:
        not_rescued.append(lr)
        parts.append(f'lr {lr:g}: every unclipped run fails; clipped, '
                     f'{failed} of {seeds} fail '
                     f'({o.diverged(clipped)} diverged)')
        continue
      verdict = verdicts.solves(o.sample(clipped), o.baseline(clipped),
                                METRIC, False, fraction=LEARNS)
      (rescued if verdict.outcome == verdicts.SUPPORTED else
       not_rescued if verdict.outcome == verdicts.CONTRADICTED else
       undecided).append(lr)
      parts.append(f'lr {lr:g}: every unclipped run fails; clipped, '
                   f'{verdict.outcome} ({verdict.finding})')
    outcome = (verdicts.SUPPORTED if rescued else
               verdicts.CONTRADICTED if not_rescued and not undecided else
               verdicts.INCONCLUSIVE)
    finding = ('; '.join(parts) if parts else
               'no learning rate made every unclipped run fail, so the '
               'experiment did not reach the regime the claim is about')
    return verdicts.Verdict(
        outcome, f'clipping rescues SGD ({cell})', finding + '.',
        rule=('Supported if at some learning rate every run without '
              'clipping fails (diverges or ends at or above the trivial '
              'baseline) while the clipped runs learn (MSE below half the '
              'baseline, one-sided t-test over seeds at p < 0.05); '
              'contradicted if at every such rate the clipped runs do not '
              'learn either (every one of them fails, all but one diverge, '
              'or the opposite test finds their MSE above half the baseline '
              'at p < 0.05); inconclusive otherwise.'))

  return rule


EXPERIMENT = experiment.Experiment(
    name='gradient_clipping', metric=METRIC, arms=ARMS,
    claims=tuple(experiment.Claim(
        cell, f'Clipping lets SGD train a {label} at a learning rate where '
        'it otherwise fails', _clipping_rescues(cell))
                 for cell, label in (('vanilla', 'tanh RNN'),
                                     ('lstm', 'LSTM'))),
    plots={f'curves_{cell}': tuple(_name(cell, lr, clip)
                                   for lr in RATES[cell]
                                   for clip in (0.0, CLIP_NORM))
           for cell in RATES},
)
