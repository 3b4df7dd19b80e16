"""Public checks of ex4_1: shipped to students, with their (public) expected values.

Expected values are the statement's definitions evaluated in float64 (judging.py);
nothing here comes from the reference solution.
"""

from __future__ import annotations

import numpy as np

from grader.course.ex4_1 import judging
from grader.course.ex4_1.judging import GRAD_TOLERANCE, TOLERANCE
from grader.judge.compare import describe, expect_close
from grader.judge.student import call_text
from grader.model import Visibility
from grader.registry import CheckSet
from grader.sandbox.values import TensorData

checks = CheckSet("ex4_1", Visibility.PUBLIC)

SMALL_Z = np.array([-5.0, -1.0, -0.25, 0.0, 0.5, 2.0, 6.0])
LARGE_Z = np.array([-1e4, -1000.0, -710.0, -100.0, -30.0, 30.0, 100.0, 710.0, 1000.0, 1e4])


def kinds(sub, z: np.ndarray) -> list:
    """``z`` as numpy float64/float32 and torch float32 (on the grading device)/float64."""
    return [
        z.astype(np.float64),
        z.astype(np.float32),
        TensorData.of(z.astype(np.float32), "torch.float32", sub.device),
        TensorData.of(z.reshape(-1, 1).astype(np.float64), "torch.float64"),
    ]


@checks.check(points=1)
def sigmoid_values(sub) -> None:
    """sigmoid gives σ(z) and returns the kind, dtype and device it was given"""
    for z in kinds(sub, SMALL_Z):
        got = sub.call("sigmoid", z)
        where = f"sigmoid({describe(z)})"
        judging.expect_like(got, z, judging.sigmoid64(SMALL_Z).reshape(z.shape), where, TOLERANCE)
    judging.expect_like(sub.call("sigmoid", 0.0), 0.0, np.array(0.5), "sigmoid(0.0)", TOLERANCE)


@checks.check(points=1, depends=sigmoid_values)
def sigmoid_is_stable(sub) -> None:
    """sigmoid is stable for |z| up to 1e4: no overflow warning, no inf or nan"""
    for z in kinds(sub, LARGE_Z):
        got, where = judging.captured_call(sub, "sigmoid", z)
        expected = judging.sigmoid64(LARGE_Z).reshape(z.shape)
        judging.expect_like(got, z, expected, where, TOLERANCE)


@checks.check(points=1)
def sigmoid_grad_values(sub) -> None:
    """sigmoid_grad gives σ(z)(1 − σ(z)), also for |z| up to 1e4 (no inf or nan)"""
    z_all = np.concatenate([SMALL_Z, LARGE_Z])
    for z in kinds(sub, z_all):
        got, where = sub.call("sigmoid_grad", z), f"sigmoid_grad({describe(z)})"
        expected = judging.sigmoid_grad64(z_all).reshape(z.shape)
        judging.expect_like(got, z, expected, where, GRAD_TOLERANCE, hint="σ'(z) = σ(z)(1 − σ(z))")


def grad_cases(sub) -> list[tuple]:
    """(w, b, x, y) cases in float64 numpy, float32 numpy and torch float32 on the device."""
    rng = np.random.default_rng(41)
    cases = []
    for d, to in ((3, np.float64), (5, np.float32), (4, "torch")):
        w, x = rng.normal(size=d), rng.normal(size=d)
        b, y = float(rng.normal()), float(rng.uniform())
        if to == "torch":
            w, x = (
                TensorData.of(a.astype(np.float32), "torch.float32", sub.device) for a in (w, x)
            )
        else:
            w, x = w.astype(to), x.astype(to)
        cases.append((w, b, x, y))
    return cases


def _array(value) -> np.ndarray:
    return value.array if isinstance(value, TensorData) else np.asarray(value)


@checks.check(points=2)
def weight_grad_matches_finite_differences(sub) -> None:
    """weight_grad agrees with finite differences of ½(σ(wᵀx+b) − y)²"""
    for w, b, x, y in grad_cases(sub):
        got = sub.call("weight_grad", w, b, x, y)
        expected = judging.weight_grad_fd(_array(w), b, _array(x), y)
        tolerance = {"float64": (1e-6, 1e-9), "float32": (1e-4, 1e-6)}
        judging.expect_like(
            got,
            x,
            expected,
            call_text("weight_grad", (w, b, x, y)),
            tolerance,
            hint="∂L/∂w = (σ(z) − y)·σ'(z)·x with z = wᵀx + b",
        )


@checks.check(points=1, depends=weight_grad_matches_finite_differences)
def weight_grad_sign_for_positive_inputs(sub) -> None:
    """for x > 0, every component of weight_grad has the sign of ∂L/∂z"""
    rng = np.random.default_rng(4_1)
    done = 0
    while done < 6:
        x = rng.uniform(0.5, 3.0, size=4)
        w, b, y = rng.normal(scale=0.5, size=4), float(rng.normal()), float(rng.uniform())
        if abs(float(judging.sigmoid64(np.dot(w, x) + b)) - y) < 0.1:
            continue  # ∂L/∂z near 0: its sign is not a robust fact to test
        judging.expect_sign_pattern(sub.call("weight_grad", w, b, x, y), w, b, x, y)
        done += 1


@checks.check(points=1, training=True, timeout=60)
def train_neuron_losses_before_each_step(sub) -> None:
    """train_neuron returns the mean loss before each step, starting from w = 0, b = 0"""
    rng = np.random.default_rng(7)  # targets far from σ(0) = 1/2, so b must move too
    raw, y = rng.uniform(4.0, 6.0, size=(16, 2)), rng.uniform(0.6, 0.95, size=16)
    where = f"train_neuron(X of shape {raw.shape}, y, lr={judging.LR}, steps=5)"
    got = sub.call("train_neuron", raw, y, judging.LR, 5, device=sub.device)
    losses = judging.expect_losses(got, 5, where)
    expect_close(
        losses[0],
        float(np.mean(0.5 * (0.5 - y) ** 2)),
        where=f"{where}[0]",
        rtol=1e-5,
        hint="the first loss is taken before any step, at w = 0, b = 0 where σ = 1/2; "
        "the loss is the mean over examples of ½(σ − y)²",
    )
    expect_close(
        losses[1],
        judging.loss_after_one_step(raw, y, judging.LR),
        where=f"{where}[1]",
        rtol=1e-5,
        hint="one full-batch step: w -= lr·∂L/∂w and b -= lr·∂L/∂b with L the *mean* loss",
    )


@checks.check(points=2, depends=train_neuron_losses_before_each_step, training=True, timeout=60)
def positive_inputs_converge_slower(sub) -> None:
    """with your train_neuron, inputs in [4, 6] need clearly more steps than when centred"""
    raw, centred, y = judging.centring_data(2024)
    curves = []
    for X in (raw, centred):
        where = f"train_neuron(X of shape {X.shape}, y, lr={judging.LR}, steps={judging.STEPS})"
        got = sub.call("train_neuron", X, y, judging.LR, judging.STEPS, device=sub.device)
        curves.append(judging.expect_losses(got, judging.STEPS, where))
    judging.expect_centring_helps(*curves, where=f"the same {len(y)} examples, lr={judging.LR}")
