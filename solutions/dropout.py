"""dropout — inverted dropout (reference solution).

Each element is dropped (set to 0) with probability p and kept with probability 1 - p;
survivors are divided by 1 - p, so E[x'] = x and nothing needs rescaling at test time.
"""

import math

import numpy as np
import torch
from torch import nn


def _checked_p(p) -> float:
    """p as a float in [0, 1]; ValueError otherwise (nan included)."""
    p = float(p)
    if math.isnan(p) or not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability must be in [0, 1], got {p}")
    return p


def dropout(x, p, training=True, generator=None):
    """Inverted dropout of a numpy array or torch tensor; x itself is never modified.

    Returns x unchanged when not training or p == 0, zeros (still connected to x, so the
    gradient is 0) when p == 1, and otherwise x * mask / (1 - p) with an independent
    Bernoulli(1 - p) mask drawn from ``generator`` (numpy.random.Generator for arrays,
    torch.Generator on x's device for tensors), same dtype and device as x.
    """
    p = _checked_p(p)
    if not training or p == 0.0:
        return x
    keep = 1.0 - p
    if isinstance(x, torch.Tensor):
        mask = torch.rand(x.shape, device=x.device, generator=generator) < keep
    else:
        rng = generator if generator is not None else np.random.default_rng()
        mask = rng.random(np.shape(x)) < keep
    if p == 1.0:
        return x * mask  # all zeros, no 0/0
    return x * mask / keep


class Dropout(nn.Module):
    """Inverted dropout as a layer: active in train() mode, the identity in eval() mode."""

    def __init__(self, p=0.5):
        super().__init__()
        self.p = _checked_p(p)

    def forward(self, x):
        return dropout(x, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}"
