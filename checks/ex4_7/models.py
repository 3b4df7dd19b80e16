"""Test models for ex4_7, described as plain data so the judge can choose them.

A description is a dict ``{"layers": [...], "ties": [...], "dtype": "float32"}``. Each
layer is a list ``[kind, *args]``:

    ["linear", fan_in, fan_out, bias]        ["conv1d" | "conv2d", c_in, c_out, k, bias]
    ["embedding", count, dim]                ["batchnorm1d" | "batchnorm2d", channels]
    ["layernorm", shape, bias]               ["groupnorm", groups, channels]
    ["attention", embed_dim, heads]          ["prelu", count]
    ["block", [layer, ...]]                  (a nested nn.Sequential)

and a tie ``[source, target]`` (module paths such as "0" or "3.1") makes the target
module's ``weight`` the source's, a parameter shared by two modules. The model is an
``nn.Sequential`` of those layers (it is never run forward).

:func:`build` (torch; used inside the sandbox, and by tests) makes the model;
:func:`parameter_table` (pure Python; used by the judge) says which parameter names the
model has, in ``named_parameters()`` order, and which of them are weights to decay.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

NORMS = frozenset({"batchnorm1d", "batchnorm2d", "layernorm", "groupnorm"})
# The optimizer's own default weight decay in the groups probe: a group without an explicit
# "weight_decay" gets this value (AdamW's default is 0.01, for instance), which shows.
DEFAULT_DECAY = 0.123


def parameter_table(description: dict) -> list[tuple[str, bool]]:
    """(name, is_weight) for each distinct parameter, in ``named_parameters()`` order.

    A weight is a parameter with two or more dimensions outside normalization layers;
    a tied target's weight is the source's, listed once under the source's name.
    """
    tied = {f"{target}.weight" for _, target in description.get("ties", ())}
    table = _table(description["layers"], "")
    return [(name, decayed) for name, decayed in table if name not in tied]


def _table(layers: Sequence, prefix: str) -> list[tuple[str, bool]]:
    rows = []
    for index, layer in enumerate(layers):
        path = f"{prefix}{index}"
        if layer[0] == "block":
            rows += _table(layer[1], f"{path}.")
            continue
        rows += [(f"{path}.{name}", decayed) for name, decayed in _layer_table(layer)]
    return rows


def _layer_table(layer: Sequence) -> list[tuple[str, bool]]:
    kind = layer[0]
    if kind in ("linear", "conv1d", "conv2d"):
        return [("weight", True)] + ([("bias", False)] if layer[-1] else [])
    if kind == "embedding":
        return [("weight", True)]
    if kind == "layernorm":
        return [("weight", False)] + ([("bias", False)] if layer[2] else [])
    if kind in NORMS:
        return [("weight", False), ("bias", False)]
    if kind == "attention":
        return [
            ("in_proj_weight", True),
            ("in_proj_bias", False),
            ("out_proj.weight", True),
            ("out_proj.bias", False),
        ]
    if kind == "prelu":
        return [("weight", False)]
    raise ValueError(f"unknown layer kind {kind!r}")


def build(description: dict, seed: int) -> Any:
    """The described model (torch), its initial values fixed by ``seed``."""
    import torch

    dtype = getattr(torch, description.get("dtype", "float32"))
    model = _sequential(description["layers"]).to(dtype)
    for source, target in description.get("ties", ()):
        _module(model, target).weight = _module(model, source).weight
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():  # random values everywhere: norm layers start at 1 and 0
            p.copy_(torch.randn(p.shape, generator=generator, dtype=torch.float64) * 0.5)
    return model


def _sequential(layers: Sequence) -> Any:
    from torch import nn

    return nn.Sequential(*(_layer(layer) for layer in layers))


def _layer(layer: Sequence) -> Any:
    from torch import nn

    kind, args = layer[0], list(layer[1:])
    makers = {
        "linear": lambda i, o, bias: nn.Linear(i, o, bias=bias),
        "conv1d": lambda i, o, k, bias: nn.Conv1d(i, o, k, bias=bias),
        "conv2d": lambda i, o, k, bias: nn.Conv2d(i, o, k, bias=bias),
        "embedding": nn.Embedding,
        "batchnorm1d": nn.BatchNorm1d,
        "batchnorm2d": nn.BatchNorm2d,
        "layernorm": lambda shape, bias: nn.LayerNorm(tuple(shape), bias=bias),
        "groupnorm": nn.GroupNorm,
        "attention": nn.MultiheadAttention,
        "prelu": nn.PReLU,
        "block": _sequential,
    }
    if kind not in makers:
        raise ValueError(f"unknown layer kind {kind!r}")
    return makers[kind](*args)


def _module(model: Any, path: str) -> Any:
    for part in path.split("."):
        model = model[int(part)]
    return model
