"""ex4_1 — reference solution: a sigmoid neuron whose inputs are always positive."""

import numpy as np
import torch


def _scalar_out(z, value):
    """Python scalars in, Python float out; arrays and tensors stay what they are."""
    return float(value) if isinstance(z, int | float) else value


def sigmoid(z):
    """σ(z) = 1/(1+exp(-z)) without overflow: exp is only ever taken of -|z|."""
    if isinstance(z, torch.Tensor):
        e = torch.exp(-z.abs())
        return torch.where(z >= 0, 1 / (1 + e), e / (1 + e))
    a = np.asarray(z)
    if a.dtype.kind != "f":
        a = a.astype(np.float64)
    e = np.exp(-np.abs(a))
    return _scalar_out(z, np.where(a >= 0, 1 / (1 + e), e / (1 + e)))


def sigmoid_grad(z):
    """σ'(z) = σ(z)(1 − σ(z))."""
    s = sigmoid(z)
    return s * (1 - s)


def weight_grad(w, b, x, y):
    """∂/∂w of ½(σ(wᵀx+b) − y)² = (σ − y)·σ'(wᵀx+b)·x."""
    z = (w * x).sum() + b if isinstance(x, torch.Tensor) else np.dot(w, x) + b
    s = sigmoid(z)
    return _scalar_out(x, (s - y) * s * (1 - s) * x)


def train_neuron(X, y, lr, steps, device="cpu"):
    """Full-batch gradient descent from w=0, b=0 on mean ½(σ(Xw+b) − y)².

    Returns the loss before each step, as ``steps`` Python floats.
    """
    X = torch.as_tensor(X).to(device)
    if not X.dtype.is_floating_point:
        X = X.double()
    y = torch.as_tensor(y).to(device=device, dtype=X.dtype)
    n, d = X.shape
    w = torch.zeros(d, dtype=X.dtype, device=X.device)
    b = torch.zeros((), dtype=X.dtype, device=X.device)
    losses = []
    for _ in range(steps):
        s = torch.sigmoid(X @ w + b)
        r = s - y
        losses.append(0.5 * (r * r).mean())
        g = r * s * (1 - s) / n
        w = w - lr * (X.T @ g)
        b = b - lr * g.sum()
    return torch.stack(losses).tolist() if losses else []


if __name__ == "__main__":
    print(sigmoid(np.array([-1e4, 0.0, 1e4])))
    X = np.random.default_rng(0).uniform(4, 6, size=(64, 2))
    y = sigmoid((X - X.mean(0)) @ np.array([1.0, 1.0]))
    print(train_neuron(X, y, 0.5, 5))
