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


def _every_cell_loses(o):
  return verdicts.all_of(
      [verdicts.beats(o.sample(f'{cell}_plain'), o.sample(f'{cell}_shuffled'),
                      METRIC, higher_is_better=True,
                      claim=f'{cell}: in order beats shuffled')
       for cell in HIDDEN],
      'every cell loses accuracy when the positions are shuffled')


def _no_order_free_control(o):
  del o
  raise experiment.NotFinished(
      'the order-free control of the MNIST-1D paper (an MLP, 68% on the '
      'shuffled variant where its GRU gets 57%) is not a model of rnnzoo '
      'yet')


EXPERIMENT = experiment.Experiment(
    name='mnist1d', metric=METRIC,
    arms=tuple(_arm(cell, shuffle) for cell in HIDDEN
               for shuffle in (False, True)),
    claims=(
        experiment.Claim('shuffling', 'Every recurrent cell loses accuracy '
                         'when the positions of MNIST-1D are shuffled',
                         _every_cell_loses),
        experiment.Claim('order_free', 'Shuffled, the recurrent cells fall '
                         'to the accuracy of a model that ignores order',
                         _no_order_free_control,
                         needs='An MLP model beside the RNN, 3 seeds, a few '
                         'minutes.'),
    ),
    references=(
        experiment.Reference('gru_plain', 'Greydanus 2020 (mnist1d README)',
                             '91% (GRU)', 'their GRU: bidirectional, 6 '
                             'units, read over all 40 steps; ours: 64 '
                             'units, read at the last step'),
        experiment.Reference('gru_shuffled', 'Greydanus 2020', '57% (GRU); '
                             'MLP 68%', 'as above'),
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
