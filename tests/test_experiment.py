"""Experiments as specs: arms become run dirs, the run files become tables
and verdicts; every experiment of the repository is a valid spec."""

import dataclasses
import json
import os

import pytest

import experiments
from experiments import readme
from rnnzoo import assembly
from rnnzoo import experiment
from rnnzoo import rundir
from rnnzoo import verdicts

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _spec(seeds=2, **claim):
  arm = experiment.Arm('gru_short', 'configs/adding.py:cell=gru,runlocal',
                       {'optim.lr': 3e-3}, seeds=seeds, steps=6,
                       evaluations=2)
  rule = lambda o: verdicts.stays_at_baseline(
      o.sample('gru_short'), o.baseline('gru_short'), 'eval/mse', False)
  return experiment.Experiment(
      name='toy', metric='eval/mse', arms=(arm,),
      claims=(experiment.Claim('stays', 'A GRU stays at the baseline', rule,
                               **claim),))


def test_arms_run_into_run_dirs_and_report_verdicts_from_them(tmp_path):
  spec = _spec()
  reports = experiment.run(spec, ROOT, str(tmp_path))
  assert sorted(r['name'] for r in reports) == ['gru_short/seed=0',
                                                'gru_short/seed=1']
  finals = []
  for seed in (0, 1):
    run = tmp_path / 'runs' / 'gru_short' / f'seed={seed}'
    config = rundir.read_config(str(run))
    assert (config.seed, config.num_steps, config.optim.lr) == (seed, 6, 3e-3)
    assert config.log.eval_every == 3
    finals.append(rundir.read_results(str(run))['final']['eval/mse'])
  again = experiment.run(spec, ROOT, str(tmp_path))
  assert {r['status'] for r in again} == {'skipped'}

  outcomes = experiment.Outcomes(spec, str(tmp_path / 'runs'))
  assert outcomes.values('gru_short') == finals
  (tmp_path / 'README.md').write_text('# Toy\n\nProse.\n')
  text = experiment.report(spec, str(tmp_path))
  expected = verdicts.stays_at_baseline(
      verdicts.Sample('gru_short', finals), 1 / 6, 'eval/mse', False)
  assert expected.markdown() in text
  readme = (tmp_path / 'README.md').read_text()
  assert readme.startswith('# Toy\n\nProse.\n\n' + experiment.BEGIN)
  assert f'{sum(finals) / 2:.4g}' in readme
  assert (tmp_path / 'curves.png').stat().st_size > 1000
  experiment.report(spec, str(tmp_path))  # the block is replaced, not added
  assert (tmp_path / 'README.md').read_text().count(experiment.BEGIN) == 1


def test_a_seed_another_experiment_ran_with_the_same_config_is_copied(
    tmp_path):
  """The second experiment's arm has another name but the first one's config:
  its seed 0 is copied from there (no checkpoints: nothing was trained), its
  seed 1, which the first lacks, is trained."""
  first = _spec(seeds=1)
  experiment.run(first, ROOT, str(tmp_path / 'first'))
  arm = dataclasses.replace(first.arms[0], name='gru_again', seeds=2)
  second = dataclasses.replace(first, name='second', arms=(arm,), claims=())
  experiment.run(second, ROOT, str(tmp_path / 'second'))
  source = tmp_path / 'first' / 'runs' / 'gru_short' / 'seed=0'
  copy = tmp_path / 'second' / 'runs' / 'gru_again' / 'seed=0'
  for name in ('config.json', 'results.json', 'metrics.jsonl'):
    assert (copy / name).read_text() == (source / name).read_text()
  assert not (copy / 'checkpoints').exists()
  trained = tmp_path / 'second' / 'runs' / 'gru_again' / 'seed=1'
  assert (trained / 'checkpoints').exists()
  assert rundir.read_results(str(trained))['status'] == 'done'


def test_a_run_of_another_config_is_not_copied(tmp_path):
  first = _spec(seeds=1)
  experiment.run(first, ROOT, str(tmp_path / 'first'))
  arm = dataclasses.replace(first.arms[0], name='gru_faster',
                            overrides={'optim.lr': 1e-2})
  second = dataclasses.replace(first, name='second', arms=(arm,), claims=())
  assert experiment.copy_identical_runs(
      experiment.points(second, ROOT), str(tmp_path / 'second' / 'runs'),
      str(tmp_path)) == []


def _finished_seed(spec, root, seed=0, status='done', mse=0.1):
  """A seed of the toy arm, ended at its 6 steps: done with the final `mse`,
  or diverged (then without a final MSE)."""
  run = root / 'runs' / 'gru_short' / f'seed={seed}'
  run.mkdir(parents=True)
  rundir.write_config(str(run), spec.arm('gru_short').configs(ROOT)[seed])
  rundir.write_results(str(run), {
      'status': status, 'steps': 6,
      'final': {'eval/mse': mse} if status == 'done' else {},
      'baseline': {'eval/mse': 1 / 6}, 'metric': 'eval/mse',
      'higher_is_better': False})
  return run


def test_a_claim_whose_arms_have_not_finished_is_inconclusive_and_says_why(
    tmp_path):
  spec = _spec(seeds=3, needs='3 seeds: a minute.')
  _finished_seed(spec, tmp_path)
  (claim, verdict), = experiment.verdicts_of(spec, str(tmp_path))
  assert verdict.outcome == 'inconclusive'
  assert "arm 'gru_short' has finished 1 of its 3 seeds" in verdict.finding
  assert '3 seeds: a minute.' in verdict.finding
  assert claim.text == 'A GRU stays at the baseline'


def test_the_readme_lists_each_verdict_and_what_an_unfinished_claim_needs(
    tmp_path):
  spec = _spec(seeds=2, needs='2 seeds: a minute.')
  lines = lambda: readme.claim_lines([('toy', spec)], lambda _: str(tmp_path))
  _finished_seed(spec, tmp_path, 0)
  assert lines() == [
      '- [toy](experiments/toy): A GRU stays at the baseline - '
      '**inconclusive**: not settled here, its runs have not all finished. '
      '2 seeds: a minute.']
  _finished_seed(spec, tmp_path, 1, mse=0.12)
  (_, verdict), = experiment.verdicts_of(spec, str(tmp_path))
  assert verdict.rule and not experiment.is_unfinished(verdict)
  assert lines() == ['- [toy](experiments/toy): A GRU stays at the baseline '
                     f'- **{verdict.outcome}**']


def test_a_diverged_seed_counts_as_finished_but_gives_no_value(tmp_path):
  spec = _spec(seeds=2)
  for seed, status in ((0, 'done'), (1, 'diverged')):
    run = tmp_path / 'runs' / 'gru_short' / f'seed={seed}'
    run.mkdir(parents=True)
    rundir.write_config(str(run), spec.arm('gru_short').configs(ROOT)[seed])
    rundir.write_results(str(run), {
        'status': status, 'final': {'eval/mse': 0.2}, 'steps': 6,
        'baseline': {'eval/mse': 1 / 6}})
  outcomes = experiment.Outcomes(spec, str(tmp_path / 'runs'))
  assert outcomes.values('gru_short') == [0.2]
  assert outcomes.diverged('gru_short') == 1
  assert list(outcomes.sample('gru_short').values) == [0.2]


def test_the_best_arm_by_final_score_or_by_best_score_over_the_run(tmp_path):
  """'steady' ends lower; 'overfits' dipped lower on the way and ends
  higher: the final scores pick the first, the best over the run the
  second."""
  curves = {'steady': [0.5, 0.3, 0.2], 'overfits': [0.4, 0.1, 0.25]}
  arms = tuple(experiment.Arm(name, 'configs/adding.py:cell=gru,runlocal',
                              seeds=1, steps=6) for name in curves)
  references = tuple(experiment.Reference(tuple(curves), 'A paper', '0.3',
                                          '', over_run=over_run)
                     for over_run in (False, True))
  spec = experiment.Experiment(name='toy', metric='eval/mse', arms=arms,
                               references=references)
  for arm, curve in zip(arms, curves.values()):
    run = tmp_path / 'runs' / arm.name / 'seed=0'
    run.mkdir(parents=True)
    rundir.write_config(str(run), arm.configs(ROOT)[0])
    rundir.write_results(str(run), {
        'status': 'done', 'final': {'eval/mse': curve[-1]}, 'steps': 6,
        'baseline': {'eval/mse': 1 / 6}})
    (run / 'metrics.jsonl').write_text(''.join(
        json.dumps({'step': 2 * (i + 1), 'eval/mse': v}) + '\n'
        for i, v in enumerate(curve)))
  outcomes = experiment.Outcomes(spec, str(tmp_path / 'runs'))
  assert outcomes.best_arm(list(curves)) == 'steady'
  assert outcomes.best_arm(list(curves), over_run=True) == 'overfits'
  assert outcomes.values('overfits', over_run=True) == [0.1]
  rows = experiment.references_table(spec, outcomes).splitlines()[-2:]
  assert rows == ['| steady | A paper | 0.3 | 0.2 (steady, the best) |  |',
                  '| steady | A paper | 0.3 | 0.1 (overfits, the best) |  |']


def test_plots_draw_only_finished_runs(tmp_path):
  # A run still under way (its partial curve on this machine only) draws
  # nothing: the committed README shows no plot that a checkout cannot
  # regenerate.
  spec = _spec(seeds=1)
  run = tmp_path / 'runs' / 'gru_short' / 'seed=0'
  run.mkdir(parents=True)
  rundir.write_config(str(run), spec.arm('gru_short').configs(ROOT)[0])
  rundir.write_results(str(run), {'status': 'running'})
  (run / 'metrics.jsonl').write_text(
      json.dumps({'step': 3, 'eval/mse': 0.15}) + '\n')
  (tmp_path / 'README.md').write_text('# Toy\n')
  text = experiment.report(spec, str(tmp_path))
  assert not (tmp_path / 'curves.png').exists()
  assert '.png' not in text


def test_a_run_done_before_its_arm_got_more_steps_is_not_finished(tmp_path):
  # The arm's budget went from 6 steps to 12 after seed 0 ran: its 6-step
  # result is neither a value, nor a finished seed, nor a plotted curve.
  spec = _spec(seeds=1)
  run = _finished_seed(spec, tmp_path)
  (run / 'metrics.jsonl').write_text(
      json.dumps({'step': 6, 'eval/mse': 0.1}) + '\n')
  assert experiment.Outcomes(spec, str(tmp_path / 'runs')).values(
      'gru_short') == [0.1]
  longer = dataclasses.replace(spec, arms=(dataclasses.replace(
      spec.arm('gru_short'), steps=12),))
  outcomes = experiment.Outcomes(longer, str(tmp_path / 'runs'))
  assert outcomes.values('gru_short') == []
  (_, verdict), = experiment.verdicts_of(longer, str(tmp_path))
  assert "arm 'gru_short' has finished 0 of its 1 seeds" in verdict.finding
  (tmp_path / 'README.md').write_text('# Toy\n')
  experiment.report(longer, str(tmp_path))
  assert not (tmp_path / 'curves.png').exists()


def test_sections_waiting_for_the_same_runs_say_so_once(tmp_path):
  def waiting(outcomes, folder):
    del folder
    outcomes.sample('gru_short')
    return 'drawn'

  spec = dataclasses.replace(_spec(seeds=1), sections=(waiting, waiting))
  (tmp_path / 'README.md').write_text('# Toy\n')
  text = experiment.report(spec, str(tmp_path))
  assert text.count('(Not drawn yet: ') == 1
  assert "(Not drawn yet: arm 'gru_short' has finished 0 of its 1 seeds" in text


def test_bad_specs_are_refused():
  arm = experiment.Arm('a', 'configs/adding.py')
  with pytest.raises(ValueError, match=r"arm names repeat: \['a', 'a'\]"):
    experiment.Experiment('x', 'eval/mse', (arm, arm))
  with pytest.raises(ValueError, match=r"has no arm 'b': its arms are \['a'\]"):
    experiment.Experiment('x', 'eval/mse', (arm,), plots={'p': ('b',)})
  with pytest.raises(ValueError, match=r"names the plot 'p': its plots are "
                     r"\['curves'\]"):
    experiment.Experiment('x', 'eval/mse', (arm,),
                          plot_references={'p': {'paper': 0.5}})
  with pytest.raises(ValueError, match=r"arm name='a b' is not allowed"):
    experiment.Arm('a b', 'configs/adding.py')
  for field, value in (('seeds', 0), ('evaluations', 0), ('steps', 0),
                       ('steps', 2.5)):
    with pytest.raises(ValueError, match=rf'{field}={value} is not allowed'):
      experiment.Arm('a', 'configs/adding.py', **{field: value})


@pytest.mark.parametrize('name', experiments.names())
def test_every_experiment_is_a_spec_whose_configs_build(name):
  spec = experiments.load(name)
  assert spec.name == name
  for arm in spec.arms:
    for config in arm.configs(ROOT):
      assembly.check(config)
  readme = open(os.path.join(experiments.folder(name), 'README.md')).read()
  assert readme.count(experiment.BEGIN) == 1
  assert readme.count(experiment.END) == 1


@pytest.mark.parametrize('name', experiments.names())
def test_committed_runs_are_runs_of_their_arms(name):
  assert experiment.stale_runs(experiments.load(name), ROOT,
                               experiments.folder(name)) == []


def test_runs_of_a_changed_spec_are_refused_not_skipped(tmp_path):
  """A finished run whose arm has changed since would otherwise be skipped
  as done and read into the tables as if it were a run of the new arm."""
  spec = _spec(seeds=1)
  experiment.run(spec, ROOT, str(tmp_path))
  arm = dataclasses.replace(spec.arms[0], overrides={'optim.lr': 1e-2})
  changed = dataclasses.replace(spec, arms=(arm,))
  assert experiment.stale_runs(changed, ROOT, str(tmp_path)) == [
      f'gru_short{os.sep}seed=0: optim.lr: 0.003 there, 0.01 here']
  with pytest.raises(ValueError, match=r'gru_short.seed=0: optim.lr: 0.003 '
                     'there, 0.01 here'):
    experiment.run(changed, ROOT, str(tmp_path))
  fewer = dataclasses.replace(spec, arms=(dataclasses.replace(
      spec.arms[0], name='gru_other'),))
  assert experiment.stale_runs(fewer, ROOT, str(tmp_path)) == [
      f'gru_short{os.sep}seed=0: no arm declares it']


def test_an_override_with_a_pipe_stays_in_its_column(tmp_path):
  arm = experiment.Arm('skew', 'configs/adding.py:cell=exprnn,runlocal',
                       {'optim.lr_scale': 0.1,
                        'optim.lr_scale_params': '(^|/)a$'}, seeds=1, steps=6)
  spec = experiment.Experiment(name='toy', metric='eval/mse', arms=(arm,))
  table = experiment.arms_table(spec, experiment.Outcomes(spec, str(tmp_path)))
  row = table.splitlines()[-1]
  assert row.replace('\\|', '').count('|') == 9  # eight columns
  assert '(^\\|/)a$' in row


def test_a_reference_over_several_arms_shows_the_best_of_them(tmp_path):
  arms = tuple(experiment.Arm(f'gru_lr{lr:g}', 'configs/adding.py:cell=gru,'
                              'runlocal', {'optim.lr': lr}, seeds=1, steps=6,
                              evaluations=1)
               for lr in (1e-3, 1e-2))
  reference = experiment.Reference(tuple(a.name for a in arms), 'A paper',
                                   '0.5', 'everything', setting='GRU, best')
  spec = experiment.Experiment(name='toy', metric='eval/mse', arms=arms,
                               references=(reference,))
  outcomes = experiment.Outcomes(spec, str(tmp_path / 'runs'))
  assert experiment.references_table(spec, outcomes).splitlines()[-1] == (
      '| GRU, best | A paper | 0.5 | pending | everything |')
  experiment.run(spec, ROOT, str(tmp_path))
  outcomes = experiment.Outcomes(spec, str(tmp_path / 'runs'))
  finals = {a.name: outcomes.values(a.name)[0] for a in arms}
  best = min(finals, key=finals.get)
  assert experiment.references_table(spec, outcomes).splitlines()[-1] == (
      f'| GRU, best | A paper | 0.5 | {finals[best]:.4g} ({best}, the best) '
      '| everything |')


def test_a_column_over_several_arms_shows_the_best_once_all_finished(
    tmp_path):
  arms = tuple(experiment.Arm(f'gru_lr{lr:g}', 'configs/adding.py:cell=gru,'
                              'runlocal', {'optim.lr': lr}, seeds=1, steps=6,
                              evaluations=1)
               for lr in (1e-3, 1e-2))
  column = experiment.Column('adding, MSE', {
      'gru': tuple(a.name for a in arms)})
  spec = experiment.Experiment(name='toy', metric='eval/mse', arms=arms,
                               columns=(column,))
  row = lambda: readme.cell_table([('toy', spec)],
                                  lambda name: str(tmp_path)).splitlines()[2]
  experiment.run(spec, ROOT, str(tmp_path), arms=(arms[0].name,))
  assert row() == '| `gru` | pending |'
  experiment.run(spec, ROOT, str(tmp_path))
  outcomes = experiment.Outcomes(spec, str(tmp_path / 'runs'))
  best = min(outcomes.values(a.name)[0] for a in arms)
  assert row() == f'| `gru` | {best:.3g} (1/1) |'


def test_tables_count_diverged_and_unfinished_seeds_apart(tmp_path):
  spec = dataclasses.replace(
      _spec(seeds=3),
      columns=(experiment.Column('adding, MSE', {'gru': 'gru_short'}),),
      references=(experiment.Reference('gru_short', 'A paper', '0.3', ''),))
  row = lambda: readme.cell_table([('toy', spec)],
                                  lambda name: str(tmp_path)).splitlines()[2]
  ours = lambda: experiment.references_table(spec, experiment.Outcomes(
      spec, str(tmp_path / 'runs'))).splitlines()[-1].split(' | ')[3]
  assert row() == '| `gru` | pending |' and ours() == 'pending'
  _finished_seed(spec, tmp_path, 1, 'diverged')
  assert row() == '| `gru` | diverged (1/3) |' and ours() == 'pending'
  _finished_seed(spec, tmp_path, 0, 'done', mse=0.1)
  assert ours() == '0.1 (1 of 3 seeds)'
  _finished_seed(spec, tmp_path, 2, 'done', mse=0.3)
  assert row() == '| `gru` | 0.2 ± 0.14 (2/3, 1 diverged) |'
  assert ours() == '0.2 ± 0.14'


def test_a_reference_to_an_arm_that_does_not_exist_is_refused():
  arm = _spec().arms[0]
  with pytest.raises(ValueError, match="no arm 'gru_long'"):
    experiment.Experiment(
        name='toy', metric='eval/mse', arms=(arm,),
        references=(experiment.Reference('gru_long', 'A paper', '1', ''),))
