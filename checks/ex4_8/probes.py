"""Probes for ex4_8: grader-written code that runs *inside the sandbox* next to student code.

Models are built here with deterministic, non-zero starting values (PyTorch's default
ranges, drawn from a local generator), so an initializer that forgets a parameter
leaves visible traces. Everything returned is untrusted data: the judge re-derives
every fact (empirical stds, symmetry, accuracy) from the returned weights.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

INITIALIZERS = ("init_zeros_", "init_xavier_", "init_he_")


class _Block(nn.Module):
    """A Linear hidden one level down, so "every nn.Linear" means every one."""

    def __init__(self, layer: nn.Linear) -> None:
        super().__init__()
        self.inner = nn.ModuleDict({"fc": layer, "act": nn.Tanh()})

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.inner["act"](self.inner["fc"](x))


def build_model(shapes: list, seed: int, nested: bool = False) -> nn.Module:
    """Linear layers of the given (in, out) shapes with tanh between, filled deterministically."""
    layers: list[nn.Module] = []
    for i, (fan_in, fan_out) in enumerate(shapes):
        layer = nn.Linear(fan_in, fan_out)
        layers.append(_Block(layer) if nested and i % 2 == 0 else layer)
        if not (nested and i % 2 == 0) and i < len(shapes) - 1:
            layers.append(nn.Tanh())
    model = nn.Sequential(*layers)
    fill_default(model, seed)
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


def snapshot(model: nn.Module) -> list[dict]:
    """Each Linear's weight and bias, copied (in ``model.modules()`` order)."""
    return [
        {"weight": layer.weight.detach().clone(), "bias": layer.bias.detach().clone()}
        for layer in linears(model)
    ]


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
    shapes: list,
    seed: int | None,
    nested: bool = False,
    device: str = "cpu",
) -> dict:
    """Build a model, run the student's initializer on it, report what it holds afterwards.

    ``seed`` None calls the initializer without a generator.
    """
    model = build_model(shapes, 1000 + len(shapes), nested).to(device)
    returned = _initialize(student, func, model, seed, device)
    return {"same": returned is model, "layers": snapshot(model)}


def symmetry_gap_of(student, weight: np.ndarray, bias: np.ndarray) -> object:
    """The student's ``symmetry_gap`` of an nn.Linear holding these values."""
    layer = nn.Linear(weight.shape[1], weight.shape[0])
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
    model = build_model([(X.shape[1], hidden), (hidden, 1)], seed).to(device)
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
