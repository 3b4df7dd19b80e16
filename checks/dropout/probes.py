"""Probes for dropout: grader-written code that runs *inside the sandbox* next to student code.

Every probe builds its generator from a seed the judge chose and also seeds the global
generators (``random``, numpy, torch), so a submission that ignores ``generator`` still
gets the same outputs, hence the same verdict, on every run. Probes only report what
happened; the statistics and every verdict are computed in the trusted judge from the
returned outputs, which are untrusted data.
"""

from __future__ import annotations

import random

import numpy as np
import torch
from torch import nn


def _seed_globals(seed: int) -> None:
    """Seed ``random``, numpy's and torch's global generators (CPU, and CUDA if present).

    Not ``torch.manual_seed``: on a machine without CUDA it records three stack traces
    per call for lazily seeding devices that never come (0.2 ms a call, 10 ms the first
    time), and every probe call seeds.
    """
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.default_generator.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


def _generator(x, seed: int):
    """A generator of the kind ``dropout`` takes for x, seeded by the judge."""
    if isinstance(x, torch.Tensor):
        return torch.Generator(device=x.device).manual_seed(seed)
    return np.random.default_rng(seed)


def _copy(x):
    """A fresh copy of x, so that a solution modifying x in place spoils only one call."""
    return x.clone() if isinstance(x, torch.Tensor) else np.array(x, copy=True)


def run(student, x, p, seed: int, training: bool = True, with_generator: bool = True):
    """``dropout(x, p, training, generator)`` with a generator built from ``seed`` (or,
    ``with_generator`` false, ``dropout(x, p)`` as most callers write it: ``training`` and
    ``generator`` left at their defaults, True and None; ``training=False`` is passed)."""
    _seed_globals(seed)
    if not with_generator:
        return student.dropout(x, p) if training else student.dropout(x, p, training=False)
    return student.dropout(x, p, training=training, generator=_generator(x, seed))


def run_keeping_input(student, x, p, seed: int) -> dict:
    """The output and x as it is after the call (to see whether it was modified in place).

    ``x_after`` is the very object passed to ``dropout``, held here: in-place changes
    (``x *= mask``, ``x[...] = 0``, ``x.mul_``) show in it.
    """
    _seed_globals(seed)
    y = student.dropout(x, p, training=True, generator=_generator(x, seed))
    return {"y": y, "x_after": x}


def generator_facts(student, x, p, seed: int) -> dict:
    """Outputs that show whether ``generator`` is used and advanced.

    ``same_seed``: same generator seed, different global seeds; ``other_seed``: another
    generator seed; ``second_draw``: a second call with the generator of ``first``.
    """
    _seed_globals(seed)
    gen = _generator(x, seed)
    first = student.dropout(_copy(x), p, training=True, generator=gen)
    second_draw = student.dropout(_copy(x), p, training=True, generator=gen)
    _seed_globals(seed + 1)
    same_seed = student.dropout(_copy(x), p, training=True, generator=_generator(x, seed))
    _seed_globals(seed)
    other_seed = student.dropout(_copy(x), p, training=True, generator=_generator(x, seed + 1))
    return {
        "first": first,
        "second_draw": second_draw,
        "same_seed": same_seed,
        "other_seed": other_seed,
    }


def gradient_facts(student, x, weights, p, seed: int) -> dict:
    """Output of dropout on a leaf tensor x and d(sum(weights * output))/dx.

    ``grad`` is None when the output is not connected to x (no gradient flows).
    """
    _seed_globals(seed)
    x = x.detach().requires_grad_(True)
    y = student.dropout(x, p, training=True, generator=_generator(x, seed))
    if not isinstance(y, torch.Tensor) or not y.requires_grad:
        return {"y": y.detach() if isinstance(y, torch.Tensor) else y, "grad": None}
    (y * weights).sum().backward()
    return {"y": y.detach(), "grad": x.grad}


def meta_facts(student, shape: list, dtype: str, p: float) -> dict:
    """What dropout does with a tensor on the ``meta`` device (shape and dtype, no data).

    This detects a mask created on the wrong device without any GPU: ``torch.rand(x.shape)``
    without ``device=x.device`` makes a CPU mask, and mixing it with a meta tensor raises a
    device-mismatch error (or the result lands on the CPU). The error is reported as data;
    the judge decides. NotImplementedError propagates (a stub is "not implemented yet").
    """
    x = torch.empty(shape, dtype=getattr(torch, dtype), device="meta")
    try:
        y = student.dropout(x, p, training=True)
    except NotImplementedError:
        raise
    except Exception as exc:
        return {"raised": type(exc).__name__, "message": str(exc)[:500]}
    if not isinstance(y, torch.Tensor):
        return {"returned": type(y).__qualname__}
    return {"device": str(y.device), "dtype": str(y.dtype), "shape": list(y.shape)}


def module_facts(student, x, p, seed: int) -> dict:
    """Outputs of the student's ``Dropout(p)`` (or ``Dropout()`` when p is None).

    Two calls in train() mode, two in eval() mode (set through a parent nn.Sequential, as
    a real network does), then train() mode again.
    """
    _seed_globals(seed)
    layer = student.Dropout() if p is None else student.Dropout(p)
    if not isinstance(layer, nn.Module):
        return {"is_module": False, "type": type(layer).__qualname__}
    parent = nn.Sequential(layer)
    facts = {"is_module": True, "train": [parent(_copy(x)), parent(_copy(x))]}
    parent.eval()
    facts["eval"] = [parent(_copy(x)), parent(_copy(x))]
    parent.train()
    facts["train_again"] = parent(_copy(x))
    return {k: _detached(v) for k, v in facts.items()}


def _detached(value):
    if isinstance(value, list):
        return [_detached(v) for v in value]
    return value.detach() if isinstance(value, torch.Tensor) else value


def train_network(student, X, y, X_probe, device: str, seed: int, steps: int, p: float) -> dict:
    """Train Linear-ReLU-Dropout(p)-Linear-ReLU-Dropout(p)-Linear with Adam on (X, y).

    Returns the trained weights (the judge re-evaluates them on data the sandbox never
    saw), the losses, two eval()-mode outputs on ``X_probe`` (must be identical and match
    the weights) and two train()-mode outputs (must differ: dropout is active).
    """
    _seed_globals(seed)
    X, y, X_probe = X.to(device), y.to(device), X_probe.to(device)
    hidden = 64
    model = nn.Sequential(
        nn.Linear(X.shape[1], hidden),
        nn.ReLU(),
        student.Dropout(p),
        nn.Linear(hidden, hidden),
        nn.ReLU(),
        student.Dropout(p),
        nn.Linear(hidden, int(y.max()) + 1),
    ).to(device)
    # fused: the same Adam update in one kernel per step (a third of the step's time).
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01, fused=True)
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(X), y)
        loss.backward()
        optimizer.step()
        losses.append(float(loss.detach()))
    with torch.no_grad():
        train_outputs = [model(X_probe), model(X_probe)]
        model.eval()
        eval_outputs = [model(X_probe), model(X_probe)]
    linears = [m for m in model if isinstance(m, nn.Linear)]
    return {
        "losses": losses,
        "weights": [(m.weight.detach().cpu(), m.bias.detach().cpu()) for m in linears],
        "eval": [o.cpu() for o in eval_outputs],
        "train": [o.cpu() for o in train_outputs],
    }
