"""Verdicts: the tests' statistics against hand-computed Welch t and df,
Student's t tail by quadrature of its density and the binomial tail, and
cases that must come out supported, contradicted and inconclusive."""

import math
import warnings

import numpy as np
import pytest

from rnnzoo import verdicts
from rnnzoo.verdicts import Sample


def student_sf(t, df, points=20001):
  """P(T > t) for Student's t with df degrees of freedom: 1/2 minus
  Simpson's rule over the density (1 + x^2/df)^(-(df+1)/2)
  Γ((df+1)/2) / (sqrt(df π) Γ(df/2)) from 0 to t."""
  if t < 0:
    return 1 - student_sf(-t, df, points)
  x = np.linspace(0, t, points)
  scale = math.exp(math.lgamma((df + 1) / 2) - math.lgamma(df / 2))
  density = scale / math.sqrt(df * math.pi) * (1 + x**2 / df)**(-(df + 1) / 2)
  step = x[1] - x[0]
  integral = step / 3 * (density[0] + density[-1] + 4 * density[1:-1:2].sum()
                         + 2 * density[2:-1:2].sum())
  return 0.5 - integral


def welch(a, b):
  """Welch's t and df by hand: t = (m_a - m_b) / sqrt(v_a/n_a + v_b/n_b)."""
  a, b = np.asarray(a, float), np.asarray(b, float)
  va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
  t = (a.mean() - b.mean()) / math.sqrt(va + vb)
  df = (va + vb)**2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
  return t, df


def close(value):
  return pytest.approx(value, rel=1e-6, abs=1e-12)


def test_the_reference_tail_is_the_closed_form_at_two_degrees():
  for t in (-3.0, 0.4, 2.8, 3.0, 40.0):  # P(T > t) = 1/2 - t / (2 sqrt(2+t²))
    assert student_sf(t, 2) == close(0.5 - t / (2 * math.sqrt(2 + t * t)))


# ----------------------------------------------------------------------------
# beats


@pytest.mark.parametrize('higher_is_better', [False, True])
def test_beats_computes_welch_t_df_and_both_one_sided_p(higher_is_better):
  a, b = [0.3, 0.5, 0.4, 0.9], [0.7, 1.3, 0.8]
  verdict = verdicts.beats(Sample('A', a), Sample('B', b), 'eval/mse',
                           higher_is_better)
  t, df = welch(a, b)
  assert df == close(verdict.numbers['df']) and 0 < df < 5  # not n_a+n_b-2
  assert verdict.numbers['t'] == close(t)
  p_a_higher = student_sf(t, df)
  p_for, p_against = ((p_a_higher, 1 - p_a_higher) if higher_is_better
                      else (1 - p_a_higher, p_a_higher))
  assert verdict.numbers['p_for'] == close(p_for)
  assert verdict.numbers['p_against'] == close(p_against)
  better, worse = ('higher', 'lower')[::1 if higher_is_better else -1]
  assert verdict.rule == (
      f'Supported if a one-sided Welch t-test over seeds finds the mean '
      f'eval/mse of A {better} than that of B at p < 0.05, contradicted if the '
      f'opposite one-sided test finds it {worse} at p < 0.05, inconclusive '
      'otherwise.')


@pytest.mark.parametrize('a, b, higher_is_better, outcome', [
    ([1.0, 1.2, 1.1], [2.0, 2.3, 2.1], False, 'supported'),
    ([1.0, 1.2, 1.1], [2.0, 2.3, 2.1], True, 'contradicted'),
    ([2.0, 2.3, 2.1], [1.0, 1.2, 1.1], False, 'contradicted'),
    ([2.0, 2.3, 2.1], [1.0, 1.2, 1.1], True, 'supported'),
    ([1.0, 2.0, 3.0], [1.5, 2.5, 3.5], False, 'inconclusive'),
    ([1.0, 2.0, 3.0], [1.5, 2.5, 3.5], True, 'inconclusive'),
])
def test_beats_outcomes_in_both_metric_directions(a, b, higher_is_better,
                                                  outcome):
  verdict = verdicts.beats(Sample('A', a), Sample('B', b), 'm',
                           higher_is_better)
  assert verdict.outcome == outcome


@pytest.mark.parametrize('t, outcome_lower, outcome_higher', [
    (-3.0, 'supported', 'contradicted'),  # p = 0.0477
    (-2.8, 'inconclusive', 'inconclusive'),  # p = 0.0537
])
def test_beats_decides_at_alpha_on_the_two_degree_closed_form(
    t, outcome_lower, outcome_higher):
  # n = 2 each, both variances 2: se = sqrt(2), df = 2 exactly.
  shift = -t * math.sqrt(2)
  a, b = Sample('A', [0.0, 2.0]), Sample('B', [shift, shift + 2.0])
  lower = verdicts.beats(a, b, 'm', higher_is_better=False)
  assert lower.numbers['t'] == close(t) and lower.numbers['df'] == close(2)
  assert lower.numbers['p_for'] == close(
      0.5 + t / (2 * math.sqrt(2 + t * t)))
  assert lower.outcome == outcome_lower
  assert verdicts.beats(a, b, 'm', higher_is_better=True).outcome == (
      outcome_higher)


def test_beats_with_identical_seeds_is_exact_and_finite():
  low, high = Sample('A', [0.1, 0.1, 0.1]), Sample('B', [0.2, 0.2, 0.2])
  with warnings.catch_warnings():
    warnings.simplefilter('error')
    verdict = verdicts.beats(low, high, 'm', higher_is_better=False)
    tie = verdicts.beats(low, low, 'm', higher_is_better=False)
    reverse = verdicts.beats(high, low, 'm', higher_is_better=False)
  assert verdict.outcome == 'supported' and reverse.outcome == 'contradicted'
  assert (verdict.numbers['p_for'], verdict.numbers['p_against']) == (0, 1)
  assert tie.outcome == 'inconclusive'
  assert (tie.numbers['p_for'], tie.numbers['p_against']) == (1, 1)
  for v in (verdict, tie, reverse):
    assert not any(np.isnan(x) for x in v.numbers.values())
  assert 'A 0.1 ± 0 (n = 3)' in verdict.finding
  assert 'the difference is exact' in verdict.finding


def test_beats_with_one_constant_setting_has_the_others_degrees():
  # Var_A = 0: t = (m_A - m_B) / (s_B / sqrt(n_B)), df = n_B - 1.
  b = [0.2, 0.4, 0.3, 0.5]
  with warnings.catch_warnings():
    warnings.simplefilter('error')
    verdict = verdicts.beats(Sample('A', [0.1] * 3), Sample('B', b), 'm',
                             higher_is_better=False)
  t = (0.1 - np.mean(b)) / (np.std(b, ddof=1) / 2)
  assert verdict.numbers['t'] == close(t)
  assert verdict.numbers['df'] == close(3)
  assert verdict.numbers['p_for'] == close(1 - student_sf(t, 3))
  assert verdict.outcome == 'supported'


def binomial_tail(wins, pairs):
  return sum(math.comb(pairs, k) for k in range(wins, pairs + 1)) / 2**pairs


@pytest.mark.parametrize('a, b, wins, pairs, outcome', [
    ([1, 2, 3, 4, 5, 6], [2, 3, 4, 5, 6, 7], 6, 6, 'supported'),  # 1/64
    ([1, 2, 3, 4, 5, 9], [2, 3, 4, 5, 6, 7], 5, 6, 'inconclusive'),  # 7/64
    ([1, 2, 3, 4, 5, 7], [2, 3, 4, 5, 6, 7], 5, 5, 'supported'),  # tie: 1/32
    ([3, 4, 5, 6, 7, 8], [2, 3, 4, 5, 6, 7], 0, 6, 'contradicted'),
    ([1, 2, 3], [2, 3, 4], 3, 3, 'inconclusive'),  # 1/8 is the least p
])
def test_beats_paired_is_a_sign_test(a, b, wins, pairs, outcome):
  verdict = verdicts.beats(Sample('A', a), Sample('B', b), 'eval/ce',
                           higher_is_better=False, paired=True)
  assert (verdict.numbers['wins'], verdict.numbers['pairs']) == (wins, pairs)
  assert verdict.numbers['p_for'] == close(binomial_tail(wins, pairs))
  assert verdict.numbers['p_against'] == close(
      binomial_tail(pairs - wins, pairs))
  assert verdict.outcome == outcome
  higher = verdicts.beats(Sample('A', a), Sample('B', b), 'eval/acc',
                          higher_is_better=True, paired=True)
  assert higher.numbers['wins'] == pairs - wins


def test_beats_paired_needs_as_many_seeds():
  with pytest.raises(ValueError, match=r"b='B' with 2 seeds is not allowed: "
                     r"a paired sign test needs as many seeds as a='A' \(3\)"):
    verdicts.beats(Sample('A', [1, 2, 3]), Sample('B', [1, 2]), 'm', False,
                   paired=True)


@pytest.mark.parametrize('field, a, b', [
    ('a', [0.1], [0.2, 0.3]), ('b', [0.1, 0.2], [0.3])])
def test_a_t_test_of_one_seed_is_refused(field, a, b):
  with pytest.raises(ValueError, match=rf"^{field}='{field.upper()}' with 1 "
                     r"seed\(s\) \[.*\] is not allowed: Welch's t-test needs "
                     'at least 2 seeds'):
    verdicts.beats(Sample(field.upper() if field == 'a' else 'A', a),
                   Sample('B', b), 'm', False)


# ----------------------------------------------------------------------------
# matches


@pytest.mark.parametrize('a, outcome', [
    ([0.50, 0.56, 0.53], 'supported'), ([0.70, 0.76, 0.73], 'contradicted')])
def test_matches_is_tost_against_a_margin_of_the_gap_to_baseline(a, outcome):
  b, baseline = [0.52, 0.50, 0.55, 0.57], 1.0
  verdict = verdicts.matches(Sample('A', a), Sample('B', b), baseline,
                             'eval/mse', margin=0.25)
  delta = 0.25 * abs(np.mean(b) - baseline)
  t, df = welch(a, b)
  se = (np.mean(a) - np.mean(b)) / t
  t_low, t_high = t + delta / se, t - delta / se
  assert verdict.numbers['delta'] == close(delta)
  assert verdict.numbers['t_low'] == close(t_low)
  assert verdict.numbers['t_high'] == close(t_high)
  assert verdict.numbers['df'] == close(df)
  assert verdict.numbers['p_for'] == close(
      max(student_sf(t_low, df), 1 - student_sf(t_high, df)))
  assert verdict.numbers['p_against'] == close(
      min(1, 2 * min(1 - student_sf(t_low, df), student_sf(t_high, df))))
  assert verdict.outcome == outcome


@pytest.mark.parametrize('a, outcome', [
    ([0.50, 0.51, 0.52], 'supported'),  # within ±0.125 of 0.5
    ([0.80, 0.81, 0.82], 'contradicted'),  # 0.31 away
    ([0.2, 0.6, 1.0], 'inconclusive'),  # too noisy to tell
])
@pytest.mark.parametrize('higher_is_better', [False, True])
def test_matches_outcomes(a, outcome, higher_is_better):
  # The same rule for an accuracy whose baseline is 1 - 1.0 = 0: mirror.
  b = [0.49, 0.50, 0.51]
  baseline = 1.0
  if higher_is_better:
    a, b, baseline = [1 - x for x in a], [1 - x for x in b], 0.0
  verdict = verdicts.matches(Sample('A', a), Sample('B', b), baseline, 'm')
  assert verdict.numbers['delta'] == close(0.125)
  assert verdict.outcome == outcome


@pytest.mark.parametrize('a, outcome', [
    ([0.55] * 3, 'supported'), ([0.7] * 3, 'contradicted')])
def test_matches_with_identical_seeds_compares_exactly(a, outcome):
  with warnings.catch_warnings():
    warnings.simplefilter('error')
    verdict = verdicts.matches(Sample('A', a), Sample('B', [0.5] * 3), 1.0,
                               'm')
  assert verdict.outcome == outcome
  assert not any(np.isnan(x) for x in verdict.numbers.values())


@pytest.mark.parametrize('margin', [0, 1, 1.5, -0.1, 'wide'])
def test_matches_refuses_a_margin_outside_0_1(margin):
  with pytest.raises(ValueError, match=rf'^margin={margin!r} is not allowed'):
    verdicts.matches(Sample('A', [1, 2]), Sample('B', [1, 2]), 0.0, 'm',
                     margin=margin)


# ----------------------------------------------------------------------------
# solves and stays_at_baseline


@pytest.mark.parametrize('claim, higher_is_better, baseline, threshold', [
    (verdicts.solves, False, 2.0, 0.2),  # 0.1 x baseline
    (verdicts.solves, True, 0.5, 0.95),  # 1 - 0.1 x (1 - 0.5)
    (verdicts.stays_at_baseline, False, 2.0, 1.8),  # 0.9 x baseline
    (verdicts.stays_at_baseline, True, 0.5, 0.55),  # 1 - 0.9 x (1 - 0.5)
])
def test_threshold_rules_are_one_sample_t_tests(claim, higher_is_better,
                                                baseline, threshold):
  values = [0.30, 0.42, 0.38, 0.61]
  verdict = claim(Sample('A', values), baseline, 'm', higher_is_better)
  t = (np.mean(values) - threshold) / (np.std(values, ddof=1) / 2)
  assert verdict.numbers['threshold'] == close(threshold)
  assert verdict.numbers['t'] == close(t) and verdict.numbers['df'] == 3
  better_is_higher = higher_is_better == (claim is verdicts.solves)
  p_higher = student_sf(t, 3)
  assert verdict.numbers['p_for'] == close(
      p_higher if better_is_higher else 1 - p_higher)
  assert verdict.numbers['p_against'] == close(
      1 - p_higher if better_is_higher else p_higher)


@pytest.mark.parametrize('values, solves, stays', [
    ([0.010, 0.020, 0.015], 'supported', 'contradicted'),
    ([0.95, 1.00, 0.98], 'contradicted', 'supported'),
    ([0.05, 0.10, 0.20], 'inconclusive', 'contradicted'),  # around 0.1
    ([0.60, 0.95, 1.30], 'contradicted', 'inconclusive'),  # around 0.9
])
@pytest.mark.parametrize('higher_is_better', [False, True])
def test_solves_and_stays_at_baseline_outcomes(values, solves, stays,
                                               higher_is_better):
  # A loss with baseline 1, or the accuracy 1 - loss with baseline 0.
  baseline = 1.0
  if higher_is_better:
    values, baseline = [1 - x for x in values], 0.0
  a = Sample('A', values)
  assert verdicts.solves(a, baseline, 'm', higher_is_better).outcome == solves
  assert verdicts.stays_at_baseline(
      a, baseline, 'm', higher_is_better).outcome == stays


def test_solves_with_identical_seeds_compares_exactly():
  with warnings.catch_warnings():
    warnings.simplefilter('error')
    inside = verdicts.solves(Sample('A', [0.05] * 3), 1.0, 'm', False)
    outside = verdicts.solves(Sample('A', [0.5] * 3), 1.0, 'm', False)
  assert (inside.outcome, outside.outcome) == ('supported', 'contradicted')
  assert (inside.numbers['p_for'], inside.numbers['p_against']) == (0, 1)


@pytest.mark.parametrize('above', [True, False])
def test_exceeds_is_a_one_sample_t_test_against_a_fixed_threshold(above):
  values = [-2.9, -3.6, -3.1, -4.2]
  verdict = verdicts.exceeds(Sample('A', values), -2.0, 'log10 ratio',
                             above=above)
  t = (np.mean(values) + 2.0) / (np.std(values, ddof=1) / 2)
  p_higher = student_sf(t, 3)
  assert verdict.numbers['t'] == close(t) and verdict.numbers['df'] == 3
  assert verdict.numbers['p_for'] == close(p_higher if above
                                           else 1 - p_higher)
  assert verdict.numbers['p_against'] == close(1 - p_higher if above
                                               else p_higher)
  assert verdict.outcome == ('contradicted' if above else 'supported')
  assert verdict.rule == (
      'Supported if a one-sided one-sample t-test over seeds finds the mean '
      f'log10 ratio of A {"higher" if above else "lower"} than -2 at '
      'p < 0.05, contradicted if the opposite one-sided test finds it '
      f'{"lower" if above else "higher"} at p < 0.05, inconclusive '
      'otherwise.')


@pytest.mark.parametrize('values, outcome', [
    ([0.56, 0.58, 0.60], 'supported'),
    ([0.30, 0.35, 0.32], 'contradicted'),
    ([0.40, 0.60, 0.50], 'inconclusive'),
    ([0.70] * 3, 'supported'),  # identical seeds: exact
])
def test_exceeds_outcomes(values, outcome):
  assert verdicts.exceeds(Sample('A', values), 0.5, 'fraction').outcome == (
      outcome)


@pytest.mark.parametrize('verdict', [
    lambda a: verdicts.beats(a, Sample('B', [1, 2]), 'm', False),
    lambda a: verdicts.beats(a, Sample('B', [1, 2]), 'm', False, paired=True),
    lambda a: verdicts.matches(a, Sample('B', [1, 2]), 3.0, 'm'),
    lambda a: verdicts.exceeds(a, 0.5, 'm'),
    lambda a: verdicts.solves(a, 3.0, 'm', False),
    lambda a: verdicts.stays_at_baseline(a, 3.0, 'm', False)])
def test_a_list_in_place_of_a_sample_is_refused(verdict):
  with pytest.raises(ValueError, match=r"^a=\[1, 2\] is not allowed: it "
                     'must be a Sample'):
    verdict([1, 2])


def test_exceeds_refuses_a_threshold_that_is_not_a_number():
  with pytest.raises(ValueError, match=r"^threshold='x' is not allowed"):
    verdicts.exceeds(Sample('A', [1, 2]), 'x', 'm')


@pytest.mark.parametrize('higher_is_better, baseline, allowed', [
    (False, 0.0, 'must be > 0'), (True, 1.0, r'must be in \[0, 1\)'),
    (True, -0.1, r'must be in \[0, 1\)')])
def test_a_threshold_needs_a_baseline_short_of_perfect(higher_is_better,
                                                       baseline, allowed):
  with pytest.raises(ValueError, match=rf'^baseline={baseline!r} is not '
                     rf'allowed: .*{allowed}'):
    verdicts.solves(Sample('A', [1, 2]), baseline, 'm', higher_is_better)


@pytest.mark.parametrize('fraction', [0, 1, 2])
def test_a_fraction_outside_0_1_is_refused(fraction):
  with pytest.raises(ValueError, match=rf'^fraction={fraction} is not '
                     'allowed: it must be'):
    verdicts.stays_at_baseline(Sample('A', [1, 2]), 3.0, 'm', False,
                               fraction=fraction)


# ----------------------------------------------------------------------------
# all_of, not_run, rendering and bad input


def _verdict(outcome):
  return verdicts.Verdict(outcome, f'part {outcome}', 'numbers.', 'A rule.')


@pytest.mark.parametrize('outcomes, expected', [
    (['supported', 'supported'], 'supported'),
    (['supported', 'contradicted', 'inconclusive'], 'contradicted'),
    (['supported', 'inconclusive'], 'inconclusive'),
    (['supported', 'not run'], 'inconclusive'),
    (['not run', 'not run'], 'not run'),
])
def test_all_of(outcomes, expected):
  verdict = verdicts.all_of([_verdict(o) for o in outcomes], 'every cell')
  assert verdict.outcome == expected
  lines = verdict.markdown().split('\n')
  assert lines[0].startswith(f'**Verdict: {expected}.** Of {len(outcomes)} '
                             'parts: ')
  assert lines[1:] == [f'- part {o}: **Verdict: {o}.** numbers. Rule: A rule.'
                       for o in outcomes]


def test_all_of_needs_verdicts():
  with pytest.raises(ValueError, match=r'^verdicts=\(\) is not allowed'):
    verdicts.all_of([], 'nothing')


def test_not_run_carries_the_command():
  verdict = verdicts.not_run('IndRNN reaches 1% error on pixel MNIST',
                             'python experiments/mnist/run.py',
                             'MNIST is not prepared offline.')
  assert verdict.outcome == 'not run'
  assert verdict.markdown() == (
      '**Verdict: not run.** MNIST is not prepared offline. To run it: '
      '`python experiments/mnist/run.py`.')
  with pytest.raises(ValueError, match=r"^command='' is not allowed"):
    verdicts.not_run('claim', '', 'reason')


def test_a_verdict_renders_its_finding_and_its_one_sentence_rule():
  verdict = verdicts.beats(Sample('LSTM', [0.3, 0.31, 0.29]),
                           Sample('GRU', [0.1, 0.12, 0.11]), 'eval/mse',
                           higher_is_better=False)
  assert verdict.outcome == 'contradicted'
  assert verdict.claim == 'LSTM beats GRU'
  assert verdict.markdown() == (f'**Verdict: contradicted.** '
                                f'{verdict.finding} Rule: {verdict.rule}')
  assert verdict.finding.startswith(
      'eval/mse over seeds (mean ± s.d.): LSTM 0.3 ± 0.01 (n = 3), GRU 0.11 '
      '± 0.01 (n = 3); Welch t = 23.3, df = 4: ')  # 0.19 / sqrt(2e-4 / 3)
  for rule in (verdict.rule, verdicts.matches(
      Sample('A', [1, 2]), Sample('B', [1, 2]), 5.0, 'm').rule):
    assert rule.endswith('.') and '. ' not in rule


@pytest.mark.parametrize('values, allowed', [
    ([], 'give a list of numbers, one final metric per seed'),
    ([[1, 2]], 'give a list of numbers, one final metric per seed'),
    (['x', 1], 'give a list of numbers, one final metric per seed'),
    ([0.1, float('nan')], "every seed's metric must be a finite number"),
    ([0.1, float('inf')], "every seed's metric must be a finite number"),
])
def test_a_sample_refuses_bad_values(values, allowed):
  with pytest.raises(ValueError, match=rf"^values of 'A'=.* is not allowed: "
                     f'{allowed}'):
    Sample('A', values)


@pytest.mark.parametrize('field, call', [
    ('alpha', lambda a: verdicts.beats(a, a, 'm', False, alpha=0.7)),
    ('higher_is_better', lambda a: verdicts.beats(a, a, 'm', 'no')),
    ('outcome', lambda a: verdicts.Verdict('refuted', 'c', 'f')),
])
def test_other_bad_input_is_named(field, call):
  with pytest.raises(ValueError, match=rf'^{field}=.* is not allowed'):
    call(Sample('A', [1, 2]))
