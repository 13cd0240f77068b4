"""Timing shared by the benchmarks: contenders interleaved round-robin, and
the CPU pressure that says whether other work shared the machine."""

import statistics
import time

from absl import flags

# The flags every benchmark takes.
REPEATS = flags.DEFINE_integer('repeats', 7, 'Timed rounds (per shape).')
OUT = flags.DEFINE_string('out', '', 'Also write the tables to this file.')
PRESSURE = '/proc/pressure/cpu'
CONTENDED = 10.0  # percent of time some task waited for a CPU, over 10 s


def round_robin_times(contenders, repeats):
  """Seconds of each call of each contender, `repeats` rounds interleaved.

  Each turn starts with one untimed call: without it the first timed call
  pays for the previous contender's threads (PyTorch's OpenMP workers spin
  after a parallel region), which slowed the next contender by up to 4x.
  """
  times = {name: [] for name in contenders}
  for _ in range(repeats):
    for name, run in contenders.items():
      run()
      start = time.perf_counter()
      run()
      times[name].append(time.perf_counter() - start)
  return times


def throughput(times, tokens):
  """From `round_robin_times`: ({name: median tokens/s}, {name: half the
  range of tokens/s over the repeats, as a fraction of the median})."""
  speed = {name: tokens / statistics.median(t) for name, t in times.items()}
  spread = {name: (tokens / min(t) - tokens / max(t)) / 2 / speed[name]
            for name, t in times.items()}
  return speed, spread


def cpu_pressure() -> float | None:
  """Linux PSI 'some avg10' of the CPU (percent), None where unavailable."""
  try:
    with open(PRESSURE) as f:
      first = f.readline().split()
  except OSError:
    return None
  return float(dict(field.split('=') for field in first[1:])['avg10'])


def pressure_note(before: float | None, after: float | None) -> str:
  """One sentence on the CPU pressure around a timing ('' without PSI);
  above CONTENDED it says the run was contended."""
  pressure = [p for p in (before, after) if p is not None]
  if not pressure:
    return ''
  return (f'CPU pressure (PSI some avg10): {before}% before, {after}% after'
          + (' - contended: other work shared the CPU, so the absolute '
             'numbers are low; the ratios are the reading'
             if max(pressure) > CONTENDED else '.'))


def report(text: str) -> None:
  """Prints a benchmark's tables, and writes them to --out when given."""
  print(text)
  if OUT.value:
    with open(OUT.value, 'w') as f:
      f.write(text + '\n')
