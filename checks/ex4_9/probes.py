"""Probes for ex4_9: grader-written code that runs *inside the sandbox* next to student code.

Weights are sent in by the judge (so it can recompute every gradient in numpy on the
same values) and sent back after each call (so it can see they did not change). The
inputs X and y reach the student's functions exactly as the judge sent them: numpy
arrays or tensors, float32 or float64, float or integer labels (the probes convert
only for their own use). Everything returned is untrusted data.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

ACTIVATIONS = {"sigmoid": nn.Sigmoid, "relu": nn.ReLU}


def linears(model: nn.Module) -> list[nn.Linear]:
    return [m for m in model.modules() if isinstance(m, nn.Linear)]


def snapshot(model: nn.Module) -> list[dict]:
    """Each Linear's weight and bias, copied (in ``model.modules()`` order)."""
    return [
        {
            "weight": layer.weight.detach().clone(),
            "bias": None if layer.bias is None else layer.bias.detach().clone(),
        }
        for layer in linears(model)
    ]


@torch.no_grad()
def load(model: nn.Module, layers: list) -> nn.Module:
    """Copy the judge's (weight, bias) arrays into the model's Linear layers, in order."""
    targets = linears(model)
    shapes = [tuple(layer.weight.shape) for layer in targets]
    wanted = [tuple(weight.shape) for weight, _ in layers]
    if shapes != wanted:
        raise ValueError(f"the model's Linear weights have shapes {shapes}, expected {wanted}")
    for layer, (weight, bias) in zip(targets, layers, strict=True):
        layer.weight.copy_(torch.as_tensor(weight))
        layer.bias.copy_(torch.as_tensor(bias))
    return model


def build(layers: list, activation: str) -> nn.Sequential:
    """A grader-built MLP holding the judge's weights (of their dtype): Linear, activation, ...,
    Linear."""
    dtype = getattr(torch, str(layers[0][0].dtype))
    modules: list[nn.Module] = []
    for i, (weight, _) in enumerate(layers):
        modules.append(nn.Linear(weight.shape[1], weight.shape[0], dtype=dtype))
        if i < len(layers) - 1:
            modules.append(ACTIVATIONS[activation]())
    return load(nn.Sequential(*modules), layers)


def _as_tensor(value, like: torch.Tensor) -> torch.Tensor:
    """The probe's own tensor copy of an input (for its own use, never the student's)."""
    return torch.as_tensor(value).to(dtype=like.dtype, device=like.device)


def mlp_facts(
    student, depth, width, in_features, out_features, layers: list, inputs: np.ndarray
) -> dict:
    """Build the student's network; report its Linear weight shapes and, if they are the
    judge's, its output on ``inputs`` after loading the judge's ``layers`` into it."""
    model = student.deep_sigmoid_mlp(depth, width, in_features, out_features)
    if not isinstance(model, nn.Module):
        return {"is_module": False, "type": type(model).__qualname__}
    facts = {
        "is_module": True,
        "modules": [type(m).__name__ for m in model.modules() if not list(m.children())],
        "shapes": [list(m.weight.shape) for m in linears(model)],
    }
    if facts["shapes"] != [list(w.shape) for w, _ in layers]:
        return facts
    load(model, layers)
    with torch.no_grad():
        output = model(torch.as_tensor(inputs))
    facts["output"] = output.detach().clone() if isinstance(output, torch.Tensor) else output
    return facts


def grad_norms(student, layers: list, X, y, activation: str = "sigmoid", calls: int = 1) -> dict:
    """The student's ``layer_grad_norms`` on a grader-built model, ``calls`` times in a row."""
    model = build(layers, activation)
    norms = [student.layer_grad_norms(model, X, y) for _ in range(calls)]
    return {"norms": norms, "after": snapshot(model)}


def ratios(student, layers: list, X, y, lrs: list, activation: str = "sigmoid") -> dict:
    """The student's ``update_ratio`` on a grader-built model, for each learning rate."""
    model = build(layers, activation)
    values = [student.update_ratio(model, X, y, lr) for lr in lrs]
    return {"ratios": values, "after": snapshot(model)}


def student_model_norms(student, layers: list, X, y) -> dict:
    """The student's ``layer_grad_norms`` on the student's own ``deep_sigmoid_mlp`` holding
    the judge's weights (a deep sigmoid network with PyTorch's default init)."""
    depth, width = len(layers) - 1, layers[0][0].shape[0]
    model = student.deep_sigmoid_mlp(depth, width, layers[0][0].shape[1], 1)
    load(model, layers)
    return {"norms": student.layer_grad_norms(model, X, y), "after": snapshot(model)}


def lr_runs(student, layers: list, X, y, lrs: list, steps: int, device: str = "cpu") -> list:
    """For each lr: the student's ``update_ratio``, then ``steps`` steps of plain SGD on the
    student's ``deep_sigmoid_mlp`` holding the judge's weights, with every intermediate
    weight returned (stacked per layer: index 0 is the start)."""
    depth, width = len(layers) - 1, layers[0][0].shape[0]
    runs = []
    for lr in lrs:
        model = student.deep_sigmoid_mlp(depth, width, layers[0][0].shape[1], 1)
        load(model, layers).to(device)
        ratio = student.update_ratio(model, X, y, lr)
        load(model, layers)
        like = linears(model)[0].weight
        inputs, targets = _as_tensor(X, like), _as_tensor(y, like)
        runs.append({"ratio": ratio, "trajectory": _sgd(model, inputs, targets, lr, steps)})
    return runs


def _sgd(model: nn.Module, inputs, targets, lr: float, steps: int) -> list:
    params = [p for layer in linears(model) for p in (layer.weight, layer.bias)]
    history = [[p.detach().clone() for p in params]]
    for _ in range(steps):
        logits = model(inputs)
        loss = nn.functional.binary_cross_entropy_with_logits(logits, targets.reshape(logits.shape))
        grads = torch.autograd.grad(loss, params)
        with torch.no_grad():
            for p, g in zip(params, grads, strict=True):
                p -= lr * g
        history.append([p.detach().clone() for p in params])
    return [torch.stack([h[i] for h in history]) for i in range(len(params))]
