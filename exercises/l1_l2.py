"""l1_l2 — L1 versus L2 regularization.

Run `grade show l1_l2` for the statement and `grade l1_l2` to check your work.

C₀ is the data loss and n the number of training examples. The L1 term is (λ/n)·Σ|w|,
the L2 term (λ/(2n))·Σw²; neither includes the bias.

w and grad are numpy arrays or torch tensors (float32 or float64, any shape, any device),
of the same kind, shape and dtype; lr, lam are Python numbers (int or float) and n a
positive Python int. The steps return a NEW array of w's kind, shape, dtype and device
and leave w and grad unchanged.
"""

import numpy as np
import torch


def l1_penalty(w, lam, n):
    """(λ/n)·Σ|w|: a number for a numpy array; for a tensor, a 0-d tensor (w's dtype and
    device) that autograd can differentiate."""
    raise NotImplementedError


def l2_penalty(w, lam, n):
    """(λ/(2n))·Σw²: a number for a numpy array; for a tensor, a 0-d tensor (w's dtype
    and device) that autograd can differentiate."""
    raise NotImplementedError


def l1_step(w, grad, lr, lam, n):
    """One subgradient-descent step on C₀ + (λ/n)·Σ|w| with learning rate lr, where
    grad = ∂C₀/∂w: w − lr·(λ/n)·sgn(w) − lr·grad, with sgn(0) = 0."""
    raise NotImplementedError


def l1_prox_step(w, grad, lr, lam, n):
    """The proximal step: z = w − lr·grad (a gradient step on C₀ alone), then
    soft-thresholding at t = lr·λ/n: sgn(z)·max(|z| − t, 0). Every element with
    |z| ≤ t becomes exactly 0.0."""
    raise NotImplementedError


def l2_step(w, grad, lr, lam, n):
    """One gradient-descent step on C₀ + (λ/(2n))·Σw² with learning rate lr, where
    grad = ∂C₀/∂w (weight decay): (1 − lr·λ/n)·w − lr·grad."""
    raise NotImplementedError


if __name__ == "__main__":
    w, grad = np.array([2.0, -1.0, 0.0, 0.3]), np.array([0.5, -0.5, 0.2, 0.0])
    print(l1_penalty(w, 1, 5), l2_penalty(w, 1, 5))
    print(l1_step(w, grad, 0.5, 1, 5))
    print(l1_prox_step(w, grad, 0.5, 1, 5))
    print(l2_step(w, grad, 0.5, 1, 5))
    print(l2_step(torch.tensor([1.0, -2.0]), torch.tensor([0.1, 0.1]), 0.1, 1, 10))
