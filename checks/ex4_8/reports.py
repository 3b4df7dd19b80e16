"""The initializer probe's report (probes.init_facts), read and re-verified by the judge.

The judge picks the model's starting weights, inputs X, targets T, coefficients C and a
learning rate. What the probe reports is believed only as far as the judge can recompute
it from those choices:

- the gradient of L = ½·Σ(model(X) − T)² + Σₖ⟨Cₖ, Pₖ⟩ must be the one of a network holding
  the reported weights (so the reported values are the ones the model computes with: a
  forged snapshot, e.g. all zeros from a replaced probe, does not pass);
- what the initializer returned must compute like that network;
- for "in place": the values reached through references to the Parameters taken before
  the call must be the model's values, and one step of an SGD optimizer created before
  the call must move the model by −lr·gradient (it holds the model's own Parameters).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from grader.course.ex4_8.judging import Layers, read_layers
from grader.judge.compare import fail, kind_of
from grader.outcomes import CheckFailed
from grader.sandbox.values import TensorData

ROWS, LR = 8, 0.125  # rows of X; learning rate of the one SGD step (exact in binary)
# float32 sums of a few hundred products against float64: relative errors ~1e-6.
GRAD_RTOL = 1e-4

IN_PLACE_HINT = (
    "fill the Parameters the model already has, in place (with torch.no_grad(): "
    "layer.weight.zero_() or .normal_(0, std, generator=generator); or nn.init.zeros_/"
    "normal_) instead of assigning new nn.Parameter objects: an optimizer created before "
    "the call still holds the old ones"
)


@dataclass(frozen=True)
class Case:
    """What the judge sends for one initializer call: starting weights and probe data."""

    shapes: tuple[tuple[int, int], ...]  # (in_features, out_features) of each Linear
    layers: Layers  # starting (weight, bias) values, in the model's dtype
    data: dict  # X, T, C (one (weight, bias) pair per Linear) and lr

    @property
    def dtype(self) -> str:
        return str(self.layers[0][0].dtype)


def make_case(shapes: list[tuple[int, int]], seed: int, dtype: str = "float32") -> Case:
    """Starting weights in PyTorch's default ranges, N(0, 1) inputs, targets, coefficients."""
    rng = np.random.default_rng(seed)
    layers, coefficients = [], []
    for fan_in, fan_out in shapes:
        bound = 1.0 / np.sqrt(fan_in)
        weight = rng.uniform(-bound, bound, (fan_out, fan_in)).astype(dtype)
        layers.append((weight, rng.uniform(-bound, bound, fan_out).astype(dtype)))
        coefficients.append(
            (
                rng.normal(size=(fan_out, fan_in)).astype(dtype),
                rng.normal(size=fan_out).astype(dtype),
            )
        )
    data = {
        "X": rng.normal(size=(ROWS, shapes[0][0])).astype(dtype),
        "T": rng.normal(size=(ROWS, shapes[-1][1])).astype(dtype),
        "C": coefficients,
        "lr": LR,
    }
    return Case(tuple(shapes), layers, data)


@dataclass(frozen=True)
class Report:
    """One initializer call as the probe reported it (float64 arrays)."""

    module: Layers  # the model's values after the call
    held: Layers  # the values of the Parameters the model held before the call
    grads: Layers  # gradient of L with respect to the parameters the model now uses
    stepped: Layers  # the model's values after one step of the optimizer made before
    output: object  # the returned object's output on X, or the name of its type


def run_init(sub, func: str, case: Case, where: str, seed: int | None, nested: bool) -> Report:
    """Run the student's ``func`` through probes.init_facts on ``case``; verify its report.

    Raises CheckFailed unless the report is what a model holding the reported weights
    computes, and the returned object is that model.
    """
    facts = sub.probe(
        "init_facts", func, case.layers, case.data, seed, nested, sub.device, label=where
    )
    report = read_report(facts, where, case)
    expect_reported_model_computes(report, case, where)
    expect_returns_model(report, case, func)
    return report


def read_report(facts: object, where: str, case: Case) -> Report:
    if not isinstance(facts, dict):
        raise CheckFailed(f"{where}: the model could not be read back (got {kind_of(facts)})")
    count = len(case.shapes)
    if facts.get("grads") is None:
        fail(
            where,
            "parameters that still take gradients",
            "parameters with requires_grad False",
            "keep the model trainable: fill its Parameters in place",
        )
    return Report(
        module=read_layers(facts.get("module"), where, count, case.dtype),
        held=read_layers(facts.get("held"), where, count),
        grads=read_layers(_pairs(facts.get("grads")), f"{where}: gradients", count),
        stepped=read_layers(facts.get("stepped"), where, count),
        output=facts.get("output"),
    )


def _pairs(flat: object) -> object:
    """[gW1, gb1, gW2, gb2, ...] as [{"weight": gW1, "bias": gb1}, ...]."""
    if not isinstance(flat, list) or len(flat) % 2:
        return flat
    return [{"weight": w, "bias": b} for w, b in zip(flat[::2], flat[1::2], strict=True)]


def forward(layers: Layers, X: np.ndarray) -> list[np.ndarray]:
    """Inputs and activations of the probe's network (tanh after each Linear but the last)."""
    hs = [np.asarray(X, dtype=np.float64)]
    for i, (weight, bias) in enumerate(layers):
        z = hs[-1] @ weight.T + bias
        hs.append(np.tanh(z) if i < len(layers) - 1 else z)
    return hs


def gradients(layers: Layers, data: dict) -> Layers:
    """Gradient of L = ½·Σ(net(X) − T)² + Σₖ⟨Cₖ, Pₖ⟩ for each (weight, bias), float64."""
    hs = forward(layers, data["X"])
    delta = hs[-1] - np.asarray(data["T"], dtype=np.float64)
    grads: Layers = []
    for i in range(len(layers) - 1, -1, -1):
        if i < len(layers) - 1:
            delta = delta * (1.0 - hs[i + 1] ** 2)
        cw, cb = (np.asarray(c, dtype=np.float64) for c in data["C"][i])
        grads.append((delta.T @ hs[i] + cw, delta.sum(axis=0) + cb))
        delta = delta @ layers[i][0]
    return grads[::-1]


def _close(got: np.ndarray, want: np.ndarray, slack: float) -> bool:
    return got.shape == want.shape and float(np.max(np.abs(got - want), initial=0.0)) <= slack


def expect_reported_model_computes(report: Report, case: Case, where: str) -> None:
    """The reported gradient is the one of a network holding the reported weights."""
    expected = gradients(report.module, case.data)
    for i, (got, want) in enumerate(zip(report.grads, expected, strict=True), 1):
        for g, w in zip(got, want, strict=True):
            if not _close(g, w, GRAD_RTOL * float(np.max(np.abs(w), initial=0.0)) + 1e-9):
                fail(
                    f"{where}: Linear layer {i}",
                    "a model that computes with the weights it holds",
                    "a gradient on the grader's inputs that does not match those weights",
                    "the report does not come from the model the grader built",
                )


def expect_returns_model(report: Report, case: Case, func: str) -> None:
    """What the initializer returned computes like the initialized model."""
    where = f"{func}(model)"
    output = report.output
    if not isinstance(output, TensorData) or output.array is None:
        got = output if isinstance(output, str) else kind_of(output)
        fail(where, "the model itself as return value", f"a {got}", "return model")
    expected = forward(report.module, case.data["X"])[-1]
    got = output.array.astype(np.float64)
    if not _close(got, expected, 1e-4 * float(np.max(np.abs(expected), initial=0.0)) + 1e-6):
        fail(where, "the model itself as return value", "another model", "return model")


def expect_in_place(report: Report, case: Case, func: str) -> None:
    """The model's own Parameters hold the new values, and an optimizer made before sees them."""
    where = f"{func}(model)"
    for i, ((w, b), (hw, hb)) in enumerate(zip(report.module, report.held, strict=True), 1):
        if not (np.array_equal(w, hw) and np.array_equal(b, hb)):
            fail(
                f"{where}: Linear layer {i}",
                "the layer's own Parameters (taken before the call) to hold the new values",
                "they keep other values: the model now holds new Parameter objects",
                IN_PLACE_HINT,
            )
    lr = case.data["lr"]
    expected = gradients(report.module, case.data)
    for i, (now, after, grad) in enumerate(
        zip(report.module, report.stepped, expected, strict=True), 1
    ):
        for p, q, g in zip(now, after, grad, strict=True):
            slack = GRAD_RTOL * lr * float(np.max(np.abs(g))) + 2.0**-22 * float(
                np.max(np.abs(p), initial=0.0)
            )
            if not _close(q, p - lr * g, slack):
                fail(
                    f"{where}, then one step of an SGD optimizer created before the call: "
                    f"Linear layer {i}",
                    "the model's weights moved by −lr·gradient",
                    "they did not move that way: the optimizer holds other Parameters",
                    IN_PLACE_HINT,
                )
