"""ex4_1 through the same path students use: reference full marks, stub zero, realistic
wrong versions each lose the points of what is wrong with a useful message, and
differently written correct versions get full marks."""

from __future__ import annotations

import numpy as np
import pytest
from support import (
    COURSE,
    apply_edits,
    assert_no_errored,
    by_name,
    not_passed,
    only_checks,
    reference_answers,
    solution_text,
    stub_text,
)

from grader.course.ex4_1 import judging
from grader.model import Status

NUMPY_CHECKS = {
    "sigmoid_values",
    "sigmoid_is_stable",
    "sigmoid_grad_values",
    "weight_grad_matches_finite_differences",
    "weight_grad_sign_for_positive_inputs",
    "sigmoid_matches_reference",
    "sigmoid_grad_matches_reference",
    "weight_grad_matches_autograd",
}
TORCH_CHECKS = {
    "sigmoid_values_torch",
    "sigmoid_grad_values_torch",
    "weight_grad_torch_matches_finite_differences",
    "sigmoid_torch_matches_reference",
    "sigmoid_grad_torch_matches_reference",
    "weight_grad_torch_matches_autograd",
}
SCALAR_CHECKS = {"python_scalars", "weight_grad_accepts_python_scalars"}
TRAINING_CHECKS = {
    "train_neuron_returns_a_list_of_floats",
    "train_neuron_losses_before_each_step",
    "positive_inputs_converge_slower",
    "train_neuron_matches_reference",
    "train_neuron_accepts_every_input_kind",
}
CODE_CHECKS = NUMPY_CHECKS | TORCH_CHECKS | SCALAR_CHECKS | TRAINING_CHECKS


def test_reference_solution_scores_full_marks(grade_source):
    result = grade_source("ex4_1", solution_text("ex4_1"), reference_answers("ex4_1"))
    assert set(only_checks(result, CODE_CHECKS)) == CODE_CHECKS
    assert not_passed(result.results) == []
    assert result.score == result.max_score > 0


def test_stub_scores_zero_without_errors(grade_source):
    result = grade_source("ex4_1", stub_text("ex4_1"))
    assert_no_errored(result)
    assert result.score == 0
    checks = only_checks(result, CODE_CHECKS)
    assert "not implemented yet: sigmoid raises" in checks["sigmoid_values"].message
    assert checks["sigmoid_is_stable"].status is Status.SKIPPED


NUMPY_SIGMOID = "return _scalar_out(z, np.where(a >= 0, 1 / (1 + e), e / (1 + e)))"

# name -> (edits of the solution, the checks that must fail, a substring of the first's message)
WRONG_VERSIONS = {
    "naive_sigmoid": (
        ((NUMPY_SIGMOID, "return _scalar_out(z, 1 / (1 + np.exp(-a)))"),),
        {"sigmoid_is_stable"},
        "RuntimeWarning: overflow encountered in exp",
    ),
    "where_evaluates_both_branches": (
        (
            (
                NUMPY_SIGMOID,
                "return _scalar_out(z, np.where(a >= 0, 1 / (1 + np.exp(-a)), "
                "np.exp(a) / (1 + np.exp(a))))",
            ),
        ),
        {"sigmoid_is_stable"},
        "never evaluate the branch you do not use",
    ),
    "sigmoid_always_float64": (
        (('if a.dtype.kind != "f":', "if True:"),),
        {"sigmoid_values"},
        "expected dtype float32, got dtype float64",
    ),
    "sigmoid_grad_of_z_not_sigma": (
        (("    return s * (1 - s)", "    return s * (1 - z)"),),
        {"sigmoid_grad_values"},
        "σ'(z) = σ(z)(1 − σ(z))",
    ),
    "weight_grad_without_sigma_prime": (
        (("(s - y) * s * (1 - s) * x", "(s - y) * x"),),
        {"weight_grad_matches_finite_differences"},
        "∂L/∂w = (σ(z) − y)·σ'(z)·x",
    ),
    "weight_grad_sign_flipped": (
        (("(s - y) * s * (1 - s) * x", "(y - s) * s * (1 - s) * x"),),
        {"weight_grad_matches_finite_differences"},
        "weight_grad(",
    ),
    "loss_recorded_after_the_step": (
        (
            ("        losses.append(0.5 * (r * r).mean())\n", ""),
            (
                "        b = b - lr * g.sum()\n",
                "        b = b - lr * g.sum()\n"
                "        losses.append(0.5 * ((torch.sigmoid(X @ w + b) - y) ** 2).mean())\n",
            ),
        ),
        {"train_neuron_losses_before_each_step"},
        "the first loss is taken before any step",
    ),
    "sum_not_mean": (
        (("g = r * s * (1 - s) / n", "g = r * s * (1 - s)"),),
        {"train_neuron_losses_before_each_step"},
        "with L the *mean* loss",
    ),
    "bias_never_updated": (
        (("        b = b - lr * g.sum()\n", ""),),
        {"train_neuron_losses_before_each_step"},
        "b -= lr·∂L/∂b",
    ),
    "losses_left_as_tensors": (
        (("return torch.stack(losses).tolist() if losses else []", "return losses"),),
        {"train_neuron_returns_a_list_of_floats"},
        "call .item() on a 0-d tensor",
    ),
    "learning_rate_decays": (
        (("        b = b - lr * g.sum()\n", "        b = b - lr * g.sum()\n        lr *= 0.99\n"),),
        {"train_neuron_matches_reference"},
        "loss before step: expected",
    ),
    "inputs_standardised_inside": (
        (("    n, d = X.shape\n", "    n, d = X.shape\n    X = X - X.mean(0)\n"),),
        {"train_neuron_losses_before_each_step"},
        "[1]: expected",
    ),
}


@pytest.mark.parametrize("name", sorted(WRONG_VERSIONS))
def test_wrong_version_loses_points_with_message(grade_source, name):
    edits, failing, message = WRONG_VERSIONS[name]
    result = grade_source("ex4_1", apply_edits("ex4_1", edits))
    assert_no_errored(result)
    checks = only_checks(result, CODE_CHECKS)
    failed = {n for n, r in checks.items() if r.status is Status.FAILED}
    assert failing <= failed, [(n, r.status, r.message) for n, r in checks.items()]
    first = sorted(failing)[0]
    assert message in checks[first].message, checks[first].message
    assert sum(r.points for r in checks.values()) < sum(r.max_points for r in checks.values())


def lost(result) -> set[str]:
    """The code checks that did not earn their points."""
    return {n for n, r in only_checks(result, CODE_CHECKS).items() if r.points < r.max_points}


FORMAT_SLIPS = {
    "ndarray": "return torch.stack(losses).cpu().numpy()",
    "tensor": "return torch.stack(losses)",
    "tuple_of_numpy_float64": "return tuple(np.float64(v) for v in torch.stack(losses).tolist())",
    "list_of_0d_tensors": "return losses",
}


@pytest.mark.parametrize("slip", sorted(FORMAT_SLIPS))
def test_a_loss_history_in_another_container_loses_only_the_format_check(grade_source, slip):
    """Issue 14: an ndarray history used to skip the training checks (6 points)."""
    edits = (("return torch.stack(losses).tolist() if losses else []", FORMAT_SLIPS[slip]),)
    result = grade_source("ex4_1", apply_edits("ex4_1", edits))
    assert_no_errored(result)
    assert lost(result) == {"train_neuron_returns_a_list_of_floats"}
    checks = only_checks(result, CODE_CHECKS)
    assert (
        "expected a list of 5 Python floats"
        in checks["train_neuron_returns_a_list_of_floats"].message
        or "Python float" in checks["train_neuron_returns_a_list_of_floats"].message
    )


# Python ints take the numpy path; an output array allocated like the input is an integer
# array for an int, and σ(2) = 0.88 is stored as 0. Issue 14: no check sent an int before.
INT_ZEROS = (
    (
        NUMPY_SIGMOID,
        "out = np.zeros_like(np.asarray(z))\n"
        "    out[...] = np.where(a >= 0, 1 / (1 + e), e / (1 + e))\n"
        "    return _scalar_out(z, out)",
    ),
)


def test_integer_scalars_computed_as_integers_lose_the_scalar_points(grade_source):
    result = grade_source("ex4_1", apply_edits("ex4_1", INT_ZEROS))
    assert_no_errored(result)
    assert lost(result) == SCALAR_CHECKS
    message = only_checks(result, CODE_CHECKS)["python_scalars"].message
    assert "sigmoid(2): expected 0.88079708, got 0" in message, message


def test_integer_scalars_a_float_only_torch_path_cannot_take_lose_the_scalar_points(grade_source):
    """torch.sigmoid is not defined for integer tensors: torch.as_tensor(2) is one."""
    code = CORRECT_VERSIONS["torch_autograd_everything"].replace(
        "np.asarray(a, dtype=float) if type(a) in (int, float) else np.asarray(a)",
        "np.asarray(a)",
    )
    assert code != CORRECT_VERSIONS["torch_autograd_everything"]
    result = grade_source("ex4_1", code)
    assert lost(result) == SCALAR_CHECKS


TORCH_ONLY_BUG = (
    (
        "        e = torch.exp(-z.abs())\n",
        "        z = z.double()\n        e = torch.exp(-z.abs())\n",
    ),
)
NUMPY_ONLY_BUG = (('if a.dtype.kind != "f":', "if True:"),)


def test_a_torch_path_bug_keeps_every_numpy_and_scalar_point(grade_source):
    """sigmoid's torch branch answers in float64; weight_grad's result still comes out in
    float32 (a 0-d tensor does not promote), right to float32 precision, so it keeps its points."""
    result = grade_source("ex4_1", apply_edits("ex4_1", TORCH_ONLY_BUG))
    assert_no_errored(result)
    assert lost(result) == {
        "sigmoid_values_torch",
        "sigmoid_torch_matches_reference",
        "sigmoid_grad_values_torch",
        "sigmoid_grad_torch_matches_reference",
    }


def test_a_numpy_path_bug_keeps_every_torch_point(grade_source):
    result = grade_source("ex4_1", apply_edits("ex4_1", NUMPY_ONLY_BUG))
    assert_no_errored(result)
    assert lost(result) == NUMPY_CHECKS


def test_a_train_neuron_that_only_takes_device_strings_loses_one_point(grade_source):
    edits = (
        (
            "    X = torch.as_tensor(X).to(device)\n",
            '    X = torch.as_tensor(X).to("cuda" if device.startswith("cuda") else "cpu")\n',
        ),
    )
    result = grade_source("ex4_1", apply_edits("ex4_1", edits))
    assert lost(result) == {"train_neuron_accepts_every_input_kind"}
    message = only_checks(result, CODE_CHECKS)["train_neuron_accepts_every_input_kind"].message
    assert "device=torch.device('cpu')" in message, message


def test_naive_sigmoid_loses_only_stability(grade_source):
    edits, _, _ = WRONG_VERSIONS["naive_sigmoid"]
    checks = only_checks(grade_source("ex4_1", apply_edits("ex4_1", edits)), CODE_CHECKS)
    lost = {n for n, r in checks.items() if r.status is not Status.PASSED}
    assert lost == {"sigmoid_is_stable", "sigmoid_matches_reference"}
    assert "sigmoid(array float64[10]" in checks["sigmoid_is_stable"].message


CORRECT_VERSIONS = {
    "tanh_loops_numpy_training": """
import math
import numpy as np
import torch

def sigmoid(z):
    if isinstance(z, torch.Tensor):
        return 0.5 * (1 + torch.tanh(z / 2))
    if isinstance(z, (int, float)):
        return 0.5 * (1 + math.tanh(z / 2))
    return 0.5 * (1 + np.tanh(np.asarray(z) / 2))

def sigmoid_grad(z):
    s = sigmoid(z)
    return s - s * s

def weight_grad(w, b, x, y):
    if isinstance(x, (int, float)):
        s = sigmoid(w * x + b)
        return (s - y) * s * (1 - s) * x
    z = b
    for i in range(len(x)):
        z = z + w[i] * x[i]
    delta = (sigmoid(z) - y) * sigmoid_grad(z)
    out = x * 0
    for i in range(len(x)):
        out[i] = delta * x[i]
    return out

def train_neuron(X, y, lr, steps, device="cpu"):
    if isinstance(X, torch.Tensor):
        X, y = X.double().cpu().numpy(), y.double().cpu().numpy()
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    w, b, losses = np.zeros(X.shape[1]), 0.0, []
    for _ in range(steps):
        s = sigmoid(X @ w + b)
        losses.append(float(np.mean((s - y) ** 2) / 2))
        delta = (s - y) * s * (1 - s)
        w = w - lr * X.T @ delta / len(y)
        b = b - lr * delta.mean()
    return losses
""",
    "torch_autograd_everything": '''
import numpy as np
import torch

def _array(a):
    """Python scalars (int or float) as float64: torch.sigmoid has no integer version."""
    return np.asarray(a, dtype=float) if type(a) in (int, float) else np.asarray(a)

def _run(f, *args):
    """Apply a torch function to numpy / Python inputs and give back the same kind."""
    kinds = [type(a) for a in args]
    t = [a if isinstance(a, torch.Tensor) else torch.as_tensor(_array(a)) for a in args]
    out = f(*t)
    if kinds[-1] is np.ndarray:
        return out.detach().numpy()
    if kinds[-1] in (int, float):
        return float(out)
    return out

def sigmoid(z):
    return _run(torch.sigmoid, z)

def sigmoid_grad(z):
    return _run(lambda t: torch.sigmoid(t) * (1 - torch.sigmoid(t)), z)

def weight_grad(w, b, x, y):
    def grad(wt, xt):
        wt = wt.detach().clone().to(xt.dtype).requires_grad_(True)
        loss = 0.5 * (torch.sigmoid((wt * xt).sum() + b) - y) ** 2
        (g,) = torch.autograd.grad(loss, wt)
        return g
    return _run(grad, w, x)

def train_neuron(X, y, lr, steps, device="cpu"):
    X = torch.as_tensor(X, device=device)
    y = torch.as_tensor(y, device=device, dtype=X.dtype)
    w = torch.zeros(X.shape[1], dtype=X.dtype, device=device, requires_grad=True)
    b = torch.zeros(1, dtype=X.dtype, device=device, requires_grad=True)
    opt = torch.optim.SGD([w, b], lr=lr)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = 0.5 * ((torch.sigmoid(X @ w + b) - y) ** 2).mean()
        losses.append(loss.item())
        loss.backward()
        opt.step()
    return losses
''',
    "expit_and_symmetric_derivative": """
import numpy as np
import torch


def expit(z):
    # σ(z) = exp(-log(1 + exp(-z))), overflow-free through logaddexp
    z = np.asarray(z)
    return np.exp(-np.logaddexp(0.0, -z)).astype(z.dtype if z.dtype.kind == "f" else float)

def sigmoid(z):
    if isinstance(z, torch.Tensor):
        return torch.special.expit(z)
    out = expit(z)
    return float(out) if isinstance(z, (int, float)) else out

def sigmoid_grad(z):
    # σ'(z) = σ(z)·σ(−z): a different, equally valid formula
    return sigmoid(z) * sigmoid(-z)

def weight_grad(w, b, x, y):
    p = w * x
    z = (p.sum() if hasattr(p, "sum") else p) + b
    return (sigmoid(z) - y) * sigmoid_grad(z) * x

def train_neuron(X, y, lr, steps, device="cpu"):
    X = torch.as_tensor(X).to(device)
    y = torch.as_tensor(y).to(X)
    w = torch.zeros(X.shape[1], dtype=X.dtype, device=X.device, requires_grad=True)
    b = torch.zeros((), dtype=X.dtype, device=X.device, requires_grad=True)
    losses = []
    for _ in range(steps):
        loss = ((torch.sigmoid(X @ w + b) - y) ** 2).mean() / 2
        losses.append(float(loss))
        loss.backward()
        with torch.no_grad():
            w -= lr * w.grad
            b -= lr * b.grad
            w.grad.zero_()
            b.grad.zero_()
    return losses
""",
    "clipped_exponent": """
import numpy as np
import torch

def sigmoid(z):
    if isinstance(z, torch.Tensor):
        return 1 / (1 + torch.exp(-z.clamp(-80, 80)))
    a = np.clip(z, -80, 80)  # exp(80) is finite even in float32
    out = 1 / (1 + np.exp(-a))
    return float(out) if isinstance(z, (int, float)) else out

def sigmoid_grad(z):
    s = sigmoid(z)
    return s * (1 - s)

def weight_grad(w, b, x, y):
    z = np.dot(w, x) + b if not isinstance(x, torch.Tensor) else torch.dot(w, x) + b
    s = sigmoid(z)
    return (s - y) * s * (1 - s) * x

def train_neuron(X, y, lr, steps, device="cpu"):
    X = torch.as_tensor(X, dtype=torch.float64).to(device)
    y = torch.as_tensor(y, dtype=torch.float64).to(device)
    w, b = torch.zeros(X.shape[1], dtype=X.dtype, device=device), 0.0
    out = torch.empty(steps, dtype=X.dtype, device=device)
    for t in range(steps):
        s = sigmoid(X @ w + b)
        out[t] = ((s - y) ** 2).mean() / 2
        d = (s - y) * s * (1 - s) / len(y)
        w, b = w - lr * (d @ X), b - lr * d.sum()
    return out.cpu().tolist()
""",
}


@pytest.mark.parametrize("name", sorted(CORRECT_VERSIONS))
def test_differently_written_correct_versions_get_full_marks(grade_source, name):
    result = grade_source("ex4_1", CORRECT_VERSIONS[name])
    assert_no_errored(result)
    checks = only_checks(result, CODE_CHECKS)
    assert not_passed(checks.values()) == []


def test_reference_claim_margins_on_the_check_data():
    """The data the checks use: centred halves its loss fast, raw never within the budget."""
    reference = COURSE.reference("ex4_1")
    for seed, lr, shape in ((2024, judging.LR, {}), (90210, 0.3, {"n": 80, "d": 3})):
        raw, centred, y = judging.centring_data(seed, **shape)
        raw_losses = np.array(reference.train_neuron(raw, y, lr, judging.STEPS))
        centred_losses = np.array(reference.train_neuron(centred, y, lr, judging.STEPS))
        assert judging.steps_to_half(raw_losses) is None
        assert judging.steps_to_half(centred_losses) * judging.FACTOR * 1.5 < judging.STEPS
        assert (np.diff(raw_losses) < 0).all() and (np.diff(centred_losses) < 0).all()


QUIZ_KEYS = ("sigma_prime", "sigma_prime_max", "sigma_prime_argmax")


def test_quiz_accepts_other_forms_and_explains_wrong_choices(grade_source):
    answers = """
sigma_prime = "1/(4*cosh(z/2)^2)"
sigma_prime_max = "0.25"
sigma_prime_argmax = "0"
gradient_signs = "C"
zigzag_reason = "D"
"""
    results = by_name(grade_source("ex4_1", solution_text("ex4_1"), answers))
    assert all(results[key].status is Status.PASSED for key in QUIZ_KEYS)
    assert results["gradient_signs"].status is Status.FAILED
    assert "which factors can change sign?" in results["gradient_signs"].message
    assert "what turns it?" in results["zigzag_reason"].message


def test_quiz_wrong_maximum_shows_the_students_value_not_the_expected_one(grade_source):
    answers = reference_answers("ex4_1").replace(
        'sigma_prime_max = "1/4"', 'sigma_prime_max = "1/2"'
    )
    results = by_name(grade_source("ex4_1", solution_text("ex4_1"), answers))
    assert results["sigma_prime_max"].status is Status.FAILED
    assert "yours is 1/2" in results["sigma_prime_max"].message
    assert "1/4" not in results["sigma_prime_max"].message
    assert results["sigma_prime"].status is Status.PASSED
