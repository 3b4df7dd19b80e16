"""Probes for ex4_7: grader-written code that runs *inside the sandbox* next to student code.

Models are built here from the judge's description (models.py) and hold values the judge
chose and sent. Everything returned is untrusted data: the judge compares it with what it
computes itself from those values, and never takes a fact about the model from here.
"""

from __future__ import annotations

import numpy as np
import torch

from grader.course.ex4_7 import models
from grader.course.ex4_7.models import DEFAULT_DECAY


def _model(description: dict, values: dict, device: str):
    """The described model on ``device``, holding the judge's ``values`` (name -> tensor)."""
    return models.load(models.build(description).to(device), values)


def penalty_report(student, description: dict, values: dict, lam, device: str) -> dict:
    """The student's ``l2_penalty(model, lam)`` and its gradient for each parameter of
    ``values``, in that order (None where the penalty does not depend on it)."""
    model = _model(description, values, device)
    params = dict(model.named_parameters())
    penalty = student.l2_penalty(model, lam)
    grads = None
    if isinstance(penalty, torch.Tensor) and penalty.requires_grad and penalty.numel() == 1:
        wrt = [params[name] for name in values]
        found = torch.autograd.grad(penalty.sum(), wrt, allow_unused=True)
        grads = [None if g is None else g.detach().clone() for g in found]
    return {"penalty": penalty, "grads": grads}


def groups_report(
    student, description: dict, values: dict, grads: dict, weight_decay, lr: float, device: str
) -> dict:
    """Feed ``param_groups(model, weight_decay)`` to a real SGD and take one step.

    Reports each group as the optimizer holds it (the values of its tensors and its
    ``weight_decay``, the optimizer's default filling a missing one), and the model's
    parameters after one step with the judge's ``grads``.
    """
    model = _model(description, values, device)
    params = dict(model.named_parameters())
    groups = student.param_groups(model, weight_decay)
    try:
        optimizer = torch.optim.SGD(groups, lr=lr, weight_decay=DEFAULT_DECAY)
    except (TypeError, ValueError, KeyError) as exc:
        return {"error": f"{type(exc).__name__}: {exc}"}
    held = [
        {"params": [p.detach().clone() for p in g["params"]], "weight_decay": g["weight_decay"]}
        for g in optimizer.param_groups
    ]
    for name, grad in grads.items():
        params[name].grad = grad.clone()
    optimizer.step()
    return {"groups": held, "after": [params[name].detach().clone() for name in values]}


def decay_step_report(student, w, grad, lr, lam) -> dict:
    """``decay_step(w, grad, lr, lam)``; then ``w`` and ``grad`` are changed in place.

    Reports the result, the values ``w`` and ``grad`` hold after the call (the judge
    knows what it sent), and the result again after its inputs changed: a result that
    shares memory with an input changes with it.
    """
    out = student.decay_step(w, grad, lr, lam)
    report = {"out": _copy(out), "w": _copy(w), "grad": _copy(grad)}
    for x in (w, grad):
        if isinstance(x, torch.Tensor):
            with torch.no_grad():
                x.add_(1.0)
        elif isinstance(x, np.ndarray):
            x += 1.0
    report["out_after"] = _copy(out)
    return report


def _copy(x):
    if isinstance(x, torch.Tensor):
        return x.detach().clone()
    if isinstance(x, np.ndarray):
        return np.array(x, copy=True)
    return x


def offset_training(
    student, X, y, initial: dict, weight_decay, lr: float, steps: int, use: str
) -> dict:
    """Train ``nn.Linear(d, 1)`` from the judge's ``initial`` values on (X, y), full batch.

    ``use``: "groups" (SGD over the student's param_groups) or "penalty" (plain SGD on
    the loss plus the student's l2_penalty). Returns the trained weight and bias.
    """
    description = {"layers": [["linear", X.shape[1], 1, True]]}
    model = _model(description, initial, X.device)
    if use == "groups":
        optimizer = torch.optim.SGD(student.param_groups(model, weight_decay), lr=lr)
    else:
        optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    for _ in range(steps):
        optimizer.zero_grad()
        loss = 0.5 * ((model(X).squeeze(-1) - y) ** 2).mean()
        if use == "penalty":
            loss = loss + student.l2_penalty(model, weight_decay)
        loss.backward()
        optimizer.step()
    layer = model[0]
    return {"weight": layer.weight.detach().clone(), "bias": layer.bias.detach().clone()}
