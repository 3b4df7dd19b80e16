"""Probes for ex4_7: grader-written code that runs *inside the sandbox* next to student code.

Models are built here from the judge's description and seed (models.py). Everything
returned is untrusted data: the judge re-derives every fact from it.
"""

from __future__ import annotations

import numpy as np
import torch

from grader.course.ex4_7 import models
from grader.course.ex4_7.models import DEFAULT_DECAY


def _snapshot(model) -> dict:
    return {name: p.detach().clone() for name, p in model.named_parameters()}


def penalty_report(student, description: dict, seed: int, lam: float, device: str) -> dict:
    """The student's ``l2_penalty(model, lam)``, the parameters it saw, and its gradient."""
    model = models.build(description, seed).to(device)
    params = _snapshot(model)
    penalty = student.l2_penalty(model, lam)
    grads = None
    if isinstance(penalty, torch.Tensor) and penalty.requires_grad and penalty.numel() == 1:
        found = torch.autograd.grad(penalty.sum(), list(model.parameters()), allow_unused=True)
        grads = [None if g is None else g.detach().clone() for g in found]
    return {
        "names": list(params),
        "params": list(params.values()),
        "penalty": penalty,
        "grads": grads,
    }


def groups_report(student, description: dict, seed: int, weight_decay: float, device: str) -> dict:
    """Feed ``param_groups(model, weight_decay)`` to a real SGD; report what each group holds."""
    model = models.build(description, seed).to(device)
    names = {id(p): name for name, p in model.named_parameters()}
    groups = student.param_groups(model, weight_decay)
    try:
        optimizer = torch.optim.SGD(groups, lr=0.1, weight_decay=DEFAULT_DECAY)
    except (TypeError, ValueError, KeyError) as exc:
        return {"error": f"{type(exc).__name__}: {exc}"}
    return {
        "names": list(names.values()),
        "groups": [
            {
                "params": [names.get(id(p), "<not a parameter of the model>") for p in g["params"]],
                "weight_decay": g["weight_decay"],
            }
            for g in optimizer.param_groups
        ],
    }


def decay_step_report(student, w, grad, lr: float, lam: float) -> dict:
    """The student's ``decay_step`` result, and whether it changed or reused its inputs."""
    before = [_copy(w), _copy(grad)]
    out = student.decay_step(w, grad, lr, lam)
    return {
        "out": out,
        "inputs_changed": [not _same(a, b) for a, b in zip(before, (w, grad), strict=True)],
        "reuses_input": any(_shares(out, x) for x in (w, grad)),
    }


def _copy(x):
    return x.clone() if isinstance(x, torch.Tensor) else np.array(x, copy=True)


def _same(a, b) -> bool:
    if isinstance(a, torch.Tensor):
        return isinstance(b, torch.Tensor) and torch.equal(a, b)
    return np.array_equal(a, b)


def _shares(out, x) -> bool:
    if isinstance(out, torch.Tensor) and isinstance(x, torch.Tensor):
        return out.untyped_storage().data_ptr() == x.untyped_storage().data_ptr()
    if isinstance(out, np.ndarray) and isinstance(x, np.ndarray):
        return bool(np.shares_memory(out, x))
    return False


def offset_training(
    student, X, y, weight_decay: float, lr: float, steps: int, seed: int, use: str
) -> dict:
    """Train ``nn.Linear(d, 1)`` on (X, y), full batch, decaying as ``use`` says.

    ``use``: "groups" (SGD over the student's param_groups) or "penalty" (plain SGD on
    the loss plus the student's l2_penalty). Returns the trained weight and bias.
    """
    model = models.build({"layers": [["linear", X.shape[1], 1, True]]}, seed).to(X.device)
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
