"""One LSTM gate removed at a time (Jozefowicz, Zaremba & Sutskever 2015,
section 4), each variant at its best of three learning rates."""

from experiments import corpus
from rnnzoo import experiment
from rnnzoo import verdicts

GATES = {'full': '', 'no_i': 'i', 'no_f': 'f', 'no_o': 'o'}
# name -> (config, fields, steps, learning rates, seeds, metric). The adding
# problem runs 5,000 steps: at 1,500 some seeds without the forget or the
# output gate had not left the plateau yet (see the README).
TASKS = {
    'adding': ('configs/adding.py:cell=lstm,seq_len=50', {}, 5000,
               (3e-4, 1e-3, 3e-3), 5, 'eval/mse'),
    'char_lm': ('configs/char_lm.py:cell=lstm,hidden=128,layers=1,seq_len=64',
                {'task.path': corpus.PATH, 'batch_size': 32}, 10_000,
                (1e-3, 2e-3, 4e-3), 3, 'eval/bpc'),
}


def _name(task, variant, lr):
  return f'{task}_{variant}_lr{lr:g}'


ARMS = tuple(
    experiment.Arm(_name(task, variant, lr), config,
                   {**fields, 'cell.no_gate': gate, 'optim.lr': lr},
                   seeds=seeds, steps=steps, metric=metric)
    for task, (config, fields, steps, rates, seeds, metric) in TASKS.items()
    for variant, gate in GATES.items() for lr in rates)


# The character LM overfits the small corpus within its budget: there each
# run counts by its best validation score (Jozefowicz et al. report the
# best), the rate chosen likewise; the adding problem draws fresh data every
# batch and counts by its final score.
OVERFITS = ('char_lm',)


def _best(o, task, variant):
  return o.best_arm([_name(task, variant, lr) for lr in TASKS[task][3]],
                    over_run=task in OVERFITS)


def _matters(task, variant):
  def rule(o):
    full, ablated = _best(o, task, 'full'), _best(o, task, variant)
    over_run = task in OVERFITS
    return verdicts.beats(o.sample(full, over_run=over_run),
                          o.sample(ablated, over_run=over_run),
                          TASKS[task][5], higher_is_better=False)
  return rule


def _unimportant(task, variant):
  def rule(o):
    full, ablated = _best(o, task, 'full'), _best(o, task, variant)
    over_run = task in OVERFITS
    return verdicts.matches(o.sample(ablated, over_run=over_run),
                            o.sample(full, over_run=over_run),
                            o.baseline(full), TASKS[task][5])
  return rule


NEEDS = {'adding': '60 runs of 5,000 steps, about 5 minutes each on one '
                   'core here (5 hours in all).',
         'char_lm': '36 runs of 10,000 steps, about 3.5 minutes each here; '
                    'the 9 of the full LSTM have the config of the '
                    'forget-bias experiment\'s bias-1 runs and are copied '
                    'from there once they exist.'}
LABELS = {'adding': 'the adding problem', 'char_lm': 'the character LM'}
# Jozefowicz et al. 2015: Table 1 (best next-step accuracy on their
# arithmetic task, no dropout) and Table 3 (PTB test NLL per word, 5M
# parameters); their LSTM-b is the full LSTM with forget bias 1, as here.
SOURCE = {'adding': 'Jozefowicz et al. 2015, Table 1',
          'char_lm': 'Jozefowicz et al. 2015, Table 3'}
PAPER = {
    'adding': {'full': 'accuracy 0.902 (Arith, LSTM-b)',
               'no_i': 'accuracy 0.751 (Arith, LSTM-i)',
               'no_f': 'accuracy 0.293 (Arith, LSTM-f)',
               'no_o': 'accuracy 0.867 (Arith, LSTM-o)'},
    'char_lm': {'full': 'NLL 4.698 (PTB words, LSTM-b)',
                'no_i': 'NLL 4.755 (PTB words, LSTM-i)',
                'no_f': 'NLL 4.785 (PTB words, LSTM-f)',
                'no_o': 'NLL 4.708 (PTB words, LSTM-o)'},
}
DIFFERS = {
    'adding': 'their arithmetic task (next-step accuracy), the best of a '
              'search over sizes, rates, inits and clipping; the adding '
              'problem at T = 50 (MSE), three rates here',
    'char_lm': 'PTB word level, 5M parameters, their search; characters of '
               'the licence texts, 128 units, three rates here (bits per '
               'character)',
}
EXPERIMENT = experiment.Experiment(
    name='gate_ablation', metric='eval/mse', arms=ARMS,
    claims=tuple(claim for task in TASKS for claim in (
        experiment.Claim(f'{task}_i', f'Removing the input gate hurts on '
                         f'{LABELS[task]}', _matters(task, 'no_i'),
                         needs=NEEDS[task]),
        experiment.Claim(f'{task}_f', f'Removing the forget gate hurts on '
                         f'{LABELS[task]}', _matters(task, 'no_f'),
                         needs=NEEDS[task]),
        experiment.Claim(f'{task}_o', f'Removing the output gate does not '
                         f'matter on {LABELS[task]}',
                         _unimportant(task, 'no_o'), needs=NEEDS[task]))),
    references=tuple(
        experiment.Reference(
            tuple(_name(task, variant, lr) for lr in TASKS[task][3]),
            SOURCE[task], PAPER[task][variant], DIFFERS[task],
            setting=f'{variant}, {LABELS[task]}',
            over_run=task in OVERFITS)
        for task in TASKS for variant in GATES),
    plots={f'curves_{task}': tuple(_name(task, v, lr) for v in GATES
                                   for lr in TASKS[task][3])
           for task in TASKS},
)
