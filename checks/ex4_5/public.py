"""Public checks of ex4_5: shipped to students, with their (public) expected values.

build_mlp is judged by behaviour: the grader loads weights it chose into the model and
compares the output with the one it computes itself (judging.py).
"""

from __future__ import annotations

import numpy as np

from grader.course.ex4_5 import judging
from grader.model import Visibility
from grader.registry import CheckSet

checks = CheckSet("ex4_5", Visibility.PUBLIC)

# (M0, N, L) -> parameter count, worked out by hand from the architecture.
SMALL_CASES = {
    (3, 4, 1): 21,
    (2, 6, 2): 25,
    (10, 100, 1): 1201,
    (10, 100, 2): 3151,
    (784, 120, 4): 26371,
}


@checks.check(points=2)
def param_count_small(sub) -> None:
    """param_count is exact on small networks"""
    for (M0, N, L), expected in SMALL_CASES.items():
        judging.expect_count(sub, M0, N, L, expected)


@checks.check(points=1)
def param_count_returns_python_int(sub) -> None:
    """param_count returns a Python int, for Python and numpy integer arguments"""
    judging.expect_python_int(sub, 3, 4, 1)
    judging.expect_python_int(sub, np.int64(784), np.int32(120), np.int64(4))


@checks.check(points=2)
def param_count_rejects_bad_arguments(sub) -> None:
    """param_count raises ValueError/TypeError for arguments that describe no network"""
    judging.expect_raises(
        sub, "param_count", (10, 100, 3), "ValueError", "L=3 does not divide N=100"
    )
    judging.expect_raises(sub, "param_count", (0, 8, 2), "ValueError", "M0 must be positive")
    judging.expect_raises(sub, "param_count", (4, 8, -2), "ValueError", "L must be positive")
    judging.expect_raises(sub, "param_count", (4, 8.0, 2), "TypeError", "N is not an integer")
    judging.expect_raises(sub, "param_count", (4, 8, True), "TypeError", "bool is not an integer")


@checks.check(points=1)
def param_count_expr_matches_small_cases(sub) -> None:
    """param_count_expr() is a sympy expression in M0, N, L that gives the same counts"""
    value = sub.probe("expr_text")
    judging.parse_student_expr(value, "param_count_expr()")
    for (M0, N, L), expected in SMALL_CASES.items():
        judging.expect_expr_value(value.text, M0, N, L, expected, "param_count_expr()")


@checks.check(points=2)
def build_mlp_small(sub) -> None:
    """build_mlp builds L sigmoid hidden layers of width N/L and a linear output"""
    judging.expect_mlp(sub, 6, 8, 2, seed=45, samples=5)


@checks.check(points=1)
def build_mlp_rejects_bad_arguments(sub) -> None:
    """build_mlp validates its arguments like param_count"""
    judging.expect_raises(sub, "build_mlp", (10, 100, 3), "ValueError", "L=3 does not divide N=100")
