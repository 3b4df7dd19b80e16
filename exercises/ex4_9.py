"""ex4_9 — can a larger learning rate cure vanishing gradients?

Run `grade show ex4_9` for the statement and `grade ex4_9` to check your work.
"""

import torch
from torch import nn


def deep_sigmoid_mlp(depth: int, width: int, in_features: int, out_features: int) -> nn.Module:
    """`depth` hidden layers, each nn.Linear then nn.Sigmoid, then nn.Linear(width, out_features)
    that outputs logits (no sigmoid at the end)."""
    raise NotImplementedError


def layer_grad_norms(model: nn.Module, X, y) -> list[float]:
    """Frobenius norm of the gradient of each nn.Linear weight, input side first, for the mean
    binary cross-entropy on the logits model(X) against y (shape (n,) or (n, 1)).
    X, y: numpy arrays or tensors, float32 or float64; labels may be integers 0/1.
    The model's weights must be unchanged afterwards."""
    raise NotImplementedError


def update_ratio(model: nn.Module, X, y, lr: float) -> float:
    """||dW_first|| / ||dW_last|| for one plain SGD step, dW = lr * grad W (computed from the
    step itself, not as a difference of weights). The model's weights must be unchanged."""
    raise NotImplementedError


if __name__ == "__main__":
    torch.manual_seed(0)
    net = deep_sigmoid_mlp(10, 16, 8, 1)
    X, y = torch.randn(64, 8), (torch.rand(64) < 0.5).float()
    print(layer_grad_norms(net, X, y))
    print([update_ratio(net, X, y, lr) for lr in (0.1, 1.0, 10.0)])
