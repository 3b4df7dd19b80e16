"""Trusted-side facts about ex4_9 shared by its public and hidden checks.

The judge owns a float64 numpy backpropagation for MLPs (Linear, activation, ...,
Linear; mean binary cross-entropy on the logits). Every gradient norm, ratio and loss
a check relies on is recomputed here from weights the judge sent in or got back, so the
sandbox only supplies data to be checked, never a verdict.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np

from grader.judge.compare import as_number, as_numbers, describe, expect_close, fail, kind_of
from grader.outcomes import CheckFailed
from grader.sandbox.values import TensorData

Layers = list[tuple[np.ndarray, np.ndarray]]

# float32 torch against float64 numpy: measured relative differences of per-layer norms
# stay below 1e-5 up to depth 10 (bench/ex4_9_margins.py); 1e-3 leaves a wide margin.
NORM_RTOL = 1e-3


# ----------------------------------------------------------------------------- numpy MLP


def _activate(z: np.ndarray, activation: str) -> tuple[np.ndarray, np.ndarray]:
    """The activation and its derivative at z."""
    if activation == "relu":
        return np.maximum(z, 0.0), (z > 0).astype(np.float64)
    s = 0.5 * (1.0 + np.tanh(0.5 * z))  # a sigmoid that never overflows
    return s, s * (1.0 - s)


def forward(layers: Layers, X: np.ndarray, activation: str = "sigmoid") -> np.ndarray:
    """The logits of the MLP with these (weight, bias) layers."""
    h = np.asarray(X, dtype=np.float64)
    for i, (weight, bias) in enumerate(layers):
        h = h @ weight.T + bias
        if i < len(layers) - 1:
            h = _activate(h, activation)[0]
    return h


def loss_and_grads(
    layers: Layers, X: np.ndarray, y: np.ndarray, activation: str = "sigmoid"
) -> tuple[float, Layers]:
    """Mean BCE on the logits and its gradient (dW, db) for each layer, in float64."""
    layers = [(np.asarray(w, np.float64), np.asarray(b, np.float64)) for w, b in layers]
    inputs, slopes = [np.asarray(X, dtype=np.float64)], []
    for weight, bias in layers[:-1]:
        h, slope = _activate(inputs[-1] @ weight.T + bias, activation)
        inputs.append(h)
        slopes.append(slope)
    logits = inputs[-1] @ layers[-1][0].T + layers[-1][1]
    target = np.asarray(y, dtype=np.float64).reshape(logits.shape)
    loss = float(np.mean(np.logaddexp(0.0, logits) - target * logits))
    delta = (_activate(logits, "sigmoid")[0] - target) / logits.size
    grads: Layers = []
    for i in range(len(layers) - 1, -1, -1):
        grads.append((delta.T @ inputs[i], delta.sum(axis=0)))
        if i:
            delta = (delta @ layers[i][0]) * slopes[i - 1]
    return loss, grads[::-1]


def grad_norms(layers: Layers, X, y, activation: str = "sigmoid") -> list[float]:
    """The Frobenius norm of each weight's gradient, input side first."""
    return [float(np.linalg.norm(gw)) for gw, _ in loss_and_grads(layers, X, y, activation)[1]]


def default_layers(rng: np.random.Generator, sizes: Sequence[int]) -> Layers:
    """PyTorch's default Linear init: weights and biases U(-1/sqrt(fan_in), 1/sqrt(fan_in))."""
    layers = []
    for fan_in, fan_out in itertools.pairwise(sizes):
        bound = 1.0 / math.sqrt(fan_in)
        weight = rng.uniform(-bound, bound, size=(fan_out, fan_in))
        bias = rng.uniform(-bound, bound, size=fan_out)
        layers.append((weight.astype(np.float32), bias.astype(np.float32)))
    return layers


def he_layers(rng: np.random.Generator, sizes: Sequence[int]) -> Layers:
    """He init for ReLU networks: weights N(0, 2/fan_in), biases 0."""
    return [
        (
            (rng.normal(size=(fan_out, fan_in)) * math.sqrt(2.0 / fan_in)).astype(np.float32),
            np.zeros(fan_out, dtype=np.float32),
        )
        for fan_in, fan_out in itertools.pairwise(sizes)
    ]


def task(seed: int, n: int, d: int) -> tuple[np.ndarray, np.ndarray]:
    """Inputs N(0, 1) and labels of a random linear teacher (float32)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = (X @ rng.normal(size=d) > 0).astype(np.float32)
    return X.astype(np.float32), y


def constant_loss(y: np.ndarray) -> float:
    """The best mean BCE a constant output can reach: the entropy of the label frequency."""
    p = float(np.mean(y))
    return 0.0 if p in (0.0, 1.0) else -(p * math.log(p) + (1 - p) * math.log(1 - p))


# ----------------------------------------------------------------------------- messages


def norm_table(expected: Sequence[float], got: Sequence[float] | None = None) -> str:
    """Per-layer gradient norms as a compact table (input side first)."""
    header = "  layer  expected ||dW||" + ("   yours" if got is not None else "")
    rows = [header]
    for i, want in enumerate(expected):
        row = f"  {i + 1:>5}  {want:>15.3e}"
        if got is not None:
            value = got[i] if i < len(got) else None
            mark = "" if _close(value, want) else "  <-"
            row += f"   {_fmt(value)}{mark}"
        rows.append(row)
    if got is not None and len(got) > len(expected):
        rows += [
            f"  {i + 1:>5}  {'-':>15}   {_fmt(v)}  <-"
            for i, v in enumerate(got[len(expected) :], len(expected))
        ]
    return "\n".join(rows)


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3e}"


def _close(value: float | None, want: float) -> bool:
    return value is not None and abs(value - want) <= NORM_RTOL * abs(want)


def norms_hint(got: list[float], expected: list[float], n: int) -> str:
    """Name the usual mistake that produces ``got``, or ''."""
    rev = expected[::-1]
    if len(got) == 2 * len(expected):
        return "only the weights: leave out the biases' gradients"
    if len(got) != len(expected):
        return ""
    if all(_close(g, w) for g, w in zip(got, rev, strict=True)):
        return "the list is reversed: input side first"
    if all(_close(g, n * w) for g, w in zip(got, expected, strict=True)):
        return f"{n} times too large: use the mean of the loss over the examples, not the sum"
    if all(_close(g, 2 * w) for g, w in zip(got, expected, strict=True)):
        return "twice too large: are gradients from an earlier call still in .grad? zero them"
    if all(_close(g, w * w) for g, w in zip(got, expected, strict=True)):
        return "the norm is the square root of the sum of squares"
    return "use binary_cross_entropy_with_logits on the logits, mean over the examples"


def read_norms(got: object, count: int, where: str) -> list[float]:
    """The norms in ``got`` as Python floats, whatever holds them: a list or tuple of
    Python, numpy or 0-d torch numbers, or a 1-D array or tensor. The values are what the
    norm checks judge; that the contract asks for a list of Python floats is
    the check layer_grad_norms_returns_a_list_of_floats's business, not theirs."""
    values = as_numbers(got)
    if values is None:
        fail(
            where,
            f"the {count} gradient norms (a list of floats)",
            f"{kind_of(got)} {describe(got)}",
            "one number per nn.Linear weight",
        )
    return [float(v) for v in values]


def expect_norms(got: object, expected: list[float], where: str, n: int) -> None:
    """The norms in ``got`` (any container of numbers) equal ``expected`` within NORM_RTOL."""
    norms = read_norms(got, len(expected), where)
    if len(norms) == len(expected) and all(
        _close(g, w) for g, w in zip(norms, expected, strict=True)
    ):
        return
    hint = norms_hint(norms, expected, n)
    raise CheckFailed(
        f"{where}: expected the norms of the {len(expected)} weight gradients, input side "
        f"first; got a different list{f' ({hint})' if hint else ''}:\n"
        + norm_table(expected, norms)
    )


def plot_norms(sub, title: str, got: object, expected: list[float]) -> None:
    """Attach the per-layer gradient norms to the check's result: the judge's, and the
    student's beside them when they are numbers (at most twice as many as expected: a
    figure holds what the check judged, not whatever came back)."""
    series: dict[str, list[float]] = {}
    values = as_numbers(got)
    if values is not None and 0 < len(values) <= 2 * len(expected):
        series["your layer_grad_norms"] = [float(v) for v in values]
    series["reference (the grader's float64 backprop)"] = list(expected)
    longest = max(len(values) for values in series.values())
    sub.figure(
        title,
        series,
        x=range(1, longest + 1),
        x_label="Linear layer (input side first)",
        y_label="‖∂L/∂W‖",
        log_y=True,
    )


# ----------------------------------------------------------------------------- returned data


def field(facts: object, key: str, where: str) -> object:
    """``facts[key]`` of a probe's report, or CheckFailed when the report is malformed."""
    if not isinstance(facts, dict) or key not in facts:
        raise CheckFailed(f"{where}: the result could not be read back (got {kind_of(facts)})")
    return facts[key]


def calls_of(facts: object, key: str, count: int, where: str) -> list:
    """The ``count`` results a probe collected under ``key`` (one per call it made)."""
    values = field(facts, key, where)
    if not isinstance(values, list) or len(values) != count:
        raise CheckFailed(f"{where}: the {count} results could not be read back")
    return values


def read_layers(value: object, where: str, count: int) -> Layers:
    """(weight, bias) float64 arrays of ``count`` Linear layers returned by a probe."""
    if not isinstance(value, list) or len(value) != count:
        raise CheckFailed(f"{where}: the model's {count} Linear layers could not be read back")
    layers = []
    for layer in value:
        weight = layer.get("weight") if isinstance(layer, dict) else None
        bias = layer.get("bias") if isinstance(layer, dict) else None
        if not isinstance(weight, TensorData) or weight.array is None:
            raise CheckFailed(f"{where}: a Linear layer's weight could not be read back")
        if not isinstance(bias, TensorData) or bias.array is None:
            fail(where, "Linear layers with a bias", "a Linear layer without one")
        layers.append((weight.array.astype(np.float64), bias.array.astype(np.float64)))
    return layers


def expect_unchanged(after: object, sent: Layers, where: str) -> None:
    """The model's parameters after the call are exactly the ones sent in."""
    got = read_layers(after, where, len(sent))
    for i, ((w, b), (w0, b0)) in enumerate(zip(got, sent, strict=True), 1):
        if not (np.array_equal(w, w0) and np.array_equal(b, b0)):
            fail(
                where,
                "the model's weights unchanged",
                f"Linear layer {i} changed",
                "compute gradients without stepping, e.g. torch.autograd.grad",
            )


def ratios(sub, layers: Layers, X, y, lrs: list, activation: str, where: str) -> list:
    """The student's ``update_ratio`` for each lr on a model holding ``layers``; the
    model's weights must be unchanged afterwards."""
    facts = sub.probe("ratios", layers, X, y, lrs, activation, label=where)
    values = calls_of(facts, "ratios", len(lrs), where)
    expect_unchanged(field(facts, "after", where), layers, where)
    return values


def read_ratio(got: object, where: str) -> float:
    """The ratio in ``got`` as a float, whatever holds it (a Python or numpy number, a 0-d
    tensor); that the contract asks for a Python float is a format check's business."""
    value = as_number(got)
    if value is None:
        fail(where, "a number", f"{kind_of(got)} {describe(got)}", "||dW_first|| / ||dW_last||")
    return value


def expect_same_for_every_lr(values: list, lrs: list, where: str) -> None:
    """The ratios are numbers that agree within NORM_RTOL whatever the learning rate."""
    numbers = [
        read_ratio(value, f"{where} with lr={lr:g}") for lr, value in zip(lrs, values, strict=True)
    ]
    low, high = min(numbers), max(numbers)
    if high > 0 and low >= (1 - NORM_RTOL) * high:
        return
    listed = ", ".join(f"{v:.4g} at lr={lr:g}" for lr, v in zip(lrs, numbers, strict=True))
    fail(
        where,
        "the same ratio for every lr (lr multiplies both steps and cancels)",
        listed,
        "use dW = lr * grad: in float32, W_after - W_before of the first layer is lost below "
        "the weights' precision",
    )


def expect_ratio(got: object, expected: float, where: str, rtol: float = NORM_RTOL) -> float:
    """``got`` holds a number equal to ``expected`` within ``rtol``; hint at usual mistakes."""
    value = read_ratio(got, where)
    hint = ""
    if value > 0 and math.isclose(value, 1.0 / expected, rel_tol=rtol):
        hint = "inverted: first layer over last layer"
    elif value == 0.0:
        hint = (
            "in float32 W_after - W_before of the first layer is lost below the weights' "
            "precision: use lr * grad"
        )
    expect_close(value, expected, where=where, rtol=rtol, hint=hint)
    return value


# ----------------------------------------------------------------------------- architecture


def architecture_layers(seed: int, shape: tuple[int, int, int, int]) -> Layers:
    """The judge's weights for ``deep_sigmoid_mlp(*shape)`` (PyTorch's default ranges)."""
    depth, width, in_features, out_features = shape
    sizes = [in_features] + [width] * depth + [out_features]
    return default_layers(np.random.default_rng(seed), sizes)


def check_architecture(
    facts: object, shape: tuple[int, int, int, int], layers: Layers, inputs: np.ndarray
) -> None:
    """Judge ``deep_sigmoid_mlp(*shape)`` from a probe's report: its Linear weights have
    the shapes of ``layers`` and, holding them, it computes the judge's forward pass."""
    depth, width, in_features, out_features = shape
    where = f"deep_sigmoid_mlp({depth}, {width}, {in_features}, {out_features})"
    if not isinstance(facts, dict) or facts.get("is_module") is not True:
        got = facts.get("type") if isinstance(facts, dict) else kind_of(facts)
        fail(where, "a torch.nn.Module", f"{got}")
    wanted = [list(w.shape) for w, _ in layers]
    got = facts.get("shapes")
    if got != wanted:
        fail(
            where,
            f"Linear weights of shapes {[tuple(s) for s in wanted]}",
            f"{[tuple(s) for s in got] if isinstance(got, list) else kind_of(got)}",
            f"{depth} hidden Linear layers of width {width}, then Linear({width}, {out_features})",
        )
    modules = facts.get("modules")
    others = (
        sorted({m for m in modules if m not in ("Linear", "Sigmoid")})
        if isinstance(modules, list)
        else []
    )
    _check_output(layers, facts.get("output"), inputs, where, others)


def _check_output(layers: Layers, output: object, inputs: np.ndarray, where: str, others) -> None:
    expected = forward(layers, inputs)
    where = f"{where} holding the grader's weights: output on {len(inputs)} inputs"
    hint = "Linear then nn.Sigmoid for each hidden layer, then the output Linear with no sigmoid"
    if others:
        hint += f" (your model also has {', '.join(others)})"
    if not isinstance(output, TensorData) or output.array is None:
        fail(where, "a tensor", kind_of(output), hint)
    got = output.array.astype(np.float64)
    if got.shape != expected.shape:
        fail(where, f"shape {expected.shape}", f"shape {got.shape}", hint)
    expect_close(got, expected, where=where, rtol=1e-4, atol=1e-5, hint=hint)
