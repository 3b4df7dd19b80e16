"""Public checks of ex4_7: shipped to students, with their (public) expected values.

Each model is built inside the sandbox from a description chosen here (models.py) and
holds parameter values chosen here; every expected number is computed here from those
values (judging.py), never from what the sandbox reports about the model.
"""

from __future__ import annotations

import numpy as np

from grader.course.ex4_7 import judging, training
from grader.course.ex4_7.judging import ModelCase
from grader.judge.student import call_text
from grader.model import Visibility
from grader.registry import CheckSet
from grader.sandbox.values import TensorData

checks = CheckSet("ex4_7", Visibility.PUBLIC)

# Each model with the names of its weights (parameters of two or more dimensions outside
# normalization layers): what the checks expect, never sent to the sandbox.
MODELS = [
    ModelCase(
        {"layers": [["linear", 5, 8, True], ["batchnorm1d", 8], ["linear", 8, 3, True]]},
        weights=("0.weight", "2.weight"),
    ),
    ModelCase(
        {
            "layers": [
                ["conv2d", 3, 4, 3, True],
                ["batchnorm2d", 4],
                ["conv2d", 4, 2, 3, False],
                ["layernorm", [6], True],
                ["linear", 6, 2, False],
            ]
        },
        weights=("0.weight", "2.weight", "4.weight"),
    ),
    ModelCase(
        {
            "layers": [["embedding", 12, 6], ["layernorm", [6], True], ["linear", 6, 12, True]],
            "ties": [["0", "2"]],
        },
        weights=("0.weight",),
    ),
]


@checks.check(points=2)
def l2_penalty_small_models(sub) -> None:
    """l2_penalty is λ/2·Σ‖W‖² over the weights only, a differentiable torch scalar"""
    for seed, (case, lam) in enumerate(zip(MODELS, (0.1, 0.5, 2.0), strict=True)):
        judging.expect_penalty(sub, case, seed, lam)


@checks.check(points=2)
def param_groups_small_models(sub) -> None:
    """param_groups feeds torch.optim.SGD: weights decayed, biases and norms at 0.0"""
    for seed, (case, decay) in enumerate(zip(MODELS, (5e-4, 0.1, 0.01), strict=True)):
        judging.expect_groups(sub, case, 10 + 2 * seed, decay)


def decay_cases(sub, seed: int, shapes: list, kinds: list) -> list:
    """(w, grad) pairs of the given shapes and kinds ("float64", "float32", "torch32"...)."""
    rng = np.random.default_rng(seed)
    cases = []
    for shape, kind in zip(shapes, kinds, strict=True):
        w, grad = rng.normal(size=shape), rng.normal(size=shape)
        if kind.startswith("torch"):
            dtype = "torch.float32" if kind == "torch32" else "torch.float64"
            np_dtype = dtype.removeprefix("torch.")
            cases.append(
                tuple(TensorData.of(a.astype(np_dtype), dtype, sub.device) for a in (w, grad))
            )
        else:
            cases.append((w.astype(kind), grad.astype(kind)))
    return cases


def expect_decay_values(sub, cases: list, steps: tuple) -> None:
    """``decay_step`` on each (w, grad) of ``cases`` with the (lr, λ) of ``steps``."""
    for (w, grad), (lr, lam) in zip(cases, steps, strict=True):
        got = sub.call("decay_step", w, grad, lr, lam)
        where = call_text("decay_step", (w, grad, lr, lam))
        judging.expect_decay_value(got, w, judging.decay_formula(w, grad, lr, lam), where)


@checks.check(points=1)
def decay_step_values_numpy(sub) -> None:
    """decay_step on numpy arrays gives (1 − lr·λ)·w − lr·grad in their dtype"""
    cases = decay_cases(sub, 7, [(5,), (3, 4)], ["float64", "float32"])
    expect_decay_values(sub, cases, ((0.1, 0.5), (0.05, 2)))


@checks.check(points=1)
def decay_step_values_torch(sub) -> None:
    """decay_step on torch tensors gives (1 − lr·λ)·w − lr·grad, same dtype and device"""
    cases = decay_cases(sub, 8, [(6,), (2, 3)], ["torch32", "torch64"])
    expect_decay_values(sub, cases, ((0.3, 0.1), (0.05, 2)))


@checks.check(points=1, depends=(decay_step_values_numpy, decay_step_values_torch))
def decay_step_returns_the_kind_of_w(sub) -> None:
    """decay_step returns a numpy array or a tensor like w: same kind, dtype and device"""
    # The value checks read the step from whatever holds it; this check alone judges the
    # holder, once both kinds give the right step (a wrong step earns no format point).
    kinds = ["float64", "float32", "torch32", "torch64"]
    for w, grad in decay_cases(sub, 10, [(3,), (3,), (2, 2), (2, 2)], kinds):
        where = call_text("decay_step", (w, grad, 0.1, 0.5))
        judging.expect_kind_of_w(sub.call("decay_step", w, grad, 0.1, 0.5), w, where)


@checks.check(points=1, depends=(decay_step_values_numpy, decay_step_values_torch))
def decay_step_leaves_inputs_unchanged(sub) -> None:
    """decay_step returns a new array and leaves w and grad as they were"""
    cases = decay_cases(sub, 9, [(4,), (2, 3)], ["float64", "torch32"])
    for (w, grad), (lr, lam) in zip(cases, ((0.1, 0.5), (0.2, 1.5)), strict=True):
        where = call_text("decay_step", (w, grad, lr, lam))
        report = sub.probe("decay_step_report", w, grad, lr, lam, label=where)
        expected = judging.decay_formula(w, grad, lr, lam)
        judging.expect_inputs_unchanged(report, w, grad, expected, where)


# Offset 20 and weight decay 1.0: over 100 seeds of offset_data(n=400, d=4) the reference's
# run (float32) ends within 5e-6 of the closed-form ridge solution with a free bias, with a
# held-out mean error of at most 0.24 (the limit is 5% of the offset: 1.0); decaying every
# parameter (closed form, computed here) leaves a held-out mean error of at least 9.9.
TRAINING = {"seed": 47, "n": 400, "d": 4, "offset": 20.0, "lam": 1.0}
LR, STEPS = 0.2, 80


def train(sub, data: dict, use: str, seed: int) -> tuple[np.ndarray, float]:
    """Run the offset_training probe on the grading device from the judge's initial
    values (chosen by ``seed``); (weight, bias) read back."""
    sent = [TensorData.of(data[k].astype(np.float32), "torch.float32", sub.device) for k in "Xy"]
    description = {"layers": [["linear", data["X"].shape[1], 1, True]]}
    values = judging.model_values(description, seed)
    initial = judging.send(values, sub.device)
    where = f"training nn.Linear({data['X'].shape[1]}, 1) with your {use}"
    report = sub.probe("offset_training", *sent, initial, data["lam"], LR, STEPS, use, label=where)
    run = training.read_linear(report, data["X"].shape[1], where)
    training.plot_offset(sub, run[1], data, values, LR, STEPS)
    return run


@checks.check(points=2, training=True, timeout=60)
def groups_recover_large_offset(sub) -> None:
    """with strong decay through your param_groups, a target offset of 20 is still learned"""
    data = training.offset_data(**TRAINING)
    run = train(sub, data, "groups", TRAINING["seed"])
    where = f"SGD(param_groups(nn.Linear(4, 1), {data['lam']:g}), lr={LR}), {STEPS} steps"
    training.expect_offset_recovered(run, data, where)
