"""Probes for ex4_8: grader-written code that runs *inside the sandbox* next to student code.

Everything returned is untrusted data. The initializer probe works on weights and data
the judge chose and reports behaviour the judge can recompute from them: the gradient
of a loss on the judge's inputs at the weights the model reports, and where one step of
an optimizer created *before* the initializer moves the model. A report that does not
come from the model (or parameters that are not the model's own) shows as a mismatch.
The training probe builds its model with deterministic, non-zero starting values
(PyTorch's default ranges, from a local generator); the judge re-evaluates what it
returns on data the sandbox never saw.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

INITIALIZERS = ("init_zeros_", "init_xavier_", "init_he_")


class _Block(nn.Module):
    """A Linear hidden one level down, so "every nn.Linear" means every one."""

    def __init__(self, layer: nn.Linear, activate: bool) -> None:
        super().__init__()
        act = nn.Tanh() if activate else nn.Identity()
        self.inner = nn.ModuleDict({"fc": layer, "act": act})

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.inner["act"](self.inner["fc"](x))


def build_model(shapes: list, nested: bool = False, dtype: str = "float32") -> nn.Module:
    """Linear layers of the given (in, out) shapes, tanh after each but the last.

    ``nested``: every other Linear sits one level down, inside a block.
    """
    modules: list[nn.Module] = []
    last = len(shapes) - 1
    for i, (fan_in, fan_out) in enumerate(shapes):
        layer = nn.Linear(fan_in, fan_out, dtype=getattr(torch, dtype))
        if nested and i % 2 == 0:
            modules.append(_Block(layer, i < last))
            continue
        modules.append(layer)
        if i < last:
            modules.append(nn.Tanh())
    return nn.Sequential(*modules)


@torch.no_grad()
def load(model: nn.Module, layers: list) -> nn.Module:
    """Copy the judge's (weight, bias) arrays into the model's Linear layers, in order."""
    for layer, (weight, bias) in zip(linears(model), layers, strict=True):
        layer.weight.copy_(torch.as_tensor(weight))
        layer.bias.copy_(torch.as_tensor(bias))
    return model


@torch.no_grad()
def fill_default(model: nn.Module, seed: int) -> None:
    """PyTorch's default ranges U(-1/sqrt(fan_in), 1/sqrt(fan_in)), from a local generator."""
    generator = torch.Generator().manual_seed(seed)
    for layer in linears(model):
        bound = 1.0 / math.sqrt(layer.in_features)
        layer.weight.uniform_(-bound, bound, generator=generator)
        layer.bias.uniform_(-bound, bound, generator=generator)


def linears(model: nn.Module) -> list[nn.Linear]:
    return [m for m in model.modules() if isinstance(m, nn.Linear)]


def _copy(tensor) -> object:
    return tensor.detach().clone() if isinstance(tensor, torch.Tensor) else None


def snapshot(model: nn.Module) -> list[dict]:
    """Each Linear's weight and bias, copied (in ``model.modules()`` order)."""
    return [{"weight": _copy(m.weight), "bias": _copy(m.bias)} for m in linears(model)]


def _initialize(student, func: str, model: nn.Module, seed: int | None, device: str):
    if func not in INITIALIZERS:
        raise ValueError(f"unknown initializer {func!r}")
    if func == "init_zeros_":
        return student.init_zeros_(model)
    if seed is None:
        return getattr(student, func)(model)
    generator = torch.Generator(device=device).manual_seed(seed)
    return getattr(student, func)(model, generator=generator)


def init_facts(
    student,
    func: str,
    layers: list,
    data: dict,
    seed: int | None = None,
    nested: bool = False,
    device: str = "cpu",
) -> dict:
    """Load the judge's ``layers`` into a model, run the student's initializer, report.

    ``data``: the judge's ``X`` (n, in), ``T`` (n, out), ``C`` (one (weight, bias) pair
    of coefficients per Linear) and ``lr``. Before the call the probe keeps references to
    the model's Parameters and creates an SGD optimizer over them. Afterwards it reports
    the values reached through the model (``module``) and through those references
    (``held``), the returned object's output on X (``output``), the gradient of
    L = ½·Σ(model(X) − T)² + Σₖ⟨Cₖ, Pₖ⟩ with respect to the parameters the model now
    uses (``grads``), and the model's values after one step of that optimizer
    (``stepped``). ``seed`` None calls the initializer without a generator.
    """
    dtype = str(layers[0][0].dtype)
    model = load(build_model([w.T.shape for w, _ in layers], nested, dtype), layers).to(device)
    held = [(m.weight, m.bias) for m in linears(model)]
    optimizer = torch.optim.SGD([p for pair in held for p in pair], lr=data["lr"])
    returned = _initialize(student, func, model, seed, device)
    facts = {
        "module": snapshot(model),
        "held": [{"weight": _copy(w), "bias": _copy(b)} for w, b in held],
    }
    inputs, targets = (torch.as_tensor(data[k], device=device) for k in ("X", "T"))
    facts["output"] = _output_of(returned, inputs)
    params = [p for m in linears(model) for p in (m.weight, m.bias)]
    coefficients = [torch.as_tensor(c, device=device) for pair in data["C"] for c in pair]
    loss = 0.5 * ((model(inputs) - targets) ** 2).sum()
    loss = loss + sum((c * p).sum() for c, p in zip(coefficients, params, strict=True))
    if not loss.requires_grad:
        return {**facts, "grads": None, "stepped": None}
    optimizer.zero_grad()
    loss.backward()
    facts["grads"] = [_copy(p.grad) for p in params]
    optimizer.step()
    facts["stepped"] = snapshot(model)
    return facts


def _output_of(returned, inputs: torch.Tensor) -> object:
    """What the initializer returned, run on the inputs (or the name of its type)."""
    if not isinstance(returned, nn.Module):
        return type(returned).__qualname__
    with torch.no_grad():
        return _copy(returned(inputs))


def symmetry_gap_of(student, weight: np.ndarray, bias: np.ndarray) -> object:
    """The student's ``symmetry_gap`` of an nn.Linear holding these values (of their dtype)."""
    layer = nn.Linear(weight.shape[1], weight.shape[0], dtype=getattr(torch, str(weight.dtype)))
    with torch.no_grad():
        layer.weight.copy_(torch.as_tensor(weight))
        layer.bias.copy_(torch.as_tensor(bias))
    return student.symmetry_gap(layer)


def train_xor(
    student,
    func: str,
    X: np.ndarray,
    y: np.ndarray,
    hidden: int,
    seed: int,
    steps: int,
    lr: float,
    device: str = "cpu",
) -> dict:
    """Initialize a 2-hidden-1 tanh network with the student's ``func``, train it, report.

    Full-batch Adam on the mean binary cross-entropy of the logits. Returns the weights
    right after the initializer and after training (the judge evaluates them).
    """
    model = build_model([(X.shape[1], hidden), (hidden, 1)])
    fill_default(model, seed)
    model = model.to(device)
    _initialize(student, func, model, seed, device)
    initial = snapshot(model)
    inputs = torch.as_tensor(X, dtype=torch.float32, device=device)
    targets = torch.as_tensor(y, dtype=torch.float32, device=device).reshape(-1, 1)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    for _ in range(steps):
        loss = nn.functional.binary_cross_entropy_with_logits(model(inputs), targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return {"initial": initial, "final": snapshot(model)}
