"""Trusted side of the l1_l2 training checks: a sparse regression, and what a run must reach.

The data are drawn here: y = Xw* + offset + noise where only a few weights of w* are
nonzero. The sandbox gets the training examples and loops the student's step on them
(probes.train_sparse); the held-out examples never leave this process. Nothing the
sandbox reports is believed: the returned weights are read, counted and evaluated here,
in float64 numpy, on the held-out set.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from grader import TensorData, fail, kind_of

HELD_OUT = 2000


@dataclass(frozen=True)
class SparseTask:
    """A sparse regression and its training run.

    ``n`` training examples of ``d`` inputs, of which ``relevant`` matter (true weights
    ±1..3), Gaussian noise of std ``noise``, a target offset learned by the (unregularized)
    bias. The run: ``steps`` full-batch steps with learning rate ``lr`` and ``lam``. A run
    passes when its held-out loss ½·mean((Xw + b − y)²) is at most ``loss_limit`` and,
    for the L1 proximal step, at least ``zero_share`` of the irrelevant weights are exactly
    0 (for the L2 step: none is).
    """

    seed: int
    n: int
    d: int
    relevant: int
    noise: float
    offset: float
    lam: float
    lr: float
    steps: int
    loss_limit: float
    zero_share: float

    def describe(self, func: str) -> str:
        return (
            f"training y ≈ Xw + b ({self.n} examples, {self.d} weights of which "
            f"{self.relevant} matter) with your {func}, lr={self.lr:g}, λ={self.lam:g}, "
            f"n={self.n}, {self.steps} steps"
        )


def sparse_data(task: SparseTask) -> dict[str, np.ndarray]:
    """``X, y`` (sent to the sandbox), ``X_test, y_test`` (never sent), the true weights
    ``w_true`` and their ``relevant`` mask (never sent)."""
    rng = np.random.default_rng(task.seed)
    w_true = np.zeros(task.d)
    chosen = rng.choice(task.d, task.relevant, replace=False)
    w_true[chosen] = rng.choice([-1.0, 1.0], task.relevant) * rng.uniform(1.0, 3.0, task.relevant)
    X = rng.normal(size=(task.n + HELD_OUT, task.d))
    y = X @ w_true + task.offset + task.noise * rng.normal(size=task.n + HELD_OUT)
    return {
        "X": X[: task.n],
        "y": y[: task.n],
        "X_test": X[task.n :],
        "y_test": y[task.n :],
        "relevant": w_true != 0,
        "w_true": w_true,
    }


def heldout_loss(w: np.ndarray, b: float, data: dict[str, np.ndarray]) -> float:
    """½·mean((Xw + b − y)²) on the held-out examples, in float64."""
    return float(0.5 * np.mean((data["X_test"] @ w + b - data["y_test"]) ** 2))


def read_run(report: Any, d: int, where: str) -> tuple[np.ndarray, float]:
    """(w as float64 (d,), b) from probes.train_sparse's report; fails on anything else."""
    if isinstance(report, dict) and "returned" in report:
        fail(
            where,
            f"each step to return an array of {d} weights",
            f"a {report['returned']} of shape {report.get('shape')}",
            "return the new w, with w's shape",
        )
    w = report.get("w") if isinstance(report, dict) else None
    b = report.get("b") if isinstance(report, dict) else None
    array = w.array if isinstance(w, TensorData) else w
    if not isinstance(array, np.ndarray) or array.shape != (d,) or array.dtype.kind != "f":
        fail(where, f"{d} trained weights", kind_of(w), "return the new w, with w's shape")
    if type(b) is not float:
        fail(where, "a trained bias", kind_of(b))
    if not (np.isfinite(array).all() and np.isfinite(b)):
        fail(where, "finite weights after training", "inf or nan", "did the steps diverge?")
    return array.astype(np.float64), b


def plot_weights(sub, w: np.ndarray, data: dict, func: str) -> None:
    """Attach the trained weights beside the true ones the data were made with."""
    sub.figure(
        f"Weights after training with your {func}",
        {"your trained w": w, "reference: the true weights w*": data["w_true"]},
        x_label="weight index",
        y_label="value",
    )


def expect_fits(run: tuple[np.ndarray, float], data: dict, task: SparseTask, where: str) -> None:
    """The trained model's held-out loss, computed here, is at most ``task.loss_limit``."""
    loss = heldout_loss(*run, data)
    if loss > task.loss_limit:
        fail(
            f"{where}: held-out loss ½·mean((Xw + b − y)²) on {HELD_OUT} examples the "
            "sandbox never saw",
            f"at most {task.loss_limit:g}",
            f"{loss:.3g} (the noise alone gives {0.5 * task.noise**2:.3g})",
            "the weights that matter were not learned: check the step on the public values",
        )


def expect_sparse(run: tuple[np.ndarray, float], data: dict, task: SparseTask, where: str) -> None:
    """The L1 proximal run fits and leaves most irrelevant weights exactly 0."""
    expect_fits(run, data, task, where)
    irrelevant = run[0][~data["relevant"]]
    zeros = int((irrelevant == 0).sum())
    needed = int(np.ceil(task.zero_share * irrelevant.size))
    if zeros < needed:
        smallest = float(np.min(np.abs(irrelevant)))
        fail(
            where,
            f"at least {needed} of the {irrelevant.size} irrelevant weights exactly 0.0",
            f"{zeros} (the smallest of them is {smallest:.2g} away from 0)",
            "a step that only subtracts lr·(λ/n)·sgn(w) jumps over 0 instead of landing on "
            "it: soft-threshold, so that every |z| ≤ lr·λ/n becomes exactly 0",
        )


def expect_dense(run: tuple[np.ndarray, float], data: dict, task: SparseTask, where: str) -> None:
    """The L2 run fits and leaves no weight exactly 0 (it shrinks them in proportion)."""
    expect_fits(run, data, task, where)
    zeros = int((run[0] == 0).sum())
    if zeros:
        fail(
            where,
            "no weight exactly 0.0 (weight decay shrinks every weight in proportion to "
            "its size, so it never reaches 0)",
            f"{zeros} of {task.d} weights exactly 0",
            "l2_step multiplies w by (1 − lr·λ/n) and subtracts lr·grad: nothing is thresholded",
        )
