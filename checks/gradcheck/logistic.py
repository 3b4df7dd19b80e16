"""Trusted-side judging of logistic_loss_and_grad: exact values, inputs, reading the result.

The judge evaluates the mean binary cross-entropy of σ(Xw + b) and its gradient straight
from the definitions in 60-digit arithmetic (mpmath, whose exponent range has no
overflow), writing 1 − σ(z) as σ(−z); the float64 results are exact to the last bit or
so. The student's gradient must pass a gradient check against them: relative error
‖g − g_exact‖ / (‖g‖ + ‖g_exact‖) below 1e-7.
"""

from __future__ import annotations

from typing import Any

import mpmath
import numpy as np

from grader import TensorData, describe, expect_close, fail
from grader.course.gradcheck.functions import relative_error_of
from grader.course.gradcheck.judging import as_array, shown

DIGITS = 60
# The reference's gradient is float64-exact: relative error at most 3.2e-16 over 50 random
# data sets; a gradient summed instead of averaged is off by at least 0.67 (bench).
RIGHT_BELOW = 1e-7
LOSS_RTOL = 1e-9
READING = "about 1e-7 or less: right; about 1e-5: look closer; 1e-3 or more: a bug"


def exact(w: np.ndarray, b: float, X: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray, float]:
    """(loss, dw, db) of the mean binary cross-entropy of σ(Xw + b), from the definitions."""
    with mpmath.workdps(DIGITS):
        loss, residuals = _loss_and_residuals(w, b, X, y)
        n, d = X.shape
        dw = [
            mpmath.fsum(r * mpmath.mpf(float(X[i, j])) for i, r in enumerate(residuals)) / n
            for j in range(d)
        ]
        return float(loss), np.array([float(v) for v in dw]), float(mpmath.fsum(residuals) / n)


def exact_loss(params: np.ndarray, X: np.ndarray, y: np.ndarray) -> mpmath.mpf:
    """The loss at ``params`` = (w, b) as a 60-digit number: a function for a gradient check
    whose differences f(θ + εeᵢ) − f(θ − εeᵢ) lose nothing to float64 rounding."""
    with mpmath.workdps(DIGITS):
        return _loss_and_residuals(params[:-1], params[-1], X, y)[0]


def _loss_and_residuals(w, b, X, y) -> tuple[mpmath.mpf, list]:
    """The mean loss and σ(z_i) − y_i, at the current mpmath precision."""
    n, d = X.shape
    residuals, loss = [], mpmath.mpf(0)
    for i in range(n):
        z = mpmath.mpf(float(b)) + mpmath.fsum(
            mpmath.mpf(float(X[i, j])) * mpmath.mpf(float(w[j])) for j in range(d)
        )
        p, q = 1 / (1 + mpmath.exp(-z)), 1 / (1 + mpmath.exp(z))  # σ(z), 1 − σ(z)
        target = mpmath.mpf(float(y[i]))
        loss += -target * mpmath.log(p) - (1 - target) * mpmath.log(q)
        residuals.append((1 - target) * p - target * q)  # σ(z) − y
    return loss / n, residuals


def read(got: Any, d: int, where: str) -> tuple[float, np.ndarray, float]:
    """The student's ``(loss, dw, db)``, converting equivalent containers."""
    if not isinstance(got, tuple | list) or len(got) != 3:
        fail(where, "a tuple (loss, dw, db)", shown(got))
    loss, dw, db = got
    return (
        float(as_array(loss, (), f"{where}: loss")),
        as_array(dw, (d,), f"{where}: dw"),
        float(as_array(db, (), f"{where}: db")),
    )


def expect_format(got: Any, d: int, where: str) -> None:
    """The contract's format: (a float, a float64 array of w's shape, a float)."""
    if not isinstance(got, tuple) or len(got) != 3:
        fail(where, "a tuple (loss, dw, db)", shown(got))
    for name, value in (("loss", got[0]), ("db", got[2])):
        if isinstance(value, bool) or not isinstance(value, float | np.floating):
            hint = "call .item() on a 0-d tensor" if isinstance(value, TensorData) else ""
            fail(f"{where}: {name}", "a float", shown(value), hint)
    dw = got[1]
    if not isinstance(dw, np.ndarray) or dw.shape != (d,) or dw.dtype != np.float64:
        fail(f"{where}: dw", f"a float64 numpy array of shape ({d},)", describe(dw))


def expect_loss(got: float, want: float, z: np.ndarray, where: str) -> None:
    """The loss within LOSS_RTOL, and an absolute slack for the per-example roundings of z."""
    atol = 1e-13 * (1.0 + float(np.mean(np.abs(z))))
    expect_close(
        got, want, where=f"{where}: loss", rtol=LOSS_RTOL, atol=atol, hint=_loss_hint(got, want, z)
    )


def _loss_hint(got: float, want: float, z: np.ndarray) -> str:
    n = z.size
    if not np.isfinite(got):
        return (
            "log σ(z) or log(1 − σ(z)) reached log 0: write both in terms of log(1 + e^±z) "
            "and evaluate that without overflow for large |z|"
        )
    if np.isclose(got, n * want, rtol=1e-6):
        return "the loss is the mean over the examples, not the sum"
    if np.max(np.abs(z)) > 50 and got < want:
        return (
            "clipping σ away from 0 and 1 caps each example's loss; for large |z| the loss "
            "of an example on the wrong side is about |z|"
        )
    return "L = mean over examples of −y·log σ(z) − (1 − y)·log(1 − σ(z)), z = Xw + b"


def expect_gradient(
    dw: np.ndarray, db: float, want_dw: np.ndarray, want_db: float, n: int, where: str
) -> None:
    """The gradient passes a gradient check against the exact one (relative error < 1e-7)."""
    got, want = np.append(dw, db), np.append(want_dw, want_db)
    with np.errstate(invalid="ignore", over="ignore"):
        rel = relative_error_of(got, want)
    if np.isfinite(rel) and rel < RIGHT_BELOW:
        return
    i = int(np.argmax(np.nan_to_num(np.abs(got - want), nan=np.inf)))
    name = f"dw[{i}]" if i < dw.size else "db"
    fail(
        f"{where}: relative error of (dw, db) against the grader's gradient",
        f"below {RIGHT_BELOW:g} ({READING})",
        f"{rel:.3g}; the largest difference is in {name}: {want[i]:.6g} expected, "
        f"{got[i]:.6g} yours",
        _gradient_hint(got, want, dw.size, n),
    )


def expect_finite_gradient(dw: np.ndarray, db: float, where: str) -> None:
    """dw and db hold no inf or nan (their values are judged by the gradient checks)."""
    got = np.append(dw, db)
    if not np.isfinite(got).all():
        i = int(np.argmin(np.isfinite(got)))
        name = f"dw[{i}]" if i < dw.size else "db"
        fail(
            f"{where}: {name}",
            "a finite number",
            repr(float(got[i])),
            "σ(z) must not overflow: take exp only of −|z| (e.g. e^z/(1 + e^z) is inf/inf for "
            "large z)",
        )


def _gradient_hint(got: np.ndarray, want: np.ndarray, d: int, n: int) -> str:
    if np.allclose(got, n * want, rtol=1e-6):
        return "the loss is a mean: divide the summed gradient by n"
    if np.allclose(got, -want, rtol=1e-6):
        return "the sign is flipped: the loss decreases along −∇L"
    if np.allclose(got[:d], want[:d], rtol=1e-6):
        return "dw is right but db is not: b is added to every z_i"
    return "derive ∂L/∂z_i for one example first; then dw = Xᵀ(∂L/∂z) and db = Σ_i ∂L/∂z_i"


# ----------------------------------------------------------------------------- inputs, calls


def case(seed: int, n: int, d: int, scale: float = 1.0) -> tuple:
    """(w, b, X, y) with scores z = Xw + b of order ``scale`` and labels 0.0/1.0."""
    rng = np.random.default_rng(seed)
    X, w = rng.normal(size=(n, d)), rng.normal(size=d) * scale
    return w, float(rng.normal()), X, (rng.random(n) < 0.5).astype(np.float64)


def label(w: np.ndarray, b: float, X: np.ndarray, y: np.ndarray) -> str:
    """How a call reads in a message (the data themselves are in public.py)."""
    return f"logistic_loss_and_grad(w, b={b:.3g}, X of shape {X.shape}, y {y.dtype})"


def call(sub, w: np.ndarray, b: float, X: np.ndarray, y: np.ndarray) -> tuple[object, str]:
    """(what the student's logistic_loss_and_grad returned, the call's label)."""
    where = label(w, b, X, y)
    return sub.call("logistic_loss_and_grad", w, b, X, y, label=where), where
