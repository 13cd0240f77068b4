"""MNIST-1D in order and with its positions shuffled (Greydanus 2020)."""

from experiments import authors
from rnnzoo import experiment
from rnnzoo import verdicts

METRIC = 'eval/accuracy'
# (hidden size, layers) that give each RNN about 13.4k parameters with the
# readout. The cells that run in parallel over time have no recurrent
# matrix: a layer's parameters grow with H, not H^2, so they are stacked two
# deep to reach the same count (the minGRU and QRNN papers stack them too).
CLASSIC = {'gru': (64, 1), 'lstm': (56, 1), 'vanilla': (110, 1)}
PARALLEL = {'mingru': (78, 2), 'minlstm': (64, 2), 'qrnn': (45, 2),
            'sru': (64, 2)}
ZOO = {'exprnn': (153, 1), 'nested_lstm': (32, 1), 'mist': (76, 1),
       'jordan': (79, 1), 'scrn': (120, 1), 'rin': (110, 1),
       'nprnn': (110, 1)}
# Variants of a cell, each an arm of its own: {name: (cell, hidden size,
# overrides, label, its row in README.md's table of cells)}. The layer-
# normalised GRU and LSTM (Ba et al. 2016, the joint form of their code) are
# sized to the same count with their gains and biases. The expRNN also runs
# with one learning rate for all its parameters, and its row shows the
# better of its two settings.
VARIANTS = {
    'lngru': ('gru', 62, {'cell.norm': 'layer'}, 'gru, layer norm',
              'gru norm=layer'),
    'lnlstm': ('lstm', 54, {'cell.norm': 'layer'}, 'lstm, layer norm',
               'lstm norm=layer'),
    'exprnn_one_rate': ('exprnn', 153, {}, 'exprnn, one learning rate',
                        'exprnn'),
}
SIZES = {**CLASSIC, **PARALLEL, **ZOO,
         **{name: (variant[1], 1) for name, variant in VARIANTS.items()}}
STEPS = 3000
SEEDS = 5  # a run costs about a minute


def _arm(name, shuffle):
  """name: a cell, or one of VARIANTS."""
  hidden, layers = SIZES[name]
  cell, overrides, label = name, authors.options(name), name
  if name in VARIANTS:
    cell, _, overrides, label, _ = VARIANTS[name]
  depth = f',layers={layers}' if layers > 1 else ''
  size = f'{layers} x {hidden}' if layers > 1 else f'{hidden}'
  return experiment.Arm(
      f'{name}_' + ('shuffled' if shuffle else 'plain'),
      f'configs/mnist1d.py:cell={cell},hidden={hidden}{depth},'
      f'shuffle={shuffle}', overrides, seeds=SEEDS, steps=STEPS,
      label=f'{label} ({size}), ' + ('shuffled' if shuffle else 'in order'))


def _column(suffix):
  """{row: the arm, or the arms whose best it shows}, for README.md."""
  rows = {}
  for name in SIZES:
    row = VARIANTS[name][4] if name in VARIANTS else name
    rows.setdefault(row, []).append(f'{name}_{suffix}')
  return {row: arms[0] if len(arms) == 1 else tuple(arms)
          for row, arms in rows.items()}


def _mlp_arm(shuffle):
  """The order-free control: the paper's MLP (two ReLU layers of 100, the
  second residual; 15.2k parameters), trained as the cells are."""
  return experiment.Arm(
      'mlp_' + ('shuffled' if shuffle else 'plain'),
      f'configs/mnist1d.py:model=mlp,shuffle={shuffle}', seeds=SEEDS, steps=STEPS,
      label='MLP, ' + ('shuffled' if shuffle else 'in order'))


def _every_cell_loses(cells, what):
  def rule(o):
    return verdicts.all_of(
        [verdicts.beats(o.sample(f'{cell}_plain'),
                        o.sample(f'{cell}_shuffled'), METRIC,
                        higher_is_better=True,
                        claim=f'{cell}: in order beats shuffled')
         for cell in cells],
        f'every {what} loses accuracy when the positions are shuffled')
  return rule


def _no_cell_beats_the_order_free_control(o):
  ignores_order = verdicts.matches(
      o.sample('mlp_shuffled'), o.sample('mlp_plain'),
      o.baseline('mlp_plain'), METRIC,
      claim='the MLP scores the same shuffled as in order')
  return verdicts.all_of(
      [ignores_order] +
      [verdicts.beats(o.sample('mlp_shuffled'), o.sample(f'{cell}_shuffled'),
                      METRIC, higher_is_better=True,
                      claim=f'shuffled, the MLP beats {cell}')
       for cell in CLASSIC],
      'shuffled, every recurrent cell scores below the order-free MLP')


# "Matches": within a tenth of the reference's gain over the baseline (about
# 9 points of accuracy); a quarter would let 20 points pass near the ceiling.
MATCH_MARGIN = 0.1


def _matches(cell, reference):
  return lambda o: verdicts.matches(
      o.sample(f'{cell}_plain'), o.sample(f'{reference}_plain'),
      o.baseline(f'{reference}_plain'), METRIC, margin=MATCH_MARGIN)


_PER_ARM = f'{SEEDS} seeds of 3,000 steps, about a minute a seed on a CPU core'
_NAMES = {'mingru': 'minGRU', 'minlstm': 'minLSTM', 'gru': 'GRU',
          'lstm': 'LSTM'}


def _matched_claim(cell, reference):
  return experiment.Claim(
      f'{cell}_matches_{reference}',
      f'At the same parameter count, the two-layer {_NAMES[cell]} matches '
      f'the {_NAMES[reference]} on MNIST-1D in order',
      _matches(cell, reference), needs=f'The {cell}_plain arm: {_PER_ARM}.')


EXPERIMENT = experiment.Experiment(
    name='mnist1d', metric=METRIC,
    arms=tuple(_arm(cell, shuffle) for cell in SIZES
               for shuffle in (False, True)) + (_mlp_arm(False),
                                                _mlp_arm(True)),
    claims=(
        experiment.Claim('shuffling', 'Every recurrent cell loses accuracy '
                         'when the positions of MNIST-1D are shuffled',
                         _every_cell_loses(CLASSIC, 'cell')),
        experiment.Claim('order_free', 'Shuffled, the recurrent cells fall '
                         'to the accuracy of a model that ignores order',
                         _no_cell_beats_the_order_free_control,
                         needs=f'The two MLP arms, {SEEDS} seeds each, about a '
                         'minute a seed on a CPU.'),
        experiment.Claim(
            'shuffling_parallel', 'Each cell that runs in parallel over '
            'time (minGRU, minLSTM, QRNN, SRU) loses accuracy when the '
            'positions are shuffled',
            _every_cell_loses(PARALLEL, 'parallel cell'),
            needs=f'{2 * len(PARALLEL)} arms of {_PER_ARM}.'),
        _matched_claim('mingru', 'gru'),
        _matched_claim('minlstm', 'lstm'),
        experiment.Claim(
            'shuffling_zoo', 'Each cell of the wider zoo (expRNN, Nested '
            'LSTM, MIST, Jordan, SCRN, RIN, np-RNN) loses accuracy when the '
            'positions are shuffled', _every_cell_loses(ZOO, 'zoo cell'),
            needs=f'{2 * len(ZOO)} arms of {_PER_ARM}.'),
    ),
    references=(
        experiment.Reference('gru_plain', 'Greydanus 2020 (mnist1d README)',
                             '91% (GRU)', 'their GRU: bidirectional, 6 '
                             'units, read over all 40 steps; ours: 64 '
                             'units, read at the last step'),
        experiment.Reference('gru_shuffled', 'Greydanus 2020', '57% (GRU); '
                             'MLP 68%', 'as above'),
        experiment.Reference('mlp_shuffled', 'Greydanus 2020', '68% (MLP)',
                             'the same MLP (2 x 100 ReLU, residual); '
                             'trained here as our cells: Adam 3e-3, batch '
                             '100, 3000 steps'),
    ),
    plot_references={'curves': {'Greydanus 2020: GRU in order': 0.91,
                                'GRU shuffled': 0.57, 'MLP shuffled': 0.68}},
    columns=(
        experiment.Column('MNIST-1D, accuracy', _column('plain')),
        experiment.Column('MNIST-1D shuffled, accuracy', _column('shuffled')),
    ),
)
