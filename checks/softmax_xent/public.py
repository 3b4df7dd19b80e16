"""Public checks of softmax_xent: shipped to students, with their (public) expected values.

Expected values are the statement's formulas evaluated in float64 on the values sent
(judging.py), compared within a tolerance fitting the input's dtype. Each function is
judged on numpy and on torch inputs in separate checks; its extreme inputs, its per-row
shift and the containers it returns each have their own check, so one slip costs the
points of what it breaks. The training check's threshold rests on measured margins
(training.py).
"""

from __future__ import annotations

import numpy as np

from grader import CheckSet, TensorData, Visibility, call_text
from grader.course.softmax_xent import cases, judging, training
from grader.course.softmax_xent.cases import (
    AXES,
    BATCH,
    BATCH_LABELS,
    EXTREME,
    EXTREME_LABELS,
    NEGATIVE,
    NEGATIVE_LABELS,
    ROWS_APART,
    ROWS_APART_LABELS,
    SINGLE,
    SINGLE_LABELS,
    VECTOR,
    expect_call,
    numpy_of,
    per_dtype,
    torch_of,
)

checks = CheckSet("softmax_xent", Visibility.PUBLIC)

SOFTMAX_HINT = "softmax(z) = exp(z − m) / Σ exp(z − m) along axis, m the row's maximum"
LOG_SOFTMAX_HINT = "log_softmax(z) = z − logsumexp(z) = (z − m) − log Σ exp(z − m) along axis"
XENT_HINT = "the mean over the n rows of −log_softmax(logits)[i, labels[i]]"
GRAD_HINT = "the gradient is (softmax(logits) − one_hot(labels)) / n, with a 1 at [i, labels[i]]"
OVERFLOW_HINT = (
    "exp(1e4) overflows to inf and exp(−1e4) underflows to 0, so the ratio is inf/inf or "
    "0/0 = nan: subtract each row's maximum m before exp, exp(z − m) / Σ exp(z − m)"
)
PRECISION_HINT = (
    "compute exp(z − m) / Σ exp(z − m) with m the row's maximum: in float16 near ±1e4, "
    "logsumexp(z) is rounded to a multiple of 8, so exp(z − logsumexp(z)) is far off"
)
LOG_OF_ZERO_HINT = (
    "log(softmax(z)) is log(0) = −inf where softmax underflows: compute (z − m) − "
    "log Σ exp(z − m) instead"
)
XENT_FINITE_HINT = (
    "take the loss from log_softmax, logsumexp(z) − z[y] with each row's maximum subtracted "
    "inside the logsumexp, without forming softmax: −log(softmax(z)[y]) is −log(0) = inf "
    "where the probability underflows, and exp(1e4) overflows"
)


def overflow_hint(row: np.ndarray) -> str:
    """The overflow hint for a nan/inf row; for a finite one that is off, the precision hint."""
    return PRECISION_HINT if np.isfinite(row).all() else OVERFLOW_HINT


def log_of_zero_hint(row: np.ndarray) -> str:
    """−inf next to finite values: the log of an underflowed probability; else overflow."""
    if np.isneginf(row).any() and np.isfinite(row).any():
        return LOG_OF_ZERO_HINT
    return OVERFLOW_HINT


def small_inputs(backend: str, device: str) -> list:
    """A vector and a batch of rows, in every dtype, as numpy arrays or tensors."""
    if backend == "numpy":
        return numpy_of(VECTOR) + numpy_of(BATCH)
    return torch_of(VECTOR, device) + torch_of(BATCH, device)


# ----------------------------------------------------------------------------- softmax


@checks.check(points=1)
def softmax_values_numpy(sub) -> None:
    """softmax of numpy arrays: a vector and a batch of rows (float16, float32, float64)"""
    for z in small_inputs("numpy", sub.device):
        expect_call(sub, "softmax", z, hint=SOFTMAX_HINT)


@checks.check(points=1)
def softmax_values_torch(sub) -> None:
    """softmax of torch tensors: a vector and a batch of rows (float16, float32, float64)"""
    for z in small_inputs("torch", sub.device):
        expect_call(sub, "softmax", z, hint=SOFTMAX_HINT)


@checks.check(points=1)
def softmax_along_any_axis(sub) -> None:
    """softmax(z, axis) normalizes along the axis it is given (axis=0, 1, −3)"""
    for z, axis in AXES:
        for sent in (z, torch_of(z, sub.device, ("float32",))[0]):
            expect_call(
                sub, "softmax", sent, axis=axis, hint="reduce along `axis`, not the last one"
            )


@checks.check(points=2)
def softmax_never_overflows(sub) -> None:
    """softmax stays finite and right for entries up to ±1e4 (float16, float32, float64)"""
    for z in per_dtype(EXTREME, sub.device) + numpy_of(NEGATIVE) + torch_of(NEGATIVE, sub.device):
        expect_call(sub, "softmax", z, hint=overflow_hint)


@checks.check(points=2)
def softmax_shifts_each_row(sub) -> None:
    """softmax shifts each row by its own maximum (rows of very different scales)"""
    for z in per_dtype(ROWS_APART, sub.device):
        expect_call(sub, "softmax", z, hint=judging.row_hint(SOFTMAX_HINT))


# ----------------------------------------------------------------------------- log_softmax


@checks.check(points=1)
def log_softmax_values_numpy(sub) -> None:
    """log_softmax of numpy arrays: a vector and a batch of rows (float16, float32, float64)"""
    for z in small_inputs("numpy", sub.device):
        expect_call(sub, "log_softmax", z, hint=LOG_SOFTMAX_HINT)


@checks.check(points=1)
def log_softmax_values_torch(sub) -> None:
    """log_softmax of torch tensors: a vector and a batch of rows (float16, float32, float64)"""
    for z in small_inputs("torch", sub.device):
        expect_call(sub, "log_softmax", z, hint=LOG_SOFTMAX_HINT)


@checks.check(points=1)
def log_softmax_along_any_axis(sub) -> None:
    """log_softmax(z, axis) works along the axis it is given (axis=0, 1, −3)"""
    for z, axis in AXES:
        for sent in (z, torch_of(z, sub.device, ("float32",))[0]):
            expect_call(
                sub, "log_softmax", sent, axis=axis, hint="reduce along `axis`, not the last one"
            )


@checks.check(points=2)
def log_softmax_stays_finite(sub) -> None:
    """log_softmax is finite where softmax underflows to 0 (entries up to ±1e4)"""
    for z in per_dtype(EXTREME, sub.device) + numpy_of(NEGATIVE) + torch_of(NEGATIVE, sub.device):
        expect_call(sub, "log_softmax", z, hint=log_of_zero_hint)


@checks.check(points=1)
def log_softmax_shifts_each_row(sub) -> None:
    """log_softmax shifts each row by its own maximum (rows of very different scales)"""
    for z in per_dtype(ROWS_APART, sub.device):
        expect_call(sub, "log_softmax", z, hint=judging.row_hint(LOG_SOFTMAX_HINT))


# ----------------------------------------------------------------------------- cross-entropy


def xent_inputs(backend: str, device: str) -> list[tuple]:
    """(logits, labels): a batch and a single example, in every dtype."""
    of = numpy_of if backend == "numpy" else lambda z: torch_of(z, device)
    return [(z, BATCH_LABELS) for z in of(BATCH)] + [(z, SINGLE_LABELS) for z in of(SINGLE)]


@checks.check(points=1)
def cross_entropy_values_numpy(sub) -> None:
    """cross_entropy of numpy logits and integer labels: the mean −log p of the right class"""
    for logits, labels in xent_inputs("numpy", sub.device):
        expect_call(sub, "cross_entropy", logits, labels=labels, hint=XENT_HINT)


@checks.check(points=1)
def cross_entropy_values_torch(sub) -> None:
    """cross_entropy of torch logits and int64 labels: the mean −log p of the right class"""
    for logits, labels in xent_inputs("torch", sub.device):
        expect_call(sub, "cross_entropy", logits, labels=labels, hint=XENT_HINT)


@checks.check(points=2)
def cross_entropy_stays_finite(sub) -> None:
    """cross_entropy is finite and right when the right class's probability underflows"""
    extreme = [(z, EXTREME_LABELS) for z in per_dtype(EXTREME, sub.device)]
    negative = [(z, NEGATIVE_LABELS) for z in numpy_of(NEGATIVE) + torch_of(NEGATIVE, sub.device)]
    for logits, labels in extreme + negative:
        expect_call(sub, "cross_entropy", logits, labels=labels, hint=XENT_FINITE_HINT)


@checks.check(points=1)
def cross_entropy_grad_values_numpy(sub) -> None:
    """cross_entropy_grad of numpy logits: (softmax − one_hot)/n"""
    for logits, labels in xent_inputs("numpy", sub.device):
        expect_call(sub, "cross_entropy_grad", logits, labels=labels, hint=GRAD_HINT)


@checks.check(points=1)
def cross_entropy_grad_values_torch(sub) -> None:
    """cross_entropy_grad of torch logits: (softmax − one_hot)/n"""
    for logits, labels in xent_inputs("torch", sub.device):
        expect_call(sub, "cross_entropy_grad", logits, labels=labels, hint=GRAD_HINT)


@checks.check(points=1)
def cross_entropy_shifts_each_row(sub) -> None:
    """cross_entropy shifts each row by its own maximum (rows of very different scales)"""
    for logits in per_dtype(ROWS_APART, sub.device):
        expect_call(
            sub,
            "cross_entropy",
            logits,
            labels=ROWS_APART_LABELS,
            hint=judging.row_hint(XENT_HINT),
        )


@checks.check(points=1)
def cross_entropy_grad_shifts_each_row(sub) -> None:
    """cross_entropy_grad shifts each row by its own maximum (rows of very different scales)"""
    for logits in per_dtype(ROWS_APART, sub.device):
        expect_call(
            sub,
            "cross_entropy_grad",
            logits,
            labels=ROWS_APART_LABELS,
            hint=judging.row_hint(GRAD_HINT),
        )


# ----------------------------------------------------------------------------- containers


@checks.check(points=1)
def results_keep_kind_dtype_device(sub) -> None:
    """each function returns the input's kind, dtype and device (the loss: a 0-d value)"""
    for z in numpy_of(BATCH, ("float16", "float32")) + torch_of(
        BATCH, sub.device, ("float16", "float64")
    ):
        labels = cases.labels_for(BATCH_LABELS, z)
        for func, args in (
            ("softmax", (z,)),
            ("log_softmax", (z,)),
            ("cross_entropy", (z, labels)),
            ("cross_entropy_grad", (z, labels)),
        ):
            got = sub.call(func, *args)
            where = call_text(func, args)
            judging.expect_like(got, z, where, scalar=func == "cross_entropy")


# ----------------------------------------------------------------------------- training


@checks.check(points=3, timeout=60, training=True)
def softmax_regression_trains(sub) -> None:
    """a softmax regression trained with your loss and gradient classifies held-out points"""
    X, y = training.sample(41, training.TRAIN_SIZE)
    held_out = training.sample(42, training.HELD_OUT_SIZE)  # never sent to the sandbox
    facts = sub.probe(
        "train_softmax_regression",
        TensorData.of(X, "torch.float32"),
        TensorData.of(y, "torch.int64"),
        training.CLASSES,
        sub.device,
        training.STEPS,
        training.LR,
        label=f"softmax regression on {sub.device} ({training.STEPS} steps):",
    )
    where = f"softmax regression trained with your cross_entropy and gradient on {sub.device}"
    training.judge_training(facts, held_out, where)
