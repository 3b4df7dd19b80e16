"""Trusted-side judging of l1_l2: expected values in float64 numpy, and the usual mistakes.

Every expected value is recomputed here from the inputs the judge sent (never from
anything the sandbox reports). A returned value is converted before it is compared
(a tensor for an array, a list, a float64 result for float32 inputs all have their
values judged); whether it came back as the right kind, dtype and device is the
separate format check's business. When a wrong value equals what a usual mistake
gives, the message names that mistake.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from grader import (
    TensorData,
    Unsupported,
    describe,
    device_name,
    dtype_name,
    expect_close,
    fail,
    kind_of,
)

Sent = np.ndarray | TensorData
Formula = Callable[..., Any]  # (w, grad, lr, lam, n) -> array, or (w, lam, n) -> float

# (rtol, atol) by w's dtype; atol is scaled by the size of the terms (see tolerance()).
# float32: a step rounds each term once (relative error ~6e-8); a penalty sums m terms,
# whose rounding stays far below 1e-4 for the sizes checked here. float64 also accepts a
# constant or an intermediate kept in float32 (torch makes `0.3 * (w > 0)` float32), an
# error of about 1e-7: the usual mistakes are off by 1e-3 or far more.
TOLERANCE = {"float64": (1e-6, 1e-9), "float32": (1e-4, 1e-6)}


def values(sent: Sent) -> np.ndarray:
    """The float64 values of an array or tensor the judge sent."""
    array = sent.array if isinstance(sent, TensorData) else sent
    return np.asarray(array, dtype=np.float64)


def tolerance(w: Sent, *terms: np.ndarray) -> tuple[float, float]:
    """(rtol, atol) for a result computed from w in w's dtype; atol grows with the terms."""
    rtol, atol = TOLERANCE.get(dtype_name(w), TOLERANCE["float32"])
    scale = max([1.0] + [float(np.max(np.abs(t), initial=0.0)) for t in terms])
    return rtol, atol * scale


# ----------------------------------------------------------------------------- formulas


def soft_threshold(z: np.ndarray, t: float) -> np.ndarray:
    """S_t(z): 0 where |z| ≤ t, else z moved towards 0 by t."""
    return np.where(np.abs(z) <= t, 0.0, z - t * np.sign(z))


def l1_penalty_value(w: np.ndarray, lam: float, n: int) -> float:
    return float(np.abs(w).sum()) * lam / n


def l2_penalty_value(w: np.ndarray, lam: float, n: int) -> float:
    return 0.5 * lam * float(np.square(w).sum()) / n


def l1_step_value(w: np.ndarray, g: np.ndarray, lr: float, lam: float, n: int) -> np.ndarray:
    return w - lr * g - (lr * lam / n) * np.sign(w)


def l1_prox_value(w: np.ndarray, g: np.ndarray, lr: float, lam: float, n: int) -> np.ndarray:
    return soft_threshold(w - lr * g, lr * lam / n)


def l2_step_value(w: np.ndarray, g: np.ndarray, lr: float, lam: float, n: int) -> np.ndarray:
    return w * (1.0 - lr * lam / n) - lr * g


EXPECTED: dict[str, Formula] = {
    "l1_penalty": l1_penalty_value,
    "l2_penalty": l2_penalty_value,
    "l1_step": l1_step_value,
    "l1_prox_step": l1_prox_value,
    "l2_step": l2_step_value,
}


def _sign_at_zero(value: float) -> Formula:
    """The L1 step with sgn(0) = value instead of 0."""

    def step(w, g, lr, lam, n):
        sign = np.where(w == 0, value, np.sign(w))
        return w - lr * g - (lr * lam / n) * sign

    return step


SIGN_HINT = (
    "sgn(0) = 0: a weight at exactly 0 gets no push from the L1 term (np.sign and "
    "torch.sign give 0; w/|w| gives nan and where(w >= 0, 1, -1) gives 1)"
)

# What the usual mistakes give, each with the hint that names it (first match wins).
MISTAKES: dict[str, list[tuple[Formula, str]]] = {
    "l1_penalty": [
        (lambda w, lam, n: lam * np.abs(w).sum(), "divide by n, the number of examples"),
        (lambda w, lam, n: lam * np.abs(w).mean(), "n is the number of training examples "
         "passed in, not the number of weights: divide by n, not by w.size"),
        (lambda w, lam, n: lam / n * w.sum(), "|w|: negative weights add to the penalty too"),
        (lambda w, lam, n: lam / (2 * n) * np.abs(w).sum(), "the L1 term (λ/n)·Σ|w| has no 1/2"),
    ],
    "l2_penalty": [
        (lambda w, lam, n: lam / n * np.square(w).sum(), "the L2 term is λ/(2n)·Σw²: is the "
         "1/2 missing?"),
        (lambda w, lam, n: lam / 2 * np.square(w).sum(), "divide by n, the number of examples"),
        (lambda w, lam, n: lam / 2 * np.square(w).mean(), "n is the number of training "
         "examples passed in, not the number of weights: divide by n, not by w.size"),
        (lambda w, lam, n: lam / (2 * n) * np.sqrt(np.square(w).sum()), "Σw² is the squared "
         "norm: do not take its square root"),
    ],
    "l1_step": [
        (_sign_at_zero(1.0), SIGN_HINT),
        (_sign_at_zero(-1.0), SIGN_HINT),
        (lambda w, g, lr, lam, n: w - lr * g - lam / n * np.sign(w), "the L1 term's "
         "subgradient is a gradient too: multiply it by lr"),
        (lambda w, g, lr, lam, n: w - lr * g - lr * lam * np.sign(w), "the L1 term is "
         "(λ/n)·Σ|w|: divide λ by n"),
        (lambda w, g, lr, lam, n: w - lr * g + (lr * lam / n) * np.sign(w), "the L1 term "
         "pulls weights towards 0: subtract lr·(λ/n)·sgn(w)"),
        (l2_step_value, "that is the L2 step: the L1 term moves every weight by the same "
         "amount lr·λ/n, whatever its size"),
        (l1_prox_value, "that is the proximal step; l1_step is the plain subgradient step"),
    ],
    "l1_prox_step": [
        (lambda w, g, lr, lam, n: soft_threshold(w, lr * lam / n) - lr * g, "take the "
         "gradient step on C₀ first, then soft-threshold z = w − lr·grad"),
        (lambda w, g, lr, lam, n: np.maximum(w - lr * g - lr * lam / n, 0.0), "negative "
         "weights shrink towards 0 too: sgn(z)·max(|z| − t, 0)"),
        (lambda w, g, lr, lam, n: np.where(np.abs(w - lr * g) <= lr * lam / n, 0.0, w - lr * g),
         "soft-thresholding also moves the surviving weights towards 0 by t; this is "
         "hard-thresholding"),
        (lambda w, g, lr, lam, n: soft_threshold(w - lr * g, lam / n), "the threshold is "
         "t = lr·λ/n: multiply by lr"),
        (lambda w, g, lr, lam, n: soft_threshold(w - lr * g, lr * lam), "the threshold is "
         "t = lr·λ/n: divide by n"),
        (l1_step_value, "a subgradient step does not stop at 0: every element with "
         "|z| ≤ t must become exactly 0"),
    ],
    "l2_step": [
        (lambda w, g, lr, lam, n: (1 - lam / n) * w - lr * g, "the decay is part of the "
         "gradient step: multiply λ/n by lr"),
        (lambda w, g, lr, lam, n: (1 - lr * lam) * w - lr * g, "the L2 term is "
         "λ/(2n)·Σw²: divide λ by n"),
        (lambda w, g, lr, lam, n: (1 - lr * lam / (2 * n)) * w - lr * g, "the derivative "
         "of λ/(2n)·w² is (λ/n)·w: the 1/2 cancels"),
        (lambda w, g, lr, lam, n: (1 + lr * lam / n) * w - lr * g, "weight decay shrinks "
         "w: the factor is 1 − lr·λ/n"),
        (lambda w, g, lr, lam, n: w - lr * g, "the weight-decay term is missing"),
    ],
}  # fmt: skip

DEFAULT_HINT = {
    "l1_penalty": "(λ/n)·Σ|w| over every element",
    "l2_penalty": "(λ/(2n))·Σw² over every element",
    "l1_step": "w − lr·(λ/n)·sgn(w) − lr·grad, with sgn(0) = 0",
    "l1_prox_step": "z = w − lr·grad, then sgn(z)·max(|z| − lr·λ/n, 0)",
    "l2_step": "(1 − lr·λ/n)·w − lr·grad",
}


def _mistake_hint(func: str, got: np.ndarray, args: tuple, tol: tuple[float, float]) -> str:
    """The hint of the first usual mistake whose result ``got`` equals, else ''."""
    rtol, atol = tol
    for formula, hint in MISTAKES[func]:
        with np.errstate(all="ignore"):
            wrong = np.asarray(formula(*args), dtype=np.float64)
        if wrong.shape == got.shape and np.allclose(got, wrong, rtol=rtol, atol=atol):
            return hint
    return ""


# ----------------------------------------------------------------------------- reading


def shown(value: Any) -> str:
    """What a returned value is, for a message: ``a numpy array float32[3, 4]``."""
    if value is None:
        return "None"
    if isinstance(value, Unsupported):
        return value.describe()
    if isinstance(value, TensorData):
        return f"a torch {value.describe()}"
    if isinstance(value, np.ndarray):
        return f"a numpy {describe(value)}"
    return f"{kind_of(value)} {describe(value)}"


def read_array(got: Any, shape: tuple[int, ...], where: str) -> np.ndarray:
    """The float64 values of a returned array-like (array, tensor, list) of ``shape``."""
    if isinstance(got, TensorData) and got.array is not None:
        array = got.array
    elif isinstance(got, np.ndarray | list | tuple | np.generic | int | float):
        array = _as_numeric(got)
    else:
        array = None
    if array is None or array.dtype.kind not in "biuf":
        hint = "did you forget to return the result?" if got is None else ""
        fail(where, f"an array of shape {shape}", shown(got), hint)
    if array.shape != shape:
        fail(
            where,
            f"shape {shape}",
            f"shape {array.shape}",
            "the step works elementwise: the result has w's shape",
        )
    return array.astype(np.float64)


def _as_numeric(got: Any) -> np.ndarray | None:
    if isinstance(got, bool):
        return None
    try:
        return np.asarray(got)
    except (TypeError, ValueError):  # ragged lists, or lists of tensors
        return None


def read_number(got: Any, where: str) -> float:
    """A returned penalty: any real number, 0-d (or one-element) array or tensor."""
    array = None
    if isinstance(got, TensorData):
        array = got.array
    elif isinstance(got, np.ndarray | np.integer | np.floating) or type(got) in (int, float):
        array = np.asarray(got)
    if array is None or array.dtype.kind not in "iuf" or array.size != 1:
        several = array is not None and array.dtype.kind in "iuf" and array.size > 1
        hint = "sum over every element of w, not along one axis" if several else ""
        fail(where, "a number", shown(got), hint)
    return float(array.reshape(()))


# ----------------------------------------------------------------------------- verdicts


def expect_penalty(
    got: Any, func: str, w: Sent, lam: float, n: int, where: str, expected: float | None = None
) -> None:
    """``func(w, lam, n)`` returned ``got``: the penalty's value, whatever the container."""
    value = read_number(got, where)
    w64 = values(w)
    want = EXPECTED[func](w64, lam, n) if expected is None else float(expected)
    tol = (TOLERANCE.get(dtype_name(w), TOLERANCE["float32"])[0], 1e-12)
    hint = _mistake_hint(func, np.asarray(value), (w64, lam, n), tol) or DEFAULT_HINT[func]
    expect_close(value, want, where=where, rtol=tol[0], atol=tol[1], hint=hint)


def expect_step(
    got: Any, func: str, args: tuple, where: str, expected: np.ndarray | None = None
) -> None:
    """``func(w, grad, lr, lam, n)`` returned ``got``: its values, whatever the container.

    ``expected`` defaults to this module's formula; hidden checks pass the reference's.
    For the proximal step, the zeros must be exactly 0.0, not merely close to it.
    """
    w, grad, lr, lam, n = args
    numbers = (values(w), values(grad), lr, lam, n)
    want = EXPECTED[func](*numbers) if expected is None else np.asarray(expected, np.float64)
    got64 = read_array(got, want.shape, where)
    tol = tolerance(w, numbers[0], lr * numbers[1])
    hint = _mistake_hint(func, got64, numbers, tol) or DEFAULT_HINT[func]
    finite = np.isfinite(got64)
    if func == "l1_step" and not finite.all() and finite[numbers[0] != 0].all():
        hint = SIGN_HINT  # nan only where w = 0: w/|w|
    expect_close(got64, want, where=where, rtol=tol[0], atol=tol[1], hint=hint)
    if func == "l1_prox_step":
        expect_exact_zeros(got64, want, where)


def expect_exact_zeros(got: np.ndarray, want: np.ndarray, where: str) -> None:
    """Where soft-thresholding gives 0, the result is exactly 0.0."""
    residue = (want == 0) & (got != 0)
    if residue.any():
        index = tuple(int(i) for i in np.argwhere(residue)[0])
        fail(
            f"{where} at index {index}",
            f"exactly 0.0 ({int((want == 0).sum())} elements have |z| ≤ t)",
            f"{got[index]:.3g} ({int(residue.sum())} such elements are not exactly 0)",
            "the proximal step sets those weights to exactly 0: use max(|z| − t, 0) or "
            "where(|z| <= t, 0, ...), not arithmetic that leaves a rounding residue",
        )


# ----------------------------------------------------------------------------- format


def expect_step_format(got: Any, w: Sent, where: str) -> None:
    """A step's result has w's kind, shape, dtype (and device, for a tensor)."""
    if isinstance(w, TensorData):
        if not isinstance(got, TensorData) or got.kind != "Tensor" or got.array is None:
            fail(where, "a torch tensor", shown(got), "a tensor for a tensor")
        want = {"shape": w.shape, "dtype": w.dtype, "device": device_name(w.device)}
        have = {"shape": got.shape, "dtype": got.dtype, "device": got.device}
    else:
        if type(got) is not np.ndarray:
            fail(where, "a numpy array", shown(got), "an array for an array")
        want = {"shape": w.shape, "dtype": str(w.dtype)}
        have = {"shape": got.shape, "dtype": str(got.dtype)}
    for label, expected in want.items():
        if have[label] != expected:
            fail(where, f"{label} {expected}", f"{label} {have[label]}", FORMAT_HINT[label])


FORMAT_HINT = {
    "shape": "the step works elementwise: the result has w's shape",
    "dtype": "keep w's dtype: Python floats do not promote float32, but np.float64(...) "
    "and float64 arrays or tensors do",
    "device": "create every tensor on w's device (device=w.device), or use torch.where "
    "and torch.clamp on w itself",
}


def expect_penalty_format(report: Any, w: Sent, where: str) -> None:
    """A penalty: a number for an array; for a tensor, a differentiable 0-d tensor like w.

    ``report`` is probes.penalty_autograd's: the result and the gradient autograd found.
    """
    if not isinstance(w, TensorData):
        got = report
        if isinstance(got, bool) or not (
            type(got) in (int, float)
            or isinstance(got, np.floating | np.integer)
            or (type(got) is np.ndarray and got.shape == () and got.dtype.kind in "iuf")
        ):
            fail(where, "a number", shown(got), "a number for an array")
        return
    got = report.get("out") if isinstance(report, dict) else None
    if not isinstance(got, TensorData) or got.array is None:
        fail(
            where,
            "a 0-d torch tensor",
            shown(got),
            "float(), .item() and numpy cut the penalty off from autograd: keep it a tensor",
        )
    want = {"shape": (), "dtype": w.dtype, "device": device_name(w.device)}
    have = {"shape": got.shape, "dtype": got.dtype, "device": got.device}
    for label, expected in want.items():
        if have[label] != expected:
            hint = "sum over every element: a 0-d tensor" if label == "shape" else ""
            fail(where, f"{label} {expected}", f"{label} {have[label]}", hint or FORMAT_HINT[label])
    grad = report.get("grad")
    if not got.requires_grad or not isinstance(grad, TensorData):
        fail(
            where,
            "a tensor autograd can differentiate with respect to w",
            "one that is cut off from w",
            "no .detach(), torch.no_grad() or round trip through numpy",
        )


# ----------------------------------------------------------------------------- inputs


def _same(returned: Any, sent: Sent) -> bool:
    """Whether a returned snapshot holds exactly the values that were sent."""
    array = returned.array if isinstance(returned, TensorData) else returned
    if not isinstance(array, np.ndarray) or array.shape != sent.shape:
        return False
    return bool(np.array_equal(array, sent.array if isinstance(sent, TensorData) else sent))


def expect_inputs_kept(report: Any, w: Sent, grad: Sent, where: str) -> None:
    """probes.step_and_inputs's report: the step returned an array-like of w's shape, w and
    grad hold the values the judge sent after the call, and still do after the result was
    overwritten (no shared memory)."""
    if not isinstance(report, dict):
        fail(where, "a result", kind_of(report))
    read_array(report.get("out"), tuple(w.shape), where)  # a result (its values: elsewhere)
    for name, sent in (("w", w), ("grad", grad)):
        if not _same(report.get(name), sent):
            fail(
                where,
                f"{name} left unchanged",
                f"{name} was modified in place",
                "compute a new array (w = w - ...) instead of w -= ..., w *= ..., "
                "w[...] = ... or w.mul_(...)",
            )
    for name, sent in (("w", w), ("grad", grad)):
        if not _same(report.get(f"{name}_after_write"), sent):
            fail(
                where,
                "a new array",
                f"a result that shares memory with {name} (writing into it changed {name})",
                "return a new array, not w itself or a view of it",
            )
