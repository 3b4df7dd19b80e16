"""The acceptance intervals of grader.judge.stats hold their false-failure budgets."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from grader.judge.stats import (
    binomial_acceptance,
    binomial_pmf,
    bounded_mean_tolerance,
    normal_mean_tolerance,
    std_ratio_acceptance,
)


def exact_tails(n: int, p: Fraction, lo: int, hi: int) -> tuple[Fraction, Fraction]:
    """P(K < lo) and P(K > hi) for K ~ Bin(n, p), in exact rational arithmetic."""
    pmf = [math.comb(n, k) * p**k * (1 - p) ** (n - k) for k in range(n + 1)]
    return sum(pmf[:lo], Fraction(0)), sum(pmf[hi + 1 :], Fraction(0))


@pytest.mark.parametrize("n", [1, 2, 7, 30, 120])
@pytest.mark.parametrize("p", ["1/10", "1/2", "3/4", "99/100"])
@pytest.mark.parametrize("budget", [0.5, 1e-2, 1e-7])
def test_binomial_interval_is_exactly_the_tightest_within_budget(n, p, budget):
    p = Fraction(p)
    lo, hi = binomial_acceptance(n, float(p), budget)
    below, above = exact_tails(n, p, lo, hi)
    assert below <= Fraction(budget) / 2 and above <= Fraction(budget) / 2
    # One step tighter on either side breaks that side's half of the budget.
    if lo < n:
        assert exact_tails(n, p, lo + 1, hi)[0] > Fraction(budget) / 2 * Fraction(1 - 1e-9)
    if hi > 0:
        assert exact_tails(n, p, lo, hi - 1)[1] > Fraction(budget) / 2 * Fraction(1 - 1e-9)


def test_binomial_trivial_probabilities_accept_only_the_certain_count():
    assert binomial_acceptance(50, 0.0) == (0, 0)
    assert binomial_acceptance(50, 1.0) == (50, 50)


def test_binomial_known_value_fair_coin_ten_flips():
    # P(K = 0) = 1/1024 <= 0.005 < P(K <= 1) = 11/1024.
    assert binomial_acceptance(10, 0.5, 0.01) == (1, 9)


def test_binomial_large_n_is_centred_and_about_five_sigma_wide():
    lo, hi = binomial_acceptance(20000, 0.5, 1e-7)
    assert lo + hi == 20000
    assert 5.0 < (hi - 10000) / math.sqrt(5000) < 5.6


def test_binomial_pmf_sums_to_one_and_matches_math_comb():
    pmf = binomial_pmf(40, 0.3)
    assert pmf.sum() == pytest.approx(1.0, abs=1e-12)
    assert pmf[12] == pytest.approx(math.comb(40, 12) * 0.3**12 * 0.7**28, rel=1e-10)


@pytest.mark.parametrize("bad", [(-1, 0.5, 1e-7), (5, 1.5, 1e-7), (5, 0.5, 0.0), (5, 0.5, 1.0)])
def test_binomial_rejects_invalid_arguments(bad):
    with pytest.raises(ValueError):
        binomial_acceptance(*bad)


@pytest.mark.parametrize("budget", [0.3, 1e-3, 1e-7, 1e-12])
def test_normal_tolerance_covers_the_exact_gaussian_tail(budget):
    t = normal_mean_tolerance(sigma=2.0, n=25, false_failure=budget)
    z = t / (2.0 / 5.0)
    assert math.erfc(z / math.sqrt(2)) <= budget  # exact P(|Z| > z)
    assert math.erfc(z / math.sqrt(2)) > budget / 1e3  # and not absurdly loose


def test_bounded_tolerance_is_hoeffding_and_covers_a_binomial_mean():
    n, budget = 200, 1e-3
    t = bounded_mean_tolerance(1.0, n, budget)
    assert t == pytest.approx(math.sqrt(math.log(2 / budget) / (2 * n)))
    k_lo, k_hi = math.ceil(n * (0.5 - t)), math.floor(n * (0.5 + t))
    below, above = exact_tails(n, Fraction(1, 2), k_lo, k_hi)  # |mean - 1/2| >= t
    assert below + above <= budget


def chi2_even_survival(n: int, x: float) -> float:
    """Exact P(chi2_n >= x) for even n: exp(-x/2) * sum_{j < n/2} (x/2)^j / j!."""
    half = x / 2
    return math.exp(-half) * sum(half**j / math.factorial(j) for j in range(n // 2))


@pytest.mark.parametrize("n", [2, 10, 50, 200])
@pytest.mark.parametrize("budget", [0.1, 1e-4, 1e-7])
def test_std_ratio_interval_covers_the_exact_chi_square_tails(n, budget):
    a, b = std_ratio_acceptance(n, budget)
    assert 0.0 <= a < 1.0 < b
    assert chi2_even_survival(n, n * b * b) <= budget / 2
    assert 1.0 - chi2_even_survival(n, n * a * a) <= budget / 2 + 1e-15


def test_std_ratio_interval_monte_carlo_small_n():
    rng = np.random.default_rng(0)
    n, budget, trials = 5, 0.05, 40000
    a, b = std_ratio_acceptance(n, budget)
    ratio = np.sqrt((rng.standard_normal((trials, n)) ** 2).mean(axis=1))
    outside = np.mean((ratio < a) | (ratio > b))
    assert 0.001 < outside <= budget  # Chernoff is conservative but not vacuous


def test_std_ratio_interval_narrows_like_one_over_sqrt_two_n():
    a, b = std_ratio_acceptance(100_000, 1e-7)
    assert 0.98 < a < 0.99 and 1.01 < b < 1.02
