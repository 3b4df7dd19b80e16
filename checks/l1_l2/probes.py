"""Probes for l1_l2: grader-written code that runs *inside the sandbox* next to student code.

They only report what happened: results, the inputs as they are after a call, the
weights a training loop ended with. Everything returned is untrusted data; the judge
compares it with what it sent and recomputes every number itself.
"""

from __future__ import annotations

import numpy as np
import torch

STEPS = ("l1_step", "l1_prox_step", "l2_step")
SENTINEL = 12345.5  # written into a step's result to see whether it shares memory with w


def _copy(x):
    """A snapshot of an array or tensor (anything else is returned as it is)."""
    if isinstance(x, torch.Tensor):
        return x.detach().clone()
    if isinstance(x, np.ndarray):
        return x.copy()
    return x


def _write_into(out) -> None:
    """Overwrite every element of ``out`` in place, where it can be written."""
    try:
        if isinstance(out, torch.Tensor):
            with torch.no_grad():
                out.fill_(SENTINEL)
        elif isinstance(out, np.ndarray) and out.flags.writeable:
            out[...] = SENTINEL
    except (RuntimeError, TypeError, ValueError):
        pass


def step_and_inputs(student, func: str, w, grad, lr, lam, n) -> dict:
    """The result of ``func(w, grad, lr, lam, n)``, w and grad as they are after the call,
    and w and grad after the probe overwrote the result (a result that shares memory with
    an input changes that input)."""
    if func not in STEPS:
        raise ValueError(f"not a step function: {func}")
    out = getattr(student, func)(w, grad, lr, lam, n)
    report = {"out": _copy(out), "w": _copy(w), "grad": _copy(grad)}
    _write_into(out)
    report["w_after_write"], report["grad_after_write"] = _copy(w), _copy(grad)
    return report


def penalty_autograd(student, func: str, w, lam, n) -> dict:
    """``func(w, lam, n)`` on a tensor w that requires grad, and d(result)/dw if autograd
    can compute it (None otherwise)."""
    if func not in ("l1_penalty", "l2_penalty"):
        raise ValueError(f"not a penalty: {func}")
    w = w.detach().clone().requires_grad_(True)
    out = getattr(student, func)(w, lam, n)
    grad = None
    if isinstance(out, torch.Tensor) and out.requires_grad and out.numel() == 1:
        (grad,) = torch.autograd.grad(out.sum(), w, allow_unused=True)
    return {"out": out, "grad": grad}


def _like(value, X):
    """``value`` as an array of X's kind, dtype (and device), or None if it cannot be."""
    try:
        if isinstance(value, torch.Tensor):
            value = value.detach()
        if isinstance(X, torch.Tensor):
            return torch.as_tensor(value, dtype=X.dtype, device=X.device).reshape(X.shape[1])
        if isinstance(value, torch.Tensor):
            value = value.cpu().numpy()
        return np.asarray(value, dtype=X.dtype).reshape(X.shape[1])
    except (TypeError, ValueError, RuntimeError):
        return None


def train_sparse(student, func: str, X, y, lr: float, lam: float, steps: int) -> dict:
    """Full-batch training of a linear model y ≈ Xw + b from w = 0, b = 0.

    Each step computes the gradient of the data loss C₀ = mean ½(Xw + b − y)², moves
    the bias by plain gradient descent (it is not regularized) and w with the student's
    ``func(w, grad, lr, lam, n)``. X and y are numpy arrays or tensors (on the grading
    device); the loop stays in their kind. Returns the final w and b, or what the step
    returned when it was not an array of w's size.
    """
    if func not in STEPS:
        raise ValueError(f"not a step function: {func}")
    step, n = getattr(student, func), X.shape[0]
    zeros = torch.zeros if isinstance(X, torch.Tensor) else np.zeros
    w = _like(zeros(X.shape[1]), X)
    b = 0.0
    for _ in range(steps):
        residual = X @ w + b - y
        grad_w = X.T @ residual / n
        b = b - lr * float(residual.mean())
        out = step(w, grad_w, lr, lam, n)
        w = _like(out, X)
        if w is None:
            return {"returned": type(out).__qualname__, "shape": list(getattr(out, "shape", []))}
    return {"w": w, "b": b}
