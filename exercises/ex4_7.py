"""ex4_7 — why the bias is not regularized.

Run `grade show ex4_7` for the statement and `grade ex4_7` to check your work.

"Weights" are the parameters with two or more dimensions outside normalization layers
(Linear, Conv and Embedding weights); biases and every parameter of a normalization
layer (BatchNorm, LayerNorm, GroupNorm, whatever its shape) are not decayed. A parameter
shared by two modules counts once.
"""

import numpy as np
import torch
from torch import nn


def l2_penalty(model: nn.Module, lam: float) -> torch.Tensor:
    """λ/2 · Σ‖W‖² over the weights only, as a differentiable torch scalar."""
    raise NotImplementedError


def param_groups(model: nn.Module, weight_decay: float) -> list[dict]:
    """Exactly two groups for torch.optim, every trainable parameter in exactly one:

    [{"params": weights, "weight_decay": weight_decay},
     {"params": others, "weight_decay": 0.0}]
    """
    raise NotImplementedError


def decay_step(w, grad, lr, lam):
    """One SGD step with L2 weight decay, (1 − lr·λ)·w − lr·grad, returned as a new array.

    w and grad are numpy arrays or torch tensors; they must not be changed.
    """
    raise NotImplementedError


if __name__ == "__main__":
    model = nn.Sequential(nn.Linear(3, 4), nn.LayerNorm(4), nn.Linear(4, 1))
    print(l2_penalty(model, 0.1))
    print([len(g["params"]) for g in param_groups(model, 0.1)])
    print(decay_step(np.ones(3), np.ones(3), 0.1, 0.5))
