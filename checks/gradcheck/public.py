"""Public checks of gradcheck: shipped to students, with their (public) inputs.

Expected values are closed forms of the test functions (functions.py) and definitions
evaluated in high precision (logistic.py), computed here in the trusted process; the
sandbox only ever reports what the student's code returned.
"""

from __future__ import annotations

import numpy as np

from grader import CheckSet, StudentCodeFailed, Visibility, call_text, expect_close, fail, kind_of
from grader.course.gradcheck import checker, judging, logistic
from grader.course.gradcheck.checker import Bug
from grader.course.gradcheck.functions import Smooth, random_smooth, relative_error_of

checks = CheckSet("gradcheck", Visibility.PUBLIC)


def case(seed: int, shape: tuple[int, ...]) -> tuple[Smooth, np.ndarray]:
    """A test function f and a point θ of ``shape`` (θ in [-1.5, 1.5]), seeded."""
    rng = np.random.default_rng(seed)
    smooth = random_smooth(rng, shape)
    return smooth, np.asarray(rng.uniform(-1.5, 1.5, size=shape))


VECTOR, VECTOR_8, VECTOR_6 = case(1, (5,)), case(2, (8,)), case(3, (6,))
# The same f as VECTOR_6, of a 2×3 θ: f(Θ) = f_6(Θ.ravel()).
MATRIX = (VECTOR_6[0].reshaped((2, 3)), VECTOR_6[1].reshape(2, 3))


def gradient_of(sub, func: str, smooth: Smooth, theta: np.ndarray, eps: float | None) -> tuple:
    """(what ``func(f, θ, eps)`` returned, θ afterwards, the call as a message reads it)."""
    where = judging.call_label(func, theta, eps)
    facts = sub.probe("gradient", func, smooth.to_data(), theta, eps, label=where)
    if not isinstance(facts, dict):
        fail(where, "a result", kind_of(facts))
    return facts.get("grad"), facts.get("theta_after"), where


# ----------------------------------------------------------------------------- numerical_grad


@checks.check(points=2)
def numerical_grad_is_the_two_sided_difference(sub) -> None:
    """numerical_grad gives (f(θ + ε·eᵢ) − f(θ − ε·eᵢ)) / 2ε for each coordinate of a vector"""
    for (smooth, theta), eps in ((VECTOR, 0.1), (VECTOR, 1e-3), (VECTOR_8, 0.02)):
        got, after, where = gradient_of(sub, "numerical_grad", smooth, theta, eps)
        judging.expect_quotient(got, smooth, theta, eps, where, one_sided=False, after=after)


def expect_shape_handled(sub, shaped: tuple, flat: tuple, eps: float) -> None:
    """numerical_grad on θ of some shape is the two-sided difference, or at least what the
    student's own numerical_grad gives on the same f of θ flattened (the formula is judged
    by other checks: this one judges the shape)."""
    try:
        own, _, _ = gradient_of(sub, "numerical_grad", *flat, eps)
    except StudentCodeFailed:
        own = None
    got, _, where = gradient_of(sub, "numerical_grad", *shaped, eps)
    judging.expect_shape_handled(got, own, *shaped, eps, where)


@checks.check(points=1)
def numerical_grad_handles_a_matrix_theta(sub) -> None:
    """numerical_grad works for θ of any shape: here a 2×3 matrix"""
    for eps in (0.1, 0.01):
        expect_shape_handled(sub, MATRIX, VECTOR_6, eps)


@checks.check(points=1)
def numerical_grad_leaves_theta_unchanged(sub) -> None:
    """numerical_grad leaves θ as it found it"""
    for (smooth, theta), eps in ((VECTOR, 0.1), (MATRIX, 0.01)):
        _, after, where = gradient_of(sub, "numerical_grad", smooth, theta, eps)
        judging.expect_theta_unchanged(after, theta, eps, where)


@checks.check(points=1)
def numerical_grad_returns_an_array_of_theta_shape(sub) -> None:
    """numerical_grad and one_sided_grad return float64 arrays of θ's shape (default eps)"""
    for func in ("numerical_grad", "one_sided_grad"):
        for smooth, theta in (VECTOR, MATRIX):
            got, _, where = gradient_of(sub, func, smooth, theta, None)
            judging.expect_format(got, theta, where)


@checks.check(points=1)
def one_sided_grad_is_the_forward_difference(sub) -> None:
    """one_sided_grad gives (f(θ + ε·eᵢ) − f(θ)) / ε for each coordinate"""
    for (smooth, theta), eps in ((VECTOR, 0.1), (MATRIX, 0.01)):
        got, after, where = gradient_of(sub, "one_sided_grad", smooth, theta, eps)
        judging.expect_quotient(got, smooth, theta, eps, where, one_sided=True, after=after)


# ----------------------------------------------------------------------------- error orders

SLOPE_CASE = case(4, (4,))
# Measured by bench/gradcheck_margins.py (200 seeds, θ of shapes (4,) and (3, 2), random
# functions of this family): the reference's two-sided slopes are 2.000 every time, its
# one-sided ones lie in [0.982, 1.015] (here: 2.000 and 1.001); a one-sided numerical_grad
# measures 0.98-1.02, one divided by ε instead of 2ε 0.00, a two-sided one_sided_grad 2.00.
TWO_SIDED_SLOPE = (1.8, 2.2)
ONE_SIDED_SLOPE = (0.8, 1.2)


def measured_slope(sub, func: str) -> tuple[float, np.ndarray, str]:
    """The log-log slope of the error of the student's ``func`` over judging.STEPS."""
    smooth, theta = SLOPE_CASE
    where = f"{func}(f, θ float64[4], eps)"
    steps = list(judging.STEPS)
    grads = sub.probe("gradients_over_eps", func, smooth.to_data(), theta, steps, label=where)
    slope, errors = judging.error_slope(grads, smooth, theta, where)
    return slope, errors, where


@checks.check(points=1)
def two_sided_error_has_the_right_order(sub) -> None:
    """the error of numerical_grad shrinks as fast as a two-sided difference's (log-log slope)"""
    slope, errors, where = measured_slope(sub, "numerical_grad")
    judging.expect_slope(slope, errors, TWO_SIDED_SLOPE, where, judging.TWO_SIDED)


@checks.check(points=1)
def one_sided_error_has_the_right_order(sub) -> None:
    """the error of one_sided_grad shrinks as fast as a one-sided difference's (log-log slope)"""
    slope, errors, where = measured_slope(sub, "one_sided_grad")
    judging.expect_slope(slope, errors, ONE_SIDED_SLOPE, where, judging.ONE_SIDED)


# ----------------------------------------------------------------------------- relative_error

RELATIVE_CASES = (
    (np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 3.0])),
    (np.array([3.0, 4.0]), np.array([0.0, 0.0])),
    (np.array([1.0, 0.0]), np.array([0.0, 1.0])),
    (np.array([1.0, 2.0, 2.0]), np.array([1.0, 2.0, 2.003])),
    (np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1.5, 2.0], [3.0, 3.5]])),
    (np.zeros(3), np.zeros(3)),
)


def expect_relative_error(sub, a: np.ndarray, b: np.ndarray) -> None:
    """relative_error(a, b) equals the statement's formula over all entries."""
    where = call_text("relative_error", (a, b))
    got = judging.as_real(sub.call("relative_error", a, b, label=where))
    want = relative_error_of(a, b)
    expect_close(got, want, where=where, rtol=1e-12, hint=judging.relative_error_hint(a, b, got))


@checks.check(points=1)
def relative_error_values(sub) -> None:
    """relative_error gives ‖a − b‖ / (‖a‖ + ‖b‖) over all entries, and 0.0 for two zero arrays"""
    for a, b in RELATIVE_CASES:
        expect_relative_error(sub, a, b)


# ----------------------------------------------------------------------------- check_gradient

RIGHT_CASES = (case(5, (6,)), case(6, (2, 2)))
# The bug sits where |g| is neither the largest nor small (tests check this).
BUG_CASES = ((case(7, (6,)), Bug((3,), scale=0.5)), (case(8, (6,)), Bug((0,), scale=-1.0)))


@checks.check(points=1)
def check_gradient_passes_a_right_gradient(sub) -> None:
    """check_gradient passes a right grad_f: ok is True and rel_error is below 1e-7"""
    for smooth, theta in RIGHT_CASES:
        got, where = checker.run_check(sub, smooth, theta, None)
        checker.expect_right_gradient(
            checker.read_report(got, theta.shape, where), checker.TOL, where
        )


@checks.check(points=1)
def check_gradient_fails_a_planted_bug(sub) -> None:
    """check_gradient fails a grad_f with a bug in one coordinate (ok False, the right rel_error)"""
    for report, want, _, where in checker.planted_bug_reports(sub, BUG_CASES):
        checker.expect_report(report, want, checker.TOL, where)


@checks.check(points=2)
def check_gradient_names_the_broken_coordinate(sub) -> None:
    """check_gradient's worst_index is the coordinate where the bug was planted"""
    for report, want, analytic, where in checker.planted_bug_reports(sub, BUG_CASES):
        checker.expect_worst_index(report, want, analytic, where)


@checks.check(points=1)
def check_gradient_returns_ok_error_and_index(sub) -> None:
    """check_gradient returns (ok: bool, rel_error: float, worst_index: tuple of ints)"""
    for smooth, theta in RIGHT_CASES:
        got, where = checker.run_check(sub, smooth, theta, None, eps=None, tol=None)
        checker.expect_report_format(got, theta.ndim, where)


# ----------------------------------------------------------------------------- logistic


SMALL_LOGISTIC = (logistic.case(11, 6, 3), logistic.case(12, 10, 4))
# Scores from −2442 to 805 (past exp's overflow at 709.8 on both sides), 5 of the 8
# examples on the wrong side (the loss of each is about |z|).
LARGE_LOGISTIC = logistic.case(13, 8, 3, scale=500.0)


@checks.check(points=1)
def logistic_loss_value(sub) -> None:
    """logistic_loss_and_grad gives the mean binary cross-entropy of σ(Xw + b)"""
    for w, b, X, y in SMALL_LOGISTIC:
        got, where = logistic.call(sub, w, b, X, y)
        loss, _, _ = logistic.read(got, w.size, where)
        logistic.expect_loss(loss, logistic.exact(w, b, X, y)[0], X @ w + b, where)


@checks.check(points=2)
def logistic_gradient_passes_a_gradient_check(sub) -> None:
    """your dw, db agree with the grader's gradient (relative error below 1e-7)"""
    for w, b, X, y in SMALL_LOGISTIC:
        got, where = logistic.call(sub, w, b, X, y)
        _, dw, db = logistic.read(got, w.size, where)
        _, want_dw, want_db = logistic.exact(w, b, X, y)
        logistic.expect_gradient(dw, db, want_dw, want_db, len(y), where)


@checks.check(points=1)
def logistic_is_stable_for_large_scores(sub) -> None:
    """for scores |Xw + b| in the thousands the loss stays right and the gradient finite"""
    w, b, X, y = LARGE_LOGISTIC
    got, where = logistic.call(sub, w, b, X, y)
    loss, dw, db = logistic.read(got, w.size, where)
    want_loss = logistic.exact(w, b, X, y)[0]
    logistic.expect_loss(loss, want_loss, X @ w + b, where)
    logistic.expect_finite_gradient(dw, db, where)


@checks.check(points=1)
def logistic_returns_loss_dw_db(sub) -> None:
    """logistic_loss_and_grad returns (loss: float, dw: float64 array of w's shape, db: float)"""
    w, b, X, y = SMALL_LOGISTIC[0]
    got, where = logistic.call(sub, w, b, X, y)
    logistic.expect_format(got, w.size, where)
