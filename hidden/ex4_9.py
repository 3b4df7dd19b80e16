"""Hidden checks of ex4_9: never shipped to students (the handout leaves hidden/ out).

Expected norms and ratios come from the reference solution, run in the trusted process
on the very weights the judge sends into the sandbox.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch

from grader.catalog import load_reference
from grader.course.ex4_9 import judging, public
from grader.course.ex4_9.public import (
    as_tensor,
    deep_sigmoid_mlp_architecture,
    layer_grad_norms_small,
    update_ratio_ignores_lr,
)
from grader.model import Visibility
from grader.registry import CheckSet

checks = CheckSet("ex4_9", Visibility.HIDDEN)
reference = load_reference("ex4_9")

ARCHITECTURES = [(1, 3, 2, 1), (6, 9, 5, 3), (12, 4, 7, 2)]
# (sizes, activation, n): a depth-1 net, a depth-8 sigmoid net, a depth-5 ReLU net.
NORM_CASES = [
    ([5, 7, 1], "sigmoid", 20),
    ([3] + [12] * 8 + [1], "sigmoid", 48),
    ([6] + [10] * 5 + [1], "relu", 30),
]
LRS = [3e-4, 0.07, 2.5, 300.0]
KINDS_SIZES = [5, 6, 6, 6, 1]
KINDS_LRS = [3, 0.5]  # a Python int and a float
# Another run of the public experiment on other data, width 12 (margins: public.py).
LR_RUN = {"lrs": [0.5, 5.0, 50.0], "steps": 30, "n": 96, "data_seed": 4_9_1, "init_seed": 4_9_2}


def _reference_model(layers: judging.Layers, activation: str) -> torch.nn.Module:
    """The judge's weights in a trusted torch model of the same architecture."""
    modules: list[torch.nn.Module] = []
    for i, (weight, bias) in enumerate(layers):
        linear = torch.nn.Linear(weight.shape[1], weight.shape[0])
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(weight))
            linear.bias.copy_(torch.from_numpy(bias))
        modules.append(linear)
        if i < len(layers) - 1:
            modules.append(torch.nn.ReLU() if activation == "relu" else torch.nn.Sigmoid())
    return torch.nn.Sequential(*modules)


def _case(index: int, sizes: list[int], activation: str, n: int):
    rng = np.random.default_rng(4_9_0 + index)
    make = judging.he_layers if activation == "relu" else judging.default_layers
    X, y = judging.task(4_9_0 + index, n, sizes[0])
    return make(rng, sizes), X, y


@checks.check(points=1, depends=deep_sigmoid_mlp_architecture)
def deep_sigmoid_mlp_other_shapes(sub) -> None:
    """deep_sigmoid_mlp is right for other depths, widths and several outputs"""
    rng = np.random.default_rng(4_9)
    for i, shape in enumerate(ARCHITECTURES):
        inputs = rng.normal(size=(5, shape[2])).astype(np.float32)
        layers = judging.architecture_layers(4_9_5 + i, shape)
        facts = sub.probe("mlp_facts", *shape, layers, inputs, label=f"deep_sigmoid_mlp{shape}")
        judging.check_architecture(facts, shape, layers, inputs)


@checks.check(points=2, depends=layer_grad_norms_small)
def layer_grad_norms_reference(sub) -> None:
    """layer_grad_norms matches the reference on other networks (and twice in a row)"""
    for index, (sizes, activation, n) in enumerate(NORM_CASES):
        layers, X, y = _case(index, sizes, activation, n)
        targets = y[:, None] if index % 2 else y
        expected = reference.layer_grad_norms(
            _reference_model(layers, activation), torch.from_numpy(X), torch.from_numpy(targets)
        )
        where = f"layer_grad_norms(depth-{len(sizes) - 2} {activation} MLP, X, y)"
        data = as_tensor(X), as_tensor(targets)
        facts = sub.probe("grad_norms", layers, *data, activation, 2, label=where)
        first, second = judging.calls_of(facts, "norms", 2, where)
        judging.expect_norms(first, expected, where, n)
        judging.expect_norms(second, expected, f"{where}, called a second time", n)
        judging.expect_unchanged(judging.field(facts, "after", where), layers, where)


@checks.check(points=1, depends=update_ratio_ignores_lr)
def update_ratio_reference(sub) -> None:
    """update_ratio matches the reference on other networks and learning rates"""
    for index, (sizes, activation, n) in enumerate(NORM_CASES):
        layers, X, y = _case(index, sizes, activation, n)
        model = _reference_model(layers, activation)
        where = f"update_ratio(depth-{len(sizes) - 2} {activation} MLP, X, y, lr)"
        values = judging.ratios(sub, layers, as_tensor(X), as_tensor(y), LRS, activation, where)
        for lr, got in zip(LRS, values, strict=True):
            expected = reference.update_ratio(model, torch.from_numpy(X), torch.from_numpy(y), lr)
            judging.expect_ratio(got, expected, where.replace("lr)", f"lr={lr:g})"))


class Kind(NamedTuple):
    """One kind of input: what is sent, and the values the judge computes with."""

    label: str
    layers: judging.Layers  # the model's weights (float32)
    X_sent: object  # X as the student's function receives it
    y_sent: object
    X: np.ndarray  # its values (float64 when it was float64)
    y: np.ndarray


def _input_kinds() -> list[Kind]:
    """Every kind of X and y the contract allows (numpy or torch, float32 or float64, float
    or integer 0/1 labels, y of shape (n,) or (n, 1)), on a float32 model."""
    rng = np.random.default_rng(4_9_9)
    layers = judging.default_layers(rng, KINDS_SIZES)
    X, y = judging.task(4_9_9, 24, KINDS_SIZES[0])
    X64 = X.astype(np.float64) + rng.normal(scale=1e-3, size=X.shape)  # not float32 values
    y64, labels = y.astype(np.float64), y.astype(np.int64)
    return [
        Kind("numpy float32 X, y", layers, X, y, X, y),
        Kind("numpy float64 X, y of shape (n, 1)", layers, X64, y64[:, None], X64, y),
        Kind("torch float64 X, y", layers, as_tensor(X64), as_tensor(y64), X64, y),
        Kind("numpy int64 0/1 labels", layers, X, labels, X, y),
        Kind("torch int64 labels (n, 1)", layers, as_tensor(X), as_tensor(labels[:, None]), X, y),
    ]


@checks.check(points=1, depends=layer_grad_norms_small)
def layer_grad_norms_input_kinds(sub) -> None:
    """layer_grad_norms takes numpy arrays or tensors, float32 or float64, float or 0/1 labels"""
    for kind in _input_kinds():
        where = f"layer_grad_norms(depth-3 sigmoid MLP, {kind.label})"
        facts = sub.probe("grad_norms", kind.layers, kind.X_sent, kind.y_sent, label=where)
        (norms,) = judging.calls_of(facts, "norms", 1, where)
        expected = judging.grad_norms(kind.layers, kind.X, kind.y)
        judging.expect_norms(norms, expected, where, len(kind.y))
        judging.expect_unchanged(judging.field(facts, "after", where), kind.layers, where)


@checks.check(points=1, depends=update_ratio_ignores_lr)
def update_ratio_input_kinds(sub) -> None:
    """update_ratio takes the same kinds of X and y, and lr as a Python int or float"""
    for kind in _input_kinds():
        where = f"update_ratio(depth-3 sigmoid MLP, {kind.label}, lr)"
        norms = judging.grad_norms(kind.layers, kind.X, kind.y)
        sent = kind.X_sent, kind.y_sent
        values = judging.ratios(sub, kind.layers, *sent, KINDS_LRS, "sigmoid", where)
        for lr, got in zip(KINDS_LRS, values, strict=True):
            judging.expect_ratio(got, norms[0] / norms[-1], where.replace("lr)", f"lr={lr!r})"))


@checks.check(
    points=2,
    depends=(deep_sigmoid_mlp_architecture, update_ratio_ignores_lr),
    timeout=60,
    training=True,
)
def larger_lr_does_not_cure_vanishing_hidden(sub) -> None:
    """On other data and width: raising lr 10x-100x still leaves the first layer behind"""
    public.run_lr_experiment(sub, LR_RUN, depth=10, width=12, in_features=6)
