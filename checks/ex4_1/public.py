"""Public checks of ex4_1: shipped to students, with their (public) expected values.

Expected values are the statement's definitions evaluated in float64 (judging.py);
nothing here comes from the reference solution. numpy arrays, torch tensors and Python
scalars usually take different paths through a solution, so each function's values are
scored separately for each (statement.md: what each check is worth, and why).
"""

from __future__ import annotations

import numpy as np

from grader.course.ex4_1 import judging
from grader.course.ex4_1.judging import GRAD_TOLERANCE, TOLERANCE
from grader.judge.compare import describe, expect_close, expect_list_of_floats
from grader.judge.student import call_text
from grader.model import Visibility
from grader.registry import CheckSet
from grader.sandbox.values import TensorData

checks = CheckSet("ex4_1", Visibility.PUBLIC)

SMALL_Z = np.array([-5.0, -1.0, -0.25, 0.0, 0.5, 2.0, 6.0])
LARGE_Z = np.array([-1e4, -1000.0, -710.0, -100.0, -30.0, 30.0, 100.0, 710.0, 1000.0, 1e4])
ALL_Z = np.concatenate([SMALL_Z, LARGE_Z])
# Python scalars, int and float: sigmoid(2) must be σ(2), not 0 from integer arithmetic.
SCALARS = (0.0, 2, -3, 0.5, 1)


def numpy_kinds(z: np.ndarray) -> list:
    """``z`` as numpy float64 and float32."""
    return [z.astype(np.float64), z.astype(np.float32)]


def torch_kinds(sub, z: np.ndarray) -> list:
    """``z`` as torch float32 on the grading device and float64 (another shape) on the CPU."""
    return [
        TensorData.of(z.astype(np.float32), "torch.float32", sub.device),
        TensorData.of(z.reshape(-1, 1).astype(np.float64), "torch.float64"),
    ]


def expect_values(sub, func: str, sent: list, z: np.ndarray, expected, tolerance, hint="") -> None:
    """``func`` on each input of ``sent`` (all holding ``z``) gives ``expected(z)``."""
    for x in sent:
        got = sub.call(func, x)
        values = expected(z).reshape(np.shape(x.array if isinstance(x, TensorData) else x))
        judging.expect_like(got, x, values, f"{func}({describe(x)})", tolerance, hint)


@checks.check(points=1)
def sigmoid_values(sub) -> None:
    """sigmoid on numpy arrays gives σ(z) in their dtype"""
    expect_values(sub, "sigmoid", numpy_kinds(SMALL_Z), SMALL_Z, judging.sigmoid64, TOLERANCE)


@checks.check(points=1)
def sigmoid_values_torch(sub) -> None:
    """sigmoid on torch tensors gives σ(z), also for |z| up to 1e4, same dtype and device"""
    expect_values(sub, "sigmoid", torch_kinds(sub, ALL_Z), ALL_Z, judging.sigmoid64, TOLERANCE)


@checks.check(points=1, depends=sigmoid_values)
def sigmoid_is_stable(sub) -> None:
    """sigmoid is stable for |z| up to 1e4: no overflow warning, no inf or nan"""
    for z in numpy_kinds(LARGE_Z):
        got, where = judging.captured_call(sub, "sigmoid", z)
        judging.expect_like(got, z, judging.sigmoid64(LARGE_Z), where, TOLERANCE)


@checks.check(points=1)
def sigmoid_grad_values(sub) -> None:
    """sigmoid_grad on numpy arrays gives σ(z)(1 − σ(z)), also for |z| up to 1e4"""
    hint = "σ'(z) = σ(z)(1 − σ(z))"
    kinds = numpy_kinds(ALL_Z)
    expect_values(sub, "sigmoid_grad", kinds, ALL_Z, judging.sigmoid_grad64, GRAD_TOLERANCE, hint)


@checks.check(points=1)
def sigmoid_grad_values_torch(sub) -> None:
    """sigmoid_grad on torch tensors gives σ(z)(1 − σ(z)), same dtype and device"""
    hint = "σ'(z) = σ(z)(1 − σ(z))"
    kinds = torch_kinds(sub, ALL_Z)
    expect_values(sub, "sigmoid_grad", kinds, ALL_Z, judging.sigmoid_grad64, GRAD_TOLERANCE, hint)


@checks.check(points=1)
def python_scalars(sub) -> None:
    """sigmoid and sigmoid_grad take Python scalars, int or float, and return a number"""
    for z in SCALARS:
        for func, values, tolerance in (
            ("sigmoid", judging.sigmoid64, TOLERANCE),
            ("sigmoid_grad", judging.sigmoid_grad64, GRAD_TOLERANCE),
        ):
            got = sub.call(func, z)
            judging.expect_like(got, z, values(np.array(float(z))), f"{func}({z!r})", tolerance)


def grad_cases(sub, kinds: tuple) -> list[tuple]:
    """(w, b, x, y) cases, one per kind: "float64", "float32" (numpy), "torch32", "torch64"."""
    rng = np.random.default_rng(41)
    cases = []
    for d, kind in zip((3, 5, 4, 6), kinds, strict=False):
        w, x = rng.normal(size=d), rng.normal(size=d)
        b, y = float(rng.normal()), float(rng.uniform())
        if kind.startswith("torch"):
            dtype = "torch.float32" if kind == "torch32" else "torch.float64"
            np_dtype = dtype.removeprefix("torch.")
            w, x = (TensorData.of(a.astype(np_dtype), dtype, sub.device) for a in (w, x))
        else:
            w, x = w.astype(kind), x.astype(kind)
        cases.append((w, b, x, y))
    return cases


def _array(value) -> np.ndarray:
    return value.array if isinstance(value, TensorData) else np.asarray(value)


def expect_fd_gradients(sub, cases: list) -> None:
    """weight_grad on each case agrees with finite differences of the loss."""
    tolerance = {"float64": (1e-6, 1e-9), "float32": (1e-4, 1e-6)}
    for w, b, x, y in cases:
        got = sub.call("weight_grad", w, b, x, y)
        expected = judging.weight_grad_fd(_array(w), b, _array(x), y)
        judging.expect_like(
            got,
            x,
            expected,
            call_text("weight_grad", (w, b, x, y)),
            tolerance,
            hint="∂L/∂w = (σ(z) − y)·σ'(z)·x with z = wᵀx + b",
        )


@checks.check(points=1)
def weight_grad_matches_finite_differences(sub) -> None:
    """weight_grad on numpy arrays agrees with finite differences of ½(σ(wᵀx+b) − y)²"""
    expect_fd_gradients(sub, grad_cases(sub, ("float64", "float32")))


@checks.check(points=1)
def weight_grad_torch_matches_finite_differences(sub) -> None:
    """weight_grad on torch tensors agrees with finite differences, same dtype and device"""
    expect_fd_gradients(sub, grad_cases(sub, ("torch32", "torch64")))


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


def first_steps_data() -> tuple[np.ndarray, np.ndarray]:
    """Inputs in [4, 6]; targets far from σ(0) = 1/2, so b must move too."""
    rng = np.random.default_rng(7)
    return rng.uniform(4.0, 6.0, size=(16, 2)), rng.uniform(0.6, 0.95, size=16)


@checks.check(points=1, training=True, timeout=60)
def train_neuron_returns_a_list_of_floats(sub) -> None:
    """train_neuron returns its losses as a list of Python floats"""
    raw, y = first_steps_data()
    where = f"train_neuron(X of shape {raw.shape}, y, lr={judging.LR}, steps=3)"
    got = sub.call("train_neuron", raw, y, judging.LR, 3, device=sub.device)
    expect_list_of_floats(got, where, 3)


@checks.check(points=1, training=True, timeout=60)
def train_neuron_losses_before_each_step(sub) -> None:
    """train_neuron returns the mean loss before each step, starting from w = 0, b = 0"""
    raw, y = first_steps_data()
    where = f"train_neuron(X of shape {raw.shape}, y, lr={judging.LR}, steps=5)"
    got = sub.call("train_neuron", raw, y, judging.LR, 5, device=sub.device)
    losses = judging.read_losses(got, 5, where)
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
        curves.append(judging.read_losses(got, judging.STEPS, where))
    reference = [judging.reference_losses(X, y, judging.LR, judging.STEPS) for X in (raw, centred)]
    sub.figure(
        f"Loss before each step, lr={judging.LR}: all-positive vs centred inputs",
        {
            "your run, inputs in [4, 6]": curves[0],
            "your run, centred inputs": curves[1],
            "reference, inputs in [4, 6]": reference[0],
            "reference, centred inputs": reference[1],
        },
        x_label="step",
        y_label="mean loss ½(σ − y)²",
        log_y=True,
    )
    judging.expect_centring_helps(*curves, where=f"the same {len(y)} examples, lr={judging.LR}")
