"""Acceptance intervals for seeded statistical checks, with proven false-failure bounds.

A statistical check draws a sample from a correct implementation and accepts it when a
statistic lies in an interval. The *false-failure probability* is the chance that a
correct implementation falls outside; every function here returns an interval for which
that chance is at most ``false_failure``, proven by the bound named in its docstring
(exact binomial tails, Gaussian tail bound, Hoeffding, Chernoff for chi-square). A check
that makes several tests adds their budgets (union bound) and states the total.

No scipy: exact tails are summed from ``math.lgamma`` log-probabilities.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "binomial_acceptance",
    "binomial_pmf",
    "bounded_mean_tolerance",
    "normal_mean_tolerance",
    "std_ratio_acceptance",
]


def _check_budget(false_failure: float) -> None:
    if not 0.0 < false_failure < 1.0:
        raise ValueError(f"false_failure must be in (0, 1), got {false_failure}")


def binomial_pmf(n: int, p: float) -> np.ndarray:
    """P(K = k) for k = 0..n, K ~ Binomial(n, p), computed in log space (float64)."""
    if n < 0 or not 0.0 <= p <= 1.0:
        raise ValueError(f"need n >= 0 and 0 <= p <= 1, got n={n}, p={p}")
    if p in (0.0, 1.0):
        pmf = np.zeros(n + 1)
        pmf[0 if p == 0.0 else n] = 1.0
        return pmf
    log_p, log_q, log_n_fact = math.log(p), math.log1p(-p), math.lgamma(n + 1)
    logs = [
        log_n_fact - math.lgamma(k + 1) - math.lgamma(n - k + 1) + k * log_p + (n - k) * log_q
        for k in range(n + 1)
    ]
    return np.exp(np.array(logs))


def binomial_acceptance(n: int, p: float, false_failure: float = 1e-7) -> tuple[int, int]:
    """Success counts [lo, hi] with P(K < lo) + P(K > hi) <= false_failure, K ~ Bin(n, p).

    Exact tails: each side gets half the budget; ``lo`` is the largest count with
    P(K < lo) <= false_failure/2 and ``hi`` the smallest with P(K > hi) <= false_failure/2,
    both sums of the exact pmf accumulated from the extreme end. Rounding in those sums
    is far below the budget (relative error ~ n * 2^-53); a safety factor of (1 - 1e-9)
    on each half absorbs it.
    """
    _check_budget(false_failure)
    if p == 0.0:
        return 0, 0
    if p == 1.0:
        return n, n
    pmf = binomial_pmf(n, p)
    half = false_failure / 2 * (1 - 1e-9)
    lower_tail = np.cumsum(pmf)  # lower_tail[k] = P(K <= k)
    upper_tail = np.cumsum(pmf[::-1])[::-1]  # upper_tail[k] = P(K >= k)
    lo = int(np.searchsorted(lower_tail, half, side="right"))  # P(K <= lo - 1) <= half
    above = np.nonzero(upper_tail <= half)[0]
    hi = int(above[0]) - 1 if above.size else n  # P(K >= hi + 1) <= half
    return lo, hi


def normal_mean_tolerance(sigma: float, n: int, false_failure: float = 1e-7) -> float:
    """Half-width t with P(|mean - mu| > t) <= false_failure, mean of n iid N(mu, sigma^2).

    The mean is N(mu, sigma^2/n); the Gaussian tail bound P(|Z| > z) <= 2 exp(-z^2/2)
    gives z = sqrt(2 ln(2/false_failure)) and t = sigma * z / sqrt(n).
    """
    _check_budget(false_failure)
    z = math.sqrt(2.0 * math.log(2.0 / false_failure))
    return sigma * z / math.sqrt(n)


def bounded_mean_tolerance(value_range: float, n: int, false_failure: float = 1e-7) -> float:
    """Half-width t with P(|mean - mu| >= t) <= false_failure for n iid values in a range.

    Hoeffding: P(|mean - mu| >= t) <= 2 exp(-2 n t^2 / R^2) for values in an interval of
    length R, so t = R * sqrt(ln(2/false_failure) / (2n)).
    """
    _check_budget(false_failure)
    return value_range * math.sqrt(math.log(2.0 / false_failure) / (2.0 * n))


def _solve_increasing(f, target: float, lo: float, hi: float) -> float:
    """The upper end of a bisection bracket of f(t) = target (f increasing): f(result) >= target."""
    for _ in range(200):
        mid = (lo + hi) / 2
        if f(mid) >= target:
            hi = mid
        else:
            lo = mid
    return hi


def std_ratio_acceptance(n: int, false_failure: float = 1e-7) -> tuple[float, float]:
    """Interval [a, b] for s/sigma, s^2 = (1/n) sum x_i^2 of n iid N(0, sigma^2) (known mean 0).

    n s^2 / sigma^2 is chi-square with n degrees of freedom. Chernoff bounds:
    P(chi2 >= n(1+t)) <= exp(-n/2 (t - ln(1+t))) and
    P(chi2 <= n(1-t)) <= exp(-n/2 (-t - ln(1-t))); each side is solved (by bisection,
    rounded outward) for exactly false_failure/2, so a = sqrt(1-t_low), b = sqrt(1+t_high).
    """
    _check_budget(false_failure)
    target = 2.0 * math.log(2.0 / false_failure) / n
    t_high = _solve_increasing(lambda t: t - math.log1p(t), target, 0.0, 1.0 + 4 * target + 10)
    t_low = _solve_increasing(
        lambda t: -t - math.log1p(-t) if t < 1.0 else math.inf, target, 0.0, 1.0
    )
    return math.sqrt(max(0.0, 1.0 - t_low)), math.sqrt(1.0 + t_high)
