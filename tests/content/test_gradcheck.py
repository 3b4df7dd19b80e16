"""gradcheck through the same path students use: reference full marks, stub zero, realistic
wrong versions each lose exactly the checks of what is wrong (with a message that teaches),
differently written correct versions get full marks, and the quiz scores its answers.
The trusted-side facts the checks rest on (closed forms, planted bugs, margins) are
tested directly."""

from __future__ import annotations

import ast

import mpmath
import numpy as np
import pytest
from support import (
    COURSE,
    apply_edits,
    assert_no_errored,
    by_name,
    cli_solution_report,
    not_passed,
    only_checks,
    reference_answers,
    solution_text,
    stub_text,
)

from grader.course.gradcheck import checker, judging, logistic, public
from grader.course.gradcheck.functions import random_smooth
from grader.model import Status

CODE_CHECKS = {
    "numerical_grad_is_the_two_sided_difference", "numerical_grad_handles_a_matrix_theta",
    "numerical_grad_leaves_theta_unchanged", "numerical_grad_returns_an_array_of_theta_shape",
    "one_sided_grad_is_the_forward_difference", "two_sided_error_has_the_right_order",
    "one_sided_error_has_the_right_order", "relative_error_values",
    "check_gradient_passes_a_right_gradient", "check_gradient_fails_a_planted_bug",
    "check_gradient_names_the_broken_coordinate", "check_gradient_returns_ok_error_and_index",
    "logistic_loss_value", "logistic_gradient_passes_a_gradient_check",
    "logistic_is_stable_for_large_scores", "logistic_returns_loss_dw_db",
    # hidden
    "numerical_grad_on_hidden_functions_and_shapes", "numerical_grad_on_a_0d_theta",
    "one_sided_grad_on_hidden_shapes", "one_sided_grad_leaves_theta_unchanged",
    "relative_error_on_other_shapes", "check_gradient_names_the_broken_coordinate_of_a_tensor",
    "check_gradient_honours_eps_and_tol", "logistic_gradient_passes_the_graders_gradient_check",
    "numerical_and_one_sided_defaults_are_eps_1e_5", "check_gradient_defaults_are_the_contracts",
}  # fmt: skip
QUIZ_KEYS = ("two_sided_cube", "one_sided_cube", "error_orders", "when_not_to_use")


def code_results(result) -> dict:
    assert_no_errored(result)
    checks = only_checks(result, CODE_CHECKS)
    assert set(checks) == CODE_CHECKS
    return checks


def test_reference_solution_scores_full_marks(grade_source):
    result = grade_source("gradcheck", solution_text("gradcheck"), reference_answers("gradcheck"))
    assert set(by_name(result)) == CODE_CHECKS | set(QUIZ_KEYS)
    assert not_passed(result.results) == []
    assert result.score == result.max_score == 35


def test_stub_scores_zero_without_errors(grade_source):
    result = grade_source("gradcheck", stub_text("gradcheck"))
    checks = code_results(result)
    assert result.score == 0
    assert all(r.status is Status.FAILED for r in checks.values())
    assert "not implemented yet: check_gradient raises" in (
        checks["check_gradient_fails_a_planted_bug"].message
    )


def test_cli_solution_full_marks():
    report = cli_solution_report("gradcheck")
    assert report["score"] == report["max_score"] == 35


# ----------------------------------------------------------------------------- wrong versions

TWO_SIDED = "grad[index] = (f(theta + step) - f(theta - step)) / (2 * eps)"
NUMERIC_LOOP = (
    "        step = np.zeros(theta.shape)\n        step[index] = eps\n        " + TWO_SIDED
)
LOSS = "loss = np.mean(np.logaddexp(0.0, z) - y * z)"
RESIDUAL = "residual = (_sigmoid(z) - y) / len(y)"
RETURN_CHECK = "return bool(error < tol), error, tuple(int(i) for i in worst)"


def with_function(source: str) -> str:
    """The reference solution with the top-level function ``source`` defines replaced."""
    name = ast.parse(source).body[0].name
    reference = solution_text("gradcheck")
    node = next(n for n in ast.parse(reference).body if getattr(n, "name", None) == name)
    lines = reference.splitlines(keepends=True)
    return (
        "".join(lines[: node.lineno - 1])
        + source.strip()
        + "\n"
        + "".join(lines[node.end_lineno :])
    )


ONLY_VECTORS = '''
def numerical_grad(f, theta, eps=1e-5):
    """Written for vectors only: theta[i] is a whole row of a matrix."""
    grad = np.zeros_like(theta)
    for i in range(len(theta)):
        step = np.zeros_like(theta)
        step[i] = eps
        grad[i] = (f(theta + step) - f(theta - step)) / (2 * eps)
    return grad
'''
OVERFLOWING_SIGMOID = '''
def _sigmoid(z):
    """exp(z)/(1 + exp(z)): inf/inf = nan for z past 709."""
    return np.exp(z) / (1.0 + np.exp(z))
'''

# name -> (the wrong source, {each check that must fail: a fragment of its message})
WRONG_VERSIONS = {
    "numerical_grad_is_one_sided": (
        apply_edits("gradcheck", [(TWO_SIDED, "grad[index] = (f(theta + step) - f(theta)) / eps")]),
        {
            "numerical_grad_is_the_two_sided_difference": "this is the one-sided difference",
            "two_sided_error_has_the_right_order": "expected a log-log slope between 1.8 and 2.2",
            "numerical_grad_on_hidden_functions_and_shapes": "this is the one-sided difference",
        },
    ),
    "divides_by_eps_not_2eps": (
        apply_edits("gradcheck", [(TWO_SIDED, TWO_SIDED.replace("(2 * eps)", "eps"))]),
        {
            "numerical_grad_is_the_two_sided_difference": "divide by 2ε, not by ε",
            "two_sided_error_has_the_right_order": "got -0.00",
            "numerical_grad_on_hidden_functions_and_shapes": "divide by 2ε",
        },
    ),
    "perturbs_every_coordinate_at_once": (
        apply_edits(
            "gradcheck",
            [(NUMERIC_LOOP, "        step = np.full(theta.shape, eps)\n        " + TWO_SIDED)],
        ),
        {
            "numerical_grad_is_the_two_sided_difference": "perturb one coordinate at a time",
            "two_sided_error_has_the_right_order": "got 0.00",
            "numerical_grad_on_hidden_functions_and_shapes": "perturb one coordinate at a time",
        },
    ),
    "theta_moved_and_never_put_back": (
        apply_edits(
            "gradcheck",
            [
                (
                    NUMERIC_LOOP,
                    "        theta[index] += eps\n        plus = f(theta)\n"
                    "        theta[index] -= 2 * eps\n"
                    "        grad[index] = (plus - f(theta)) / (2 * eps)",
                )
            ],
        ),
        {
            "numerical_grad_leaves_theta_unchanged": "was left moved by ε",
            "numerical_grad_is_the_two_sided_difference": "θ was not put back",
            "two_sided_error_has_the_right_order": "log-log slope",
            "numerical_grad_on_hidden_functions_and_shapes": "θ was not put back",
        },
    ),
    "numerical_grad_only_for_vectors": (
        with_function(ONLY_VECTORS),
        {
            "numerical_grad_handles_a_matrix_theta": "np.ndindex(theta.shape)",
            "numerical_grad_on_a_0d_theta": "len() of unsized object",
            "numerical_grad_on_hidden_functions_and_shapes": "float64[2, 3, 2]",
        },
    ),
    "returns_a_list": (
        apply_edits(
            "gradcheck",
            [(TWO_SIDED + "\n    return grad", TWO_SIDED + "\n    return grad.tolist()")],
        ),
        {"numerical_grad_returns_an_array_of_theta_shape": "got a Python list"},
    ),
    "every_container_slipped": (
        apply_edits(
            "gradcheck",
            [
                (TWO_SIDED + "\n    return grad", TWO_SIDED + "\n    return grad.ravel().tolist()"),
                (RETURN_CHECK, "return [int(error < tol), np.array([error]), np.array(worst)]"),
                (
                    "return float(loss), X.T @ residual, float(residual.sum())",
                    "return [np.array(loss), list(X.T @ residual), np.array([residual.sum()])]",
                ),
            ],
        ),
        {
            "numerical_grad_returns_an_array_of_theta_shape": "got a Python list",
            "check_gradient_returns_ok_error_and_index": "expected a tuple (ok, rel_error",
            "logistic_returns_loss_dw_db": "expected a tuple (loss, dw, db)",
        },
    ),
    "one_sided_is_backward": (
        apply_edits(
            "gradcheck",
            [("(f(theta + step) - base) / eps", "(base - f(theta - step)) / eps")],
        ),
        {
            "one_sided_grad_is_the_forward_difference": "this is the backward difference",
            "one_sided_grad_on_hidden_shapes": "this is the backward difference",
        },
    ),
    "relative_error_divides_by_the_larger_norm": (
        apply_edits(
            "gradcheck",
            [
                (
                    "np.linalg.norm(a) + np.linalg.norm(b)",
                    "max(np.linalg.norm(a), np.linalg.norm(b))",
                )
            ],
        ),
        {
            "relative_error_values": "not the larger one",
            "relative_error_on_other_shapes": "not the larger one",
        },
    ),
    "relative_error_without_the_zero_case": (
        apply_edits(
            "gradcheck",
            [("return 0.0 if scale == 0.0 else float(", "return float(")],
        ),
        {"relative_error_values": "for two zero arrays return 0.0"},
    ),
    "relative_error_with_the_spectral_norm": (
        with_function('''
def relative_error(a, b):
    """np.linalg.norm(x, 2) is the spectral norm for a matrix (and fails for 3-D)."""
    scale = np.linalg.norm(a, 2) + np.linalg.norm(b, 2)
    return 0.0 if scale == 0 else float(np.linalg.norm(a - b, 2) / scale)
'''),
        {
            "relative_error_values": "largest singular value",
            "relative_error_on_other_shapes": "Improper number of dimensions",
        },
    ),
    "worst_index_where_the_gradient_is_largest": (
        apply_edits(
            "gradcheck", [("np.argmax(np.abs(numeric - analytic))", "np.argmax(np.abs(analytic))")]
        ),
        {
            "check_gradient_names_the_broken_coordinate": "where |analytic| is largest",
            "check_gradient_names_the_broken_coordinate_of_a_tensor": "where |analytic| is largest",
        },
    ),
    "worst_index_flat": (
        apply_edits(
            "gradcheck",
            [
                (
                    RETURN_CHECK,
                    "return bool(error < tol), error, int(np.argmax(np.abs(numeric - analytic)))",
                )
            ],
        ),
        {"check_gradient_returns_ok_error_and_index": "np.unravel_index"},
    ),
    "ok_inverted": (
        apply_edits(
            "gradcheck", [(RETURN_CHECK, RETURN_CHECK.replace("error < tol", "error > tol"))]
        ),
        {
            "check_gradient_passes_a_right_gradient": "ok: expected True, got False",
            "check_gradient_fails_a_planted_bug": "ok: expected False, got True",
        },
    ),
    "check_gradient_ignores_eps": (
        apply_edits("gradcheck", [("numerical_grad(f, theta, eps)", "numerical_grad(f, theta)")]),
        {"check_gradient_honours_eps_and_tol": "pass eps on to numerical_grad"},
    ),
    "check_gradient_ignores_tol": (
        apply_edits(
            "gradcheck", [(RETURN_CHECK, RETURN_CHECK.replace("error < tol", "error < 1e-6"))]
        ),
        {"check_gradient_honours_eps_and_tol": "with the tol you were given"},
    ),
    "naive_cross_entropy": (
        apply_edits(
            "gradcheck",
            [
                (
                    LOSS,
                    "s = 1 / (1 + np.exp(-z))\n"
                    "    loss = np.mean(-y * np.log(s) - (1 - y) * np.log(1 - s))",
                )
            ],
        ),
        {"logistic_is_stable_for_large_scores": "reached log 0"},
    ),
    "clipped_sigmoid_in_the_loss": (
        apply_edits(
            "gradcheck",
            [
                (
                    LOSS,
                    "s = np.clip(_sigmoid(z), 1e-15, 1 - 1e-15)\n"
                    "    loss = np.mean(-y * np.log(s) - (1 - y) * np.log(1 - s))",
                )
            ],
        ),
        {"logistic_is_stable_for_large_scores": "clipping σ away from 0 and 1"},
    ),
    "gradient_summed_not_averaged": (
        apply_edits("gradcheck", [(RESIDUAL, "residual = _sigmoid(z) - y")]),
        {
            "logistic_gradient_passes_a_gradient_check": "divide the summed gradient by n",
            "logistic_gradient_passes_the_graders_gradient_check": "divide the summed gradient",
        },
    ),
    "db_averaged_twice": (
        apply_edits("gradcheck", [("float(residual.sum())", "float(residual.mean())")]),
        {
            "logistic_gradient_passes_a_gradient_check": "dw is right but db is not",
            "logistic_gradient_passes_the_graders_gradient_check": "dw is right but db is not",
        },
    ),
    "sigmoid_overflows": (
        with_function(OVERFLOWING_SIGMOID),
        {
            "logistic_is_stable_for_large_scores": "take exp only of −|z|",
            "logistic_gradient_passes_the_graders_gradient_check": "nan",
        },
    ),
}


@pytest.mark.parametrize("name", sorted(WRONG_VERSIONS))
def test_wrong_version_loses_exactly_its_checks(grade_source, name):
    source, failing = WRONG_VERSIONS[name]
    checks = code_results(grade_source("gradcheck", source))
    lost = {n: r.message for n, r in checks.items() if r.status is not Status.PASSED}
    assert set(lost) == set(failing), lost
    for check, fragment in failing.items():
        assert fragment in lost[check], (check, lost[check])


# ----------------------------------------------------------------------------- correct versions

IN_PLACE_AND_INLINE = """
import numpy as np


def numerical_grad(f, theta, eps=1e-5):
    grad = np.zeros_like(theta)
    it = np.nditer(theta, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        i = it.multi_index
        old = theta[i]
        theta[i] = old + eps
        plus = f(theta)
        theta[i] = old - eps
        minus = f(theta)
        theta[i] = old
        grad[i] = (plus - minus) / (2 * eps)
        it.iternext()
    return grad


def one_sided_grad(f, theta, eps=1e-5):
    grad, base = np.zeros_like(theta), f(theta)
    for i in np.ndindex(theta.shape):
        theta[i] += eps
        grad[i] = (f(theta) - base) / eps
        theta[i] -= eps
    return grad


def relative_error(a, b):
    num = np.sqrt(np.sum((a - b) ** 2))
    den = np.sqrt(np.sum(a**2)) + np.sqrt(np.sum(b**2))
    return 0.0 if den == 0 else num / den


def check_gradient(f, grad_f, theta, eps=1e-5, tol=1e-6):
    # its own numerical gradient, not numerical_grad(): the stand-ins do not apply
    numeric = np.zeros_like(theta)
    for i in np.ndindex(theta.shape):
        e = np.zeros_like(theta)
        e[i] = eps
        numeric[i] = (f(theta + e) - f(theta - e)) / (2 * eps)
    analytic = grad_f(theta)
    diff = np.abs(numeric - analytic)
    rel = np.linalg.norm(numeric - analytic) / (np.linalg.norm(numeric) + np.linalg.norm(analytic))
    return rel < tol, rel, np.unravel_index(np.argmax(diff), theta.shape)


def logistic_loss_and_grad(w, b, X, y):
    z = X @ w + b
    with np.errstate(over="ignore"):
        s = 1 / (1 + np.exp(-z))  # overflows to s = 0 for very negative z: still right
        softplus = np.where(z > 0, z + np.log1p(np.exp(-z)), np.log1p(np.exp(z)))
    loss = np.mean(softplus - y * z)
    return loss, X.T @ (s - y) / len(y), np.mean(s - y)
"""

TORCH_AUTOGRAD = """
import numpy as np
import torch
import torch.nn.functional as F


def _quotients(f, theta, eps, two_sided):
    flat = theta.reshape(-1)
    grad = np.empty(flat.size)
    base = None if two_sided else f(theta)
    for k in range(flat.size):
        plus = flat.copy()
        plus[k] += eps
        if two_sided:
            minus = flat.copy()
            minus[k] -= eps
            grad[k] = (f(plus.reshape(theta.shape)) - f(minus.reshape(theta.shape))) * (0.5 / eps)
        else:
            grad[k] = (f(plus.reshape(theta.shape)) - base) / eps
    return grad.reshape(theta.shape)


def numerical_grad(f, theta, eps=1e-5):
    return _quotients(f, theta, eps, True)


def one_sided_grad(f, theta, eps=1e-5):
    return _quotients(f, theta, eps, False)


def relative_error(a, b):
    a, b = torch.as_tensor(a).flatten(), torch.as_tensor(b).flatten()
    den = a.norm() + b.norm()
    return 0.0 if den.item() == 0 else ((a - b).norm() / den).item()


def check_gradient(f, grad_f, theta, eps=1e-5, tol=1e-6):
    numeric = numerical_grad(f, theta, eps)
    analytic = grad_f(theta)
    rel = relative_error(numeric, analytic)
    diff = np.abs(numeric - analytic)
    worst = tuple(int(i) for i in np.argwhere(diff == diff.max())[0])
    return bool(rel < tol), float(rel), worst


def logistic_loss_and_grad(w, b, X, y):
    w_t = torch.tensor(w, dtype=torch.float64, requires_grad=True)
    b_t = torch.tensor(float(b), dtype=torch.float64, requires_grad=True)
    X_t, y_t = torch.as_tensor(X, dtype=torch.float64), torch.as_tensor(y, dtype=torch.float64)
    loss = F.binary_cross_entropy_with_logits(X_t @ w_t + b_t, y_t)
    loss.backward()
    return loss.item(), w_t.grad.numpy(), b_t.grad.item()
"""

VECTORIZED_BASIS = '''
import math

import numpy as np


def _basis(theta, eps):
    """One perturbation per coordinate, each of theta's shape."""
    return (eps * np.eye(theta.size)).reshape((theta.size, *theta.shape))


def numerical_grad(f, theta, eps=1e-5):
    values = [(f(theta + e) - f(theta - e)) / (2 * eps) for e in _basis(theta, eps)]
    return np.array(values).reshape(theta.shape)


def one_sided_grad(f, theta, eps=1e-5):
    f0 = f(theta)
    return np.array([(f(theta + e) - f0) / eps for e in _basis(theta, eps)]).reshape(theta.shape)


def relative_error(a, b):
    a, b = np.ravel(a), np.ravel(b)
    top, bottom = math.sqrt(float(np.dot(a - b, a - b))), math.hypot(*a) + math.hypot(*b)
    return top / bottom if bottom else 0.0


def check_gradient(f, grad_f, theta, eps=1e-5, tol=1e-6):
    numeric, analytic = numerical_grad(f, theta, eps), grad_f(theta)
    error = relative_error(numeric, analytic)
    flat = int(np.abs(numeric - analytic).argmax())
    return error < tol, error, tuple(map(int, np.unravel_index(flat, theta.shape)))


def logistic_loss_and_grad(w, b, X, y):
    z = X.dot(w) + b
    loss = float(np.mean(np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z))) - y * z))
    s = 0.5 * (1 + np.tanh(z / 2))  # σ(z), no overflow
    r = s - y
    return loss, X.T.dot(r) / X.shape[0], float(r.sum() / X.shape[0])
'''

PLUS_MINUS_IN_PLACE = '''
import numpy as np


def numerical_grad(f, theta, eps=1e-5):
    """θᵢ += ε, then −= 2ε, then += ε: θ ends within a rounding of where it was."""
    g = np.zeros(theta.shape)
    for idx in np.ndindex(*theta.shape):
        theta[idx] += eps
        up = f(theta)
        theta[idx] -= 2 * eps
        down = f(theta)
        theta[idx] += eps
        g[idx] = (up - down) / eps / 2
    return g


def one_sided_grad(f, theta, eps=1e-5):
    g, here = np.zeros(theta.shape), f(theta)
    for idx in np.ndindex(*theta.shape):
        theta[idx] += eps
        g[idx] = (f(theta) - here) / eps
        theta[idx] -= eps
    return g


def relative_error(a, b):
    na, nb = np.linalg.norm(np.ravel(a)), np.linalg.norm(np.ravel(b))
    if na == 0 and nb == 0:
        return 0.0
    return np.linalg.norm(np.ravel(a) - np.ravel(b)) / (na + nb)


def check_gradient(f, grad_f, theta, eps=1e-5, tol=1e-6):
    num = numerical_grad(f, theta, eps)
    ana = np.asarray(grad_f(theta))
    rel = relative_error(num, ana)
    return rel < tol, rel, np.unravel_index(np.abs(num - ana).argmax(), theta.shape)


def logistic_loss_and_grad(w, b, X, y):
    z = X @ w + b
    log_p = -np.logaddexp(0, -z)  # log σ(z)
    log_q = -np.logaddexp(0, z)  # log(1 − σ(z))
    loss = -np.mean(y * log_p + (1 - y) * log_q)
    d = (np.exp(log_p) - y) / len(y)
    return float(loss), X.T @ d, d.sum()
'''

CORRECT_VERSIONS = {
    "in_place_restored_and_inline_check": IN_PLACE_AND_INLINE,
    "torch_autograd_and_flat_copies": TORCH_AUTOGRAD,
    "vectorized_basis_and_tanh": VECTORIZED_BASIS,
    "plus_minus_in_place_numpy_scalars": PLUS_MINUS_IN_PLACE,
}


@pytest.mark.parametrize("name", sorted(CORRECT_VERSIONS))
def test_differently_written_correct_versions_get_full_marks(grade_source, name):
    checks = code_results(grade_source("gradcheck", CORRECT_VERSIONS[name]))
    assert not_passed(checks.values()) == []


# ----------------------------------------------------------------------------- quiz


def quiz(grade_source, answers: str) -> dict:
    return by_name(grade_source("gradcheck", solution_text("gradcheck"), answers))


def test_quiz_accepts_equivalent_forms(grade_source):
    results = quiz(
        grade_source,
        "two_sided_cube = 3.0001000000000003\none_sided_cube = 3.03010\n"
        'error_orders = "b"\nwhen_not_to_use = "B, A"\n',
    )
    assert [results[k].status for k in QUIZ_KEYS] == [Status.PASSED] * 4


# name -> (answers, the questions that must fail, a fragment of the first one's message)
WRONG_ANSWERS = {
    "exact_derivative_for_both": (
        'two_sided_cube = 3\none_sided_cube = 3\nerror_orders = "B"\nwhen_not_to_use = ["A", "B"]',
        ("two_sided_cube", "one_sided_cube"),
        "even powers of ε cancel",
    ),
    "estimates_swapped": (
        'two_sided_cube = 3.0301\none_sided_cube = 3.0001\nerror_orders = "B"\n'
        'when_not_to_use = ["A", "B"]',
        ("two_sided_cube", "one_sided_cube"),
        "Expand (1 ± ε)³",
    ),
    "orders_swapped": (
        'two_sided_cube = 3.0001\none_sided_cube = 3.0301\nerror_orders = "C"\n'
        'when_not_to_use = ["A", "B"]',
        ("error_orders",),
        "Taylor-expand",
    ),
    "regularization_counted_as_a_reason": (
        'two_sided_cube = 3.0001\none_sided_cube = 3.0301\nerror_orders = "B"\n'
        'when_not_to_use = ["A", "B", "C"]',
        ("when_not_to_use",),
        "is the cost the same deterministic function",
    ),
    "dropout_forgotten": (
        'two_sided_cube = 3.0001\none_sided_cube = 3.0301\nerror_orders = "B"\n'
        'when_not_to_use = ["A"]',
        ("when_not_to_use",),
        "choose every correct letter",
    ),
}


@pytest.mark.parametrize("name", sorted(WRONG_ANSWERS))
def test_quiz_wrong_answers_lose_exactly_their_points(grade_source, name):
    answers, failing, fragment = WRONG_ANSWERS[name]
    results = quiz(grade_source, answers)
    lost = {k for k in QUIZ_KEYS if results[k].status is not Status.PASSED}
    assert lost == set(failing)
    assert sum(results[k].points for k in QUIZ_KEYS) == len(QUIZ_KEYS) - len(failing)
    assert fragment in results[failing[0]].message, results[failing[0]].message


def test_quiz_hints_name_no_letter_or_order():
    from grader.course.gradcheck.quiz import QUESTIONS, feedback

    for question in QUESTIONS:
        hint = feedback(question.key, frozenset({"C"}))
        assert hint and "O(ε" not in hint and '"' not in hint
        assert not any(f" {letter} " in f" {hint} " for letter in "ABCD")


# ----------------------------------------------------------------------------- trusted side


def mp_quotients(smooth, theta, eps):
    """Two-sided and one-sided difference quotients of f evaluated in 50 digits."""
    with mpmath.workdps(50):
        a, c, b, u = (np.ravel(v) for v in (smooth.a, smooth.c, smooth.b, smooth.u))

        def f(t):
            lin = sum(
                mpmath.mpf(a[i]) * mpmath.sin(t[i]) + c[i] * t[i] ** 3 + b[i] * t[i]
                for i in range(len(t))
            )
            quad = (
                sum(smooth.A[i, j] * t[i] * t[j] for i in range(len(t)) for j in range(len(t))) / 2
            )
            return lin + quad + smooth.k * mpmath.sin(sum(u[i] * t[i] for i in range(len(t))))

        base = [mpmath.mpf(float(x)) for x in np.ravel(theta)]
        two, one = [], []
        for i in range(len(base)):
            plus, minus = list(base), list(base)
            plus[i] += eps
            minus[i] -= eps
            two.append(float((f(plus) - f(minus)) / (2 * mpmath.mpf(eps))))
            one.append(float((f(plus) - f(base)) / mpmath.mpf(eps)))
        return np.array(two), np.array(one)


@pytest.mark.parametrize("shape", [(), (3,), (2, 2)])
def test_closed_forms_are_the_exact_difference_quotients(shape):
    rng = np.random.default_rng(5)
    smooth, theta = random_smooth(rng, shape, k=1.7), rng.uniform(-2, 2, size=shape)
    for eps in (0.3, 1e-3, 1e-5):
        two, one = mp_quotients(smooth, theta, eps)
        np.testing.assert_allclose(
            smooth.two_sided(theta, eps).ravel(), two, rtol=1e-13, atol=1e-14
        )
        np.testing.assert_allclose(
            smooth.one_sided(theta, eps).ravel(), one, rtol=1e-13, atol=1e-14
        )


def test_a_reshaped_function_is_the_same_function():
    smooth, theta = public.VECTOR_6
    matrix, theta2 = public.MATRIX
    assert matrix.value(theta2) == pytest.approx(smooth.value(theta), rel=1e-15)
    np.testing.assert_allclose(matrix.gradient(theta2).ravel(), smooth.gradient(theta), rtol=1e-15)


HIDDEN = COURSE.hidden_module(COURSE.find("gradcheck"))


def test_planted_bugs_are_clear_and_not_at_the_largest_gradient():
    for (smooth, theta), bug in public.BUG_CASES + HIDDEN.TENSOR_BUGS:
        report, numeric, analytic = checker.expected_report(smooth, theta, bug, 1e-5, 1e-6)
        g = smooth.gradient(theta)
        assert report.worst_index == bug.index
        assert np.unravel_index(np.argmax(np.abs(g)), g.shape) != bug.index
        assert report.rel_error > 1e-3  # far above a right gradient's 1e-10
        others = np.delete(
            np.abs(numeric - analytic).ravel(), np.ravel_multi_index(bug.index, g.shape)
        )
        assert np.abs(numeric - analytic)[bug.index] > 1e6 * others.max()


def test_the_small_bug_sits_between_the_two_tolerances():
    smooth, theta = HIDDEN.hidden_case(209, (5,))
    report, _, _ = checker.expected_report(smooth, theta, checker.Bug((4,), shift=1e-3), 1e-5, 1)
    assert 3e-5 < report.rel_error < 3e-4


def test_reference_slopes_sit_well_inside_the_bounds():
    reference = COURSE.reference("gradcheck")
    smooth, theta = public.SLOPE_CASE
    for func, (low, high) in (
        (reference.numerical_grad, public.TWO_SIDED_SLOPE),
        (reference.one_sided_grad, public.ONE_SIDED_SLOPE),
    ):
        grads = [func(smooth.value, theta.copy(), eps) for eps in judging.STEPS]
        slope, _ = judging.error_slope(grads, smooth, theta, "")
        assert low + 0.15 < slope < high - 0.15


def test_exact_logistic_values_match_a_float64_computation():
    w, b, X, y = public.SMALL_LOGISTIC[1]
    loss, dw, db = logistic.exact(w, b, X, y)
    z = X @ w + b
    s = 1 / (1 + np.exp(-z))
    assert loss == pytest.approx(np.mean(-y * np.log(s) - (1 - y) * np.log(1 - s)), rel=1e-13)
    np.testing.assert_allclose(
        np.append(dw, db), np.append(X.T @ (s - y), np.sum(s - y)) / len(y), rtol=1e-12
    )


def test_the_answers_template_is_generated_from_the_questions():
    from grader.course.gradcheck.quiz import QUESTIONS
    from grader.quiz.template import render_template

    template = (COURSE.root / "answers" / "gradcheck.toml").read_text(encoding="utf-8")
    assert template == render_template("gradcheck", QUESTIONS)


@pytest.mark.parametrize(
    ("old", "new", "check"),
    [
        (
            "def numerical_grad(f, theta, eps=1e-5):",
            "def numerical_grad(f, theta, eps=1e-2):",
            "numerical_and_one_sided_defaults_are_eps_1e_5",
        ),
        (
            "def one_sided_grad(f, theta, eps=1e-5):",
            "def one_sided_grad(f, theta, eps=1e-2):",
            "numerical_and_one_sided_defaults_are_eps_1e_5",
        ),
        (
            "eps=1e-5, tol=1e-6):",
            "eps=1e-5, tol=0.0):",
            "check_gradient_defaults_are_the_contracts",
        ),
    ],
    ids=["numerical-default-eps", "one-sided-default-eps", "check-gradient-default-tol"],
)
def test_a_wrong_default_loses_only_the_defaults_check(grade_source, old, new, check):
    result = grade_source("gradcheck", apply_edits("gradcheck", [(old, new)]))
    failed = {name for name, r in code_results(result).items() if r.status is not Status.PASSED}
    assert failed == {check}, failed
