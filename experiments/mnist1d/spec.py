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
# The layer-normalised GRU and LSTM (Ba et al. 2016, the joint form of
# their code), sized to the same count with their gains and biases.
LAYER_NORM = {'lngru': ('gru', 62), 'lnlstm': ('lstm', 54)}
SIZES = {**CLASSIC, **PARALLEL, **ZOO,
         **{name: (hidden, 1) for name, (_, hidden) in LAYER_NORM.items()}}
STEPS = 3000
SEEDS = 5  # a run costs about a minute


def _arm(row, shuffle):
  """row: a cell, or a layer-normalised one (LAYER_NORM)."""
  name = f'{row}_' + ('shuffled' if shuffle else 'plain')
  hidden, layers = SIZES[row]
  cell, overrides, label = row, authors.options(row), row
  if row in LAYER_NORM:
    cell = LAYER_NORM[row][0]
    overrides, label = {'cell.norm': 'layer'}, f'{cell}, layer norm'
  depth = f',layers={layers}' if layers > 1 else ''
  size = f'{layers} x {hidden}' if layers > 1 else f'{hidden}'
  return experiment.Arm(
      name, f'configs/mnist1d.py:cell={cell},hidden={hidden}{depth},'
      f'shuffle={shuffle}', overrides, seeds=SEEDS, steps=STEPS,
      label=f'{label} ({size}), ' + ('shuffled' if shuffle else 'in order'))


def _row(name):
  """Its row in README.md's table of cells, as the adding table names it."""
  return (f'{LAYER_NORM[name][0]} norm=layer' if name in LAYER_NORM
          else name)


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
        experiment.Column('MNIST-1D, accuracy', {
            _row(cell): f'{cell}_plain' for cell in SIZES}),
        experiment.Column('MNIST-1D shuffled, accuracy', {
            _row(cell): f'{cell}_shuffled' for cell in SIZES}),
    ),
)
