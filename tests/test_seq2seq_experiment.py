"""The seq2seq_attention spec's rules and plots on made-up final metrics."""

import os

import jax
from matplotlib import figure
import pandas as pd
import pytest

from experiments import ROOT
from experiments.seq2seq_attention import spec
from rnnzoo import experiment
from rnnzoo import tasks
from rnnzoo.models import seq2seq


def _outcomes(tmp_path, accuracy, baseline=0.1):
  """Outcomes whose seeds finished with exact-sequence and per-token
  accuracy(arm, seed, bucket), against a per-token `baseline` in every
  bucket."""
  rows = []
  for arm in spec.ARMS:
    for seed in range(spec.SEEDS):
      row = {'run': f'{arm}/seed={seed}', 'arm': arm, 'seed': seed,
             'status': 'done', 'higher_is_better': True}
      for bucket in spec.BUCKETS:
        row[spec.bucket_metric(bucket)] = accuracy(arm, seed, bucket)
        token = spec.bucket_metric(bucket, spec.TOKEN_METRIC)
        row[token] = accuracy(arm, seed, bucket)
        row[f'baseline:{token}'] = baseline
      row[spec.METRIC] = row[spec.bucket_metric(spec.SHORTEST)]
      rows.append(row)
  o = experiment.Outcomes(spec.EXPERIMENT, str(tmp_path / 'runs'))
  o.frame = pd.DataFrame(rows)
  return o


def _bahdanau(arm, seed, bucket):
  """Attention flat near 0.95; without it, falling linearly to 0.1."""
  noise = 0.01 * seed
  if arm.endswith(spec.ATTENTION):
    return 0.95 - noise
  return 0.9 - 0.8 * (bucket[0] - 10) / 80 - noise


def _verdicts(o):
  return {claim.name: experiment.verdict_of(claim, o, spec.EXPERIMENT).outcome
          for claim in spec.EXPERIMENT.claims}


def test_the_claimed_pattern_supports_every_claim(tmp_path):
  assert set(_verdicts(_outcomes(tmp_path, _bahdanau)).values()) == {
      'supported'}


def test_no_effect_of_length_contradicts_the_claims(tmp_path):
  flat = lambda arm, seed, bucket: 0.5 + 0.01 * seed
  found = _verdicts(_outcomes(tmp_path, flat))
  assert found['lstm_fixed_vector_falls'] == 'contradicted'
  assert found['gru_attention_holds'] == 'supported'
  assert found['lstm_attention_wins'] in ('contradicted', 'inconclusive')


def test_the_length_claims_read_gains_over_the_baseline(tmp_path):
  # Per-token accuracy 0.3 at the shortest bucket and 0.2 at the longest:
  # above a baseline of 0.1 the gain halves exactly (0.2 -> 0.1), so the
  # fall is not below half; above a baseline of 0.15, 0.15 -> 0.05 is.
  def falling(arm, seed, bucket):
    return 0.3 - 0.1 * (bucket[0] - 10) / 80 + 0.001 * (seed - 1)
  assert _verdicts(_outcomes(tmp_path, falling, baseline=0.1))[
      'lstm_fixed_vector_falls'] != 'supported'
  assert _verdicts(_outcomes(tmp_path, falling, baseline=0.15))[
      'lstm_fixed_vector_falls'] == 'supported'


def test_unfinished_arms_leave_the_claims_inconclusive(tmp_path):
  o = _outcomes(tmp_path, _bahdanau)
  o.frame = o.frame[o.frame['seed'] < 2]
  assert set(_verdicts(o).values()) == {'inconclusive'}


def test_the_plots(tmp_path):
  o = _outcomes(tmp_path, _bahdanau)
  text = spec.accuracy_by_length(o, str(tmp_path))
  assert os.path.exists(tmp_path / 'accuracy_by_length.png')
  assert 'accuracy_by_length.png' in text
  with pytest.raises(experiment.NotFinished, match='checkpoint of arm '
                     f"'{spec.EXAMPLE_ARM}' seed 0"):
    spec.attention_example(o, str(tmp_path))


def test_without_the_checkpoint_the_attention_plot_drawn_before_stays(
    tmp_path):
  o = _outcomes(tmp_path, _bahdanau)
  figure.Figure().savefig(tmp_path / spec.EXAMPLE_PLOT,
                          metadata={'Description': 'Seed 0, 28 symbols.'})
  assert spec.attention_example(o, str(tmp_path)) == (
      '### Attention weights reversing one string\n\nSeed 0, 28 symbols.'
      '\n\n![attention_example.png](attention_example.png)')


def _num_params(arm):
  config = spec.EXPERIMENT.arm(arm).configs(ROOT)[0]
  task = tasks.get(**dict(config.task))
  net = seq2seq.build(config, task)
  batch = task.sample(jax.random.PRNGKey(0), 2)
  shapes = jax.eval_shape(lambda: net.init(jax.random.PRNGKey(0), batch,
                                           train=True))
  assert net.num_params(shapes) == sum(
      a.size for a in jax.tree_util.tree_leaves(shapes))
  return net.num_params(shapes)


@pytest.mark.parametrize('cell', ['lstm', 'gru'])
def test_the_arms_of_a_cell_have_the_same_parameters_within_one_percent(cell):
  with_attention = _num_params(f'{cell}_{spec.ATTENTION}')
  without = _num_params(f'{cell}_none')
  assert abs(without / with_attention - 1) < 0.01
