"""Probes for softmax_xent: grader-written code that runs *inside the sandbox* next to student code.

Only the training check needs one (every other check calls the student's functions
directly). What it returns is untrusted data: the judge evaluates the returned weights
itself, on points the sandbox never saw.
"""

from __future__ import annotations

import numpy as np
import torch


def _as_tensor(value, like: torch.Tensor) -> torch.Tensor:
    """A returned gradient as a tensor like ``like`` (a numpy result is converted here:
    the format check judges containers, not the training)."""
    if isinstance(value, torch.Tensor):
        return value.detach().to(device=like.device, dtype=like.dtype)
    return torch.as_tensor(np.asarray(value), dtype=like.dtype, device=like.device)


def _loss(student, logits: torch.Tensor, labels: torch.Tensor) -> float:
    value = student.cross_entropy(logits, labels)
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu()
    return float(value)


def train_softmax_regression(
    student, X, y, classes: int, device: str, steps: int, lr: float
) -> dict:
    """Gradient descent on a linear classifier from W = 0, b = 0, with the student's loss.

    Each step goes against Xᵀ·G (and Σ G for the bias), G = cross_entropy_grad(logits, y);
    it is kept if cross_entropy did not go up, else undone and the rate halved (a nan loss
    is never kept). Returns the weights, the last accepted loss and how many steps were kept.
    """
    torch.manual_seed(0)
    where = torch.device(device)
    X, y = X.to(where), y.to(where)
    weight = torch.zeros(X.shape[1], classes, dtype=X.dtype, device=where)
    bias = torch.zeros(classes, dtype=X.dtype, device=where)
    loss, kept = _loss(student, X @ weight + bias, y), 0
    for _ in range(steps):
        grad = _as_tensor(student.cross_entropy_grad(X @ weight + bias, y), X)
        new_weight, new_bias = weight - lr * (X.T @ grad), bias - lr * grad.sum(dim=0)
        new_loss = _loss(student, X @ new_weight + new_bias, y)
        if new_loss <= loss:
            weight, bias, loss, kept = new_weight, new_bias, new_loss, kept + 1
        else:
            lr /= 2
    return {"weight": weight.cpu(), "bias": bias.cpu(), "loss": loss, "kept": kept}
