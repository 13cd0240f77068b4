"""A fixed-length vector loses long inputs; attention fixes it (Bahdanau,
Cho & Bengio 2015, "Neural machine translation by jointly learning to align
and translate", ICLR, Fig. 2): exact reversal of strings of 10 to 99
symbols by LSTM and GRU encoder-decoders with and without additive
attention, at matched parameters, accuracy per bucket of input lengths."""

import os

from matplotlib import figure
import numpy as np

from rnnzoo import experiment
from rnnzoo import verdicts

METRIC = 'eval/sequence_accuracy'
STEPS = 10_000
SEEDS = 3
MIN_LEN, MAX_LEN, BUCKET = 10, 99, 10
BUCKETS = [(lo, min(lo + BUCKET - 1, MAX_LEN))
           for lo in range(MIN_LEN, MAX_LEN + 1, BUCKET)]
SHORTEST, LONGEST = BUCKETS[0], BUCKETS[-1]
# "Falls": below half the accuracy at the shortest bucket; "holds": within
# 0.1 of it.
FALLS_TO = 0.5
HOLDS_WITHIN = 0.1
# About 321,000 parameters (LSTM) and 256,000 (GRU) each: the models
# without attention are wider to make up for the attention's weights.
ARMS = {
    'lstm_additive': ('cell=lstm,attention=additive,hidden=128',
                      'LSTM, additive attention, 128 units'),
    'lstm_none': ('cell=lstm,attention=none,hidden=160',
                  'LSTM, no attention, 160 units'),
    'gru_additive': ('cell=gru,attention=additive,hidden=128',
                     'GRU, additive attention, 128 units'),
    'gru_none': ('cell=gru,attention=none,hidden=162',
                 'GRU, no attention, 162 units'),
}
EXAMPLE_ARM = 'lstm_additive'
EXAMPLE_LEN = 30


def _arm(name):
  arg, label = ARMS[name]
  return experiment.Arm(
      name, f'configs/reverse.py:{arg},min_len={MIN_LEN},max_len={MAX_LEN}',
      seeds=SEEDS, steps=STEPS, label=label)


def bucket_metric(bucket) -> str:
  return f'{METRIC}_len{bucket[0]}_{bucket[1]}'


def _beats_at_longest(cell):
  def rule(o):
    return verdicts.beats(
        o.sample(f'{cell}_additive', bucket_metric(LONGEST)),
        o.sample(f'{cell}_none', bucket_metric(LONGEST)),
        bucket_metric(LONGEST), higher_is_better=True)
  return rule


def _drop(o, arm, scale):
  """Per seed: accuracy at the longest bucket minus `scale` times that at
  the shortest."""
  longest = o.values(arm, bucket_metric(LONGEST))
  shortest = o.sample(arm, bucket_metric(SHORTEST)).values
  return verdicts.Sample(o.experiment.arm(arm).label or arm,
                         [a - scale * b for a, b in zip(longest, shortest)])


def _falls(cell):
  def rule(o):
    return verdicts.exceeds(
        _drop(o, f'{cell}_none', FALLS_TO), 0.0,
        f'accuracy at lengths {LONGEST[0]}-{LONGEST[1]} minus {FALLS_TO} x '
        f'that at {SHORTEST[0]}-{SHORTEST[1]}', above=False)
  return rule


def _holds(cell):
  def rule(o):
    return verdicts.exceeds(
        _drop(o, f'{cell}_additive', 1.0), -HOLDS_WITHIN,
        f'accuracy at lengths {LONGEST[0]}-{LONGEST[1]} minus that at '
        f'{SHORTEST[0]}-{SHORTEST[1]}', above=True)
  return rule


# ----------------------------------------------------------------------------
# The report's sections.


def accuracy_by_length(o: experiment.Outcomes, folder: str) -> str:
  """Bahdanau et al.'s Fig. 2 for reversal: mean exact-sequence accuracy
  over seeds (bars: the seeds' range) per bucket of input lengths, one line
  per arm that has finished seeds."""
  middles = [(lo + hi) / 2 for lo, hi in BUCKETS]
  fig = figure.Figure(figsize=(6.5, 4))
  ax = fig.subplots()
  drawn = 0
  for index, name in enumerate(ARMS):
    per_bucket = [o.values(name, bucket_metric(b)) for b in BUCKETS]
    if not all(per_bucket):
      continue
    values = np.array(per_bucket)
    mean = values.mean(1)
    ax.errorbar(middles, mean, yerr=[mean - values.min(1),
                                     values.max(1) - mean],
                color=f'C{index // 2}', capsize=2, marker='o',
                linestyle='-' if name.endswith('additive') else '--',
                label=o.experiment.arm(name).label)
    drawn += 1
  if not drawn:
    raise experiment.NotFinished('no arm has finished a seed')
  ax.set_xlabel('input length (bucket middle)')
  ax.set_ylabel('exact-sequence accuracy')
  ax.set_ylim(-0.02, 1.02)
  ax.legend(fontsize='small')
  fig.tight_layout()
  name = 'accuracy_by_length.png'
  fig.savefig(os.path.join(folder, name), dpi=100)
  return ('### Accuracy against input length\n\nMean over the finished '
          'seeds, bars from the lowest to the highest seed; solid with '
          f'attention, dashed without.\n\n![{name}]({name})')


def attention_example(o: experiment.Outcomes, folder: str) -> str:
  """The attention weights of seed 0 of EXAMPLE_ARM reversing one string
  of EXAMPLE_LEN symbols: a clean reversal is the anti-diagonal. Needs that
  run's checkpoint, which is not committed (only its small files are)."""
  import jax  # pylint: disable=g-import-not-at-top
  from rnnzoo import train  # pylint: disable=g-import-not-at-top
  o.check_finished(EXAMPLE_ARM)
  runs = o.runs(EXAMPLE_ARM)
  runs = runs[runs['seed'] == 0]['run']
  workdir = os.path.join(o.root, runs.iloc[0]) if len(runs) else ''
  try:
    _, task, model, variables = train.restore(workdir)
  except (ValueError, FileNotFoundError) as error:
    raise experiment.NotFinished(
        f'the attention plot reads the checkpoint of arm {EXAMPLE_ARM!r} '
        f'seed 0, which is not here ({error}); run the arm here to draw '
        'it') from None
  batch = task.sample(jax.random.PRNGKey(0), 64)
  row = int(np.argmin(np.abs(np.asarray(batch['length']) - EXAMPLE_LEN)))
  length = int(batch['length'][row])
  tokens, weights = model.apply(
      variables, batch['src'][row:row + 1], batch['src_mask'][row:row + 1],
      length + 1, method='generate')
  fig = figure.Figure(figsize=(5, 5))
  ax = fig.subplots()
  ax.imshow(np.asarray(weights[0, :, :length]), cmap='gray_r', vmin=0,
            vmax=1)
  ax.set_xlabel('source position')
  ax.set_ylabel('output step')
  fig.tight_layout()
  name = 'attention_example.png'
  fig.savefig(os.path.join(folder, name), dpi=100)
  right = bool(np.array_equal(np.asarray(tokens[0]),
                              np.asarray(batch['tgt_out'][row, :length + 1])))
  return (f'### Attention weights reversing one string\n\nSeed 0 of '
          f'{EXAMPLE_ARM}, a string of {length} symbols (answer '
          f"{'right' if right else 'wrong'}); row t is the weights with "
          f'which output step t reads the source.\n\n![{name}]({name})')


# Measured here (the LSTMs, 2 shared CPU cores): about 2 s a training step
# with attention (S = U = 100: the additive scores are 64 x 99 x 128 tanh
# per decoder step), 0.5 s without.
_SEEDS = f'{SEEDS} x {STEPS:,} steps'
_BOTH = f'{_SEEDS} of each arm: about 21 hours here (2 + 0.5 s a step).'
_NONE = f'{_SEEDS}: about 4 hours here (0.5 s a step).'
_ATTENTION = f'{_SEEDS}: about 17 hours here (2 s a step).'
_CELLS = ('lstm', 'gru')
EXPERIMENT = experiment.Experiment(
    name='seq2seq_attention', metric=METRIC,
    arms=tuple(_arm(name) for name in ARMS),
    claims=tuple(
        experiment.Claim(f'{cell}_attention_wins',
                         f'At lengths {LONGEST[0]}-{LONGEST[1]}, the '
                         f'{cell.upper()} encoder-decoder with attention '
                         'beats the one without', _beats_at_longest(cell),
                         needs=_BOTH)
        for cell in _CELLS) + tuple(
        experiment.Claim(f'{cell}_fixed_vector_falls',
                         f'Without attention, the {cell.upper()} '
                         'encoder-decoder\'s accuracy at lengths '
                         f'{LONGEST[0]}-{LONGEST[1]} is below {FALLS_TO} of '
                         f'its accuracy at {SHORTEST[0]}-{SHORTEST[1]}',
                         _falls(cell), needs=_NONE)
        for cell in _CELLS) + tuple(
        experiment.Claim(f'{cell}_attention_holds',
                         f'With attention, the {cell.upper()} '
                         'encoder-decoder\'s accuracy at lengths '
                         f'{LONGEST[0]}-{LONGEST[1]} is within '
                         f'{HOLDS_WITHIN} of its accuracy at '
                         f'{SHORTEST[0]}-{SHORTEST[1]}',
                         _holds(cell), needs=_ATTENTION)
        for cell in _CELLS),
    references=(
        experiment.Reference(
            'lstm_none', 'Bahdanau et al. 2015, Fig. 2 (RNNenc-50)',
            'BLEU falls steeply with sentence length past about 20 words '
            '(read off the figure; unverified here)',
            'English-to-French translation scored by BLEU, 1000 gated '
            'units, a maxout readout and days of training there; exact '
            'reversal of symbol strings, overall accuracy, 160 LSTM units '
            'and 10,000 steps here'),
        experiment.Reference(
            'lstm_additive', 'Bahdanau et al. 2015, Fig. 2 (RNNsearch-50)',
            'BLEU about flat up to 50 words and more (read off the figure; '
            'unverified here)', 'as above; 128 LSTM units'),
    ),
    sections=(accuracy_by_length, attention_example),
)
