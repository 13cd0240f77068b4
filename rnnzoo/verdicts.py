r"""Verdicts on claims from the literature, from one final metric per seed.

  lstm = verdicts.Sample('LSTM', [0.012, 0.015, 0.011])
  gru = verdicts.Sample('GRU', [0.020, 0.024, 0.019])
  verdict = verdicts.beats(lstm, gru, 'eval/mse', higher_is_better=False)
  print(verdict.markdown())
  # **Verdict: supported.** eval/mse over seeds ... Rule: Supported if ...

A verdict is 'supported', 'contradicted' or 'inconclusive', decided by a
rule over the seeds' numbers that the verdict states in one sentence (so a
README that prints the verdict states its rule), or 'not run' with the
command that would run the experiment. Every rule is a pair of one-sided
tests at level alpha (0.05 by default): one whose rejection supports the
claim, one whose rejection contradicts it; neither rejecting is
inconclusive.

Statistics, with m the mean, s the sample standard deviation (ddof 1) and n
the seeds of a setting:
  Welch's t-test (Welch 1947, "The generalization of Student's problem when
  several different population variances are involved", Biometrika 34):
    t = (m_A - m_B) / sqrt(s_A^2/n_A + s_B^2/n_B),
    df = (s_A^2/n_A + s_B^2/n_B)^2
         / ((s_A^2/n_A)^2/(n_A-1) + (s_B^2/n_B)^2/(n_B-1)).
  One-sample t-test against a threshold c: t = (m - c) / (s / sqrt(n)),
    df = n - 1.
  Sign test over paired seeds: W wins of A out of N pairs that differ,
    p = sum_{k>=W} C(N, k) / 2^N.
  Equivalence by two one-sided tests, TOST (Schuirmann 1987, "A comparison
  of the two one-sided tests procedure and the power approach for assessing
  the equivalence of average bioavailability", J. Pharmacokinet. Biopharm.
  15): the means are equivalent within +-delta when both Welch tests of
  m_A - m_B > -delta and of m_A - m_B < delta reject at alpha.
When every seed of every setting in a test has the same value, there is no
variance to test with: the difference is exact, and its one-sided p-value is
0 when it lies in the tested direction and 1 otherwise.
"""

import dataclasses
import math
from typing import Iterable, Mapping

import numpy as np
from scipy import stats

from rnnzoo import options

SUPPORTED = 'supported'
CONTRADICTED = 'contradicted'
INCONCLUSIVE = 'inconclusive'
NOT_RUN = 'not run'
OUTCOMES = (SUPPORTED, CONTRADICTED, INCONCLUSIVE, NOT_RUN)
ALPHA = 0.05


@dataclasses.dataclass(frozen=True)
class Sample:
  """One final metric per seed of one setting: Sample('LSTM', [0.1, 0.2])."""

  name: str
  values: tuple[float, ...]

  def __post_init__(self):
    if not isinstance(self.name, str) or not self.name:
      raise ValueError(f'name={self.name!r} is not allowed: it must be a '
                       'non-empty string naming the setting')
    field = f'values of {self.name!r}'
    try:
      values = np.asarray(self.values, dtype=float)
    except (TypeError, ValueError):
      values = None
    if values is None or values.ndim != 1 or not values.size:
      raise ValueError(f'{field}={self.values!r} is not allowed: give a '
                       'list of numbers, one final metric per seed')
    if not np.isfinite(values).all():
      raise ValueError(f'{field}={self.values!r} is not allowed: every '
                       "seed's metric must be a finite number")
    object.__setattr__(self, 'values', tuple(float(v) for v in values))

  @property
  def array(self) -> np.ndarray:
    return np.array(self.values)

  def describe(self) -> str:
    """'LSTM 0.0127 ± 0.0021 (n = 3)': the mean ± standard deviation."""
    if len(self.values) == 1:
      return f'{self.name} {self.values[0]:.3g} (n = 1)'
    spread = np.std(self.array - self.values[0], ddof=1)  # 0 if identical
    return (f'{self.name} {np.mean(self.values):.3g} ± {spread:.2g} '
            f'(n = {len(self.values)})')


@dataclasses.dataclass(frozen=True)
class Verdict:
  """An outcome on a claim, the numbers behind it and the rule that decided.

  Attributes:
    outcome: one of OUTCOMES.
    claim: the claim judged, e.g. 'LSTM beats GRU'.
    finding: the numbers in words: means, standard deviations, seeds, the
      test statistic and its p-values (or the reason it was not run).
    rule: the rule, one sentence; empty for a claim not run.
    command: the command that runs the experiment, for a claim not run.
    parts: the verdicts that `all_of` combined.
    numbers: the numbers the finding quotes, by name ('t', 'df', ...).
  """

  outcome: str
  claim: str
  finding: str
  rule: str = ''
  command: str = ''
  parts: tuple['Verdict', ...] = ()
  numbers: Mapping[str, float] = dataclasses.field(default_factory=dict)

  def __post_init__(self):
    options.check_choice('outcome', self.outcome, OUTCOMES)

  def markdown(self) -> str:
    """'**Verdict: contradicted.** <finding> Rule: <rule>', then a list of
    the parts' verdicts."""
    text = f'**Verdict: {self.outcome}.** {self.finding}'
    if self.rule:
      text += f' Rule: {self.rule}'
    if self.command:
      text += f' To run it: `{self.command}`.'
    for part in self.parts:
      text += f'\n- {part.claim}: {part.markdown()}'
    return text


def _check_alpha(alpha) -> None:
  options.check_number('alpha', alpha, minimum=0, maximum=0.5, strict=True)


def _check_fraction(field: str, value) -> None:
  options.check_number(field, value, minimum=0, strict=True)
  if value >= 1:
    raise ValueError(f'{field}={value!r} is not allowed: it must be < 1')


def _check_sample(field: str, sample: Sample) -> None:
  if not isinstance(sample, Sample):
    raise ValueError(f'{field}={sample!r} is not allowed: it must be a '
                     'Sample (a name and one metric per seed)')


def _check_seeds(field: str, sample: Sample, minimum: int, test: str) -> None:
  _check_sample(field, sample)
  if len(sample.values) < minimum:
    raise ValueError(f'{field}={sample.name!r} with {len(sample.values)} '
                     f'seed(s) {list(sample.values)} is not allowed: {test} '
                     f'needs at least {minimum} seeds')


def _directions(higher_is_better: bool) -> tuple[str, str]:
  """The alternatives ('greater' / 'less') in which the metric is better
  and worse."""
  options.check_bool('higher_is_better', higher_is_better)
  return ('greater', 'less') if higher_is_better else ('less', 'greater')


def _words(alternative: str) -> str:
  return 'higher' if alternative == 'greater' else 'lower'


def _exact_p(difference: float, alternative: str) -> float:
  """The p-value of a difference known without error."""
  if alternative == 'greater':
    return 0.0 if difference > 0 else 1.0
  return 0.0 if difference < 0 else 1.0


def _welch(a: np.ndarray, b: np.ndarray, alternative: str,
           shift: float = 0.0) -> tuple[float, float, float]:
  """t, df and the one-sided p-value of Welch's test that
  m_a - (m_b + shift) is `alternative` ('greater' or 'less') than 0."""
  b = b + shift
  if np.ptp(a) == 0 and np.ptp(b) == 0:
    difference = a[0] - b[0]
    t = math.copysign(math.inf, difference) if difference else 0.0
    return t, math.inf, _exact_p(difference, alternative)
  # Centred on a constant sample's value, that sample is exactly zero, and
  # its variance too: the t-test is unchanged by a common shift.
  centre = b[0] if np.ptp(b) == 0 else a[0]
  result = stats.ttest_ind(a - centre, b - centre, equal_var=False,
                           alternative=alternative)
  return float(result.statistic), float(result.df), float(result.pvalue)


def _outcome(p_for: float, p_against: float, alpha: float) -> str:
  if p_for < alpha:
    return SUPPORTED
  if p_against < alpha:
    return CONTRADICTED
  return INCONCLUSIVE


def _t_text(t: float, df: float) -> str:
  if math.isinf(df):
    return ('every seed identical within each setting, so the difference '
            'is exact')
  return f'Welch t = {t:.3g}, df = {df:.3g}'


def beats(a: Sample, b: Sample, metric: str, higher_is_better: bool, *,
          paired: bool = False, alpha: float = ALPHA,
          claim: str | None = None) -> Verdict:
  """'A beats B': A's metric is better than B's.

  Welch's t-test over seeds (each at least 2), or with `paired` a sign test
  over seeds paired by position (seed i of A with seed i of B; ties
  dropped; with N pairs the smallest p is 2^-N, so fewer than
  log2(1/alpha) pairs can only be inconclusive).
  """
  better, worse = _directions(higher_is_better)
  _check_alpha(alpha)
  options.check_bool('paired', paired)
  _check_sample('a', a)
  _check_sample('b', b)
  claim = claim or f'{a.name} beats {b.name}'
  if paired:
    return _sign_test(a, b, metric, better, alpha, claim)
  for field, sample in (('a', a), ('b', b)):
    _check_seeds(field, sample, 2, "Welch's t-test")
  t, df, p_for = _welch(a.array, b.array, better)
  _, _, p_against = _welch(a.array, b.array, worse)
  finding = (f'{metric} over seeds (mean ± s.d.): {a.describe()}, '
             f'{b.describe()}; {_t_text(t, df)}: p = {p_for:.2g} for '
             f'{a.name} {_words(better)} than {b.name}, p = {p_against:.2g} '
             'for the reverse.')
  rule = (f'Supported if a one-sided Welch t-test over seeds finds the mean '
          f'{metric} of {a.name} {_words(better)} than that of {b.name} at '
          f'p < {alpha:g}, contradicted if the opposite one-sided test finds '
          f'it {_words(worse)} at p < {alpha:g}, inconclusive otherwise.')
  return Verdict(_outcome(p_for, p_against, alpha), claim, finding, rule,
                 numbers={'t': t, 'df': df, 'p_for': p_for,
                          'p_against': p_against})


def _sign_test(a: Sample, b: Sample, metric: str, better: str, alpha: float,
               claim: str) -> Verdict:
  for field, sample in (('a', a), ('b', b)):
    _check_seeds(field, sample, 1, 'a sign test')
  if len(a.values) != len(b.values):
    raise ValueError(f'b={b.name!r} with {len(b.values)} seeds is not '
                     f'allowed: a paired sign test needs as many seeds as '
                     f'a={a.name!r} ({len(a.values)}), paired by position')
  difference = a.array - b.array
  wins = int(np.sum(difference > 0 if better == 'greater' else difference < 0))
  losses = int(np.sum(difference != 0)) - wins
  pairs = wins + losses

  def p_of(count):
    if not pairs:
      return 1.0
    return float(stats.binomtest(count, pairs, alternative='greater').pvalue)

  p_for, p_against = p_of(wins), p_of(losses)
  finding = (f'{metric} over paired seeds: {a.describe()}, {b.describe()}; '
             f'{a.name} is {_words(better)} in {wins} of the {pairs} pairs '
             f'that differ: sign test p = {p_for:.2g} for {a.name} '
             f'{_words(better)}, p = {p_against:.2g} for the reverse.')
  rule = (f'Supported if {a.name} has the {_words(better)} {metric} in so '
          f'many of the seed pairs that a one-sided sign test gives '
          f'p < {alpha:g}, contradicted if {b.name} has it that often, '
          'inconclusive otherwise (tied pairs dropped).')
  return Verdict(_outcome(p_for, p_against, alpha), claim, finding, rule,
                 numbers={'wins': wins, 'pairs': pairs, 'p_for': p_for,
                          'p_against': p_against})


def matches(a: Sample, b: Sample, baseline: float, metric: str, *,
            margin: float = 0.25, alpha: float = ALPHA,
            claim: str | None = None) -> Verdict:
  """'A matches B': the means differ by less than delta = margin x |m_B -
  baseline|, a fraction of the way B has come from the trivial baseline.

  Supported by TOST at alpha. Contradicted when a one-sided Welch test
  shows the difference beyond +delta or below -delta at alpha / 2 (the
  side is not chosen in advance, so each gets half of alpha).
  """
  _check_fraction('margin', margin)
  _check_alpha(alpha)
  options.check_number('baseline', baseline)
  for field, sample in (('a', a), ('b', b)):
    _check_seeds(field, sample, 2, "Welch's t-test")
  claim = claim or f'{a.name} matches {b.name}'
  delta = float(margin * abs(np.mean(b.values) - baseline))
  x, y = a.array, b.array
  t_low, df, p_above_low = _welch(x, y, 'greater', shift=-delta)
  t_high, _, p_below_high = _welch(x, y, 'less', shift=delta)
  _, _, p_below_low = _welch(x, y, 'less', shift=-delta)
  _, _, p_above_high = _welch(x, y, 'greater', shift=delta)
  p_for = max(p_above_low, p_below_high)
  p_against = min(1.0, 2 * min(p_below_low, p_above_high))
  if math.isinf(df):
    tests = _t_text(t_low, df)
  else:
    tests = (f'Welch t = {t_low:.3g} against -{delta:.3g} and '
             f'{t_high:.3g} against +{delta:.3g}, df = {df:.3g}')
  finding = (f'{metric} over seeds (mean ± s.d.): {a.describe()}, '
             f'{b.describe()}; the difference of the means '
             f'{np.mean(x) - np.mean(y):.3g} against the margin ±{delta:.3g} '
             f'({margin:g} × |{np.mean(y):.3g} - baseline {baseline:.3g}|); '
             f'{tests}: p = {p_for:.2g} for within the margin (TOST), '
             f'p = {p_against:.2g} for beyond it (the smaller side doubled).')
  rule = (f'Supported if two one-sided Welch t-tests (TOST) show the mean '
          f'{metric} of {a.name} within ±{margin:g} × |mean of {b.name} - '
          f'trivial baseline| of that of {b.name} at p < {alpha:g}, '
          f'contradicted if a one-sided Welch t-test shows it beyond that '
          f'margin on either side at p < {alpha / 2:g}, inconclusive '
          'otherwise.')
  return Verdict(_outcome(p_for, p_against, alpha), claim, finding, rule,
                 numbers={'delta': delta, 't_low': t_low, 't_high': t_high,
                          'df': df, 'p_for': p_for, 'p_against': p_against})


def _threshold(baseline: float, higher_is_better: bool,
               fraction: float) -> tuple[float, str]:
  """The score `fraction` of the way from the perfect score (0 for a loss,
  1 for an accuracy) to the trivial baseline, and that in words."""
  options.check_number('baseline', baseline)
  if higher_is_better:
    if not 0 <= baseline < 1:
      raise ValueError(f'baseline={baseline!r} is not allowed: the trivial '
                       'baseline of a higher-is-better metric (an accuracy) '
                       'must be in [0, 1), 1 being perfect')
    return (1 - fraction * (1 - baseline),
            f'1 - {fraction:g} × (1 - the trivial baseline)')
  if baseline <= 0:
    raise ValueError(f'baseline={baseline!r} is not allowed: the trivial '
                     'baseline of a lower-is-better metric (a loss) must be '
                     '> 0, 0 being perfect')
  return fraction * baseline, f'{fraction:g} × the trivial baseline'


def _one_sample(x: np.ndarray, threshold: float,
                alternative: str) -> tuple[float, float, float]:
  """t, df and the one-sided p-value of the one-sample t-test that
  m_x - threshold is `alternative` ('greater' or 'less') than 0."""
  if np.ptp(x) == 0:
    difference = x[0] - threshold
    t = math.copysign(math.inf, difference) if difference else 0.0
    return t, math.inf, _exact_p(difference, alternative)
  result = stats.ttest_1samp(x, threshold, alternative=alternative)
  return float(result.statistic), float(result.df), float(result.pvalue)


def _against_threshold(a: Sample, baseline: float, metric: str,
                       higher_is_better: bool, fraction: float, alpha: float,
                       claim: str, want: str) -> Verdict:
  """Supported when a one-sample t-test finds A's mean `want` ('better' or
  'worse') than the threshold, contradicted when the other side is found."""
  better, worse = _directions(higher_is_better)
  _check_fraction('fraction', fraction)
  threshold, in_words = _threshold(baseline, higher_is_better, fraction)
  side = better if want == 'better' else worse
  return _one_sample_verdict(
      a, threshold, in_words, f' ({in_words}, the baseline being '
      f'{baseline:.3g})', metric, side, alpha, claim)


def _one_sample_verdict(a: Sample, threshold: float, in_words: str,
                        described: str, metric: str, side: str, alpha: float,
                        claim: str) -> Verdict:
  """The one-sample t-test of A's mean against `threshold` on `side`
  ('greater' or 'less'), both ways."""
  _check_alpha(alpha)
  _check_seeds('a', a, 2, 'a one-sample t-test')
  other = 'less' if side == 'greater' else 'greater'
  t, df, p_for = _one_sample(a.array, threshold, side)
  _, _, p_against = _one_sample(a.array, threshold, other)
  tests = ('every seed identical, so the difference is exact'
           if math.isinf(df) else f't = {t:.3g}, df = {df:.3g}')
  finding = (f'{metric} over seeds (mean ± s.d.): {a.describe()}, against '
             f'the threshold {threshold:.3g}{described}; {tests}: '
             f'p = {p_for:.2g} for {_words(side)}, p = {p_against:.2g} for '
             f'{_words(other)}.')
  rule = (f'Supported if a one-sided one-sample t-test over seeds finds the '
          f'mean {metric} of {a.name} {_words(side)} than {in_words} at '
          f'p < {alpha:g}, contradicted if the opposite one-sided test finds '
          f'it {_words(other)} at p < {alpha:g}, inconclusive otherwise.')
  return Verdict(_outcome(p_for, p_against, alpha), claim, finding, rule,
                 numbers={'threshold': threshold, 't': t, 'df': df,
                          'p_for': p_for, 'p_against': p_against})


def exceeds(a: Sample, threshold: float, metric: str, *, above: bool = True,
            alpha: float = ALPHA, claim: str | None = None) -> Verdict:
  """'A's metric lies above `threshold`' (with above=False: below it), for
  a metric without a trivial baseline (a log ratio of gradient norms, a
  fraction of units): a one-sample t-test over seeds of A's mean against
  the threshold, supported when it finds the mean on the claimed side at
  alpha, contradicted when the opposite one-sided test does."""
  options.check_number('threshold', threshold)
  options.check_bool('above', above)
  side = 'greater' if above else 'less'
  _check_sample('a', a)
  claim = claim or f'{a.name} {_words(side)} than {threshold:g}'
  return _one_sample_verdict(a, threshold, f'{threshold:g}', '', metric,
                             side, alpha, claim)


def solves(a: Sample, baseline: float, metric: str, higher_is_better: bool,
           *, fraction: float = 0.1, alpha: float = ALPHA,
           claim: str | None = None) -> Verdict:
  """'A solves the task': A's mean metric is better than the threshold
  `fraction` of the way from the perfect score to the trivial baseline: a
  loss below fraction x baseline; an accuracy above
  1 - fraction x (1 - baseline), i.e. closing 1 - fraction of the gap from
  the baseline (chance) to 1."""
  _check_sample('a', a)
  return _against_threshold(a, baseline, metric, higher_is_better, fraction,
                            alpha, claim or f'{a.name} solves the task',
                            want='better')


def stays_at_baseline(a: Sample, baseline: float, metric: str,
                      higher_is_better: bool, *, fraction: float = 0.9,
                      alpha: float = ALPHA,
                      claim: str | None = None) -> Verdict:
  """'A does not learn the task', the mirror of `solves`: A's mean metric
  is worse than the threshold `fraction` of the way from the perfect score
  to the trivial baseline: a loss above fraction x baseline; an accuracy
  below 1 - fraction x (1 - baseline)."""
  _check_sample('a', a)
  return _against_threshold(a, baseline, metric, higher_is_better, fraction,
                            alpha,
                            claim or f'{a.name} does not learn the task',
                            want='worse')


def all_of(verdicts: Iterable[Verdict], claim: str) -> Verdict:
  """A claim made of parts ('accuracy drops in every cell'): supported if
  every part is, contradicted if any part is, 'not run' if no part ran,
  inconclusive otherwise.

  Each part keeps its own level; for a family of k parts whose
  contradiction by any one should hold at level alpha overall, judge the
  parts at alpha / k (Bonferroni). Support needs every part, which needs
  no correction.
  """
  parts = tuple(verdicts)
  if not parts or not all(isinstance(v, Verdict) for v in parts):
    raise ValueError(f'verdicts={parts!r} is not allowed: give at least one '
                     'Verdict')
  outcomes = [v.outcome for v in parts]
  if CONTRADICTED in outcomes:
    outcome = CONTRADICTED
  elif all(o == SUPPORTED for o in outcomes):
    outcome = SUPPORTED
  elif all(o == NOT_RUN for o in outcomes):
    outcome = NOT_RUN
  else:
    outcome = INCONCLUSIVE
  counts = ', '.join(f'{outcomes.count(o)} {o}' for o in OUTCOMES
                     if o in outcomes)
  finding = f'Of {len(parts)} parts: {counts}.'
  rule = (f'Supported if all {len(parts)} parts below are supported, '
          'contradicted if any is contradicted, inconclusive otherwise, each '
          'part by its own rule.')
  return Verdict(outcome, claim, finding, rule, parts=parts)


def not_run(claim: str, command: str, reason: str) -> Verdict:
  """A claim whose experiment could not run here (e.g. its data set is not
  available offline), with the command that runs it."""
  for field, value in (('claim', claim), ('command', command),
                       ('reason', reason)):
    if not isinstance(value, str) or not value.strip():
      raise ValueError(f'{field}={value!r} is not allowed: it must be a '
                       'non-empty string')
  return Verdict(NOT_RUN, claim, reason.strip(), command=command)
