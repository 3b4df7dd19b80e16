"""Seeded statistical tests on dropout outputs, with proven false-failure probabilities.

Each test takes a ``budget``: its false-failure probability, the chance that a *correct*
implementation (whose random draws the judge cannot predict) falls outside the acceptance
interval, proven with :mod:`grader.judge.stats` (exact binomial tails). A check adds the
budgets of its tests (union bound) and states the total. Tests take the output values
as a float64 array (kept elements are the nonzero ones: inputs have no zeros).
"""

from __future__ import annotations

from functools import cache

import numpy as np

from grader.judge.compare import fail
from grader.judge.stats import binomial_acceptance

# Unit roundoff of each dtype; a correct output is a few roundings from x / (1 - p).
EPS = {"float16": 2.0**-11, "bfloat16": 2.0**-8, "float32": 2.0**-24, "float64": 2.0**-53}
ROUNDINGS = 8

SCALE_HINT = "inverted dropout divides the kept elements by 1−p, so that E[x′] = x"


@cache
def acceptance(n: int, p: float, budget: float) -> tuple[int, int]:
    """Cached :func:`binomial_acceptance`."""
    return binomial_acceptance(n, p, budget)


def expect_keep_rate(values: np.ndarray, p: float, where: str, budget: float) -> None:
    """The number of kept (nonzero) elements is a plausible Binomial(n, 1 - p) draw.

    False-failure probability <= budget: exact binomial tails.
    """
    n, kept = values.size, int((values != 0).sum())
    lo, hi = acceptance(n, 1.0 - p, budget)
    if not lo <= kept <= hi:
        rate = kept / n
        hint = "each element is kept with probability 1−p"
        if abs(rate - p) < 0.02 and abs(p - 0.5) > 0.05:
            hint = "p is the probability of DROPPING an element: keep it with probability 1−p"
        fail(
            f"{where}: kept elements",
            f"between {lo} and {hi} of {n} (keep rate 1−p = {1 - p:g})",
            f"{kept} (rate {rate:.4f})",
            hint,
        )


def expect_mean_preserved(
    values: np.ndarray, row: np.ndarray, p: float, dtype: str, where: str, budget: float
) -> None:
    """Rows are independent draws of dropout(row): the mean of x'/x is 1 overall and per column.

    For a correct implementation x'/x is 0 or 1/(1-p) (up to rounding: 1 + ROUNDINGS*eps),
    so mean(x'/x) over m elements is K/(m(1-p)) with K ~ Binomial(m, 1-p). Budget: half
    for the overall mean, half split over the columns; exact binomial tails.
    """
    ratios = values / row
    rows, columns = ratios.shape
    slack = ROUNDINGS * EPS.get(dtype, 2.0**-24) + 1e-12
    keep = 1.0 - p
    _expect_ratio_mean(
        ratios.ravel(), keep, slack, budget / 2, f"{where}: mean of x′/x over all elements", p
    )
    for j in range(columns):
        _expect_ratio_mean(
            ratios[:, j],
            keep,
            slack,
            budget / 2 / columns,
            f"{where}: mean of x′/x over the {rows} draws of column {j}",
            p,
        )


def _expect_ratio_mean(
    ratios: np.ndarray, keep: float, slack: float, budget: float, where: str, p: float
) -> None:
    m = ratios.size
    lo, hi = acceptance(m, keep, budget)
    low, high = lo / (m * keep) * (1 - slack), hi / (m * keep) * (1 + slack)
    got = float(ratios.mean())
    if not low <= got <= high:
        hint = SCALE_HINT
        if abs(got - keep) < 0.05 * keep and keep < 0.95:
            hint = f"the mean is about 1−p = {keep:g}: the missing factor is 1/(1−p); {SCALE_HINT}"
        fail(where, f"within [{low:.4f}, {high:.4f}] (E[x′] = x)", f"{got:.4f}", hint)


def expect_independent(values: np.ndarray, p: float, where: str, budget: float) -> None:
    """Elements are dropped independently along every axis.

    Along each axis, slices 2k and 2k+1 are paired element by element; for independent
    drops each pair agrees (both kept or both dropped) with probability a = (1-p)^2 + p^2,
    and the disjoint pairs are independent, so the number of agreements is
    Binomial(pairs, a). A mask shared across rows makes every pair along that axis agree.
    Budget split over the axes; exact binomial tails.
    """
    kept = values != 0
    agree_p = (1.0 - p) ** 2 + p**2
    axes = [a for a in range(kept.ndim) if kept.shape[a] >= 2]
    for axis in axes:
        even = kept.shape[axis] // 2 * 2
        pairs = np.take(kept, np.arange(even), axis=axis)
        first = np.take(pairs, np.arange(0, even, 2), axis=axis)
        second = np.take(pairs, np.arange(1, even, 2), axis=axis)
        agree, total = int((first == second).sum()), first.size
        lo, hi = acceptance(total, agree_p, budget / len(axes))
        if not lo <= agree <= hi:
            fail(
                f"{where}: neighbouring elements along axis {axis} dropped alike",
                f"between {lo} and {hi} of {total} pairs (independent drops agree with "
                f"probability (1−p)²+p² = {agree_p:.3g})",
                f"{agree} ({agree / total:.1%})",
                "draw one random number per element (a mask of x's full shape), "
                "not one mask shared across rows or columns",
            )
