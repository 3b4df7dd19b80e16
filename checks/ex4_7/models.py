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
:func:`parameter_shapes` (pure Python; used by the judge) says which parameters the model
has, in ``named_parameters()`` order, and their shapes.
:func:`load` (torch, in the sandbox) puts values the judge chose into a built model.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

# The optimizer's own default weight decay in the groups probe: a group without an explicit
# "weight_decay" gets this value (AdamW's default is 0.01, for instance), which shows.
DEFAULT_DECAY = 0.123


def parameter_shapes(description: dict) -> dict[str, tuple[int, ...]]:
    """Name -> shape of each distinct parameter, in ``named_parameters()`` order.

    A tied target's weight is the source's, listed once under the source's name. Which
    of them are weights to decay is not said here (this module runs in the sandbox too):
    each check states it next to its model, and a test holds it to the reference.
    """
    tied = {f"{target}.weight" for _, target in description.get("ties", ())}
    rows = _table(description["layers"], "")
    return {name: shape for name, shape in rows if name not in tied}


def _table(layers: Sequence, prefix: str) -> list[tuple[str, tuple[int, ...]]]:
    rows = []
    for index, layer in enumerate(layers):
        path = f"{prefix}{index}"
        if layer[0] == "block":
            rows += _table(layer[1], f"{path}.")
            continue
        rows += [(f"{path}.{name}", shape) for name, shape in _layer_table(layer)]
    return rows


def _layer_table(layer: Sequence) -> list[tuple[str, tuple[int, ...]]]:
    kind, args = layer[0], list(layer[1:])
    if kind == "linear":
        fan_in, fan_out, bias = args
        return [("weight", (fan_out, fan_in)), *_bias(bias, fan_out)]
    if kind in ("conv1d", "conv2d"):
        c_in, c_out, k, bias = args
        kernel = (k,) if kind == "conv1d" else (k, k)
        return [("weight", (c_out, c_in, *kernel)), *_bias(bias, c_out)]
    if kind == "embedding":
        return [("weight", tuple(args))]
    if kind == "layernorm":
        shape, bias = tuple(args[0]), args[1]
        return [("weight", shape), *_bias(bias, shape)]
    if kind in ("batchnorm1d", "batchnorm2d", "groupnorm"):
        channels = args[-1]
        return [("weight", (channels,)), ("bias", (channels,))]
    if kind == "attention":
        dim = args[0]
        return [
            ("in_proj_weight", (3 * dim, dim)),
            ("in_proj_bias", (3 * dim,)),
            ("out_proj.weight", (dim, dim)),
            ("out_proj.bias", (dim,)),
        ]
    if kind == "prelu":
        return [("weight", (args[0],))]
    raise ValueError(f"unknown layer kind {kind!r}")


def _bias(bias: bool, shape: int | tuple[int, ...]) -> list[tuple[str, tuple[int, ...]]]:
    return [("bias", shape if isinstance(shape, tuple) else (shape,))] if bias else []


def build(description: dict) -> Any:
    """The described model (torch), with torch's own initial values."""
    import torch

    dtype = getattr(torch, description.get("dtype", "float32"))
    model = _sequential(description["layers"]).to(dtype)
    for source, target in description.get("ties", ()):
        _module(model, target).weight = _module(model, source).weight
    return model


def load(model: Any, values: dict) -> Any:
    """Copy ``values`` (parameter name -> tensor) into the model's parameters; return it.

    The judge sends a value for every distinct parameter (:func:`parameter_shapes`); a
    name the model does not have raises KeyError, a wrong shape RuntimeError.
    """
    import torch

    params = dict(model.named_parameters())
    with torch.no_grad():
        for name, value in values.items():
            params[name].copy_(value)
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
