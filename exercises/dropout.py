"""dropout — the expectation of inverted dropout.

Run `grade show dropout` for the statement and `grade dropout` to check your work.
"""

import numpy as np
import torch
from torch import nn


def dropout(x, p, training=True, generator=None):
    """Inverted dropout: zero each element with probability p, divide the rest by 1 - p.

    x is a numpy array (generator: numpy.random.Generator) or a torch tensor (generator:
    torch.Generator on x's device); generator may be None. p is a float or an int.
    Returns the same kind, shape, dtype and device; never modifies x itself. The numpy
    and the torch branch are graded separately.
    """
    raise NotImplementedError


class Dropout(nn.Module):
    """Inverted dropout as a layer: active in train() mode, the identity in eval() mode."""

    def __init__(self, p=0.5):
        super().__init__()
        raise NotImplementedError

    def forward(self, x):
        raise NotImplementedError


if __name__ == "__main__":
    x = np.ones((2, 5))
    print(dropout(x, 0.5, generator=np.random.default_rng(0)))
    print(Dropout(0.5)(torch.ones(2, 5)))
