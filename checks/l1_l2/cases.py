"""The inputs of the l1_l2 checks, and running them through the student's functions.

A case is numbers (built here, in float64) plus the kind they are sent as: a numpy
array ("float64", "float32") or a torch tensor on the grading device ("torch64",
"torch32"). Expected values always come from the float64 numbers the judge sent.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from grader import TensorData, call_text
from grader.course.l1_l2 import judging

KINDS = ("float64", "float32", "torch64", "torch32")


def send(array: np.ndarray, kind: str, device: str) -> np.ndarray | TensorData:
    """``array`` as the kind to send: a numpy array, or a tensor on ``device``."""
    if kind.startswith("torch"):
        dtype = "float32" if kind == "torch32" else "float64"
        return TensorData.of(np.asarray(array, dtype=dtype), f"torch.{dtype}", device)
    return np.asarray(array, dtype=kind)


def random_array(seed: int, shape: tuple[int, ...], zero_share: float = 0.0) -> np.ndarray:
    """Standard normal values, about ``zero_share`` of them exactly 0."""
    rng = np.random.default_rng(seed)
    values = rng.normal(size=shape)
    return np.where(rng.random(shape) < zero_share, 0.0, values)


@dataclass(frozen=True)
class PenaltyCase:
    w: np.ndarray
    kind: str
    lam: float
    n: int

    def args(self, device: str) -> tuple:
        return send(self.w, self.kind, device), self.lam, self.n


@dataclass(frozen=True)
class StepCase:
    w: np.ndarray
    grad: np.ndarray
    kind: str
    lr: float
    lam: float
    n: int

    def args(self, device: str) -> tuple:
        return (
            send(self.w, self.kind, device),
            send(self.grad, self.kind, device),
            self.lr,
            self.lam,
            self.n,
        )

    def as_kind(self, kind: str) -> StepCase:
        return StepCase(self.w, self.grad, kind, self.lr, self.lam, self.n)


def check_penalties(sub, func: str, cases: list[PenaltyCase], reference=None) -> None:
    """``func`` on every case; expected from judging's formula (or ``reference``'s)."""
    for case in cases:
        args = case.args(sub.device)
        expected = None if reference is None else reference(judging.values(args[0]), *args[1:])
        where = call_text(func, args)
        judging.expect_penalty(sub.call(func, *args), func, *args, where, expected)


def check_steps(sub, func: str, cases: list[StepCase], reference=None) -> None:
    """``func`` on every case; expected from judging's formula (or ``reference``'s)."""
    for case in cases:
        args = case.args(sub.device)
        expected = None
        if reference is not None:
            expected = reference(judging.values(args[0]), judging.values(args[1]), *args[2:])
        judging.expect_step(sub.call(func, *args), func, args, call_text(func, args), expected)
