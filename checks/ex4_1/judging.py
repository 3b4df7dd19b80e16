"""Trusted-side facts about ex4_1 shared by its public and hidden checks.

Nothing here is secret: σ and its derivative are the statement's definitions,
evaluated in float64 by a formula that never overflows, and the data sets are
the (seeded) problem the exercise talks about.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from grader.judge.compare import (
    as_numbers,
    describe,
    dtype_name,
    expect_close,
    fail,
    kind_of,
    like,
)
from grader.judge.student import call_text
from grader.outcomes import CheckFailed
from grader.sandbox.values import TensorData

# (rtol, atol) per dtype: float32 results carry about 6e-8 of rounding per operation.
TOLERANCE = {"float64": (1e-9, 1e-15), "float32": (1e-5, 1e-7)}
# σ' = σ(1-σ) loses *relative* precision in the tails, so it is judged absolutely.
GRAD_TOLERANCE = {"float64": (0.0, 1e-12), "float32": (0.0, 1e-7)}


def sigmoid64(z: np.ndarray) -> np.ndarray:
    """σ(z) in float64, exp only of -|z| (exact to a few ulps everywhere)."""
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_grad64(z: np.ndarray) -> np.ndarray:
    s = sigmoid64(z)
    return s * (1 - s)


def loss64(w: np.ndarray, b: float, x: np.ndarray, y: float) -> float:
    """½(σ(wᵀx+b) − y)² in float64."""
    z = float(np.dot(np.asarray(w, np.float64), np.asarray(x, np.float64)) + b)
    return 0.5 * (float(sigmoid64(z)) - y) ** 2


def expect_like(
    got: Any, sent: Any, values: np.ndarray, where: str, tolerance: dict, hint: str = ""
) -> None:
    """``got`` is ``values`` in the kind/dtype/device of ``sent``, within its dtype's tolerance."""
    rtol, atol = tolerance[dtype_name(sent)]
    if not isinstance(sent, np.ndarray | TensorData):
        got = _as_number(got, where)
    expect_close(got, like(sent, values), where=where, rtol=rtol, atol=atol, hint=hint)


def _as_number(got: Any, where: str) -> Any:
    """A Python scalar was sent: accept a real number (or a 0-d float array) back."""
    if isinstance(got, np.ndarray) and got.shape == () and got.dtype.kind == "f":
        return float(got)
    if isinstance(got, TensorData):
        fail(where, "a number (a Python scalar was given)", describe(got))
    return got


def expect_no_warnings(report: Any, where: str) -> Any:
    """Unpack a ``call_capturing`` probe report; fail if the call warned."""
    if not isinstance(report, dict) or not isinstance(report.get("warnings"), list):
        raise CheckFailed(f"{where}: the probe's report could not be read ({kind_of(report)})")
    texts = [str(t) for t in report["warnings"]]
    if texts:
        fail(
            where,
            "no warning",
            "; ".join(dict.fromkeys(texts)),
            "exp(-z) overflows for large negative z (and exp(z) for large positive z): "
            "only ever take exp of -|z|, and never evaluate the branch you do not use",
        )
    return report.get("value")


def captured_call(sub, func: str, *args: Any) -> tuple[Any, str]:
    """The student's ``func(*args)`` run with numpy warnings on; (value, call text)."""
    where = call_text(func, args)
    return expect_no_warnings(sub.probe("call_capturing", func, *args), where), where


def weight_grad_fd(w: np.ndarray, b: float, x: np.ndarray, y: float, h: float = 1e-6) -> np.ndarray:
    """Central finite differences of the loss in w (float64; error about 1e-10)."""
    w = np.asarray(w, dtype=np.float64)
    grad = np.empty_like(w)
    for i in range(w.size):
        step = np.zeros_like(w)
        step[i] = h
        grad[i] = (loss64(w + step, b, x, y) - loss64(w - step, b, x, y)) / (2 * h)
    return grad


# ----------------------------------------------------------------------------- training

# The training problem: inputs far from zero (all in [4, 6]), targets from a teacher neuron
# on the centred inputs, the same learning rate for both runs. Each run counts the steps
# until its loss first falls to half of where it started.
# Measured with the reference over 200 seeds of centring_data(n=64, d=2) at lr 0.5, in float64
# and float32: centred inputs halve the loss within 24..54 steps; raw inputs never do within
# 400 steps (they end at most at 90% of their start), so raw >= FACTOR x centred holds with
# 400 >= 3 x 54 = 162 to spare; both curves decrease at every step; float32 curves stay
# within 4e-5 (relative) of float64 ones.
LR = 0.5
STEPS = 400
HALF = 0.5
FACTOR = 3.0


def centring_data(
    seed: int, n: int = 64, d: int = 2, low: float = 4.0, high: float = 6.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(raw inputs, the same inputs centred, targets) for the convergence-speed claim."""
    rng = np.random.default_rng(seed)
    raw = rng.uniform(low, high, size=(n, d))
    centred = raw - raw.mean(axis=0)
    teacher = rng.uniform(0.5, 1.5, size=d)
    return raw, centred, sigmoid64(centred @ teacher)


def steps_to_half(losses: np.ndarray) -> int | None:
    """The first step whose loss is at most HALF of the first one (None: never)."""
    below = np.nonzero(losses <= HALF * losses[0])[0]
    return int(below[0]) if below.size else None


def read_losses(got: Any, steps: int, where: str) -> np.ndarray:
    """The ``steps`` losses in ``got`` as a float64 array, whatever holds them.

    The values are what the training checks judge: a list, a tuple, a 1-D array or
    tensor, of Python, numpy or 0-d torch numbers all count. That the contract asks for
    a list of Python floats is :func:`~grader.judge.compare.expect_list_of_floats`'s
    business, not theirs.
    """
    values = as_numbers(got)
    if values is None:
        fail(where, f"{steps} losses (one before each step)", f"{kind_of(got)} {describe(got)}")
    if len(values) != steps:
        fail(where, f"{steps} losses (one before each step)", f"{len(values)} of them")
    if not np.isfinite(values).all():
        index = int(np.nonzero(~np.isfinite(values))[0][0])
        fail(f"{where}[{index}]", "a finite loss", repr(values[index]), "did training diverge?")
    return values


def expect_sign_pattern(got: Any, w: np.ndarray, b: float, x: np.ndarray, y: float) -> None:
    """Every component of the gradient has the sign of ∂L/∂z = (σ(z) − y)·σ'(z) (x > 0)."""
    where = call_text("weight_grad", (w, b, x, y))
    if not isinstance(got, np.ndarray) or got.shape != x.shape:
        fail(where, f"a numpy array of shape {x.shape}", f"{kind_of(got)} {describe(got)}")
    z = float(np.dot(w, x) + b)
    dl_dz = (float(sigmoid64(z)) - y) * float(sigmoid_grad64(z))
    signs = np.sign(got.astype(np.float64))
    if not (signs == np.sign(dl_dz)).all():
        i = int(np.nonzero(signs != np.sign(dl_dz))[0][0])
        fail(
            where,
            f"every component with the sign of ∂L/∂z = {dl_dz:+.4g}",
            f"component {i} = {float(got[i]):+.4g}",
            "∂L/∂w_i = ∂L/∂z · x_i, and every x_i > 0",
        )


def loss_after_one_step(X: np.ndarray, y: np.ndarray, lr: float) -> float:
    """The loss after one gradient step from w = 0, b = 0 (σ = 1/2, σ' = 1/4 there)."""
    g = (0.5 - y) * 0.25 / len(y)
    w, b = -lr * (X.T @ g), -lr * g.sum()
    return float(0.5 * np.mean((sigmoid64(X @ w + b) - y) ** 2))


def reference_losses(X: np.ndarray, y: np.ndarray, lr: float, steps: int) -> np.ndarray:
    """The mean loss before each of ``steps`` full-batch steps from w = 0, b = 0, in
    float64: the curve a correct ``train_neuron`` returns (drawn beside the student's)."""
    X, y = np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64)
    w, b, losses = np.zeros(X.shape[1]), 0.0, np.empty(steps)
    for step in range(steps):
        s = sigmoid64(X @ w + b)
        losses[step] = 0.5 * np.mean((s - y) ** 2)
        g = (s - y) * s * (1 - s) / len(y)
        w, b = w - lr * (X.T @ g), b - lr * float(g.sum())
    return losses


def _describe_run(losses: np.ndarray, reached: int | None) -> str:
    if reached is None:
        share = losses[-1] / losses[0]
        return f"still at {share:.0%} of its starting loss after {len(losses)} steps"
    return f"half of its starting loss after {reached} steps"


def expect_centring_helps(raw_losses: np.ndarray, centred_losses: np.ndarray, where: str) -> None:
    """Centred inputs reach half their starting loss, raw ones need FACTOR times more steps."""
    raw_steps, centred_steps = steps_to_half(raw_losses), steps_to_half(centred_losses)
    runs = (
        f"all-positive inputs: {_describe_run(raw_losses, raw_steps)}; "
        f"centred inputs: {_describe_run(centred_losses, centred_steps)}"
    )
    if centred_steps is None:
        raise CheckFailed(
            f"{where}: with centred inputs the loss should halve within {len(centred_losses)} "
            f"steps, but it did not ({runs}); is every step applied to both w and b?"
        )
    slow = len(raw_losses) if raw_steps is None else raw_steps
    if slow < FACTOR * centred_steps:
        raise CheckFailed(
            f"{where}: all-positive inputs should need at least {FACTOR:g}x the steps of "
            f"centred ones, but {runs}"
        )
