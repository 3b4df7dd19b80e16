"""ex4_1 — a sigmoid neuron whose inputs are always positive.

Run `grade show ex4_1` for the statement and `grade ex4_1` to check your work.
Every function accepts numpy arrays or torch tensors (and Python scalars, int or
float) and returns the same kind, with the same dtype, on the same device.
"""

import numpy as np
import torch


def sigmoid(z):
    """σ(z) = 1 / (1 + exp(-z)), with no overflow warning, inf or nan for |z| up to 1e4."""
    raise NotImplementedError


def sigmoid_grad(z):
    """σ'(z) = σ(z)(1 − σ(z))."""
    raise NotImplementedError


def weight_grad(w, b, x, y):
    """∂/∂w of the squared error ½(σ(wᵀx + b) − y)² for one example; same shape as w."""
    raise NotImplementedError


def train_neuron(X, y, lr, steps, device="cpu"):
    """Full-batch gradient descent from w=0, b=0 on the mean of ½(σ(Xw + b) − y)².

    X is (n, d), y is (n,); device is "cpu", "cuda" or a torch.device.
    Returns the loss *before* each step, as a list of `steps` Python floats.
    """
    raise NotImplementedError


if __name__ == "__main__":
    print(sigmoid(np.array([-1e4, 0.0, 1e4])))
    print(sigmoid_grad(torch.tensor([0.0, 2.0])))
    X = np.random.default_rng(0).uniform(4, 6, size=(64, 2))
    y = sigmoid((X - X.mean(0)) @ np.array([1.0, 1.0]))
    print(train_neuron(X, y, 0.5, 5))
