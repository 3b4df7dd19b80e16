"""ex4_9 — reference solution: can a larger learning rate cure vanishing gradients?"""

import torch
import torch.nn.functional as F
from torch import nn


def deep_sigmoid_mlp(depth, width, in_features, out_features):
    layers = []
    fan_in = in_features
    for _ in range(depth):
        layers += [nn.Linear(fan_in, width), nn.Sigmoid()]
        fan_in = width
    layers.append(nn.Linear(fan_in, out_features))
    return nn.Sequential(*layers)


def _weight_grads(model, X, y):
    """Gradients of the mean BCE w.r.t. each Linear weight; leaves .grad and weights alone."""
    weights = [m.weight for m in model.modules() if isinstance(m, nn.Linear)]
    like = weights[0]
    X = torch.as_tensor(X, dtype=like.dtype, device=like.device)
    logits = model(X)
    target = torch.as_tensor(y, device=like.device).to(logits.dtype).reshape(logits.shape)
    loss = F.binary_cross_entropy_with_logits(logits, target)
    return torch.autograd.grad(loss, weights)


def layer_grad_norms(model, X, y):
    return [float(g.norm()) for g in _weight_grads(model, X, y)]


def update_ratio(model, X, y, lr):
    grads = _weight_grads(model, X, y)
    first_step, last_step = lr * grads[0], lr * grads[-1]
    return float(first_step.norm() / last_step.norm())


if __name__ == "__main__":
    torch.manual_seed(0)
    net = deep_sigmoid_mlp(10, 16, 8, 1)
    X, y = torch.randn(64, 8), (torch.rand(64) < 0.5).float()
    print(layer_grad_norms(net, X, y))
    print([update_ratio(net, X, y, lr) for lr in (0.1, 1.0, 10.0)])
