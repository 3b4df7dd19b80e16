"""ex4_5 — parameter count versus depth L.

Run `grade show ex4_5` for the statement and `grade ex4_5` to check your work.
"""

import sympy
import torch
from torch import nn


def param_count(M0, N, L):
    """Exact number of weights and biases of the network, as a Python int."""
    raise NotImplementedError


def param_count_expr() -> sympy.Expr:
    """The parameter count as a sympy expression in the symbols M0, N, L."""
    raise NotImplementedError


def build_mlp(M0, N, L) -> nn.Module:
    """L hidden nn.Linear layers of width N/L, each then a sigmoid; then nn.Linear(N/L, 1)."""
    raise NotImplementedError


if __name__ == "__main__":
    print(param_count(784, 120, 4))
    print(build_mlp(784, 120, 4)(torch.zeros(2, 784)).shape)
