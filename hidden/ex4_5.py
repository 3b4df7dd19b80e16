"""Hidden checks of ex4_5: never shipped to students (the handout leaves hidden/ out).

Expected values come from the reference solution, loaded in the trusted process.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from grader.catalog import load_reference
from grader.course.ex4_5 import judging
from grader.course.ex4_5.public import build_mlp_small, param_count_expr_matches_small_cases
from grader.model import Visibility
from grader.registry import CheckSet

checks = CheckSet("ex4_5", Visibility.HIDDEN)
reference = load_reference("ex4_5")

LARGE_CASES = [
    (784, 1200, 6),
    (3072, 4096, 64),
    (10**6, 10**6, 1000),
    (1, 1, 1),
    (12345, 2**20, 2**10),
    (7, 10**9, 10**3),
]
ARCHITECTURES = [(1, 1, 1), (17, 60, 3), (30, 64, 8), (5, 12, 12)]


@checks.check(points=2)
def param_count_large(sub) -> None:
    """param_count is exact on large networks (no float rounding, no overflow)"""
    for M0, N, L in LARGE_CASES:
        judging.expect_count(sub, M0, N, L, reference.param_count(M0, N, L))


@checks.check(points=1)
def param_count_numpy_integers(sub) -> None:
    """param_count accepts numpy integers (the count's value is judged, not its type)"""
    for M0, N, L in ((np.int64(784), np.int32(120), np.int64(4)), (np.int16(9), 6, np.uint8(3))):
        judging.expect_count(sub, M0, N, L, reference.param_count(int(M0), int(N), int(L)))


@checks.check(points=2, depends=param_count_expr_matches_small_cases)
def param_count_expr_equals_reference(sub) -> None:
    """param_count_expr() is symbolically equal to the parameter count"""
    value = sub.probe("expr_text")
    judging.parse_student_expr(value, "param_count_expr()")
    judging.expect_equivalent(value.text, str(reference.param_count_expr()), "param_count_expr()")


@checks.check(points=2, depends=build_mlp_small)
def build_mlp_hidden_architectures(sub) -> None:
    """build_mlp is right on other shapes: widths, parameter count, forward pass"""
    for seed, (M0, N, L) in enumerate(ARCHITECTURES, start=4_500):
        judging.expect_mlp(sub, M0, N, L, seed=seed, samples=7)


@checks.check(points=1)
def build_mlp_accepts_numpy_integers(sub) -> None:
    """build_mlp accepts numpy integers and builds the same network"""
    judging.expect_mlp(sub, np.int64(17), np.int32(60), np.int64(3), seed=4_510, samples=6)


@checks.check(points=1)
def build_mlp_rejects_non_integers(sub) -> None:
    """build_mlp raises TypeError for non-integers (bool included) and ValueError for L <= 0"""
    judging.expect_raises(sub, "build_mlp", (4.0, 8, 2), "TypeError", "M0 is not an integer")
    judging.expect_raises(sub, "build_mlp", (4, True, 2), "TypeError", "bool is not an integer")
    judging.expect_raises(sub, "build_mlp", (4, 8, 0), "ValueError", "L must be positive")


# ----------------------------------------------------------------------------- quiz hints
# They need the formula, which is a quiz answer: so they live here, never in a handout.


def parameter_count(M0: int, N: int, L: int) -> Fraction:
    """P(L) = (M0 + 1) N/L + (L - 1) N²/L² + N + 1 (exact; an integer when L divides N)."""
    return (M0 + 1) * Fraction(N, L) + (L - 1) * Fraction(N, L) ** 2 + N + 1


def monotonic_counterexample(M0: int = 10, N: int = 100) -> str:
    """The counterexample to "P always increases with L", computed from the formula.

    It shows parameter counts of three concrete networks (a student can count them with
    build_mlp) and neither the formula nor where P turns: those answer other questions.
    """
    p1, p2, p4 = (parameter_count(M0, N, L) for L in (1, 2, 4))
    return (
        f"Counterexample: with M0={M0}, N={N}, P(1)={p1} < P(2)={p2}, but then "
        f"P(4)={p4} < P(2): P rises and then falls. "
        f"反例：M0={M0}、N={N} 时 P(1)={p1} < P(2)={p2}，而 P(4)={p4} < P(2)：P 先增后减。"
    )


def quiz_feedback(key: str, answer: object) -> str | None:
    """The extra hint for a wrong quiz answer (the runner's ``feedback`` hook)."""
    if key == "monotonic" and answer is True:
        return monotonic_counterexample()
    return None
