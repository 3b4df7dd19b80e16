"""The public inputs of softmax_xent, the kinds they are sent as, and one judged call.

Inputs are multiples of 1/4 (of 8 near ±1e4 in float16, whose spacing there is 8), so
every dtype holds them exactly and the expected values in messages are those of the
numbers shown. Only the "rows far apart" inputs have rows whose maxima differ a lot:
everywhere else every row of a batch shares its maximum or the values are small, so a
mistake in the per-row shift costs the per-row checks and nothing else.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from grader import TensorData, call_text, dtype_name
from grader.course.softmax_xent import judging

DTYPES = ("float64", "float32", "float16")

VECTOR = np.array([-1.0, 0.0, 1.0, 2.0])
BATCH = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0], [-1.0, 0.5, 2.5], [3.0, -2.0, 1.0]])
BATCH_LABELS = np.array([2, 0, 1, 0])
SINGLE = np.array([[0.5, -0.5, 2.0]])  # one example: n = 1
SINGLE_LABELS = np.array([1])

MATRIX = np.array([[1.0, -1.0, 0.5, 2.0], [0.0, 2.0, -0.5, 1.0], [-2.0, 1.5, 3.0, 0.0]])
CUBE = np.random.default_rng(5).integers(-12, 13, size=(2, 3, 4)) / 4.0
AXES = ((MATRIX, 0), (CUBE, 1), (CUBE, -3))

# Entries up to ±1e4; every row of a batch has the same maximum (float16 holds
# multiples of 8 there, so its rows step by 8 instead of 1).
EXTREME = {
    "float64": np.array([[1e4, 9999, 9998], [1e4, 0, -1e4], [1e4, 1e4, -1e4], [-1e4, 9999.5, 1e4]]),
    "float16": np.array([[1e4, 9992, 9984], [1e4, 0, -1e4], [1e4, 1e4, -1e4], [-1e4, 9992, 1e4]]),
}
EXTREME["float32"] = EXTREME["float64"]
EXTREME_LABELS = np.array([2, 2, 0, 0])
NEGATIVE = np.array([[-1e4, -9992.0, -9984.0], [-9984.0, -1e4, -1e4]])
NEGATIVE_LABELS = np.array([2, 0])

# Rows whose maxima lie far apart: one maximum for the whole batch underflows row 2
# (exp(−759) = 0 in float64, exp(−109) in float32, exp(−18.5) in float16), while
# exp(z) itself stays finite, so only the per-row shift is tested here.
ROWS_APART = {
    "float64": np.array([[700.0, 699.0, 698.0], [0.0, 1.0, 2.0], [-60.0, -61.0, -59.0]]),
    "float32": np.array([[80.0, 79.0, 78.0], [0.0, 1.0, 2.0], [-30.0, -31.0, -29.0]]),
    "float16": np.array([[9.0, 8.0, 7.0], [0.0, 1.0, 2.0], [-10.0, -10.5, -9.5]]),
}
ROWS_APART_LABELS = np.array([0, 2, 1])

Sent = np.ndarray | TensorData


def numpy_of(z: np.ndarray, dtypes: tuple[str, ...] = DTYPES) -> list[np.ndarray]:
    return [np.asarray(z).astype(dtype) for dtype in dtypes]


def torch_of(z: np.ndarray, device: str, dtypes: tuple[str, ...] = DTYPES) -> list[TensorData]:
    """``z`` as tensors of each dtype on ``device`` (rounded in numpy first, exactly)."""
    return [TensorData.of(np.asarray(z).astype(d), f"torch.{d}", device) for d in dtypes]


def per_dtype(table: dict[str, np.ndarray], device: str, backends=("numpy", "torch")) -> list:
    """Each dtype's input of ``table``, as numpy arrays and/or tensors on ``device``."""
    sent: list[Sent] = []
    for dtype, z in table.items():
        if "numpy" in backends:
            sent += numpy_of(z, (dtype,))
        if "torch" in backends:
            sent += torch_of(z, device, (dtype,))
    return sent


def labels_for(labels: np.ndarray, logits: Sent) -> Sent:
    """Integer labels of the logits' kind: int64 numpy, or an int64 tensor on their device."""
    if isinstance(logits, TensorData):
        return TensorData.of(labels.astype(np.int64), "torch.int64", logits.device)
    return labels.astype(np.int64)


def expected(func: str, z: np.ndarray, labels: np.ndarray | None, axis: int) -> Any:
    """The float64 formula's value for float64 inputs ``z``."""
    if func == "softmax":
        return judging.softmax64(z, axis)
    if func == "log_softmax":
        return judging.log_softmax64(z, axis)
    if func == "cross_entropy":
        return judging.cross_entropy64(z, labels)
    return judging.cross_entropy_grad64(z, labels)


def expect_call(
    sub,
    func: str,
    z: Sent,
    *,
    labels: np.ndarray | Sent | None = None,
    axis: int | None = None,
    hint: Any = "",
    want: Any = None,
) -> None:
    """Call the student's ``func`` on ``z`` (with ``labels`` or ``axis=``) and judge the value.

    ``want`` defaults to the float64 formula on the values sent; labels given as a plain
    integer array are sent in the logits' kind.
    """
    args: tuple = (z,)
    if labels is not None:
        sent_labels = labels if isinstance(labels, TensorData) else labels_for(labels, z)
        args = (z, sent_labels)
        labels = judging.values_int(sent_labels)
    kwargs = {} if axis is None else {"axis": axis}
    where = call_text(func, args, kwargs)
    got = sub.call(func, *args, **kwargs)
    z64, ax = judging.values(z), -1 if axis is None else axis
    want = expected(func, z64, labels, ax) if want is None else want
    tol = judging.tolerance(func, z64, want, dtype_name(z), ax)
    if func == "cross_entropy":
        judging.expect_scalar(got, float(want), float(tol), where, hint)
    else:
        got64 = judging.read_array(got, z64.shape, where)
        judging.expect_slices(got64, np.asarray(want, np.float64), tol, where, ax, hint)
