"""Probes for gradcheck: grader-written code that runs *inside the sandbox* next to student code.

The student's functions take Python callables (f, grad_f), which cannot cross the
boundary, so the probes build them here from parameters the judge chose (see
:mod:`grader.course.gradcheck.functions`), call the student's code, and return plain
data: the arrays it returned and θ as it is afterwards. Everything returned is untrusted;
the judge recomputes every expected value itself.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from grader.course.gradcheck.functions import Smooth, relative_error_of

GRADIENTS = ("numerical_grad", "one_sided_grad")
STAND_INS = ("numerical_grad", "one_sided_grad", "relative_error")


def gradient(student, func: str, data: dict, theta, eps=None) -> dict:
    """``func(f, theta, eps)`` (``eps`` left out when None) and θ as it is afterwards."""
    if func not in GRADIENTS:
        raise ValueError(f"gradient cannot call {func!r}")
    f = Smooth.from_data(data).value
    args = (f, theta) if eps is None else (f, theta, eps)
    return {"grad": getattr(student, func)(*args), "theta_after": theta}


def gradients_over_eps(student, func: str, data: dict, theta, steps: list) -> list:
    """``func(f, theta, eps)`` for every ``eps`` in ``steps``, each on a fresh copy of θ."""
    if func not in GRADIENTS:
        raise ValueError(f"gradients_over_eps cannot call {func!r}")
    f = Smooth.from_data(data).value
    return [getattr(student, func)(f, np.array(theta, copy=True), eps) for eps in steps]


def check(student, data: dict, theta, bug=None, eps=None, tol=None) -> object:
    """``check_gradient(f, grad_f, theta[, eps[, tol]])`` with a planted bug in grad_f.

    ``bug`` is None (grad_f is right) or ``{"index": tuple, "scale": s, "shift": d}``:
    grad_f's coordinate ``index`` becomes s·g + d. While it runs, the student's
    ``numerical_grad``, ``one_sided_grad`` and ``relative_error`` are replaced by correct
    stand-ins (for this f; any other function goes to the student's own), so that only
    ``check_gradient`` itself is judged.
    """
    smooth = Smooth.from_data(data)
    f = smooth.value
    args = [f, _planted(smooth, bug), theta]
    if eps is not None or tol is not None:
        args.append(1e-5 if eps is None else eps)
    if tol is not None:
        args.append(tol)
    saved = {name: getattr(student, name, None) for name in STAND_INS}
    try:
        for name, stand_in in _stand_ins(smooth, f, saved).items():
            setattr(student, name, stand_in)
        return student.check_gradient(*args)
    finally:
        for name, own in saved.items():
            if own is None:
                vars(student).pop(name, None)
            else:
                setattr(student, name, own)


def _planted(smooth: Smooth, bug: dict | None) -> Callable:
    def grad_f(theta):
        g = smooth.gradient(theta)
        if bug is not None:
            index = tuple(bug["index"])
            g[index] = bug["scale"] * g[index] + bug["shift"]
        return g

    return grad_f


def _stand_ins(smooth: Smooth, f: Callable, own: dict) -> dict[str, Callable]:
    """Correct versions of the helpers check_gradient may call, for the probe's f only."""

    def numerical_grad(g, theta, eps=1e-5):
        if g is f:
            return smooth.two_sided(theta, eps)
        return own["numerical_grad"](g, theta, eps)

    def one_sided_grad(g, theta, eps=1e-5):
        if g is f:
            return smooth.one_sided(theta, eps)
        return own["one_sided_grad"](g, theta, eps)

    return {
        "numerical_grad": numerical_grad,
        "one_sided_grad": one_sided_grad,
        "relative_error": relative_error_of,
    }
