"""ex4_8 — why not W=0, b=0.

Run `grade show ex4_8` for the statement and `grade ex4_8` to check your work.
"""

import math

import torch
from torch import nn


def init_zeros_(model: nn.Module) -> nn.Module:
    """Set the weights and biases of every nn.Linear in `model` to 0, in place; return `model`.

    In place: change the values of the existing Parameters (an optimizer created before
    this call holds them); do not assign new nn.Parameter objects."""
    raise NotImplementedError


def init_xavier_(model: nn.Module, generator: torch.Generator | None = None) -> nn.Module:
    """Every nn.Linear: weights ~ N(0, xavier_std(fan_in, fan_out)^2), biases 0; return `model`.

    `generator` (a torch.Generator on the parameters' device, or None) is the source of
    randomness: pass it on to the functions that draw the weights.
    """
    raise NotImplementedError


def init_he_(model: nn.Module, generator: torch.Generator | None = None) -> nn.Module:
    """Every nn.Linear: weights ~ N(0, he_std(fan_in)^2), biases 0; return `model`."""
    raise NotImplementedError


def xavier_std(fan_in: int, fan_out: int) -> float:
    """sqrt(2 / (fan_in + fan_out))."""
    raise NotImplementedError


def he_std(fan_in: int) -> float:
    """sqrt(2 / fan_in)."""
    raise NotImplementedError


def symmetry_gap(layer: nn.Linear) -> float:
    """Largest |difference| between two output units in one coordinate of their incoming
    weights or in their biases, as a float (0.0: the units are copies of each other)."""
    raise NotImplementedError


if __name__ == "__main__":
    net = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1))
    print(symmetry_gap(init_zeros_(net)[0]), symmetry_gap(init_he_(net)[0]))
    print(xavier_std(2, 8), he_std(2), math.sqrt(2 / 10))
