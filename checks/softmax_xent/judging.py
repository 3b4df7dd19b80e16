"""Trusted-side judging of softmax_xent: float64 formulas, tolerances, row-by-row messages.

Nothing here is secret: the formulas are the statement's definitions, evaluated in
float64 on the values that were sent (after rounding to their dtype). A result is read
as float64 values whatever container it came in (the format check judges containers)
and compared slice by slice along the softmax axis, so a message names the row that is
wrong and shows it whole.

Tolerance, per element: ``UNITS·ε·(s + |expected|) + A``, with ε the unit roundoff of the
input's dtype and M the largest |z| of the row (of all the logits for cross_entropy). The
first term is a few roundings of the result (s = 1, or 1/n for the gradient, whose
entries are probabilities divided by n). ``A`` allows for logsumexp(z), which is rounded at
the scale of z:

- log_softmax and cross_entropy: A = UNITS·ε·M. z − logsumexp(z), the statement's own
  way, is off by about ε·M in absolute terms (in float16 near ±1e4, logsumexp is a
  multiple of 8: the result is only good to a few units there, and that is accepted);
- softmax: A = min(UNITS·ε·M, CAP)·p, and for the gradient the same divided by n. Shifting
  by the maximum keeps every probability within a few roundings at any scale;
  exp(z − logsumexp(z)) is off by about ε·M relative to p, accepted up to CAP: that covers
  float32 and float64 for |z| ≤ 1e4, but not float16 near 1e4, where a row [1e4, 1e4, −1e4]
  comes out [1, 1, 0], no longer a distribution.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from grader import TensorData, describe, device_name, dtype_name, fail, kind_of

EPS = {"float16": 2.0**-11, "float32": 2.0**-24, "float64": 2.0**-53}
# Measured with bench/softmax_xent_margins.py over every input of the public and hidden value
# checks: correct implementations (the reference; float64 inside, cast back; z − logsumexp(z);
# sums accumulated one term at a time; torch's own softmax, log_softmax, cross_entropy) use at
# most 7.9% of this tolerance, a margin of 12.7x (room for other kernels, e.g. on a GPU); the
# mistakes the checks target give nan, inf or 0, and exp(z − logsumexp(z)) in float16 near
# 1e4 is 30x beyond it.
UNITS = 16
CAP = 0.01

#: A hint, or a function choosing one from the wrong row's values.
Hint = str | Callable[[np.ndarray], str]

SHIFT_HINT = (
    "shift each row by its own maximum (np.max(z, axis=axis, keepdims=True) or "
    "z.amax(dim=axis, keepdim=True)): with one maximum for the whole batch (np.max(z)), "
    "every exp(z − max) of a row far below it underflows to 0, and 0/0 = nan, log(0) = −inf"
)


def values(sent: np.ndarray | TensorData) -> np.ndarray:
    """The float64 values of an input as the student's function receives it."""
    array = sent.array if isinstance(sent, TensorData) else sent
    return np.asarray(array).astype(dtype_name(sent)).astype(np.float64)


def values_int(sent: np.ndarray | TensorData) -> np.ndarray:
    """The integer labels that were sent, as an int64 array."""
    array = sent.array if isinstance(sent, TensorData) else sent
    return np.asarray(array).astype(np.int64)


# ----------------------------------------------------------------------------- formulas


def softmax64(z: np.ndarray, axis: int = -1) -> np.ndarray:
    """exp(z − m) / Σ exp(z − m) along ``axis`` (m: each slice's maximum), float64."""
    top = np.max(z, axis=axis, keepdims=True)
    powers = np.exp(z - top)
    return powers / np.sum(powers, axis=axis, keepdims=True)


def log_softmax64(z: np.ndarray, axis: int = -1) -> np.ndarray:
    """(z − m) − log Σ exp(z − m) along ``axis``, float64."""
    below_top = z - np.max(z, axis=axis, keepdims=True)
    return below_top - np.log(np.sum(np.exp(below_top), axis=axis, keepdims=True))


def cross_entropy64(logits: np.ndarray, labels: np.ndarray) -> float:
    """The mean over rows of −log_softmax(logits)[i, labels[i]], float64."""
    picked = np.take_along_axis(log_softmax64(logits), labels.reshape(-1, 1), axis=1)
    return float(-np.mean(picked))


def cross_entropy_grad64(logits: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """(softmax(logits) − one_hot(labels)) / n, float64."""
    targets = np.zeros_like(logits)
    targets[np.arange(len(labels)), labels] = 1.0
    return (softmax64(logits) - targets) / len(labels)


# ----------------------------------------------------------------------------- tolerance


def tolerance(func: str, z: np.ndarray, want: Any, dtype: str, axis: int = -1) -> Any:
    """The per-element tolerance of ``func`` on float64 input values ``z`` (see above)."""
    eps = EPS[dtype]
    if func == "cross_entropy":
        return UNITS * eps * (1.0 + abs(want) + float(np.max(np.abs(z))))
    if func == "cross_entropy_grad":
        axis = -1
    top = np.max(np.abs(z), axis=axis, keepdims=True)
    if func == "log_softmax":
        return UNITS * eps * (1.0 + np.abs(want) + top)
    relative = np.minimum(UNITS * eps * top, CAP)
    if func == "softmax":
        return UNITS * eps * (1.0 + np.abs(want)) + relative * np.abs(want)
    n = z.shape[0]
    return UNITS * eps * (1.0 / n + np.abs(want)) + relative * softmax64(z) / n


# ----------------------------------------------------------------------------- reading


def shown(value: Any) -> str:
    """``a Python str 'abc'``: what a returned value is, for a message."""
    return "None" if value is None else f"{kind_of(value)} {describe(value)}"


def read_array(got: Any, shape: tuple[int, ...], where: str) -> np.ndarray:
    """The float64 values of a returned array of ``shape``, whatever its container."""
    wanted = f"an array of shape {shape}"
    if isinstance(got, TensorData):
        if got.array is None:
            fail(where, wanted, describe(got), "return a tensor with values")
        array = got.array
    elif isinstance(got, np.ndarray | np.generic | list | tuple):
        try:
            array = np.asarray(got, dtype=np.float64)
        except (TypeError, ValueError):
            fail(where, wanted, shown(got))
    else:
        fail(where, wanted, shown(got))
    if array.dtype.kind not in "biuf":
        fail(where, "real numbers", f"values of dtype {array.dtype}")
    if tuple(array.shape) != tuple(shape):
        fail(
            where,
            f"shape {tuple(shape)}",
            f"shape {tuple(array.shape)}",
            "the result has the input's shape: reduce with keepdims=True (keepdim=True) "
            "so that the max and the sum broadcast back over the axis",
        )
    return array.astype(np.float64)


def read_number(got: Any, where: str) -> float:
    """A returned scalar (Python or numpy number, 0-d or one-element array or tensor)."""
    if isinstance(got, TensorData):
        array = got.array
    elif isinstance(got, np.ndarray | np.generic):
        array = np.asarray(got)
    elif isinstance(got, int | float) and not isinstance(got, bool):
        return float(got)
    else:
        array = None
    if array is None or array.size != 1 or array.dtype.kind not in "iuf":
        fail(where, "a number (the mean loss)", shown(got))
    return float(array.reshape(()))


# ----------------------------------------------------------------------------- comparing


def expect_slices(
    got: np.ndarray,
    want: np.ndarray,
    tol: Any,
    where: str,
    axis: int = -1,
    hint: Hint = "",
) -> None:
    """Every element within ``tol``; else name the first wrong slice along ``axis`` (one
    with nan/inf values if any).

    ``hint`` may be a function of the wrong slice's values (to tell a nan row from a
    slightly-off one).
    """
    with np.errstate(invalid="ignore", over="ignore"):
        error = np.abs(got - want)
        ok = error <= tol
    if ok.all():
        return
    broken = ~ok & ~np.isfinite(got)  # show a nan/inf slice first: it says the most
    first = tuple(int(i) for i in np.argwhere(broken if broken.any() else ~ok)[0])
    index, label = slice_of(first, axis, got.ndim)
    got_row, want_row = got[index], want[index]
    text = vector_text(got_row)
    if np.isfinite(got_row).all():
        off = np.where(ok[index], 0.0, error[index])
        j = int(np.argmax(off))
        allowed = np.broadcast_to(tol, got.shape)[index][j]
        text += f"; off by {off[j]:.2g} at position {j} (tolerance {allowed:.2g})"
    chosen = hint(got_row) if callable(hint) else hint
    fail(f"{where}{label}", vector_text(want_row), text, chosen)


def expect_scalar(got: Any, want: float, tol: float, where: str, hint: Hint = "") -> None:
    """A returned number within ``tol`` of ``want``; ``hint`` may be a function of it."""
    value = read_number(got, where)
    if not abs(value - want) <= tol:
        text = f"{value:.6g}" + (f" (tolerance {tol:.2g})" if np.isfinite(value) else "")
        fail(where, f"{want:.6g}", text, hint(np.asarray(value)) if callable(hint) else hint)


def slice_of(position: tuple[int, ...], axis: int, ndim: int) -> tuple[tuple, str]:
    """The index of the slice along ``axis`` through ``position``, and its name."""
    axis %= ndim
    index = tuple(slice(None) if a == axis else i for a, i in enumerate(position))
    if ndim == 1:
        return index, ""
    if ndim == 2:
        return index, f" row {position[0]}" if axis == 1 else f" column {position[1]}"
    parts = [":" if a == axis else str(i) for a, i in enumerate(position)]
    return index, f" slice [{', '.join(parts)}]"


def vector_text(row: np.ndarray, limit: int = 8) -> str:
    """``[0.09003, 0.2447, 0.6652]``; long rows shortened."""
    items = [_number(float(x)) for x in np.ravel(row)]
    if len(items) > limit:
        items = [*items[:3], "…", *items[-2:]]
    return "[" + ", ".join(items) + "]"


def _number(x: float) -> str:
    return f"{x:.4g}" if np.isfinite(x) else str(x)


def row_hint(usual: str) -> Callable[[np.ndarray], str]:
    """A hint for rows of very different scales: the shift hint for a nan/inf/zero row."""

    def choose(row: np.ndarray) -> str:
        if not np.isfinite(row).all() or not row.any():
            return SHIFT_HINT
        return usual

    return choose


# ----------------------------------------------------------------------------- containers


def expect_like(got: Any, sent: np.ndarray | TensorData, where: str, scalar: bool = False) -> None:
    """``got`` has the kind, dtype and device of ``sent``; its shape, or 0-d for a loss.

    A numpy loss may be any real number (Python float, numpy scalar, 0-d array); a torch
    loss is a 0-d tensor of the logits' dtype on their device.
    """
    if isinstance(sent, np.ndarray):
        if scalar:
            read_number(got, where)
            return
        if type(got) is not np.ndarray:
            fail(where, "a numpy array", shown(got), KIND_HINT)
        _same(where, "dtype", str(sent.dtype), str(got.dtype), DTYPE_HINT)
        _same(where, "shape", sent.shape, got.shape, "")
        return
    if not isinstance(got, TensorData) or got.array is None:
        fail(where, "a torch tensor", shown(got), KIND_HINT)
    _same(where, "dtype", sent.dtype, got.dtype, DTYPE_HINT)
    _same(where, "device", device_name(sent.device), got.device, DEVICE_HINT)
    _same(where, "shape", () if scalar else sent.shape, got.shape, "")


KIND_HINT = "return the kind you were given: a numpy array for an array, a tensor for a tensor"
DTYPE_HINT = (
    "keep the input's dtype: float16 in, float16 out (np.eye(k) and np.float64 constants "
    "promote; pass dtype=, or cast the result back)"
)
DEVICE_HINT = "create new tensors on the input's device (device=z.device)"


def _same(where: str, label: str, want: object, got: object, hint: str) -> None:
    if want != got:
        fail(where, f"{label} {want}", f"{label} {got}", hint)
