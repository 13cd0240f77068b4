"""MNIST-1D in order and with its positions shuffled (Greydanus 2020)."""

from rnnzoo import experiment
from rnnzoo import verdicts

METRIC = 'eval/accuracy'
# Hidden sizes that give each cell about 13.5k parameters with the readout.
HIDDEN = {'gru': 64, 'lstm': 56, 'vanilla': 110}
STEPS = 3000


def _arm(cell, shuffle):
  name = f'{cell}_' + ('shuffled' if shuffle else 'plain')
  return experiment.Arm(
      name, f'configs/mnist1d.py:cell={cell},hidden={HIDDEN[cell]},'
      f'shuffle={shuffle}', seeds=3, steps=STEPS,
      label=f'{cell}, ' + ('shuffled' if shuffle else 'in order'))


def _mlp_arm(shuffle):
  """The order-free control: the paper's MLP (two ReLU layers of 100, the
  second residual; 15.2k parameters), trained as the cells are."""
  return experiment.Arm(
      'mlp_' + ('shuffled' if shuffle else 'plain'),
      f'configs/mnist1d.py:model=mlp,shuffle={shuffle}', seeds=3, steps=STEPS,
      label='MLP, ' + ('shuffled' if shuffle else 'in order'))


def _every_cell_loses(o):
  return verdicts.all_of(
      [verdicts.beats(o.sample(f'{cell}_plain'), o.sample(f'{cell}_shuffled'),
                      METRIC, higher_is_better=True,
                      claim=f'{cell}: in order beats shuffled')
       for cell in HIDDEN],
      'every cell loses accuracy when the positions are shuffled')


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
       for cell in HIDDEN],
      'shuffled, every recurrent cell scores below the order-free MLP')


EXPERIMENT = experiment.Experiment(
    name='mnist1d', metric=METRIC,
    arms=tuple(_arm(cell, shuffle) for cell in HIDDEN
               for shuffle in (False, True)) + (_mlp_arm(False),
                                                _mlp_arm(True)),
    claims=(
        experiment.Claim('shuffling', 'Every recurrent cell loses accuracy '
                         'when the positions of MNIST-1D are shuffled',
                         _every_cell_loses),
        experiment.Claim('order_free', 'Shuffled, the recurrent cells fall '
                         'to the accuracy of a model that ignores order',
                         _no_cell_beats_the_order_free_control,
                         needs='The two MLP arms, 3 seeds each, about a '
                         'minute a seed on a CPU.'),
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
            cell: f'{cell}_plain' for cell in HIDDEN}),
        experiment.Column('MNIST-1D shuffled, accuracy', {
            cell: f'{cell}_shuffled' for cell in HIDDEN}),
    ),
)
