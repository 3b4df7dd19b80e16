"""Trusted-side judging of numerical_grad, one_sided_grad and relative_error results.

Expected values come from :mod:`grader.course.gradcheck.functions` (closed forms, float64);
the student's results arrive as untrusted plain data and are converted here. A value
check converts what it can (a list, a flat array of the right size) and judges the
values; the format itself is judged by small checks of its own.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from grader import Mismatch, TensorData, describe, expect_close, fail, kind_of
from grader.course.gradcheck.functions import UNIT_ROUNDOFF, Smooth

# On top of Smooth.rounding, which bounds the rounding of a float64 quotient. The reference
# and an in-place (θᵢ += ε, −= 2ε, += ε) version stay within 1% of the resulting tolerance
# over 50 random functions, five shapes and ε from 0.3 to 1e-6 (bench/gradcheck_margins.py).
RTOL = 1e-9
TWO_SIDED = "numerical_grad(f, θ, ε)ᵢ = (f(θ + ε·eᵢ) − f(θ − ε·eᵢ)) / 2ε, eᵢ the unit array at i"
ONE_SIDED = "one_sided_grad(f, θ, ε)ᵢ = (f(θ + ε·eᵢ) − f(θ)) / ε, eᵢ the unit array at i"


def shown(value: Any) -> str:
    """What a value is, for a message: ``a Python list [1.0, 2.0]``, ``None``."""
    return "None" if value is None else f"{kind_of(value)} {describe(value)}"


def call_label(func: str, theta: np.ndarray, eps: float | None) -> str:
    """``numerical_grad(f, θ float64[2, 3], eps=0.01)``: how a call reads in a message."""
    shape = ", ".join(str(n) for n in theta.shape)
    text = f"{func}(f, θ {theta.dtype}[{shape}]"
    return f"{text}, eps={eps:g})" if eps is not None else f"{text})"


def as_array(got: Any, shape: tuple[int, ...], where: str) -> np.ndarray:
    """``got`` as a float64 array of ``shape``, converting what holds the right numbers."""
    if isinstance(got, TensorData) and got.array is not None:
        got = got.array
    numeric = isinstance(got, np.ndarray) and got.dtype.kind in "iuf"
    if not (numeric or isinstance(got, list | tuple | int | float | np.integer | np.floating)):
        fail(where, f"an array of shape {shape}", shown(got))
    if isinstance(got, bool):
        fail(where, f"an array of shape {shape}", shown(got))
    try:
        array = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        fail(where, f"an array of shape {shape} holding numbers", describe(got))
    if array.size != int(np.prod(shape, dtype=int)):
        fail(where, f"an array of shape {shape}", f"{kind_of(got)} of shape {array.shape}")
    return array.reshape(shape)


def as_real(got: Any) -> Any:
    """A one-element array or tensor as a float (a container slip); anything else as it is."""
    if isinstance(got, TensorData) and got.array is not None:
        got = got.array
    if isinstance(got, np.ndarray) and got.size == 1 and got.dtype.kind in "iuf":
        return float(got.reshape(()))
    return got


def relative_error_hint(a: np.ndarray, b: np.ndarray, got: object) -> str:
    """What a wrong relative_error most likely did."""
    formula = "‖a − b‖₂ / (‖a‖₂ + ‖b‖₂), the norms over all entries"
    if not a.any() and not b.any():
        return "for two zero arrays return 0.0 (the formula would be 0/0)"
    if a.ndim == 2 and isinstance(got, float):
        spectral = np.linalg.norm(a - b, 2) / (np.linalg.norm(a, 2) + np.linalg.norm(b, 2))
        if np.isclose(got, spectral, rtol=1e-9):
            return f"np.linalg.norm(x, 2) of a matrix is its largest singular value; {formula}"
    if isinstance(got, float) and np.isclose(
        got, np.linalg.norm(a - b) / max(np.linalg.norm(a), np.linalg.norm(b)), rtol=1e-9
    ):
        return f"divide by the sum of the two norms, not the larger one: {formula}"
    return formula


def expect_format(got: Any, theta: np.ndarray, where: str) -> None:
    """``got`` is a float64 numpy array of θ's shape (the contract's format)."""
    if not isinstance(got, np.ndarray):
        fail(
            where,
            f"a numpy array of shape {theta.shape}",
            shown(got),
            "return np.zeros_like(theta) filled in, not a list or a number",
        )
    if got.shape != theta.shape:
        fail(where, f"shape {theta.shape} (θ's)", f"shape {got.shape}", "reshape to theta.shape")
    if got.dtype != np.float64:
        fail(where, "dtype float64", f"dtype {got.dtype}", "keep the gradient in float64")


def expect_quotient(
    got: Any,
    smooth: Smooth,
    theta: np.ndarray,
    eps: float,
    where: str,
    *,
    one_sided: bool,
    after: Any = None,
) -> None:
    """The student's quotient equals the closed form within a float64 quotient's rounding.

    ``after`` (θ after the call), if given, explains values spoiled by a θ left moved.
    """
    values = as_array(got, theta.shape, where)
    if one_sided:
        expected, hint = smooth.one_sided(theta, eps), _one_sided_hint(values, smooth, theta, eps)
    else:
        expected, hint = smooth.two_sided(theta, eps), _two_sided_hint(values, smooth, theta, eps)
    if _moved(after, theta, eps).any():
        hint = f"θ was not put back after each coordinate, so later ones saw a moved θ; {hint}"
    atol = smooth.rounding(theta, eps, one_sided=one_sided)
    expect_close(values, expected, where=where, rtol=RTOL, atol=atol, hint=hint)


def expect_shape_handled(
    got: Any, own_flat: Any, smooth: Smooth, theta: np.ndarray, eps: float, where: str
) -> None:
    """numerical_grad on a θ of another shape: the closed form, or at least the same values
    as the student's own result for the same f on θ flattened (``own_flat``), so that only
    the handling of the shape is judged here (the formula has checks of its own)."""
    values = as_array(got, theta.shape, where)
    expected = smooth.two_sided(theta, eps)
    atol = smooth.rounding(theta, eps)
    if np.all(np.abs(values - expected) <= atol + RTOL * np.abs(expected)):
        return
    own = _converted(own_flat, (theta.size,))
    if own is not None and np.all(np.abs(values.ravel() - own) <= atol + RTOL * np.abs(own)):
        return
    hint = (
        f"these are not the values your numerical_grad gives for the same f with θ flattened "
        f"to a vector: visit every index of θ's shape (np.ndindex(theta.shape)); {TWO_SIDED}"
    )
    expect_close(values, expected, where=where, rtol=RTOL, atol=atol, hint=hint)


def _converted(got: Any, shape: tuple[int, ...]) -> np.ndarray | None:
    try:
        return as_array(got, shape, "")
    except Mismatch:
        return None


def _moved(after: Any, theta: np.ndarray, eps: float) -> np.ndarray:
    """Where ``after`` differs from θ by more than a few roundings of θᵢ ± ε undone."""
    if not isinstance(after, np.ndarray) or after.shape != theta.shape:
        return np.zeros(theta.shape, dtype=bool)
    with np.errstate(invalid="ignore"):
        return ~(np.abs(after - theta) <= 8 * UNIT_ROUNDOFF * (np.abs(theta) + eps))


def _near(values: np.ndarray, other: np.ndarray) -> bool:
    scale = float(np.max(np.abs(other), initial=0.0)) + 1.0
    with np.errstate(invalid="ignore"):
        return bool(np.all(np.abs(values - other) <= 1e-7 * scale))


def _same_everywhere(values: np.ndarray) -> bool:
    return values.size > 1 and bool(np.all(values == values.flat[0]))


def _two_sided_hint(values: np.ndarray, smooth: Smooth, theta: np.ndarray, eps: float) -> str:
    """What a wrong numerical_grad most likely did."""
    if _near(values, smooth.one_sided(theta, eps)):
        return f"this is the one-sided difference (f(θ + ε·eᵢ) − f(θ)) / ε; {TWO_SIDED}"
    if _near(values, smooth.one_sided(theta, -eps)):
        return f"this is the backward difference (f(θ) − f(θ − ε·eᵢ)) / ε; {TWO_SIDED}"
    if _near(values, 2 * smooth.two_sided(theta, eps)):
        return f"divide by 2ε, not by ε; {TWO_SIDED}"
    if _same_everywhere(values):
        return f"every coordinate got the same value: perturb one coordinate at a time; {TWO_SIDED}"
    return TWO_SIDED


def _one_sided_hint(values: np.ndarray, smooth: Smooth, theta: np.ndarray, eps: float) -> str:
    """What a wrong one_sided_grad most likely did."""
    if _near(values, smooth.two_sided(theta, eps)):
        return f"this is the two-sided difference; {ONE_SIDED}"
    if _near(values, smooth.one_sided(theta, -eps)):
        return f"this is the backward difference (f(θ) − f(θ − ε·eᵢ)) / ε; {ONE_SIDED}"
    if _near(values, 0.5 * smooth.one_sided(theta, eps)):
        return f"divide by ε, not by 2ε; {ONE_SIDED}"
    if _same_everywhere(values):
        return f"every coordinate got the same value: perturb one coordinate at a time; {ONE_SIDED}"
    return ONE_SIDED


def expect_theta_unchanged(after: Any, sent: np.ndarray, eps: float, where: str) -> None:
    """θ holds the values it was sent with (up to a few roundings of θᵢ ± ε undone)."""
    label = f"{where}: θ afterwards"
    if not isinstance(after, np.ndarray) or after.shape != sent.shape:
        fail(label, f"θ of shape {sent.shape}, unchanged", shown(after))
    moved = _moved(after, sent, eps)
    if moved.any():
        index = tuple(int(i) for i in np.argwhere(moved)[0])
        hint = "change a copy of θ (theta.copy()), or put each saved value back after use"
        if np.isclose(abs(after[index] - sent[index]), eps, rtol=1e-6):
            hint = f"θ{list(index)} was left moved by ε; {hint}"
        fail(
            label,
            f"θ unchanged ({np.count_nonzero(moved)} of {sent.size} values moved; "
            f"θ{list(index)} was {float(sent[index])!r})",
            repr(float(after[index])),
            hint,
        )


# ----------------------------------------------------------------------------- error order

STEPS = (1e-1, 5e-2, 2e-2, 1e-2, 5e-3, 2e-3, 1e-3)


def error_slope(
    grads: Any, smooth: Smooth, theta: np.ndarray, where: str
) -> tuple[float, np.ndarray]:
    """The log-log slope of ‖g(ε) − ∇f(θ)‖ against ε over STEPS, and the errors."""
    if not isinstance(grads, list) or len(grads) != len(STEPS):
        fail(where, f"{len(STEPS)} gradients", shown(grads))
    exact = smooth.gradient(theta)
    errors = np.array(
        [
            np.linalg.norm(as_array(g, theta.shape, f"{where} with eps={eps:g}") - exact)
            for g, eps in zip(grads, STEPS, strict=True)
        ]
    )
    if not (np.isfinite(errors).all() and (errors > 0).all()):
        fail(where, "finite, nonzero errors", describe(errors), "look for inf or nan")
    slope = float(np.polyfit(np.log(STEPS), np.log(errors), 1)[0])
    return slope, errors


def expect_slope(
    slope: float, errors: np.ndarray, bounds: tuple[float, float], where: str, hint: str
) -> None:
    """The measured slope lies within ``bounds``."""
    low, high = bounds
    if not low <= slope <= high:
        shown = ", ".join(f"{e:.2e}" for e in errors)
        fail(
            f"{where}: errors ‖g(ε) − ∇f(θ)‖ = {shown} for ε = {STEPS[0]:g} … {STEPS[-1]:g}",
            f"a log-log slope between {low:g} and {high:g}",
            f"{slope:.2f}",
            hint,
        )
