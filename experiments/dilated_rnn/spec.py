"""The Dilated RNN (Chang et al. 2017) on permuted pixel MNIST; its copying
claim is settled in experiments/copy."""

from rnnzoo import experiment
from rnnzoo import verdicts

METRIC = 'eval/accuracy'
DILATIONS = '/'.join(str(2 ** i) for i in range(9))  # 1, 2, ..., 256


def _solves(o):
  return verdicts.solves(o.sample('pmnist'), o.baseline('pmnist'), METRIC,
                         higher_is_better=True)


EXPERIMENT = experiment.Experiment(
    name='dilated_rnn', metric=METRIC,
    arms=(experiment.Arm(
        'pmnist', 'configs/mnist.py:order=permuted,cell=vanilla,hidden=20,'
        f'dilations={DILATIONS}', seeds=3, steps=5000,
        label='9 x 20 tanh, dilations 1-256'),),
    claims=(experiment.Claim(
        'pmnist', 'A Dilated RNN of 9 tanh layers of 20 units solves '
        'permuted pixel MNIST', _solves,
        unavailable='The TFDS mnist data set cannot be downloaded here: '
        'prepare it with `tfds build mnist --file_format=array_record` '
        '(into ~/tensorflow_datasets) on a machine with internet; about 1 '
        'hour per seed on 2 cores'),),
    plot_references={'curves': {'Chang et al. 2017': 0.961,
                                'official demo, 5k steps': 0.943}},
    references=(experiment.Reference(
        'pmnist', 'Chang et al. 2017 (as cited in the S4 paper, Table 12); '
        'the official demo re-run', '96.1%; 94.3% after 5k iterations',
        'none for the demo\'s setup (RMSProp 1e-3, batch 128, 5k steps)'),),
)
