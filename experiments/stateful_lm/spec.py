"""Stateful training with truncated backpropagation through time against
independent windows of the same length, on the character LM (Williams &
Peng 1990; Mikolov 2012): does the carried state lower the held-out bits
per character?"""

from experiments import corpus
from rnnzoo import experiment
from rnnzoo import verdicts

METRIC = 'eval/bpc'
STEPS = 10_000
SEEDS = 3
CONFIG = 'configs/char_lm.py:cell=lstm,hidden=128,layers=1,seq_len=32'
# Both arms are evaluated the same way: the whole held-out text as one
# stream (task.eval_stream; a stateful task always evaluates so).
FIELDS = {'task.path': corpus.PATH, 'batch_size': 32, 'task.eval_stream': True}


def _stateful_beats_windows(o):
  return verdicts.beats(o.sample('stateful'), o.sample('windows'), METRIC,
                        higher_is_better=False)


EXPERIMENT = experiment.Experiment(
    name='stateful_lm', metric=METRIC,
    arms=(experiment.Arm('stateful', f'{CONFIG},stateful', FIELDS, seeds=SEEDS,
                         steps=STEPS, label='streams, carry passed (TBPTT 32)'),
          experiment.Arm('windows', CONFIG, FIELDS, seeds=SEEDS, steps=STEPS,
                         label='independent windows of 32')),
    claims=(experiment.Claim(
        'carry', 'Passing the carry from window to window (truncated BPTT) '
        'lowers the held-out bits per character of an LSTM trained on '
        'windows of the same length', _stateful_beats_windows,
        needs=f'2 x {SEEDS} x {STEPS:,} steps: about 50 minutes on one core '
        'here (a run of 3,000 steps took 90-120 s).'),),
)
