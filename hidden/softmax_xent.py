"""Hidden checks of softmax_xent: never shipped to students (the handout leaves hidden/ out).

Expected values come from the reference solution run in float64 and from torch autograd,
both in the trusted process, on inputs the student never sees: other shapes, k = 1,
n = 1, int32 labels, extremes in every dtype. As in the public checks, only the last
check has rows whose maxima lie far apart; every other batch shares one maximum per row.
"""

from __future__ import annotations

import numpy as np
import torch

from grader import CheckSet, Visibility, load_reference
from grader.course.softmax_xent import judging
from grader.course.softmax_xent.cases import expect_call, numpy_of, torch_of

checks = CheckSet("softmax_xent", Visibility.HIDDEN)
reference = load_reference("softmax_xent")


def levelled(z: np.ndarray, top: float, axis: int = -1) -> np.ndarray:
    """z moved so that every slice along ``axis`` has the maximum ``top``."""
    return z - np.max(z, axis=axis, keepdims=True) + top


def spread_rows(seed: int, shape: tuple[int, int], top: float, step: float = 0.0) -> np.ndarray:
    """Rows with three entries near ``top`` and the rest up to 2e4 below it.

    The near entries are within 4 of the top (multiples of 1/8), or, with ``step``, at 0,
    step and 2·step below it: float16 holds multiples of 8 near 1e4, and rounding closer
    entries would tie them (an exact 1/3 is too common a number to be a hidden value).
    """
    rng = np.random.default_rng(seed)
    rows, columns = shape
    if step:
        near = step * np.array([rng.permutation(3) for _ in range(rows)], dtype=float)
    else:
        near = np.round(rng.uniform(0.0, 4.0, size=(rows, 3)) * 8) / 8
    far = np.round(rng.uniform(4.0, 2e4, size=(rows, columns - 3)) * 8) / 8
    return levelled(-rng.permuted(np.concatenate([near, far], axis=1), axis=1), top)


CUBE = levelled(np.round(np.random.default_rng(8128).normal(scale=4.0, size=(2, 5, 6)), 2), 7.25)
CUBE_AXIS1 = levelled(CUBE, -3.5, axis=1)
HIGH = spread_rows(6174, (5, 8), 9472.0)
LOW = spread_rows(1729, (4, 6), -8064.0)
HIGH16 = spread_rows(6174, (5, 8), 9472.0, step=8.0)
LOW16 = spread_rows(1729, (4, 6), -8064.0, step=8.0)
ONE_CLASS = np.array([[0.75], [-1.25], [2.0], [0.0], [1.5], [-2.0]])
LONG = np.concatenate([[9856.0, 9852.0, -9984.0], np.linspace(-40.0, 9850.0, 37)])
HIGH_LABELS = np.array([3, 0, 7, 5, 1])
LOW_LABELS = np.array([5, 2, 0, 4])


def _reference(func: str, z: np.ndarray, axis: int = -1) -> np.ndarray:
    return np.asarray(getattr(reference, func)(z, axis=axis), dtype=np.float64)


def array_cases(device: str) -> list[tuple]:
    """(input, axis) for softmax and log_softmax: numpy and torch, every dtype."""
    return [
        (numpy_of(CUBE, ("float64",))[0], -1),
        (torch_of(CUBE_AXIS1, device, ("float32",))[0], 1),
        (numpy_of(HIGH16, ("float16",))[0], -1),
        (torch_of(HIGH, device, ("float64",))[0], -1),
        (torch_of(LOW16, device, ("float16",))[0], -1),
        (numpy_of(LOW, ("float32",))[0], -1),
        (torch_of(ONE_CLASS, device, ("float32",))[0], -1),
        (numpy_of(ONE_CLASS, ("float16",))[0], -1),
        (numpy_of(LONG, ("float32",))[0], -1),
        (torch_of(LONG, device, ("float16",))[0], 0),
    ]


@checks.check(points=1)
def softmax_matches_reference_on_hidden_logits(sub) -> None:
    """softmax matches the reference on hidden shapes, extremes, k = 1 and every dtype"""
    for z, axis in array_cases(sub.device):
        want = _reference("softmax", judging.values(z), axis)
        expect_call(
            sub, "softmax", z, axis=axis, want=want, hint="softmax(z − m), m each row's max"
        )


@checks.check(points=1)
def log_softmax_matches_reference_on_hidden_logits(sub) -> None:
    """log_softmax matches the reference on hidden shapes, extremes, k = 1 and every dtype"""
    for z, axis in array_cases(sub.device):
        want = _reference("log_softmax", judging.values(z), axis)
        expect_call(sub, "log_softmax", z, axis=axis, want=want, hint="(z − m) − log Σ exp(z − m)")


def xent_cases(device: str) -> list[tuple]:
    """(logits, labels): int32 and int64 labels, n = 1, k = 1, extremes, every dtype."""
    int32 = HIGH_LABELS.astype(np.int32)
    return [
        (numpy_of(HIGH, ("float32",))[0], int32),
        (torch_of(LOW, device, ("float64",))[0], LOW_LABELS),
        (torch_of(LOW16, device, ("float16",))[0], LOW_LABELS),
        (numpy_of(HIGH[:1], ("float64",))[0], HIGH_LABELS[:1]),
        (numpy_of(ONE_CLASS, ("float16",))[0], np.zeros(6, dtype=np.int64)),
        (torch_of(ONE_CLASS, device, ("float32",))[0], np.zeros(6, dtype=np.int64)),
        (torch_of(CUBE[0], device, ("float32",))[0], np.array([5, 0, 2, 2, 4])),
    ]


@checks.check(points=1)
def cross_entropy_matches_reference_on_hidden_logits(sub) -> None:
    """cross_entropy matches the reference on hidden logits (int32 labels, n = 1, k = 1)"""
    for logits, labels in xent_cases(sub.device):
        z = judging.values(logits)
        want = float(reference.cross_entropy(z, labels.astype(np.int64)))
        expect_call(sub, "cross_entropy", logits, labels=labels, want=want, hint="")


def autograd_grad(logits: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """∂/∂logits of torch's mean cross-entropy, by autograd in float64 (trusted process)."""
    z = torch.tensor(logits, dtype=torch.float64, requires_grad=True)
    torch.nn.functional.cross_entropy(z, torch.tensor(labels, dtype=torch.int64)).backward()
    return z.grad.numpy()


@checks.check(points=2)
def cross_entropy_grad_matches_autograd(sub) -> None:
    """cross_entropy_grad equals torch autograd's gradient on hidden logits, extremes included"""
    for logits, labels in xent_cases(sub.device):
        want = autograd_grad(judging.values(logits), labels.astype(np.int64))
        expect_call(
            sub,
            "cross_entropy_grad",
            logits,
            labels=labels,
            want=want,
            hint="the gradient is (softmax(logits) − one_hot(labels)) / n",
        )


# Rows whose maxima lie far apart (one maximum for the whole batch underflows the lowest
# rows), with exp(z) itself finite; k = 1 columns too (each row is its own maximum).
APART = {
    "float64": np.array([[650.0, 649.5, 648.0, 645.0, 640.0], [-5.0, -4.0, -6.5, -3.0, -7.0],
                         [-120.0, -121.5, -119.0, -123.0, -120.5]]),
    "float32": np.array([[85.0, 84.0, 83.5, 82.0, 80.0], [-40.0, -41.0, -39.5, -42.0, -40.5],
                         [10.0, 9.0, 11.0, 8.5, 10.5]]),
    "float16": np.array([[8.5, 8.0, 7.5, 7.0, 6.5], [-9.5, -10.0, -10.5, -11.0, -9.75],
                         [3.0, 2.5, 1.0, 0.0, 2.0]]),
}  # fmt: skip
APART_LABELS = np.array([4, 0, 2])
APART_ONE_CLASS = {"float64": np.array([[700.0], [-50.0]]), "float32": np.array([[80.0], [-35.0]])}


def apart_cases(device: str) -> list[tuple]:
    """(logits, labels) of rows far apart: numpy and torch, every dtype, k = 1 too."""
    sent = [
        numpy_of(APART["float64"], ("float64",))[0],
        torch_of(APART["float32"], device, ("float32",))[0],
        torch_of(APART["float16"], device, ("float16",))[0],
        numpy_of(APART["float16"], ("float16",))[0],
    ]
    one_class = [
        numpy_of(APART_ONE_CLASS["float64"], ("float64",))[0],
        torch_of(APART_ONE_CLASS["float32"], device, ("float32",))[0],
    ]
    return [(z, APART_LABELS) for z in sent] + [(z, np.zeros(2, np.int64)) for z in one_class]


def expect_rows_far_apart(sub, func: str) -> None:
    for z, labels in apart_cases(sub.device):
        expect_call(sub, func, z, labels=labels if "cross" in func else None, hint=SHIFT)


SHIFT = judging.row_hint("")


@checks.check(points=1)
def softmax_rows_far_apart_hidden(sub) -> None:
    """softmax shifts each row by its own maximum in hidden batches (k = 1 too)"""
    expect_rows_far_apart(sub, "softmax")


@checks.check(points=1)
def log_softmax_rows_far_apart_hidden(sub) -> None:
    """log_softmax shifts each row by its own maximum in hidden batches (k = 1 too)"""
    expect_rows_far_apart(sub, "log_softmax")


@checks.check(points=1)
def cross_entropy_rows_far_apart_hidden(sub) -> None:
    """cross_entropy shifts each row by its own maximum in hidden batches (k = 1 too)"""
    expect_rows_far_apart(sub, "cross_entropy")


@checks.check(points=1)
def cross_entropy_grad_rows_far_apart_hidden(sub) -> None:
    """cross_entropy_grad shifts each row by its own maximum in hidden batches (k = 1 too)"""
    expect_rows_far_apart(sub, "cross_entropy_grad")
