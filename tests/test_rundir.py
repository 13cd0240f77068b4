"""The run directory's format: what counts as a run of the same config."""

import ml_collections
import pytest

from rnnzoo import rundir


def test_differences_name_changed_fields_and_skip_the_resumable_ones():
  old = {'seed': 0, 'num_steps': 10, 'model': {'hidden_size': 8}}
  new = {'seed': 1, 'num_steps': 20, 'model': {'hidden_size': 16}}
  assert rundir.differences(old, new) == [
      'model.hidden_size: 8 there, 16 here', 'seed: 0 there, 1 here']


def test_the_loops_unroll_factor_is_resumable():
  old = {'model': {'hidden_size': 8}}
  assert not rundir.differences(old, {'model': {'hidden_size': 8,
                                                'scan_unroll': 1}})
  assert not rundir.differences({'model': {'hidden_size': 8,
                                           'scan_unroll': 4}},
                                {'model': {'hidden_size': 8,
                                           'scan_unroll': 2}})


def test_an_option_added_since_at_its_neutral_default_is_no_difference():
  old = {'model': {'hidden_size': 8}, 'cell': {'name': 'lstm'}}
  added_off = {'model': {'hidden_size': 8, 'zoneout_h': 0.0,
                         'dilations': ()},
               'cell': {'name': 'lstm', 'norm': '', 'peephole': False}}
  assert not rundir.differences(old, added_off)
  added_on = {'model': {'hidden_size': 8, 'zoneout_h': 0.1},
              'cell': {'name': 'lstm', 'norm': 'layer'}}
  assert rundir.differences(old, added_on) == [
      "cell.norm: None there, 'layer' here",
      'model.zoneout_h: None there, 0.1 here']
  removed = {'model': {}, 'cell': {'name': 'lstm'}}
  assert rundir.differences(old, removed) == [
      'model.hidden_size: 8 there, None here']


def test_prepare_refuses_another_config_and_replaces_it_when_told(tmp_path):
  config = ml_collections.ConfigDict({'seed': 0, 'num_steps': 5})
  rundir.prepare(str(tmp_path), config, overwrite=False)
  rundir.write_config(str(tmp_path), config)
  rundir.write_results(str(tmp_path), {'status': 'done', 'steps': 5})
  other = ml_collections.ConfigDict({'seed': 1, 'num_steps': 5})
  with pytest.raises(ValueError, match=r'a different config \(seed: 0 there, '
                     r'1 here\): pass --overwrite'):
    rundir.prepare(str(tmp_path), other, overwrite=False)
  rundir.prepare(str(tmp_path), other, overwrite=True)
  assert rundir.read_results(str(tmp_path)) is None


def test_prepare_refuses_checkpoints_without_their_config(tmp_path):
  """What is left when a run's committed files are deleted but its ignored
  checkpoints are not: resuming from them would give a run of whatever
  config they were made with."""
  (tmp_path / rundir.CHECKPOINTS / '2000').mkdir(parents=True)
  config = ml_collections.ConfigDict({'seed': 0, 'num_steps': 5})
  with pytest.raises(ValueError, match=r'holds checkpoints of an unknown '
                     r'config: it has no config.json: pass --overwrite'):
    rundir.prepare(str(tmp_path), config, overwrite=False)
  rundir.prepare(str(tmp_path), config, overwrite=True)
  assert not (tmp_path / rundir.CHECKPOINTS).exists()


def test_results_with_an_unknown_status_are_refused(tmp_path):
  with pytest.raises(ValueError, match=r"status='finished' is not allowed"):
    rundir.write_results(str(tmp_path), {'status': 'finished'})
