"""softmax_xent through the same path students use: reference full marks, stub zero,
realistic wrong versions lose exactly the checks of what is wrong (with a message that
says why), differently written correct versions get full marks, and the quiz scores
equivalent forms and refuses the usual wrong answers."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from support import (
    REPO,
    apply_edits,
    assert_no_errored,
    cli_solution_report,
    not_passed,
    only_checks,
    reference_answers,
    solution_text,
    stub_text,
)

from grader.course.softmax_xent import cases, judging

ID = "softmax_xent"
PER_ROW = {
    "softmax": {"softmax_shifts_each_row", "softmax_rows_far_apart_hidden"},
    "log_softmax": {"log_softmax_shifts_each_row", "log_softmax_rows_far_apart_hidden"},
    "cross_entropy": {"cross_entropy_shifts_each_row", "cross_entropy_rows_far_apart_hidden"},
    "cross_entropy_grad": {
        "cross_entropy_grad_shifts_each_row",
        "cross_entropy_grad_rows_far_apart_hidden",
    },
}
GRAD = {
    "cross_entropy_grad_values_numpy", "cross_entropy_grad_values_torch",
    "cross_entropy_grad_matches_autograd", *PER_ROW["cross_entropy_grad"],
}  # fmt: skip
CODE_CHECKS = {
    "softmax_values_numpy", "softmax_values_torch", "softmax_along_any_axis",
    "softmax_never_overflows", "log_softmax_values_numpy", "log_softmax_values_torch",
    "log_softmax_along_any_axis", "log_softmax_stays_finite", "cross_entropy_values_numpy",
    "cross_entropy_values_torch", "cross_entropy_stays_finite",
    "results_keep_kind_dtype_device", "softmax_regression_trains",
    "softmax_matches_reference_on_hidden_logits",
    "log_softmax_matches_reference_on_hidden_logits",
    "cross_entropy_matches_reference_on_hidden_logits",
    *GRAD, *(name for names in PER_ROW.values() for name in names),
}  # fmt: skip
QUIZ = ("shift_invariant", "grad_logits", "batch_max")


def failed_checks(result) -> dict[str, str]:
    """{name: message} of the code checks that did not pass."""
    return dict(not_passed(only_checks(result, CODE_CHECKS).values()))


def test_reference_solution_scores_full_marks(grade_source):
    result = grade_source(ID, solution_text(ID), reference_answers(ID))
    assert set(only_checks(result, CODE_CHECKS)) == CODE_CHECKS
    assert not_passed(result.results) == []
    assert result.score == result.max_score > 0


def test_stub_scores_zero_without_errors(grade_source):
    template = (REPO / "answers" / f"{ID}.toml").read_text(encoding="utf-8")
    result = grade_source(ID, stub_text(ID), template)
    assert_no_errored(result)
    assert result.score == 0
    checks = only_checks(result, CODE_CHECKS)
    assert "not implemented yet: softmax raises" in checks["softmax_values_numpy"].message
    assert "not implemented yet" in checks["softmax_regression_trains"].message


def test_cli_grades_the_solution_with_full_marks():
    report = cli_solution_report(ID, "--device", "cpu")
    assert report["score"] == report["max_score"] > 0


def test_cli_grades_the_stub_and_blank_answers_zero_without_errors(tmp_path):
    for folder, name in (("exercises", f"{ID}.py"), ("answers", f"{ID}.toml")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / name).write_bytes((REPO / folder / name).read_bytes())
    command = [sys.executable, "-m", "grader.cli", ID, "--submission", str(tmp_path), "--json"]
    done = subprocess.run(command, capture_output=True, text=True, cwd=REPO, timeout=120)
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    assert report["score"] == 0 and report["max_score"] > 0
    assert {c["status"] for c in report["checks"]} == {"failed"}


SOFTMAX_TORCH = "e = torch.exp(z - z.amax(dim=axis, keepdim=True))"
SOFTMAX_NUMPY = "e = np.exp(z - np.max(z, axis=axis, keepdims=True))"
LOG_TORCH = "shifted = z - z.amax(dim=axis, keepdim=True)"
LOG_NUMPY = "shifted = z - z.max(axis=axis, keepdims=True)"
LOG_BODY_TORCH = "return shifted - torch.log(torch.exp(shifted).sum(dim=axis, keepdim=True))"
LOG_BODY_NUMPY = "return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))"
XENT_TORCH = "return -picked.mean()"
XENT_NUMPY = "return -logp[rows, labels].mean()"
GRAD_RETURN = "return (p - one_hot) / n"

# name -> (edits of the reference, {each check that must fail: a substring of its message});
# every other code check must pass.
WRONG_VERSIONS = {
    "softmax_max_of_whole_batch": (
        ((SOFTMAX_TORCH, "e = torch.exp(z - z.max())"),
         (SOFTMAX_NUMPY, "e = np.exp(z - np.max(z))")),
        # the reference's gradient calls softmax: its per-row checks go too, nothing else
        dict.fromkeys(PER_ROW["softmax"] | PER_ROW["cross_entropy_grad"], "its own maximum"),
    ),
    "max_of_whole_batch_everywhere": (
        ((SOFTMAX_TORCH, "e = torch.exp(z - z.max())"),
         (SOFTMAX_NUMPY, "e = np.exp(z - np.max(z))"),
         (LOG_TORCH, "shifted = z - z.max()"), (LOG_NUMPY, "shifted = z - z.max()")),
        {name: "its own maximum" for names in PER_ROW.values() for name in names},
    ),
    "softmax_without_shift": (
        ((SOFTMAX_TORCH, "e = torch.exp(z)"), (SOFTMAX_NUMPY, "e = np.exp(z)")),
        {"softmax_never_overflows": "subtract each row's maximum m before exp",
         "softmax_matches_reference_on_hidden_logits": "nan",
         "cross_entropy_grad_matches_autograd": "nan"},
    ),
    "log_of_softmax": (
        ((LOG_BODY_TORCH, "return torch.log(softmax(z, axis))"),
         (LOG_BODY_NUMPY, "return np.log(softmax(z, axis))")),
        {"log_softmax_stays_finite": "log(softmax(z)) is log(0) = −inf",
         "log_softmax_matches_reference_on_hidden_logits": "-inf",
         "cross_entropy_stays_finite": "inf",
         "cross_entropy_matches_reference_on_hidden_logits": "inf"},
    ),
    "cross_entropy_from_softmax": (
        (("picked = logp.gather(", "picked = softmax(logits).log().gather("),
         (XENT_NUMPY, "return -np.log(softmax(logits)[rows, labels]).mean()")),
        {"cross_entropy_stays_finite": "without forming softmax",
         "cross_entropy_matches_reference_on_hidden_logits": "inf"},
    ),
    "cross_entropy_sums_instead_of_mean": (
        ((XENT_TORCH, "return -picked.sum()"), (XENT_NUMPY, "return -logp[rows, labels].sum()")),
        {"cross_entropy_values_numpy": "mean over the n rows",
         "cross_entropy_values_torch": "mean over the n rows",
         "cross_entropy_stays_finite": "expected", "cross_entropy_shifts_each_row": "expected",
         "cross_entropy_matches_reference_on_hidden_logits": "expected",
         "cross_entropy_rows_far_apart_hidden": "expected"},
    ),
    "gradient_without_one_over_n": (
        ((GRAD_RETURN, "return p - one_hot"),),
        dict.fromkeys(GRAD, "expected"),
    ),
    "gradient_of_the_wrong_sign": (
        ((GRAD_RETURN, "return (one_hot - p) / n"),),
        dict.fromkeys(GRAD, "expected") | {"softmax_regression_trains": "held-out"},
    ),
    "softmax_ignores_axis": (
        (("e.sum(dim=axis, keepdim=True)", "e.sum(dim=-1, keepdim=True)"),
         ("np.sum(e, axis=axis, keepdims=True)", "np.sum(e, axis=-1, keepdims=True)")),
        {"softmax_along_any_axis": "reduce along `axis`",
         "softmax_matches_reference_on_hidden_logits": "expected"},
    ),
    "float64_one_hot_for_float32_logits": (
        (("np.eye(k, dtype=p.dtype)", "np.eye(k)"),),
        {"results_keep_kind_dtype_device": "dtype float64"},
    ),
    "softmax_as_exp_of_z_minus_logsumexp": (
        ((SOFTMAX_TORCH + "\n        return e / e.sum(dim=axis, keepdim=True)",
          "return torch.exp(z - torch.logsumexp(z, dim=axis, keepdim=True))"),
         (SOFTMAX_NUMPY, "e = np.exp(z - np.log(np.sum(np.exp(z - np.max(z, axis=axis, "
          "keepdims=True)), axis=axis, keepdims=True)) - np.max(z, axis=axis, keepdims=True))"),
         ("return e / np.sum(e, axis=axis, keepdims=True)", "return e")),
        # right in float32 and float64; in float16 near ±1e4 logsumexp is a multiple of 8
        {"softmax_never_overflows": "softmax(array float16[4, 3]) row 2: expected [0.5, 0.5, 0]",
         "softmax_matches_reference_on_hidden_logits": "float16"},
    ),
    "torch_path_only_sums_the_loss": (
        ((XENT_TORCH, "return -picked.sum()"),),
        # the numpy path is right: cross_entropy_values_numpy keeps its point
        {"cross_entropy_values_torch": "mean over the n rows",
         "cross_entropy_stays_finite": "cross_entropy(tensor",
         "cross_entropy_shifts_each_row": "cross_entropy(tensor",
         "cross_entropy_matches_reference_on_hidden_logits": "cross_entropy(tensor",
         "cross_entropy_rows_far_apart_hidden": "cross_entropy(tensor"},
    ),
    "loss_of_tensors_as_python_float": (
        ((XENT_TORCH, "return float(-picked.mean())"),),
        {"results_keep_kind_dtype_device": "a torch tensor"},
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(WRONG_VERSIONS))
def test_wrong_version_loses_exactly_the_checks_of_its_mistake(grade_source, name):
    edits, failing = WRONG_VERSIONS[name]
    result = grade_source(ID, apply_edits(ID, edits))
    assert_no_errored(result)
    failed = failed_checks(result)
    assert set(failed) == set(failing), failed
    for check, text in failing.items():
        assert text in failed[check], (check, failed[check])


def test_batch_wide_maximum_message_names_the_row_and_the_fix(grade_source):
    edits = WRONG_VERSIONS["softmax_max_of_whole_batch"][0]
    message = failed_checks(grade_source(ID, apply_edits(ID, edits), hidden=False))[
        "softmax_shifts_each_row"
    ]
    assert message.startswith("softmax(array float64[3, 3]) row 2: expected [0.2447, 0.09003")
    assert "got [nan, nan, nan]" in message
    assert "np.max(z)" in message


def test_a_grad_without_softmax_fails_the_training_check(grade_source):
    """softmax/n (the one-hot forgotten) moves every class alike: nothing is learnt."""
    edits = ((GRAD_RETURN, "return p / n"),)
    failed = failed_checks(grade_source(ID, apply_edits(ID, edits), hidden=False))
    assert "held-out" in failed["softmax_regression_trains"]
    assert "at least 0.7" in failed["softmax_regression_trains"]


CORRECT_VERSIONS = {
    # torch's own functions for both kinds; the gradient by autograd
    "torch_functions_and_autograd": """
import numpy as np
import torch
import torch.nn.functional as F


def _torch(z):
    return (torch.from_numpy(np.asarray(z)), True) if isinstance(z, np.ndarray) else (z, False)


def softmax(z, axis=-1):
    t, was_numpy = _torch(z)
    out = torch.softmax(t, dim=axis)
    return out.numpy() if was_numpy else out


def log_softmax(z, axis=-1):
    t, was_numpy = _torch(z)
    out = F.log_softmax(t, dim=axis)
    return out.numpy() if was_numpy else out


def cross_entropy(logits, labels):
    t, was_numpy = _torch(logits)
    loss = F.cross_entropy(t, torch.as_tensor(labels, device=t.device).long())
    return loss.numpy() if was_numpy else loss


def cross_entropy_grad(logits, labels):
    t, was_numpy = _torch(logits)
    t = t.detach().clone().requires_grad_(True)
    F.cross_entropy(t, torch.as_tensor(labels, device=t.device).long()).backward()
    return t.grad.numpy() if was_numpy else t.grad
""",
    # a numpy core (loops over rows of a moved axis); tensors go through numpy and back
    "numpy_loops_and_round_trips": """
import math

import numpy as np
import torch


def _numpy(z):
    if isinstance(z, torch.Tensor):
        return z.detach().cpu().numpy(), z
    return np.asarray(z), None


def _back(out, tensor):
    return out if tensor is None else torch.from_numpy(out).to(tensor.device)


def _rows(fn, z, axis):
    a, tensor = _numpy(z)
    moved = np.moveaxis(a, axis, -1)
    out = np.empty_like(moved)
    for index in np.ndindex(moved.shape[:-1]):
        out[index] = fn(moved[index])
    return _back(np.moveaxis(out, -1, axis), tensor)


def _softmax_row(row):
    top = max(row)
    powers = [math.exp(float(x) - float(top)) for x in row]
    total = sum(powers)
    return np.array([p / total for p in powers], dtype=row.dtype)


def _log_softmax_row(row):
    top = float(max(row))
    log_total = math.log(sum(math.exp(float(x) - top) for x in row))
    return np.array([float(x) - top - log_total for x in row], dtype=row.dtype)


def softmax(z, axis=-1):
    return _rows(_softmax_row, z, axis)


def log_softmax(z, axis=-1):
    return _rows(_log_softmax_row, z, axis)


def cross_entropy(logits, labels):
    a, tensor = _numpy(logits)
    ys, _ = _numpy(labels)
    total = 0.0
    for row, y in zip(a, ys):
        total -= float(_log_softmax_row(row)[int(y)])
    mean = np.array(total / len(a), dtype=a.dtype)
    if tensor is None:
        return mean
    return torch.tensor(mean.item(), dtype=tensor.dtype, device=tensor.device)


def cross_entropy_grad(logits, labels):
    a, tensor = _numpy(logits)
    ys, _ = _numpy(labels)
    grad = np.stack([_softmax_row(row) for row in a]).astype(np.float64)
    for i, y in enumerate(ys):
        grad[i, int(y)] -= 1.0
    return _back((grad / len(a)).astype(a.dtype), tensor)
""",
    # logsumexp written as m + log Σ exp(z − m), log_softmax as z − logsumexp(z) (less
    # precise at ±1e4, within the tolerance); gathers and scatters for labels
    "logsumexp_gather_scatter": """
import numpy as np
import torch


def _lse(z, axis):
    if torch.is_tensor(z):
        return torch.logsumexp(z, dim=axis, keepdim=True)
    m = np.max(z, axis=axis, keepdims=True)
    return m + np.log(np.sum(np.exp(z - m), axis=axis, keepdims=True))


def softmax(z, axis=-1):
    if torch.is_tensor(z):
        m = torch.max(z, dim=axis, keepdim=True).values
        e = (z - m).exp()
        return e / e.sum(axis, keepdim=True)
    e = np.exp(z - np.expand_dims(z.max(axis), axis))
    return e / np.expand_dims(e.sum(axis), axis)


def log_softmax(z, axis=-1):
    return z - _lse(z, axis)


def cross_entropy(logits, labels):
    lse = _lse(logits, 1)
    if torch.is_tensor(logits):
        right = logits.gather(1, labels.view(-1, 1))
        return (lse - right).mean()
    right = np.take_along_axis(logits, labels.reshape(-1, 1), axis=1)
    return (lse - right).mean()


def cross_entropy_grad(logits, labels):
    p = softmax(logits, axis=1)
    if torch.is_tensor(p):
        return p.scatter_add(1, labels.view(-1, 1), -torch.ones_like(p[:, :1])) / len(p)
    g = p.copy()
    np.add.at(g, (np.arange(len(g)), labels), -1)
    return g / len(g)
""",
    # float64 inside, cast back to the input's dtype at the end
    "float64_inside": """
import numpy as np
import torch


def _up(z):
    if isinstance(z, torch.Tensor):
        return z.double(), lambda r: r.to(z.dtype)
    return z.astype(np.float64), lambda r: r.astype(z.dtype)


def softmax(z, axis=-1):
    x, back = _up(z)
    e = (x - x.max(axis, keepdims=True)).exp() if False else None
    if isinstance(x, torch.Tensor):
        e = torch.exp(x - x.amax(axis, keepdim=True))
        return back(e / e.sum(axis, keepdim=True))
    e = np.exp(x - x.max(axis, keepdims=True))
    return back(e / e.sum(axis, keepdims=True))


def log_softmax(z, axis=-1):
    p = softmax(z.double() if isinstance(z, torch.Tensor) else z.astype(np.float64), axis)
    x, back = _up(z)
    if isinstance(x, torch.Tensor):
        m = x.amax(axis, keepdim=True)
        return back(x - m - torch.log(torch.exp(x - m).sum(axis, keepdim=True)))
    m = x.max(axis, keepdims=True)
    return back(x - m - np.log(np.exp(x - m).sum(axis, keepdims=True)))


def cross_entropy(logits, labels):
    logp = log_softmax(logits)
    n = len(labels)
    if isinstance(logp, torch.Tensor):
        return -logp.double()[torch.arange(n, device=logp.device), labels].mean().to(logp.dtype)
    return np.float64(-logp.astype(np.float64)[np.arange(n), labels].mean()).astype(logp.dtype)


def cross_entropy_grad(logits, labels):
    x, back = _up(logits)
    p = softmax(x)
    if isinstance(p, torch.Tensor):
        y = torch.zeros_like(p)
        y[torch.arange(len(p), device=p.device), labels] = 1.0
    else:
        y = np.zeros_like(p)
        y[np.arange(len(p)), labels] = 1.0
    return back((p - y) / len(p))
""",
}


@pytest.mark.parametrize("name", sorted(CORRECT_VERSIONS))
def test_differently_written_correct_version_scores_full_marks(grade_source, name):
    result = grade_source(ID, textwrap.dedent(CORRECT_VERSIONS[name]))
    assert_no_errored(result)
    checks = only_checks(result, CODE_CHECKS)
    assert set(checks) == CODE_CHECKS
    assert not_passed(checks.values()) == []


def answers(shift_invariant: str, grad_logits: str, batch_max: str) -> str:
    return (
        f"shift_invariant = {shift_invariant}\ngrad_logits = {grad_logits!r}\n"
        f"batch_max = {batch_max!r}\n"
    ).replace("'", '"')


@pytest.mark.parametrize("grad", ["-(y - p)", "p − y", "(p^2 - p*y)/p", "p + (-1)*y"])
def test_quiz_accepts_equivalent_forms(grade_source, grad):
    quiz = only_checks(grade_source(ID, None, answers("true", grad, "C")), QUIZ)
    assert set(quiz) == set(QUIZ)
    assert not_passed(quiz.values()) == []


@pytest.mark.parametrize(
    ("text", "wrong"),
    [
        (answers("false", "p - y", "C"), {"shift_invariant": "exp(a + b)"}),
        (answers("true", "y - p", "C"), {"grad_logits": "differentiate"}),
        (answers("true", "p*(1 - p)", "C"), {"grad_logits": "differentiate"}),
        (answers("true", "p - 1", "C"), {"grad_logits": "differentiate"}),
        (answers("true", "p - y", "A"), {"batch_max": "exp(−745)"}),
        (answers("true", "p - y", "B"), {"batch_max": "exp(−745)"}),
    ],
)
def test_quiz_usual_wrong_answers_lose_only_their_points(grade_source, text, wrong):
    quiz = only_checks(grade_source(ID, None, text), QUIZ)
    failed = dict(not_passed(quiz.values()))
    assert set(failed) == set(wrong)
    for key, hint in wrong.items():
        assert hint in failed[key]
        assert quiz[key].points == 0


def test_quiz_hints_give_away_no_answer():
    """No hint states a reference answer: the formula, the truth value, or the right choice."""
    from grader.course.softmax_xent.quiz import QUESTIONS, feedback

    right_choice = next(q for q in QUESTIONS if q.key == "batch_max").choices[2]
    assert right_choice.letter == "C"
    for question in QUESTIONS:
        hint = feedback(question.key, "")
        words = set(hint.lower().replace(".", " ").split())
        assert hint.replace(" ", "").replace("−", "-").find("p-y") < 0
        assert not words & {"true", "false", "c", "nan"}, hint
        assert right_choice.text_en not in hint


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_rows_far_apart_underflow_only_with_a_batch_wide_maximum(dtype):
    """The per-row inputs do what the checks claim: exp(z) itself is finite, while
    subtracting the batch's maximum underflows a whole row to 0 in this dtype."""
    z = cases.ROWS_APART[dtype].astype(dtype)
    with np.errstate(under="ignore"):
        assert np.isfinite(np.exp(z).sum(axis=1)).all()
        batch_shifted = np.exp(z - z.max())
    assert (batch_shifted == 0).all(axis=1).any()


def test_every_other_batch_shares_its_rows_maximum():
    """Outside the per-row inputs, a batch-wide maximum is each row's maximum (or the
    values are small), so that mistake costs the per-row checks only."""
    for table in (cases.EXTREME,):
        for z in table.values():
            assert (z.max(axis=1) == z.max()).all()
    assert (cases.NEGATIVE.max(axis=1) == cases.NEGATIVE.max()).all()
    for z in (cases.VECTOR, cases.BATCH, cases.SINGLE, cases.MATRIX, cases.CUBE):
        assert np.abs(z).max() <= 3.0


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_softmax_tolerance_is_under_100_units_of_the_dtype(dtype):
    """float16 results are judged at float16's precision, float64 ones at float64's."""
    eps = judging.EPS[dtype]
    z = judging.values(cases.numpy_of(cases.BATCH, (dtype,))[0])
    tol = judging.tolerance("softmax", z, judging.softmax64(z), dtype)
    assert (tol >= eps).all() and (tol <= 100 * eps).all()


def test_training_judge_reads_weights_and_explains_a_run_that_never_moved():
    import torch

    from grader import CheckFailed, TensorData
    from grader.course.softmax_xent import probes, training

    held_out = training.sample(7, 2000)
    means = training.class_means()
    good = {"weight": TensorData.of(means.T.astype(np.float32)),
            "bias": TensorData.of(np.zeros(4, np.float32))}  # fmt: skip
    training.judge_training(good, held_out, "means as weights")  # nearest-mean: passes
    zero = {"weight": TensorData.of(np.zeros((6, 4), np.float32)), "bias": good["bias"]}
    with pytest.raises(CheckFailed, match="no step lowered your cross_entropy"):
        training.judge_training(zero, held_out, "zeros")
    with pytest.raises(CheckFailed, match=r"a weight tensor of shape \(6, 4\)"):
        training.judge_training({"weight": good["bias"], "bias": good["bias"]}, held_out, "x")
    nan = {"weight": TensorData.of(np.full((6, 4), np.nan, np.float32)), "bias": good["bias"]}
    with pytest.raises(CheckFailed, match="finite weight"):
        training.judge_training(nan, held_out, "nan")

    class NanLoss:  # a loss that is never a number keeps every step out
        cross_entropy = staticmethod(lambda logits, labels: float("nan"))
        cross_entropy_grad = staticmethod(lambda logits, labels: logits * 0 + 1)

    X, y = training.sample(8, 50)
    facts = probes.train_softmax_regression(
        NanLoss, torch.from_numpy(X), torch.from_numpy(y), 4, "cpu", 5, 1.0
    )
    assert facts["kept"] == 0 and not facts["weight"].any()


def test_public_inputs_are_exact_in_the_dtypes_they_are_sent_in():
    """Messages show the numbers the student's function received."""
    for z in (cases.VECTOR, cases.BATCH, cases.SINGLE, cases.MATRIX, cases.CUBE, cases.NEGATIVE):
        assert (z.astype(np.float16).astype(np.float64) == z).all()
    for table in (cases.EXTREME, cases.ROWS_APART):
        for dtype, z in table.items():
            assert (z.astype(dtype).astype(np.float64) == z).all()
