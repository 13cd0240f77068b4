"""The LSTM's forget-gate bias, 0 or 1, against the GRU (Jozefowicz,
Zaremba & Sutskever 2015), each variant at its best of three learning
rates."""

from experiments import corpus
from rnnzoo import experiment
from rnnzoo import verdicts

VARIANTS = {  # name -> (cell arg, overrides)
    'lstm_fb0': ('cell=lstm', {'cell.forget_bias': 0.0}),
    'lstm_fb1': ('cell=lstm', {'cell.forget_bias': 1.0}),
    'gru': ('cell=gru', {}),
}
TASKS = {  # name -> (config, hidden per cell, steps, learning rates, metric,
           #          seeds: five where a run takes minutes)
    'copy': ('configs/copy.py:delay=100', {'lstm': 40, 'gru': 46}, 20_000,
             (3e-4, 1e-3, 3e-3), 'eval/ce', 5),
    'char_lm': ('configs/char_lm.py:layers=1,seq_len=64',
                {'lstm': 128, 'gru': 148}, 10_000, (1e-3, 2e-3, 4e-3),
                'eval/bpc', 3),
}
TASK_FIELDS = {'char_lm': {'task.path': corpus.PATH, 'batch_size': 32}}


def _arms():
  for task, (config, hidden, steps, rates, metric, seeds) in TASKS.items():
    for variant, (cell_arg, overrides) in VARIANTS.items():
      cell = cell_arg.split('=')[1]
      for lr in rates:
        yield experiment.Arm(
            f'{task}_{variant}_lr{lr:g}',
            f'{config},{cell_arg},hidden={hidden[cell]}',
            {**overrides, **TASK_FIELDS.get(task, {}), 'optim.lr': lr},
            seeds=seeds, steps=steps, metric=metric)


# The character LM overfits the small corpus within its budget: there each
# run counts by its best validation score (as Jozefowicz et al. report the
# best), the rate chosen likewise; copying draws fresh data every batch and
# counts by its final score.
OVERFITS = ('char_lm',)


def _best(o, task, variant):
  return o.best_arm([f'{task}_{variant}_lr{lr:g}' for lr in TASKS[task][3]],
                    over_run=task in OVERFITS)


def _closes_gap(task):
  def rule(o):
    lstm, gru = _best(o, task, 'lstm_fb1'), _best(o, task, 'gru')
    over_run = task in OVERFITS
    return verdicts.matches(o.sample(lstm, over_run=over_run),
                            o.sample(gru, over_run=over_run),
                            o.baseline(gru), TASKS[task][4])
  return rule


def _bias_helps(task):
  def rule(o):
    one, zero = _best(o, task, 'lstm_fb1'), _best(o, task, 'lstm_fb0')
    over_run = task in OVERFITS
    return verdicts.beats(o.sample(one, over_run=over_run),
                          o.sample(zero, over_run=over_run), TASKS[task][4],
                          higher_is_better=False)
  return rule


NEEDS = {'copy': '45 runs of 20,000 steps at T = 100: about 75 minutes '
                 'on one core here.',
         'char_lm': '27 runs of 10,000 steps: about 2.5 hours here.'}
LABELS = {'copy': 'copying at T = 100', 'char_lm': 'the character LM'}
# Jozefowicz et al. 2015: Table 1 (best next-step accuracy on their
# arithmetic and XML tasks, no dropout) and Table 3 (PTB test NLL per word,
# 5M parameters). Their LSTM has forget bias 0, their LSTM-b bias 1.
SOURCE = {'copy': 'Jozefowicz et al. 2015, Table 1',
          'char_lm': 'Jozefowicz et al. 2015, Table 3'}
PAPER = {
    'copy': {'lstm_fb0': 'accuracy 0.892 (Arith), 0.425 (XML)',
             'lstm_fb1': 'accuracy 0.902 (Arith), 0.444 (XML)',
             'gru': 'accuracy 0.896 (Arith), 0.460 (XML)'},
    'char_lm': {'lstm_fb0': 'NLL 4.699 (PTB words)',
                'lstm_fb1': 'NLL 4.698 (PTB words)',
                'gru': 'NLL 4.684 (PTB words)'},
}
DIFFERS = {
    'copy': 'their arithmetic and XML tasks, the best of a search over '
            'sizes, rates, inits and clipping; copying at T = 100 '
            '(cross-entropy; lower is better), three rates here',
    'char_lm': 'PTB word level, 5M parameters, their search; characters of '
               'the licence texts, 128 units, three rates here (bits per '
               'character)',
}
EXPERIMENT = experiment.Experiment(
    name='forget_bias', metric='eval/bpc', arms=tuple(_arms()),
    claims=tuple(claim for task in TASKS for claim in (
        experiment.Claim(f'{task}_gap', f'With forget bias 1 the LSTM '
                         f'matches the GRU on {LABELS[task]}',
                         _closes_gap(task), needs=NEEDS[task]),
        experiment.Claim(f'{task}_bias', f'Forget bias 1 beats forget bias '
                         f'0 on {LABELS[task]}', _bias_helps(task),
                         needs=NEEDS[task]))),
    references=tuple(
        experiment.Reference(
            tuple(f'{task}_{variant}_lr{lr:g}' for lr in TASKS[task][3]),
            SOURCE[task], PAPER[task][variant], DIFFERS[task],
            setting=f'{variant}, {LABELS[task]}',
            over_run=task in OVERFITS)
        for task in TASKS for variant in VARIANTS),
    plots={f'curves_{task}': tuple(f'{task}_{v}_lr{lr:g}' for v in VARIANTS
                                   for lr in TASKS[task][3])
           for task in TASKS},
)
