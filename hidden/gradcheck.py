"""Hidden checks of gradcheck: never shipped to students (the handout leaves hidden/ out).

Other functions, shapes (3-D, a single coordinate, 0-d), steps and data than the public
checks. Expected values are closed forms (functions.py) and the definitions evaluated in
60 digits (logistic.py), computed here; the grader's own gradient check of the student's
logistic gradient runs the reference solution's numerical_grad, in this process, on the
judge's exact loss.
"""

from __future__ import annotations

import numpy as np

from grader import CheckSet, TensorData, Visibility, describe, fail, load_reference
from grader.course.gradcheck import checker, judging, logistic
from grader.course.gradcheck.checker import Bug, planted_bug_reports, run_check
from grader.course.gradcheck.functions import Smooth, random_smooth
from grader.course.gradcheck.public import expect_relative_error, expect_shape_handled, gradient_of

checks = CheckSet("gradcheck", Visibility.HIDDEN)
reference = load_reference("gradcheck")
# The step of the grader's own gradient check of the logistic gradient (the contract's
# default). On the exact (60-digit) loss its relative error against the exact gradient is
# at most 1.3e-9 on 50 random data sets with scores up to the thousands
# (bench/gradcheck_margins.py), below the 1e-7 it demands of the student's gradient.
GRADCHECK_EPS = 1e-5


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
# A 0-d θ, and the same f of a 1-element vector.
ONE = SHAPES[1][0]
SCALAR = (ONE[0].reshaped(()), ONE[1].reshape(()))


@checks.check(points=2)
def numerical_grad_on_hidden_functions_and_shapes(sub) -> None:
    """numerical_grad is the two-sided difference on 3-D, 1-element and longer θ, other steps"""
    for (smooth, theta), eps in SHAPES:
        got, after, where = gradient_of(sub, "numerical_grad", smooth, theta, eps)
        judging.expect_quotient(got, smooth, theta, eps, where, one_sided=False, after=after)


@checks.check(points=1)
def numerical_grad_on_a_0d_theta(sub) -> None:
    """numerical_grad works for a 0-d θ (a single number held in an array)"""
    for eps in (0.02, 1e-3):
        expect_shape_handled(sub, SCALAR, ONE, eps)


@checks.check(points=1)
def one_sided_grad_on_hidden_shapes(sub) -> None:
    """one_sided_grad is the forward difference on 3-D and longer θ, other steps"""
    for (smooth, theta), eps in (SHAPES[0], SHAPES[2]):
        got, after, where = gradient_of(sub, "one_sided_grad", smooth, theta, eps)
        judging.expect_quotient(got, smooth, theta, eps, where, one_sided=True, after=after)


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
def check_gradient_names_the_broken_coordinate_of_a_tensor(sub) -> None:
    """check_gradient names the broken coordinate of a matrix and a 3-D θ as an index tuple"""
    for report, want, analytic, where in planted_bug_reports(sub, TENSOR_BUGS):
        checker.expect_worst_index(report, want, analytic, where)


PASS_EPS = "pass eps on to numerical_grad: a large ε leaves a large truncation error"


@checks.check(points=1)
def numerical_and_one_sided_defaults_are_eps_1e_5(sub) -> None:
    """numerical_grad and one_sided_grad called without eps use eps=1e-5"""
    smooth, theta = hidden_case(212, (5,))
    for func in ("numerical_grad", "one_sided_grad"):
        # The student's own result with eps=1e-5 given: only the default is judged here.
        explicit, _, _ = gradient_of(sub, func, smooth, theta, 1e-5)
        default, _, where = gradient_of(sub, func, smooth, theta, None)
        same_as_default(default, explicit, where, f"{func}(f, θ, eps=1e-05)", "eps=1e-5")


@checks.check(points=1)
def check_gradient_defaults_are_the_contracts(sub) -> None:
    """check_gradient called without eps and tol uses eps=1e-5 and tol=1e-6"""
    smooth, theta = hidden_case(211, (6,))
    for bug in (None, Bug((2,), shift=1e-3)):  # right, and a relative error near 1e-4
        explicit, _ = run_check(sub, smooth, theta, bug, eps=1e-5, tol=1e-6)
        default, where = run_check(sub, smooth, theta, bug, eps=None, tol=None)
        same_as_default(
            default, explicit, where, "the same call with eps=1e-05, tol=1e-06",
            "eps=1e-5 and tol=1e-6",
        )  # fmt: skip


def same_as_default(default, explicit, where: str, other: str, defaults: str) -> None:
    """The call without the optional arguments must give what the explicit one gave."""
    if not _same(default, explicit):
        fail(where, f"what {other} returns", describe(default), f"the defaults are {defaults}")


def _same(a, b) -> bool:
    """Equal plain data: arrays element by element (nan equal to nan), sequences in order."""
    if isinstance(a, TensorData) and isinstance(b, TensorData):
        return (a.dtype, a.device) == (b.dtype, b.device) and _same(a.array, b.array)
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (
            isinstance(a, np.ndarray)
            and isinstance(b, np.ndarray)
            and a.shape == b.shape
            and bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
        )
    if isinstance(a, tuple | list) and isinstance(b, tuple | list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, TensorData | np.ndarray) or isinstance(b, TensorData | np.ndarray):
        return False
    return type(a) is type(b) and bool(a == b or (a != a and b != b))


@checks.check(points=1)
def check_gradient_honours_eps_and_tol(sub) -> None:
    """check_gradient uses the eps and tol it is given"""
    smooth, theta = hidden_case(209, (5,))
    want, _, _ = checker.expected_report(smooth, theta, None, 0.3, 1e-6)
    default, _, _ = checker.expected_report(smooth, theta, None, 1e-5, 1e-6)
    got, where = run_check(sub, smooth, theta, None, eps=0.3, tol=1e-6)
    report = checker.read_report(got, theta.shape, where)
    checker.expect_rel_error(report, want, where, known=((default.rel_error, PASS_EPS),))
    small = Bug((4,), shift=1e-3)  # a relative error near 1e-4: between the two tols
    oks = {}
    for tol in (1e-3, 1e-5):
        got, where = run_check(sub, smooth, theta, small, eps=1e-5, tol=tol)
        oks[tol] = checker.read_report(got, theta.shape, where).ok
    if oks[1e-3] == oks[1e-5]:
        fail(
            f"check_gradient with {small.describe()} (rel_error ≈ 1e-4), tol=0.001 and tol=1e-05",
            "ok True for tol=0.001 and False for tol=1e-05",
            f"ok {oks[1e-3]} for both",
            "ok = rel_error < tol, with the tol you were given",
        )


def logistic_data(seed: int, n: int, d: int, scale: float) -> tuple:
    """(w, b, X, y) with integer labels (int64), scores of order ``scale``."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    w = rng.normal(size=d) * scale
    return w, float(rng.normal()), X, (rng.random(n) < 0.4).astype(np.int64)


LOGISTIC = (
    logistic_data(210, 40, 5, 1.0),
    logistic_data(211, 25, 7, 8.0),
    logistic_data(213, 12, 3, 500.0),  # scores from −961 to 1753
)


@checks.check(points=2)
def logistic_gradient_passes_the_graders_gradient_check(sub) -> None:
    """your dw, db pass the grader's two-sided gradient check on hidden data, integer labels"""
    for w, b, X, y in LOGISTIC:
        got, where = logistic.call(sub, w, b, X, y)
        _, dw, db = logistic.read(got, w.size, where)
        numeric = reference.numerical_grad(
            lambda p, X=X, y=y: logistic.exact_loss(p, X, y), np.append(w, b), GRADCHECK_EPS
        )
        logistic.expect_gradient(dw, db, numeric[:-1], numeric[-1], len(y), where)
