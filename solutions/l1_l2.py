"""l1_l2 — reference solution: the L1 and L2 penalties and their update steps.

Every function works on numpy arrays and on torch tensors alike (``abs``, ``*``,
``.sum()`` and Python-float factors keep the kind, dtype and device of w).
"""

import numpy as np
import torch


def _sign(x):
    """sgn(x) elementwise, with sgn(0) = 0 (numpy and torch both define it so)."""
    return torch.sign(x) if isinstance(x, torch.Tensor) else np.sign(x)


def l1_penalty(w, lam, n):
    """(λ/n)·Σ|w|."""
    return lam / n * abs(w).sum()


def l2_penalty(w, lam, n):
    """(λ/(2n))·Σw²."""
    return lam / (2 * n) * (w * w).sum()


def l1_step(w, grad, lr, lam, n):
    """One subgradient step on C₀ + (λ/n)·Σ|w|: w − lr·(grad + (λ/n)·sgn(w)), sgn(0) = 0."""
    return w - lr * (grad + lam / n * _sign(w))


def l1_prox_step(w, grad, lr, lam, n):
    """A gradient step on C₀, then soft-thresholding at t = lr·λ/n."""
    z = w - lr * grad
    shrunk = abs(z) - lr * lam / n
    if isinstance(z, torch.Tensor):
        return torch.sign(z) * torch.clamp(shrunk, min=0)
    return np.sign(z) * np.maximum(shrunk, 0)


def l2_step(w, grad, lr, lam, n):
    """One gradient step on C₀ + (λ/(2n))·Σw²: (1 − lr·λ/n)·w − lr·grad."""
    return (1 - lr * lam / n) * w - lr * grad


if __name__ == "__main__":
    w, grad = np.array([2.0, -1.0, 0.0, 0.3]), np.array([0.5, -0.5, 0.2, 0.0])
    print(l1_penalty(w, 1, 5), l2_penalty(w, 1, 5))
    print(l1_step(w, grad, 0.5, 1, 5))
    print(l1_prox_step(w, grad, 0.5, 1, 5))
    print(l2_step(w, grad, 0.5, 1, 5))
