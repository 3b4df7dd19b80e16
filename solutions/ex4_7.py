"""ex4_7 — reference solution: weight decay on weights only, never on biases or norms."""

import numpy as np
import torch
from torch import nn

# Every normalization layer of torch: their scale and shift are not decayed, whatever
# their shape (LayerNorm((4, 5)) has a 2-D weight).
NORMS = (nn.modules.batchnorm._NormBase, nn.LayerNorm, nn.GroupNorm, nn.RMSNorm)


def _split(model):
    """(weights, others): each distinct parameter once, weights = ndim >= 2 outside norms."""
    weights, others, seen = [], [], set()
    for module in model.modules():
        for p in module.parameters(recurse=False):
            if id(p) in seen:
                continue  # shared by two modules: counted once
            seen.add(id(p))
            is_weight = p.ndim >= 2 and not isinstance(module, NORMS)
            (weights if is_weight else others).append(p)
    return weights, others


def l2_penalty(model, lam):
    """λ/2 · Σ‖W‖² over the weights only, as a differentiable torch scalar."""
    weights, _ = _split(model)
    first = next(model.parameters())
    total = torch.zeros((), dtype=first.dtype, device=first.device)
    for w in weights:
        total = total + (w * w).sum()
    return lam / 2 * total


def param_groups(model, weight_decay):
    """Two groups for torch.optim: the weights decayed, everything else not."""
    weights, others = _split(model)
    return [
        {"params": weights, "weight_decay": weight_decay},
        {"params": others, "weight_decay": 0.0},
    ]


def decay_step(w, grad, lr, lam):
    """One SGD step with L2 weight decay, (1 − lr·λ)·w − lr·grad, as a new array."""
    return (1 - lr * lam) * w - lr * grad


if __name__ == "__main__":
    model = nn.Sequential(nn.Linear(3, 4), nn.LayerNorm(4), nn.Linear(4, 1))
    print(l2_penalty(model, 0.1))
    print([len(g["params"]) for g in param_groups(model, 0.1)])
    print(decay_step(np.ones(3), np.ones(3), 0.1, 0.5))
