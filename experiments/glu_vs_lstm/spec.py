"""The gated convolutional network against a two-layer LSTM with about the
same parameters on the character LM (Dauphin et al. 2017, sections 5-6)."""

from experiments import corpus
from rnnzoo import experiment
from rnnzoo import verdicts

METRIC = 'eval/bpc'
STEPS = 10_000
SEEDS = 3
# "Matches": within a tenth of the LSTM's gain over the unigram baseline
# (about 0.3 bits per character); a quarter would let 0.7 pass.
MATCH_MARGIN = 0.1
# Both read windows of 100 characters, batch 32, Adam with clipping at 1.
FIELDS = {'task.path': corpus.PATH, 'batch_size': 32, 'task.seq_len': 100}


def _matches(o):
  return verdicts.matches(o.sample('glu', over_run=True),
                          o.sample('lstm_2x', over_run=True),
                          o.baseline('lstm_2x'), METRIC, margin=MATCH_MARGIN)


EXPERIMENT = experiment.Experiment(
    name='glu_vs_lstm', metric=METRIC,
    arms=(
        # 8 residual GLU blocks of 61 channels, width 4: 249,575 parameters,
        # each output reads the previous 25 characters.
        experiment.Arm('glu', 'configs/char_lm_glu.py:channels=61,blocks=8,'
                       'kernel=4', FIELDS, seeds=SEEDS, steps=STEPS,
                       label='GLU, 8 x 61'),
        # 246,805 parameters.
        experiment.Arm('lstm_2x', 'configs/char_lm.py:cell=lstm,hidden=128,'
                       'layers=2', FIELDS, seeds=SEEDS, steps=STEPS,
                       label='LSTM, 2 x 128'),
    ),
    claims=(experiment.Claim(
        'matches', 'A gated convolutional network matches a two-layer LSTM '
        'with as many parameters on the character LM (best validation bits '
        'per character)', _matches,
        needs=f'2 x {SEEDS} x {STEPS:,} steps: about 1.5 hours on one core '
        'here.'),),
    references=(
        experiment.Reference('glu', 'Dauphin et al. 2017, Table 2',
                             '37.2 test perplexity (GCNN-14, WikiText-103; '
                             'unverified here)', 'word-level WikiText-103, '
                             '14 bottleneck blocks, adaptive softmax there; '
                             'characters of the licence texts, 8 plain '
                             'blocks here'),
        experiment.Reference('lstm_2x', 'Dauphin et al. 2017, Table 2',
                             '48.7 (LSTM-1024; unverified here)',
                             'as above'),
    ),
)
