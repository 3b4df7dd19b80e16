"""ex4_5 — reference solution: parameter count versus depth L."""

import numbers

import sympy
import torch
from torch import nn


def _validate(M0, N, L):
    for name, value in (("M0", M0), ("N", N), ("L", L)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
        if value <= 0:
            raise ValueError(f"{name} must be positive, got {value}")
    if N % L != 0:
        raise ValueError(f"L={L} does not divide N={N}: hidden layers would not be equal")
    return int(M0), int(N), int(L)


def param_count(M0, N, L):
    """Weights and biases: input->hidden, (L-1) hidden->hidden, hidden->output."""
    M0, N, L = _validate(M0, N, L)
    width = N // L
    first = M0 * width + width
    middle = (L - 1) * (width * width + width)
    last = width + 1
    return first + middle + last


def param_count_expr():
    M0, N, L = sympy.symbols("M0 N L", positive=True, integer=True)
    width = N / L
    return (M0 + 1) * width + (L - 1) * (width**2 + width) + width + 1


def build_mlp(M0, N, L):
    M0, N, L = _validate(M0, N, L)
    width = N // L
    layers = []
    fan_in = M0
    for _ in range(L):
        layers += [nn.Linear(fan_in, width), nn.Sigmoid()]
        fan_in = width
    layers.append(nn.Linear(width, 1))
    return nn.Sequential(*layers)


if __name__ == "__main__":
    print(param_count(784, 120, 4))
    print(build_mlp(784, 120, 4)(torch.zeros(2, 784)).shape)
