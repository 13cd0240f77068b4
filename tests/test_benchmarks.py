"""The benchmarks' timing: interleaved rounds, the CPU pressure reading, and
the whole-model train step they time."""

from experiments import bench_models
from experiments import timing
from rnnzoo import config_util


def test_round_robin_interleaves_the_contenders_and_times_each_second_call():
  calls = []
  contenders = {name: (lambda name=name: calls.append(name))
                for name in ('a', 'b')}
  times = timing.round_robin_times(contenders, repeats=3)
  assert calls == ['a', 'a', 'b', 'b'] * 3
  assert {name: len(t) for name, t in times.items()} == {'a': 3, 'b': 3}
  assert all(s >= 0 for t in times.values() for s in t)


def test_throughput_is_the_median_rate_with_half_its_range():
  speed, spread = timing.throughput({'a': [2.0, 1.0, 4.0]}, tokens=8)
  # rates 4, 8 and 2 tokens/s: median 4, range 2..8
  assert speed == {'a': 4.0}
  assert spread == {'a': (8 - 2) / 2 / 4}


def test_cpu_pressure_reads_psi_and_is_none_without_it(tmp_path, monkeypatch):
  psi = tmp_path / 'cpu'
  psi.write_text('some avg10=12.50 avg60=3.00 avg300=1.00 total=5\n'
                 'full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n')
  monkeypatch.setattr(timing, 'PRESSURE', str(psi))
  assert timing.cpu_pressure() == 12.5
  monkeypatch.setattr(timing, 'PRESSURE', str(tmp_path / 'none'))
  assert timing.cpu_pressure() is None


def test_a_model_contender_runs_its_train_step(tmp_path):
  text = tmp_path / 'text.txt'
  text.write_text('the quick brown fox jumps over the lazy dog. ' * 40)
  config = config_util.load('configs/char_lm_glu.py:runlocal')
  config.task.path = str(text)
  run, tokens = bench_models.train_step_contender(config)
  run()
  assert tokens == config.batch_size * config.task.seq_len
