"""Trusted-side judging of check_gradient: what it should report, and reading what it did.

The probe (``probes.check``) runs the student's ``check_gradient`` on a function f of
:mod:`grader.course.gradcheck.functions` and a ``grad_f`` that is right or has a bug
planted in one coordinate the judge chose. Here the judge works out, from closed forms,
the relative error and the worst coordinate check_gradient must report, and reads what
the student's check_gradient returned.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from grader import TensorData, expect_number, fail
from grader.course.gradcheck.functions import Smooth, relative_error_of
from grader.course.gradcheck.judging import as_real, shown

# A right gradient against the two-sided difference at ε = 1e-5: truncation (ε²/6·f''') and
# rounding keep the reference's relative error at most 8.9e-11 on 600 random functions and
# points (bench/gradcheck_margins.py); 1e-7 is the usual "this gradient is right" reading.
RIGHT_BELOW = 1e-7
REL_RTOL = 1e-6  # rel_error of a broken gradient (1e-4 and more) vs. the judge's value
EPS, TOL = 1e-5, 1e-6  # the defaults of check_gradient, sent explicitly by most checks
FORMULA = "rel_error = ‖numeric − analytic‖ / (‖numeric‖ + ‖analytic‖)"


@dataclass(frozen=True)
class Bug:
    """grad_f's coordinate ``index`` becomes ``scale``·g + ``shift`` (a planted backprop bug)."""

    index: tuple[int, ...]
    scale: float = 1.0
    shift: float = 0.0

    def to_data(self) -> dict:
        return {"index": self.index, "scale": self.scale, "shift": self.shift}

    def describe(self) -> str:
        at = f"grad_f{list(self.index)}"
        if self.shift == 0.0:
            return f"{at} multiplied by {self.scale:g}"
        return f"{at} moved by {self.shift:+.3g}"


@dataclass(frozen=True)
class Report:
    """What check_gradient reported (or must report): ``(ok, rel_error, worst_index)``."""

    ok: bool
    rel_error: float
    worst_index: tuple[int, ...]


def expected_report(
    smooth: Smooth, theta: np.ndarray, bug: Bug | None, eps: float, tol: float
) -> tuple[Report, np.ndarray, np.ndarray]:
    """The right report, with the numeric (two-sided) and analytic gradients behind it."""
    numeric = smooth.two_sided(theta, eps)
    analytic = smooth.gradient(theta)
    if bug is not None:
        analytic[bug.index] = bug.scale * analytic[bug.index] + bug.shift
    rel = relative_error_of(numeric, analytic)
    flat = int(np.argmax(np.abs(numeric - analytic)))
    worst = tuple(int(i) for i in np.unravel_index(flat, theta.shape))
    return Report(rel < tol, rel, worst), numeric, analytic


def read_report(got: Any, shape: tuple[int, ...], where: str) -> Report:
    """The student's ``(ok, rel_error, worst_index)``, converting equivalent containers."""
    if not isinstance(got, tuple | list) or len(got) != 3:
        fail(where, "a tuple (ok, rel_error, worst_index)", shown(got))
    ok, rel, index = got
    return Report(
        _as_bool(ok, f"{where}: ok"),
        expect_number(as_real(rel), where=f"{where}: rel_error"),
        _as_index(index, shape, f"{where}: worst_index"),
    )


def _as_bool(value: Any, where: str) -> bool:
    """A bool, numpy bool or 0/1 (the format check wants a bool; this reads the value)."""
    if isinstance(value, TensorData) and value.array is not None:
        value = value.array
    if isinstance(value, np.ndarray) and value.size == 1:
        value = value.reshape(()).item()
    if isinstance(value, bool | np.bool_) or (
        isinstance(value, int | np.integer) and int(value) in (0, 1)
    ):
        return bool(value)
    fail(where, "True or False", shown(value), "ok = rel_error < tol")


def _as_index(value: Any, shape: tuple[int, ...], where: str) -> tuple[int, ...]:
    """A tuple of len(shape) ints; a single int is read as a flat (C-order) index."""
    size = int(np.prod(shape, dtype=int))
    if isinstance(value, int | np.integer) and not isinstance(value, bool):
        if 0 <= int(value) < size:
            return tuple(int(i) for i in np.unravel_index(int(value), shape))
    elif isinstance(value, tuple | list | np.ndarray) and len(value) == len(shape):
        parts = list(value)
        if all(isinstance(p, int | np.integer) and not isinstance(p, bool) for p in parts) and all(
            0 <= int(p) < n for p, n in zip(parts, shape, strict=True)
        ):
            return tuple(int(p) for p in parts)
    fail(
        where,
        f"an index of θ (a tuple of {len(shape)} ints within {shape})",
        shown(value),
        "np.unravel_index(np.argmax(...), theta.shape) gives that tuple",
    )


def expect_report_format(got: Any, ndim: int, where: str) -> None:
    """The contract's format: a tuple of a bool, a float and a tuple of ``ndim`` ints."""
    if not isinstance(got, tuple) or len(got) != 3:
        fail(where, "a tuple (ok, rel_error, worst_index)", shown(got))
    ok, rel, index = got
    if not isinstance(ok, bool | np.bool_):
        fail(f"{where}: ok", "a bool", shown(ok))
    if isinstance(rel, bool) or not isinstance(rel, float | np.floating):
        fail(f"{where}: rel_error", "a float", shown(rel))
    integers = isinstance(index, tuple) and all(
        isinstance(i, int | np.integer) and not isinstance(i, bool) for i in index
    )
    if not integers or len(index) != ndim:
        fail(
            f"{where}: worst_index",
            f"a tuple of {ndim} ints (an index of θ)",
            shown(index),
            "np.unravel_index(np.argmax(...), theta.shape) gives that tuple",
        )


def expect_right_gradient(report: Report, tol: float, where: str) -> None:
    """A right grad_f passes: ok is True and rel_error is tiny."""
    if not 0.0 <= report.rel_error < RIGHT_BELOW:
        fail(
            f"{where}: rel_error",
            f"below {RIGHT_BELOW:g} (grad_f is right)",
            f"{report.rel_error:.3g}",
            f"{FORMULA}, with numeric = numerical_grad(f, theta, eps) (two-sided)",
        )
    if report.ok is not True:
        fail(f"{where}: ok", "True", repr(report.ok), f"ok = rel_error < tol (tol = {tol:g})")


def expect_rel_error(
    report: Report, want: Report, where: str, known: tuple[tuple[float, str], ...] = ()
) -> None:
    """rel_error equals the right one; ``known`` pairs a known mistake's value with its hint."""
    if not np.isclose(report.rel_error, want.rel_error, rtol=REL_RTOL, atol=0.0):
        hint = next((h for v, h in known if np.isclose(report.rel_error, v, rtol=1e-4)), FORMULA)
        fail(f"{where}: rel_error", f"{want.rel_error:.6g}", f"{report.rel_error:.6g}", hint)


def expect_report(report: Report, want: Report, tol: float, where: str) -> None:
    """rel_error and ok are the right ones (worst_index is judged on its own)."""
    expect_rel_error(report, want, where)
    if report.ok != want.ok:
        fail(f"{where}: ok", repr(want.ok), repr(report.ok), f"ok = rel_error < tol ({tol:g})")


def expect_worst_index(report: Report, want: Report, analytic: np.ndarray, where: str) -> None:
    """worst_index is the coordinate where the gradients differ most (the planted bug)."""
    if report.worst_index != want.worst_index:
        hint = "the coordinate where |numeric − analytic| is largest"
        if report.worst_index == np.unravel_index(np.argmax(np.abs(analytic)), analytic.shape):
            hint = f"that is where |analytic| is largest; worst_index is {hint}"
        fail(f"{where}: worst_index", str(want.worst_index), str(report.worst_index), hint)


# ----------------------------------------------------------------------------- running it


def check_label(theta: np.ndarray, bug: Bug | None, eps: float | None, tol: float | None) -> str:
    """How a check_gradient call reads in a message (the bug, if any, is named)."""
    shape = ", ".join(str(n) for n in theta.shape)
    args = [f"θ float64[{shape}]"]
    args += [f"eps={eps:g}"] if eps is not None else []
    args += [f"tol={tol:g}"] if tol is not None else []
    grad_f = "grad_f right" if bug is None else f"{bug.describe()}"
    return f"check_gradient(f, grad_f, {', '.join(args)}) with {grad_f}"


def run_check(sub, smooth: Smooth, theta: np.ndarray, bug: Bug | None, eps=EPS, tol=TOL) -> tuple:
    """(what check_gradient returned, its label) for a probe call with correct stand-ins."""
    where = check_label(theta, bug, eps, tol)
    data = None if bug is None else bug.to_data()
    return sub.probe("check", smooth.to_data(), theta, data, eps, tol, label=where), where


def planted_bug_reports(sub, cases: tuple) -> list[tuple]:
    """(the student's report, the right one, the analytic gradient, label) per planted bug."""
    reports = []
    for (smooth, theta), bug in cases:
        want, _, analytic = expected_report(smooth, theta, bug, EPS, TOL)
        got, where = run_check(sub, smooth, theta, bug)
        reports.append((read_report(got, theta.shape, where), want, analytic, where))
    return reports
