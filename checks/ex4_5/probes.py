"""Probes for ex4_5: grader-written code that runs *inside the sandbox* next to student code.

Everything returned here is untrusted data: the judge chose the weights and inputs, and
recomputes the output the network must give from them (judging.py).
"""

from __future__ import annotations

import torch
from torch.overrides import TorchFunctionMode


def mlp_facts(student, M0, N, L, weights: list, inputs) -> dict:
    """Build the student's MLP, load the judge's ``weights`` into it, run it on ``inputs``.

    ``weights`` is ``[[W, b], ...]`` in the order the layers are applied (input side
    first); see :func:`_layers_for` for which ``nn.Linear`` each goes into. The report
    holds the model's parameter shapes, the shapes of those layers, and, when they fit
    the judge's weights, the model's output with them.
    """
    model = student.build_mlp(M0, N, L)
    if not isinstance(model, torch.nn.Module):
        return {"is_module": False, "type": type(model).__qualname__}
    layers = _layers_for(model, inputs, weights)
    report = {
        "is_module": True,
        "type": type(model).__qualname__,
        "parameter_shapes": [list(p.shape) for p in model.parameters()],
        "layers": [_shapes(m) for m in layers],
    }
    if report["layers"] != [[list(w.shape), list(b.shape)] for w, b in weights]:
        return report  # the judge's weights do not fit: the judge says which layer is wrong
    with torch.no_grad():
        for layer, (weight, bias) in zip(layers, weights, strict=True):
            layer.weight.copy_(weight)
            layer.bias.copy_(bias)
        output = model(inputs)
    report["output"] = output.detach().clone() if isinstance(output, torch.Tensor) else output
    return report


def _shapes(layer) -> list:
    bias = None if layer.bias is None else list(layer.bias.shape)
    return [list(layer.weight.shape), bias]


def _layers_for(model, inputs, weights: list) -> list:
    """The model's nn.Linear layers, one for each of the judge's (W, b), in that order.

    In the order a forward pass first uses their weights, when it uses every layer's
    (through the module or its tensors directly); otherwise, for each (W, b), the first
    unused layer of those shapes in ``modules()`` order; failing that, all as declared.
    """
    declared = [m for m in model.modules() if isinstance(m, torch.nn.Linear)]
    first_use = _first_use(model, [m.weight for m in declared], inputs)
    if all(index is not None for index in first_use):
        return [m for _, m in sorted(zip(first_use, declared, strict=True), key=lambda p: p[0])]
    free, chosen = list(declared), []
    for weight, bias in weights:
        wanted = [list(weight.shape), list(bias.shape)]
        layer = next((m for m in free if _shapes(m) == wanted), None)
        if layer is None:
            return declared
        free = [m for m in free if m is not layer]
        chosen.append(layer)
    return chosen


class _FirstUse(TorchFunctionMode):
    """Records, for each watched tensor, when a torch operation first took it as input."""

    def __init__(self, watched: list) -> None:
        super().__init__()
        self.position = {id(t): i for i, t in enumerate(watched)}
        self.first: list[int | None] = [None] * len(watched)
        self.operations = 0

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        for value in (*args, *kwargs.values()):
            for item in value if isinstance(value, list | tuple) else (value,):
                index = self.position.get(id(item))
                if index is not None and self.first[index] is None:
                    self.first[index] = self.operations
        self.operations += 1
        return func(*args, **kwargs)


def _first_use(model, watched: list, inputs) -> list[int | None]:
    """For each tensor of ``watched``, when one forward pass first used it (None: never)."""
    recorder = _FirstUse(watched)
    with torch.no_grad(), recorder:
        model(inputs)
    return recorder.first


def expr_text(student) -> object:
    """The student's expression, sent back as a sympy value (encoded as text)."""
    return student.param_count_expr()
