"""Trusted-side facts for ex4_7's training checks: the data, and what the runs must reach.

The regression data are drawn here; the probe trains on the first ``n`` examples and
the held-out ones never leave the trusted process. The expected end points are the
closed-form ridge solutions, with and without the bias in the penalty.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from grader.judge.compare import fail
from grader.outcomes import CheckFailed
from grader.sandbox.values import TensorData

# A run recovers the offset when its held-out mean error is within this share of it.
OFFSET_SHARE = 0.05
HELD_OUT = 2000


def offset_data(seed: int, n: int, d: int, offset: float, lam: float) -> dict:
    """A regression y = Xw* + offset + noise (centred Gaussian inputs), split in two.

    ``X, y`` go to the sandbox; ``X_test, y_test`` (HELD_OUT examples) never do.
    """
    rng = np.random.default_rng(seed)
    teacher = rng.normal(size=d)
    X = rng.normal(size=(n + HELD_OUT, d))
    y = X @ teacher + offset + 0.1 * rng.normal(size=n + HELD_OUT)
    return {"X": X[:n], "y": y[:n], "X_test": X[n:], "y_test": y[n:], "lam": lam, "offset": offset}


def ridge_with_free_bias(X: np.ndarray, y: np.ndarray, lam: float) -> tuple[np.ndarray, float]:
    """argmin over (w, b) of mean ½(Xw + b − y)² + λ/2‖w‖²: the bias is not penalized."""
    mean_x, mean_y = X.mean(axis=0), y.mean()
    Xc = X - mean_x
    w = np.linalg.solve(Xc.T @ Xc / len(y) + lam * np.eye(X.shape[1]), Xc.T @ (y - mean_y) / len(y))
    return w, float(mean_y - mean_x @ w)


def ridge_decaying_bias(X: np.ndarray, y: np.ndarray, lam: float) -> tuple[np.ndarray, float]:
    """argmin over (w, b) of mean ½(Xw + b − y)² + λ/2(‖w‖² + b²): the bias decayed too."""
    Xb = np.hstack([X, np.ones((len(y), 1))])
    theta = np.linalg.solve(Xb.T @ Xb / len(y) + lam * np.eye(Xb.shape[1]), Xb.T @ y / len(y))
    return theta[:-1], float(theta[-1])


def read_linear(trained: Any, d: int, where: str) -> tuple[np.ndarray, float]:
    """(weight (d,), bias) of the trained nn.Linear(d, 1) a probe returned."""
    if not isinstance(trained, dict):
        raise CheckFailed(f"{where}: the training run's report could not be read")
    weight, bias = trained.get("weight"), trained.get("bias")
    for name, value, shape in (("weight", weight, (1, d)), ("bias", bias, (1,))):
        if not isinstance(value, TensorData) or value.shape != shape:
            raise CheckFailed(f"{where}: the trained {name} could not be read")
        if not np.isfinite(value.array).all():
            fail(where, f"a finite {name} after training", "inf or nan", "did training diverge?")
    return weight.array[0].astype(np.float64), float(bias.array[0])


def heldout_offset_error(
    weight: np.ndarray, bias: float, X_test: np.ndarray, y_test: np.ndarray
) -> float:
    """Mean of (target − prediction) on data the sandbox never saw."""
    return float(np.mean(y_test - (X_test @ weight + bias)))


def replay_bias(data: dict, initial: dict, lr: float, steps: int, decay_bias: bool) -> list:
    """The bias of nn.Linear(d, 1) before each step of full-batch SGD on mean ½(Xw + b − y)²
    with weight decay λ on w (and on b too with ``decay_bias``), and after the last one:
    the probe's run, replayed here in float64 from the judge's ``initial`` values."""
    X, y, lam = data["X"], data["y"], data["lam"]
    w, b = initial["0.weight"][0].astype(np.float64), float(initial["0.bias"][0])
    biases = [b]
    for _ in range(steps):
        residual = X @ w + b - y
        grad_w = X.T @ residual / len(y) + lam * w
        grad_b = float(residual.mean()) + (lam * b if decay_bias else 0.0)
        w, b = w - lr * grad_w, b - lr * grad_b
        biases.append(b)
    return biases


def plot_offset(sub, bias: float, data: dict, initial: dict, lr: float, steps: int) -> None:
    """Attach the bias during training with and without decaying it (replayed here from
    the same start), the target's offset, and where the student's run ended."""
    sub.figure(
        f"Bias during training with weight_decay={data['lam']:g}",
        {
            "reference: bias not decayed": replay_bias(data, initial, lr, steps, False),
            "reference: bias decayed too": replay_bias(data, initial, lr, steps, True),
            "expected: the target's offset": [data["offset"]] * (steps + 1),
            "your run: bias after training": [math.nan] * steps + [bias],
        },
        x_label="SGD step",
        y_label="bias",
    )


def expect_offset_recovered(run: tuple[np.ndarray, float], data: dict, where: str) -> None:
    """The run reaches the ridge solution with a free bias; its held-out offset error is small.

    ``data`` holds ``X, y`` (training), ``X_test, y_test`` (held out), ``lam``, ``offset``.
    The message shows, for comparison, where decaying every parameter (the bias too) ends.
    """
    w_ridge, b_ridge = ridge_with_free_bias(data["X"], data["y"], data["lam"])
    w_all, b_all = ridge_decaying_bias(data["X"], data["y"], data["lam"])
    w, b = run
    error = heldout_offset_error(w, b, data["X_test"], data["y_test"])
    error_all = heldout_offset_error(w_all, b_all, data["X_test"], data["y_test"])
    story = (
        f"the target's offset is {data['offset']:g}; with weight_decay={data['lam']:g} your run "
        f"ends with bias {b:.3f} (held-out mean error {error:+.3f}), while decaying every "
        f"parameter, the bias included, gives bias {b_all:.3f} (held-out mean error "
        f"{error_all:+.3f})"
    )
    if abs(error) > OFFSET_SHARE * abs(data["offset"]) or abs(b - b_ridge) > 1e-3 * (
        1 + abs(b_ridge)
    ):
        raise CheckFailed(f"{where}: the bias should not be decayed: {story}")
    gap = float(np.max(np.abs(w - w_ridge)))
    if gap > 1e-3 * (1 + float(np.max(np.abs(w_ridge)))):
        raise CheckFailed(
            f"{where}: the weights should be decayed to the ridge solution "
            f"{np.round(w_ridge, 4).tolist()}, got {np.round(w, 4).tolist()} ({story})"
        )
