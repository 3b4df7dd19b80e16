"""Hidden checks of gradcheck: never shipped to students (the handout leaves hidden/ out).

Other functions, shapes (3-D, a single coordinate, 0-d), steps and data than the public
checks. Expected values are closed forms (functions.py) and the definitions evaluated in
60 digits (logistic.py), computed here; the grader's own gradient check of the student's
logistic gradient runs the reference solution's numerical_grad, in this process, on the
judge's exact loss.
"""

from __future__ import annotations

import numpy as np

from grader import CheckSet, Visibility, load_reference
from grader.course.gradcheck import checker, judging, logistic
from grader.course.gradcheck.checker import Bug
from grader.course.gradcheck.functions import Smooth, random_smooth
from grader.course.gradcheck.public import expect_relative_error, gradient_of, run_check

checks = CheckSet("gradcheck", Visibility.HIDDEN)
reference = load_reference("gradcheck")


def hidden_case(seed: int, shape: tuple[int, ...], k: float = 2.0) -> tuple[Smooth, np.ndarray]:
    """A test function (stronger coupling than the public ones) and θ in [-2.5, 2.5]."""
    rng = np.random.default_rng(seed)
    smooth = random_smooth(rng, shape, k=k)
    return smooth, np.asarray(rng.uniform(-2.5, 2.5, size=shape))


SHAPES = (
    (hidden_case(201, (2, 3, 2)), 0.05),
    (hidden_case(202, (1,)), 0.01),
    (hidden_case(203, (12,)), 0.3),
    (hidden_case(204, (3, 4)), 1e-4),
)
SCALAR = hidden_case(205, ())


@checks.check(points=2)
def numerical_grad_on_hidden_functions_and_shapes(sub) -> None:
    """numerical_grad is the two-sided difference on 3-D, 1-element and longer θ, other steps"""
    for (smooth, theta), eps in SHAPES:
        got, _, where = gradient_of(sub, "numerical_grad", smooth, theta, eps)
        judging.expect_quotient(got, smooth, theta, eps, where, one_sided=False)


@checks.check(points=1)
def numerical_grad_on_a_0d_theta(sub) -> None:
    """numerical_grad works for a 0-d θ (a single number held in an array)"""
    smooth, theta = SCALAR
    for eps in (0.02, 1e-3):
        got, _, where = gradient_of(sub, "numerical_grad", smooth, theta, eps)
        judging.expect_quotient(got, smooth, theta, eps, where, one_sided=False)


@checks.check(points=1)
def one_sided_grad_on_hidden_shapes(sub) -> None:
    """one_sided_grad is the forward difference on 3-D and longer θ, other steps"""
    for (smooth, theta), eps in (SHAPES[0], SHAPES[2]):
        got, _, where = gradient_of(sub, "one_sided_grad", smooth, theta, eps)
        judging.expect_quotient(got, smooth, theta, eps, where, one_sided=True)


@checks.check(points=1)
def one_sided_grad_leaves_theta_unchanged(sub) -> None:
    """one_sided_grad leaves θ as it found it"""
    for (smooth, theta), eps in (SHAPES[0], SHAPES[3]):
        _, after, where = gradient_of(sub, "one_sided_grad", smooth, theta, eps)
        judging.expect_theta_unchanged(after, theta, eps, where)


def relative_cases() -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(206)
    a = rng.normal(size=(2, 3, 4))
    return [
        (a, a + rng.normal(scale=1e-3, size=a.shape)),
        (a, -a),
        (np.zeros((3, 3)), rng.normal(size=(3, 3))),
        (np.array([2.5]), np.array([2.5 * (1 + 1e-9)])),
        (rng.normal(size=(4, 5)) * 40.0, rng.normal(size=(4, 5))),
    ]


@checks.check(points=1)
def relative_error_on_other_shapes(sub) -> None:
    """relative_error on 3-D and one-element arrays, a zero array against a nonzero one"""
    for a, b in relative_cases():
        expect_relative_error(sub, a, b)


TENSOR_BUGS = (
    (hidden_case(207, (3, 4)), Bug((2, 1), shift=0.4)),
    (hidden_case(208, (2, 2, 3)), Bug((1, 0, 2), scale=1.5)),
)


@checks.check(points=1)
def check_gradient_locates_a_bug_in_a_tensor(sub) -> None:
    """check_gradient names the broken coordinate of a matrix and a 3-D θ as an index tuple"""
    for (smooth, theta), bug in TENSOR_BUGS:
        want, _, analytic = checker.expected_report(smooth, theta, bug, 1e-5, 1e-6)
        got, where = run_check(sub, smooth, theta, bug)
        report = checker.read_report(got, theta.shape, where)
        checker.expect_report(report, want, analytic, 1e-6, where, index=True)


PASS_EPS = "pass eps on to numerical_grad: a large ε leaves a large truncation error"


@checks.check(points=1)
def check_gradient_honours_eps_and_tol(sub) -> None:
    """check_gradient uses the eps and tol it is given"""
    smooth, theta = hidden_case(209, (5,))
    small = Bug((4,), shift=1e-3)  # a relative error near 1e-4
    for bug, eps, tol in ((None, 0.3, 1e-6), (small, 1e-5, 1e-3), (small, 1e-5, 1e-5)):
        want, _, analytic = checker.expected_report(smooth, theta, bug, eps, tol)
        default, _, _ = checker.expected_report(smooth, theta, bug, 1e-5, tol)
        got, where = run_check(sub, smooth, theta, bug, eps=eps, tol=tol)
        report = checker.read_report(got, theta.shape, where)
        known = ((default.rel_error, PASS_EPS),) if eps != 1e-5 else ()
        checker.expect_report(report, want, analytic, tol, where, index=False, known=known)


def logistic_data(seed: int, n: int, d: int, scale: float) -> tuple:
    """(w, b, X, y) with integer labels (int64), scores of order ``scale``."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    w = rng.normal(size=d) * scale
    return w, float(rng.normal()), X, (rng.random(n) < 0.4).astype(np.int64)


LOGISTIC = (logistic_data(210, 40, 5, 1.0), logistic_data(211, 25, 7, 8.0))


@checks.check(points=2)
def logistic_gradient_passes_the_graders_gradient_check(sub) -> None:
    """your dw, db pass the grader's two-sided gradient check on hidden data, integer labels"""
    for w, b, X, y in LOGISTIC:
        where = f"logistic_loss_and_grad(w, b={b:.3g}, X of shape {X.shape}, y int64)"
        got = sub.call("logistic_loss_and_grad", w, b, X, y, label=where)
        _, dw, db = logistic.read(got, w.size, where)
        params = np.append(w, b)

        def loss(p, X=X, y=y):
            return logistic.exact(p[:-1], p[-1], X, y)[0]

        numeric = reference.numerical_grad(loss, params, 1e-6)
        logistic.expect_gradient(dw, db, numeric[:-1], numeric[-1], len(y), where)
