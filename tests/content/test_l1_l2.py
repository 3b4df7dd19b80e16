"""l1_l2 through the same path students use: reference full marks, stub zero, each
realistic single mistake loses exactly the checks of what it breaks (with a message that
names it), differently written correct versions get full marks, and the quiz scores
right, wrong and equivalent answers as it should."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys

import numpy as np
import pytest
from support import (
    REPO,
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

from grader import Mismatch, TensorData, load_reference
from grader.course.l1_l2 import judging, probes, public, training
from grader.model import Status

CODE_CHECKS = {
    "l1_penalty_on_arrays", "l1_penalty_on_tensors", "l2_penalty_on_arrays",
    "l2_penalty_on_tensors", "l1_step_on_arrays", "l1_step_on_tensors",
    "l1_prox_step_on_arrays", "l1_prox_step_on_tensors", "l2_step_on_arrays",
    "l2_step_on_tensors", "steps_leave_inputs_unchanged", "results_keep_kind_dtype_device",
    "l1_prox_training_zeroes_irrelevant_weights", "l2_training_leaves_no_weight_at_zero",
    "l1_penalty_hidden_cases", "l2_penalty_hidden_cases", "l1_step_hidden_cases",
    "l1_prox_step_hidden_cases", "l2_step_hidden_cases", "l1_prox_training_on_numpy_arrays",
    "l2_training_on_numpy_arrays",
}  # fmt: skip
QUIZ = {"l2_after_k_steps", "l1_after_k_steps", "exact_zeros", "bias_not_regularized"}
REFERENCE_ANSWERS = {
    "l2_after_k_steps": '"w0*(1 - eta*lam/n)^k"',
    "l1_after_k_steps": '"w0 - k*eta*lam/n"',
    "exact_zeros": '"C"',
    "bias_not_regularized": '["A", "B"]',
}


def hidden_module():
    spec = importlib.util.spec_from_file_location("hidden_l1_l2", REPO / "hidden/l1_l2.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


HIDDEN = hidden_module()


def failed_checks(result) -> dict[str, str]:
    """{name: message} of the code checks that did not pass."""
    return dict(not_passed(only_checks(result, CODE_CHECKS).values()))


# ----------------------------------------------------------------------------- whole runs


def test_reference_solution_scores_full_marks(grade_source):
    result = grade_source("l1_l2", solution_text("l1_l2"), reference_answers("l1_l2"))
    assert_no_errored(result)
    assert set(by_name(result)) == CODE_CHECKS | QUIZ
    assert not_passed(result.results) == []
    assert result.score == result.max_score == 31


def test_stub_scores_zero_without_errors(grade_source):
    template = (REPO / "answers/l1_l2.toml").read_text(encoding="utf-8")
    result = grade_source("l1_l2", stub_text("l1_l2"), template)
    assert_no_errored(result)
    assert result.score == 0
    checks = only_checks(result, CODE_CHECKS)
    assert all(r.status is Status.FAILED for r in checks.values())
    assert "not implemented yet: l1_penalty raises" in checks["l1_penalty_on_arrays"].message
    assert "not implemented yet: l1_step raises" in checks["steps_leave_inputs_unchanged"].message
    assert "not answered" in by_name(result)["exact_zeros"].message


def test_cli_solution_full_marks():
    report = cli_solution_report("l1_l2")
    assert report["score"] == report["max_score"] == 31


def test_cli_stub_scores_zero(tmp_path):
    for folder, name in (("exercises", "l1_l2.py"), ("answers", "l1_l2.toml")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / name).write_bytes((REPO / folder / name).read_bytes())
    done = subprocess.run(
        [sys.executable, "-m", "grader.cli", "l1_l2", "--submission", str(tmp_path), "--json"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    assert report["score"] == 0 < report["max_score"]
    assert "errored" not in done.stdout.lower()


# ----------------------------------------------------------------------------- mistakes

PROX_BODY = (
    "    z = w - lr * grad\n"
    "    shrunk = abs(z) - lr * lam / n\n"
    "    if isinstance(z, torch.Tensor):\n"
    "        return torch.sign(z) * torch.clamp(shrunk, min=0)\n"
    "    return np.sign(z) * np.maximum(shrunk, 0)"
)
L2_STEP = "return (1 - lr * lam / n) * w - lr * grad"
SIGN = "return torch.sign(x) if isinstance(x, torch.Tensor) else np.sign(x)"
PROX_VALUES = ("l1_prox_step_on_arrays", "l1_prox_step_on_tensors", "l1_prox_step_hidden_cases")
PROX_TRAINING = ("l1_prox_training_zeroes_irrelevant_weights", "l1_prox_training_on_numpy_arrays")
L2_VALUES = ("l2_step_on_arrays", "l2_step_on_tensors", "l2_step_hidden_cases")


def each(names, text: str) -> dict[str, str]:
    return dict.fromkeys(names, text)


# name -> (edits of the solution, {every check that must fail: a fragment of its message})
WRONG_VERSIONS = {
    "l1_penalty_without_n": (
        (("return lam / n * abs(w).sum()", "return lam * abs(w).sum()"),),
        each(("l1_penalty_on_arrays", "l1_penalty_on_tensors", "l1_penalty_hidden_cases"),
             "divide by n, the number of examples"),
    ),
    "l1_penalty_mean_over_weights": (
        (("return lam / n * abs(w).sum()", "return lam * abs(w).mean()"),),
        each(("l1_penalty_on_arrays", "l1_penalty_on_tensors", "l1_penalty_hidden_cases"),
             "not by w.size"),
    ),
    "l2_penalty_without_half": (
        (("return lam / (2 * n) * (w * w).sum()", "return lam / n * (w * w).sum()"),),
        each(("l2_penalty_on_arrays", "l2_penalty_on_tensors", "l2_penalty_hidden_cases"),
             "is the 1/2 missing?"),
    ),
    "sign_as_w_over_abs_w": (
        ((SIGN, "return x / abs(x)"),),
        each(("l1_step_on_arrays", "l1_step_on_tensors", "l1_step_hidden_cases"),
             "sgn(0) = 0"),
    ),
    "prox_thresholds_before_the_gradient_step": (
        ((PROX_BODY, PROX_BODY.replace("z = w - lr * grad", "z = w").replace(
            "maximum(shrunk, 0)", "maximum(shrunk, 0) - lr * grad").replace(
            "min=0)", "min=0) - lr * grad")),),
        each(PROX_VALUES, "take the gradient step on C₀ first")
        | each(PROX_TRAINING, "irrelevant weights exactly 0.0, got 0"),
    ),
    "prox_drops_negative_weights": (
        ((PROX_BODY, "    return (z := w - lr * grad - lr * lam / n) * (z > 0)"),),
        each(PROX_VALUES, "negative weights shrink towards 0 too")
        | each(PROX_TRAINING, "held-out loss"),
    ),
    "prox_is_a_subgradient_step": (
        ((PROX_BODY, "    return l1_step(w, grad, lr, lam, n)"),),
        each(PROX_VALUES, "a subgradient step does not stop at 0")
        | each(PROX_TRAINING, "jumps over 0 instead of landing on it"),
    ),
    "prox_leaves_rounding_residue": (
        ((PROX_BODY, "    z = w - lr * grad\n    t = lr * lam / n\n"
          "    clip = torch.clamp if isinstance(z, torch.Tensor) else np.clip\n"
          "    return z - t * clip(z / t, -1, 1)"),),
        each(PROX_VALUES, "not arithmetic that leaves a rounding residue"),
    ),
    "prox_threshold_without_lr": (
        (("shrunk = abs(z) - lr * lam / n", "shrunk = abs(z) - lam / n"),),
        each(PROX_VALUES, "the threshold is t = lr·λ/n: multiply by lr"),
    ),
    "l2_decay_without_lr": (
        ((L2_STEP, "return (1 - lam / n) * w - lr * grad"),),
        each(L2_VALUES, "multiply λ/n by lr")
        | each(("l2_training_leaves_no_weight_at_zero", "l2_training_on_numpy_arrays"),
               "held-out loss"),
    ),
    "l2_step_keeps_the_half": (
        ((L2_STEP, "return (1 - lr * lam / (2 * n)) * w - lr * grad"),),
        each(L2_VALUES, "the 1/2 cancels"),
    ),
    "l2_step_in_place": (
        ((L2_STEP, "w *= 1 - lr * lam / n\n    w -= lr * grad\n    return w"),),
        {"steps_leave_inputs_unchanged": "w was modified in place"},
    ),
    "l2_step_promotes_float32": (
        ((L2_STEP, "return np.float64(1 - lr * lam / n) * w - lr * grad"),),
        {"results_keep_kind_dtype_device": "expected dtype float32, got dtype float64"},
    ),
    "penalty_of_a_tensor_as_float": (
        (("return lam / n * abs(w).sum()", "return float(lam / n * abs(w).sum())"),),
        {"results_keep_kind_dtype_device": "cut the penalty off from autograd"},
    ),
    "torch_only_sign_breaks_numpy": (
        ((SIGN, "return torch.sign(x)"),),
        each(("l1_step_on_arrays", "l1_step_hidden_cases"), "raised TypeError"),
    ),
    "numpy_only_copy_breaks_tensors": (
        (("    z = w - lr * grad\n", "    z = w.copy()\n    z -= lr * grad\n"),),
        each(("l1_prox_step_on_tensors", "l1_prox_step_hidden_cases",
              "l1_prox_training_zeroes_irrelevant_weights"),
             "'Tensor' object has no attribute 'copy'"),
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(WRONG_VERSIONS))
def test_one_mistake_fails_exactly_its_checks(grade_source, name):
    edits, expected = WRONG_VERSIONS[name]
    result = grade_source("l1_l2", apply_edits("l1_l2", edits))
    assert_no_errored(result)
    failed = failed_checks(result)
    assert set(failed) == set(expected), failed
    for check, fragment in expected.items():
        assert fragment in failed[check], (check, failed[check])


def test_a_container_slip_costs_only_the_format_check(grade_source):
    """Steps returning lists for numpy arrays: every value is right, only the kind is not."""
    source = solution_text("l1_l2") + (
        "\n\n_steps = (l1_step, l1_prox_step, l2_step)\n\n\n"
        "def _listed(step):\n"
        "    def wrapper(w, *args):\n"
        "        out = step(w, *args)\n"
        "        return out.tolist() if isinstance(w, np.ndarray) else out\n"
        "    return wrapper\n\n\n"
        "l1_step, l1_prox_step, l2_step = (_listed(s) for s in _steps)\n"
    )
    failed = failed_checks(grade_source("l1_l2", source))
    assert list(failed) == ["results_keep_kind_dtype_device"]
    assert "expected a numpy array, got a Python list" in failed["results_keep_kind_dtype_device"]


GARBAGE = {
    "returns_none": "return None",
    "returns_text": "return 'abc'",
    "returns_complex": "return np.ones(np.shape(args[0])) * 1j",
    "exits_the_process": "os._exit(3)",
}


@pytest.mark.parametrize("name", sorted(GARBAGE))
def test_garbage_results_fail_every_check_cleanly(grade_source, name):
    functions = ("l1_penalty", "l2_penalty", "l1_step", "l1_prox_step", "l2_step")
    source = "import os\nimport numpy as np\n" + "".join(
        f"\n\ndef {f}(*args):\n    {GARBAGE[name]}\n" for f in functions
    )
    result = grade_source("l1_l2", source)
    assert_no_errored(result)
    assert set(failed_checks(result)) == CODE_CHECKS


# ----------------------------------------------------------------------------- correct

CORRECT_VERSIONS = {
    "explicit_branches_and_where": """
import numpy as np
import torch


def l1_penalty(w, lam, n):
    if isinstance(w, torch.Tensor):
        return torch.sum(torch.abs(w)) * (lam / n)
    return float(np.sum(np.abs(w))) * lam / n


def l2_penalty(w, lam, n):
    if isinstance(w, torch.Tensor):
        return torch.sum(w ** 2) * lam / (2 * n)
    return np.sum(w ** 2) * lam / (2 * n)


def l1_step(w, grad, lr, lam, n):
    lib = torch if isinstance(w, torch.Tensor) else np
    return w - lr * grad - lr * lam / n * lib.sign(w)


def l1_prox_step(w, grad, lr, lam, n):
    z = w - lr * grad
    t = lr * lam / n
    if isinstance(z, torch.Tensor):
        return torch.where(z.abs() > t, z - t * torch.sign(z), torch.zeros_like(z))
    return np.where(np.abs(z) > t, z - t * np.sign(z), 0.0).astype(z.dtype)


def l2_step(w, grad, lr, lam, n):
    return w - lr * (grad + lam / n * w)
""",
    "copies_updated_in_place": """
import numpy as np
import torch


def _copy(x):
    return x.clone() if isinstance(x, torch.Tensor) else x.copy()


def l1_penalty(w, lam, n):
    return abs(w).sum() * lam / n


def l2_penalty(w, lam, n):
    return 0.5 * lam / n * (w ** 2).sum()


def l1_step(w, grad, lr, lam, n):
    out = _copy(w)
    out -= lr * grad
    out -= lr * lam / n * (w > 0)
    out += lr * lam / n * (w < 0)
    return out


def l1_prox_step(w, grad, lr, lam, n):
    out = _copy(w)
    out -= lr * grad
    t = lr * lam / n
    small = abs(out) <= t
    out -= t * ((out > 0) * 1.0 - (out < 0) * 1.0)
    out[small] = 0
    return out


def l2_step(w, grad, lr, lam, n):
    out = _copy(w)
    out *= 1 - lr * lam / n
    out -= lr * grad
    return out
""",
    "elementwise_loops": """
import math
import numpy as np
import torch


def _sgn(v):
    return (v > 0) - (v < 0)


def _rebuild(values, w):
    if isinstance(w, torch.Tensor):
        return torch.tensor(values, dtype=w.dtype, device=w.device).reshape(w.shape)
    return np.array(values, dtype=w.dtype).reshape(w.shape)


def l1_penalty(w, lam, n):
    total = 0
    for x in w.reshape(-1):
        total = total + abs(x)
    return lam / n * total


def l2_penalty(w, lam, n):
    total = 0
    for x in w.reshape(-1):
        total = total + x * x
    return lam / (2 * n) * total


def _pairs(w, grad):
    return zip(w.reshape(-1).tolist(), grad.reshape(-1).tolist())


def l1_step(w, grad, lr, lam, n):
    out = [x - lr * g - lr * lam / n * _sgn(x) for x, g in _pairs(w, grad)]
    return _rebuild(out, w)


def l1_prox_step(w, grad, lr, lam, n):
    t = lr * lam / n
    out = []
    for x, g in _pairs(w, grad):
        z = x - lr * g
        out.append(math.copysign(z_abs - t, z) if (z_abs := abs(z)) > t else 0.0)
    return _rebuild(out, w)


def l2_step(w, grad, lr, lam, n):
    return _rebuild([(1 - lr * lam / n) * x - lr * g for x, g in _pairs(w, grad)], w)
""",
    "clip_and_relu": """
import numpy as np
import torch
from torch.nn import functional as F


def l1_penalty(w, lam, n):
    if isinstance(w, torch.Tensor):
        return lam / n * torch.linalg.vector_norm(w.flatten(), ord=1)
    return lam / n * np.linalg.norm(w.ravel(), ord=1)


def l2_penalty(w, lam, n):
    if isinstance(w, torch.Tensor):
        return lam / (2 * n) * torch.dot(w.flatten(), w.flatten())
    return lam / (2 * n) * np.dot(w.ravel(), w.ravel())


def l1_step(w, grad, lr, lam, n):
    if isinstance(w, torch.Tensor):
        return torch.add(w, grad + lam / n * torch.sign(w), alpha=-lr)
    return np.subtract(w, lr * (grad + lam / n * np.sign(w)))


def l1_prox_step(w, grad, lr, lam, n):
    z, t = w - lr * grad, lr * lam / n
    if isinstance(z, torch.Tensor):
        return z - torch.clamp(z, -t, t)
    return z - np.clip(z, -t, t)


def l2_step(w, grad, lr, lam, n):
    decayed = w * (1 - lr * lam / n)
    if isinstance(w, torch.Tensor):
        return decayed - F.relu(lr * grad) + F.relu(-lr * grad)
    return decayed - lr * grad
""",
}


@pytest.mark.parametrize("name", sorted(CORRECT_VERSIONS))
def test_differently_written_correct_versions_get_full_marks(grade_source, name):
    result = grade_source("l1_l2", CORRECT_VERSIONS[name])
    assert_no_errored(result)
    assert failed_checks(result) == {}
    assert set(only_checks(result, CODE_CHECKS)) == CODE_CHECKS


# ----------------------------------------------------------------------------- quiz


def answers_with(**changed: str) -> str:
    return "".join(f"{k} = {changed.get(k, v)}\n" for k, v in REFERENCE_ANSWERS.items())


def quiz_results(grade_source, answers: str) -> dict:
    """The quiz results of ``answers`` (no code submitted: only the quiz is of interest)."""
    results = by_name(grade_source("l1_l2", None, answers, hidden=False))
    return {k: results[k] for k in QUIZ}


@pytest.mark.parametrize(
    ("key", "answer"),
    [
        ("l2_after_k_steps", '"w0*((n - eta*lam)/n)^k"'),
        ("l2_after_k_steps", '"(1 - lam*eta/n)**k * w0"'),
        ("l1_after_k_steps", '"(n*w0 - k*eta*lam)/n"'),
        ("l1_after_k_steps", '"w0 - k*(eta*lam/n)*w0/abs(w0)"'),
        ("bias_not_regularized", '["B", "A"]'),
    ],
)
def test_quiz_accepts_equivalent_forms(grade_source, key, answer):
    results = quiz_results(grade_source, answers_with(**{key: answer}))
    assert not_passed(results.values()) == []


@pytest.mark.parametrize(
    ("key", "answer", "hint"),
    [
        ("l2_after_k_steps", '"w0*(1 - eta*lam/(2*n))^k"', "then apply it k times"),
        ("l2_after_k_steps", '"w0*(1 - k*eta*lam/n)"', "then apply it k times"),
        ("l1_after_k_steps", '"w0*(1 - eta*lam/n)^k"', "sgn(w) = 1 while w > 0"),
        ("l1_after_k_steps", '"w0 - k*eta*lam"', "sgn(w) = 1 while w > 0"),
        ("exact_zeros", '"B"', "jumps from one side to the other"),
        ("exact_zeros", '"A"', "the closer it gets to 0"),
        ("bias_not_regularized", '["A"]', "judge every statement on its own"),
        ("bias_not_regularized", '["B"]', "judge every statement on its own"),
        ("bias_not_regularized", '["A", "B", "C"]', "∂C₀/∂b is the mean residual"),
    ],
)
def test_quiz_wrong_answer_loses_exactly_its_points(grade_source, key, answer, hint):
    results = quiz_results(grade_source, answers_with(**{key: answer}))
    assert results[key].status is Status.FAILED
    assert results[key].points == 0
    assert hint in results[key].message
    for reference in REFERENCE_ANSWERS.values():  # no message gives a formula away
        if len(reference) > 5:
            assert reference.strip('"') not in results[key].message
    assert not_passed(r for k, r in results.items() if k != key) == []


# ----------------------------------------------------------------------------- the judge


def all_step_cases():
    return [
        *public.STEP_ARRAYS,
        *public.STEP_TENSORS,
        public.SOFT_THRESHOLD,
        *HIDDEN.HIDDEN_STEPS,
    ]


def test_the_judges_formulas_agree_with_the_reference():
    reference = load_reference("l1_l2")
    for case in all_step_cases():
        args = (case.w, case.grad, case.lr, case.lam, case.n)
        for func in ("l1_step", "l1_prox_step", "l2_step"):
            assert np.allclose(judging.EXPECTED[func](*args), getattr(reference, func)(*args))
    for case in [*public.PENALTY_ARRAYS, *public.PENALTY_TENSORS, *HIDDEN.HIDDEN_PENALTIES]:
        for func in ("l1_penalty", "l2_penalty"):
            want = getattr(reference, func)(case.w, case.lam, case.n)
            assert np.isclose(judging.EXPECTED[func](case.w, case.lam, case.n), want)


def test_no_value_sits_near_the_threshold():
    """float32 rounding (about 1e-7 of the terms) cannot move any |z| across t > 0."""
    for case in all_step_cases():
        z, t = case.w - case.lr * case.grad, case.lr * case.lam / case.n
        scale = np.maximum(1.0, np.maximum(np.abs(case.w), np.abs(case.lr * case.grad)))
        assert t == 0 or (np.abs(np.abs(z) - t) > 1e-5 * scale).all(), case


def test_writing_into_a_result_that_is_w_is_caught():
    w, grad = np.array([1.0, -2.0]), np.array([0.5, 0.5])
    report = {
        "out": w.copy(),
        "w": w.copy(),
        "grad": grad.copy(),
        "w_after_write": np.full(2, probes.SENTINEL),
        "grad_after_write": grad.copy(),
    }
    with pytest.raises(Mismatch, match="shares memory with w"):
        judging.expect_inputs_kept(report, w, grad, "l2_step(...)")
    report["w_after_write"] = w.copy()
    judging.expect_inputs_kept(report, w, grad, "l2_step(...)")  # nothing shared: passes


def test_a_penalty_of_a_tensor_must_be_zero_dimensional():
    w = TensorData(np.ones((2, 2), np.float32), "torch.float32", "cpu")
    out = TensorData(np.ones(2, np.float32), "torch.float32", "cpu", requires_grad=True)
    with pytest.raises(Mismatch, match="expected shape"):
        judging.expect_penalty_format({"out": out, "grad": w}, w, "l1_penalty(...)")


@pytest.mark.parametrize("task", [public.SPARSE, HIDDEN.HIDDEN_SPARSE], ids=["public", "hidden"])
def test_training_margins_at_the_checks_seeds(task):
    """The reference, run in this process on float64 arrays, clears both limits widely."""
    reference = load_reference("l1_l2")
    data = training.sparse_data(task)
    for func, zeros_wanted in (("l1_prox_step", True), ("l2_step", False)):
        report = probes.train_sparse(
            reference, func, data["X"], data["y"], task.lr, task.lam, task.steps
        )
        w, b = report["w"], report["b"]
        assert training.heldout_loss(w, b, data) < 0.6 * task.loss_limit
        irrelevant = w[~data["relevant"]]
        if zeros_wanted:
            assert np.mean(irrelevant == 0) >= task.zero_share + 0.2
        else:
            assert not (w == 0).any()
