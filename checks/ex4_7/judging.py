"""Trusted-side facts about ex4_7 shared by its public and hidden checks.

The judge chose each model (a description and a seed), so it knows which parameter is
a weight; the values come back from the sandbox and every expected number (penalty,
gradient, ridge solution) is recomputed from them here, in float64 numpy.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from grader.course.ex4_7.models import DEFAULT_DECAY, parameter_table
from grader.judge.compare import device_name, dtype_name, expect_close, fail, kind_of, like
from grader.outcomes import CheckFailed
from grader.sandbox.values import TensorData

TOLERANCE = {"float64": (1e-10, 1e-12), "float32": (1e-5, 1e-6)}


def model_text(description: dict) -> str:
    """A short, readable account of a test model for messages."""
    kinds = []
    for layer in description["layers"]:
        if layer[0] == "block":
            kinds.append("block(" + ", ".join(str(inner[0]) for inner in layer[1]) + ")")
        else:
            kinds.append(str(layer[0]))
    ties = " with a shared weight" if description.get("ties") else ""
    return f"model [{', '.join(kinds)}]{ties} ({description.get('dtype', 'float32')})"


def read_parameters(report: Any, description: dict, where: str) -> dict[str, np.ndarray]:
    """The model's parameters (float64), checked against the judge's own parameter table."""
    if not isinstance(report, dict) or not isinstance(report.get("names"), list):
        raise CheckFailed(f"{where}: the probe's report could not be read")
    expected = [name for name, _ in parameter_table(description)]
    params = report.get("params")
    if report["names"] != expected or not isinstance(params, list) or len(params) != len(expected):
        raise CheckFailed(f"{where}: the model's parameters were not the ones built")
    arrays = {}
    for name, value in zip(expected, params, strict=True):
        if not isinstance(value, TensorData) or value.array is None:
            raise CheckFailed(f"{where}: parameter {name} could not be read")
        arrays[name] = value.array.astype(np.float64)
    return arrays


def _half_sum(arrays: dict[str, np.ndarray], names: list[str], lam: float) -> float:
    return lam / 2 * sum(float(np.sum(arrays[n] ** 2)) for n in names)


def penalty_alternatives(
    arrays: dict[str, np.ndarray], description: dict, lam: float
) -> list[tuple[float, str]]:
    """What the usual mistakes would give, each with the hint that names it."""
    table = parameter_table(description)
    weights = [n for n, decayed in table if decayed]
    tied = [f"{source}.weight" for source, _ in description.get("ties", ())]
    return [
        (
            _half_sum(arrays, list(arrays), lam),
            "biases and normalization parameters are not decayed",
        ),
        (
            _half_sum(arrays, [n for n in arrays if arrays[n].ndim >= 2], lam),
            "normalization layers are never decayed, whatever the shape of their parameters "
            "(LayerNorm((4, 5)) has a 2-D weight)",
        ),
        (
            _half_sum(arrays, [n for n in arrays if n.endswith("weight")], lam),
            "a parameter named 'weight' is not always a weight: those of normalization layers "
            "(and 1-D ones such as PReLU's) are not decayed",
        ),
        (
            _half_sum(arrays, weights + tied, lam),
            "a parameter shared by two modules is one tensor: count it once",
        ),
        (2 * _half_sum(arrays, weights, lam), "the penalty is λ/2 · Σ‖W‖²: is the 1/2 missing?"),
    ]


def expect_penalty(report: Any, description: dict, lam: float, device: str, where: str) -> None:
    """The student's penalty: a differentiable 0-d tensor equal to λ/2 Σ‖W‖², gradient λW."""
    arrays = read_parameters(report, description, where)
    weights = [n for n, decayed in parameter_table(description) if decayed]
    expected = _half_sum(arrays, weights, lam)
    dtype = description.get("dtype", "float32")
    penalty = report.get("penalty")
    if not isinstance(penalty, TensorData):
        hint = "float() and .item() cut the value off from autograd" if penalty is not None else ""
        fail(
            where, "a torch scalar (0-d tensor) autograd can differentiate", kind_of(penalty), hint
        )
    if penalty.array is None:
        fail(where, "a tensor with a value", penalty.describe())
    for label, want, got in (
        ("shape", (), penalty.shape),
        ("dtype", f"torch.{dtype}", penalty.dtype),
        ("device", device_name(device), penalty.device),
    ):
        if want != got:
            fail(where, f"{label} {want}", f"{label} {got}", "the model's dtype and device, 0-d")
    rtol, atol = TOLERANCE[dtype]
    value = float(penalty.array)
    hint = next(
        (h for alt, h in penalty_alternatives(arrays, description, lam) if _near(value, alt, rtol)),
        "",
    )
    expect_close(value, expected, where=where, rtol=rtol, atol=atol, hint=hint)
    if not penalty.requires_grad:
        fail(where, "a tensor that requires grad", "one that does not", "was it detached?")
    _expect_gradients(report.get("grads"), arrays, weights, lam, (rtol, atol), where)


def _near(value: float, other: float, rtol: float) -> bool:
    return abs(value - other) <= 10 * rtol * abs(other) + 1e-12


def _expect_gradients(
    grads: Any,
    arrays: dict[str, np.ndarray],
    weights: list[str],
    lam: float,
    tolerance: tuple[float, float],
    where: str,
) -> None:
    """d penalty / d parameter is λW for each weight and nothing for anything else."""
    if not isinstance(grads, list) or len(grads) != len(arrays):
        raise CheckFailed(f"{where}: the penalty's gradient could not be computed")
    for (name, array), grad in zip(arrays.items(), grads, strict=True):
        want = lam * array if name in weights else np.zeros_like(array)
        if grad is None:
            got = np.zeros_like(array)
        elif isinstance(grad, TensorData) and grad.array is not None:
            got = grad.array.astype(np.float64)
        else:
            raise CheckFailed(f"{where}: the gradient for {name} could not be read")
        expect_close(
            got,
            want,
            where=f"{where}: gradient for {name}",
            rtol=tolerance[0],
            atol=tolerance[1] * max(1.0, lam),
            hint="λW for a weight; biases and normalization parameters get none",
        )


# ----------------------------------------------------------------------------- groups


def expect_groups(report: Any, description: dict, weight_decay: float, where: str) -> None:
    """Two groups fed to a real SGD: the weights at ``weight_decay``, the rest at 0.0."""
    if isinstance(report, dict) and "error" in report:
        fail(where, "groups that torch.optim.SGD accepts", f"SGD raised {report['error']}")
    table = parameter_table(description)
    if not isinstance(report, dict) or report.get("names") != [n for n, _ in table]:
        raise CheckFailed(f"{where}: the probe's report could not be read")
    groups = report.get("groups")
    if not isinstance(groups, list) or not all(_is_group(g) for g in groups):
        raise CheckFailed(f"{where}: the probe's report could not be read")
    if len(groups) != 2:
        count = len(groups) if isinstance(groups, list) else "no"
        fail(
            where,
            "exactly two groups: the weights with weight_decay, the others with 0.0",
            f"{count} group(s)",
            "return a list of two dicts with the keys 'params' and 'weight_decay'",
        )
    _expect_each_once([n for g in groups for n in g["params"]], [n for n, _ in table], where)
    decays = [g["weight_decay"] for g in groups]
    decayed = _group_with(groups, weight_decay, where, decays)
    free = _group_with(groups, 0.0, where, decays)
    weights = {n for n, is_weight in table if is_weight}
    wrong = [n for n in decayed["params"] if n not in weights]
    missing = [n for n in free["params"] if n in weights]
    if wrong:
        fail(where, "only weights decayed", f"{', '.join(wrong)} decayed too", _why_not(wrong))
    if missing:
        fail(
            where,
            "every weight decayed",
            f"{', '.join(missing)} not decayed",
            "weights: every parameter with two or more dimensions outside normalization "
            "layers (Linear, Conv, Embedding and attention weights)",
        )


def _is_group(group: Any) -> bool:
    return (
        isinstance(group, dict)
        and isinstance(group.get("params"), list)
        and all(isinstance(n, str) for n in group["params"])
        and "weight_decay" in group
    )


def _expect_each_once(found: list, expected: list, where: str) -> None:
    counts = {name: found.count(name) for name in found}
    extra = [n for n in counts if n not in expected]
    if extra:
        fail(where, "only the model's parameters", f"{', '.join(extra)}")
    twice = [n for n, k in counts.items() if k > 1]
    if twice:
        fail(
            where,
            "each parameter in exactly one group, once",
            f"{', '.join(twice)} listed {max(counts.values())} times",
            "a parameter shared by two modules is one tensor: list it once",
        )
    absent = [n for n in expected if n not in counts]
    if absent:
        fail(where, "every parameter in a group", f"{', '.join(absent)} in none")


def _group_with(groups: list, decay: float, where: str, decays: list) -> dict:
    for group in groups:
        value = group["weight_decay"]
        if isinstance(value, int | float) and not isinstance(value, bool) and value == decay:
            return group
    hint = ""
    if DEFAULT_DECAY in decays:
        hint = (
            "a group without its own 'weight_decay' gets the optimizer's default "
            f"({DEFAULT_DECAY} here, 0.01 for AdamW): set it explicitly in both groups"
        )
    fail(where, f"a group with weight_decay {decay}", f"weight decays {decays}", hint)
    raise AssertionError  # unreachable: fail raises


def _why_not(names: list[str]) -> str:
    if all(n.endswith("bias") for n in names):
        return "the bias is not regularized: it does not multiply any input"
    return (
        "biases and every parameter of a normalization layer (whatever its shape) are not "
        "decayed; only parameters with two or more dimensions are weights"
    )


# ----------------------------------------------------------------------------- decay_step


def _values(sent: Any) -> np.ndarray:
    array = sent.array if isinstance(sent, TensorData) else sent
    return array.astype(np.float64)


def decay_formula(w: Any, grad: Any, lr: float, lam: float) -> np.ndarray:
    """(1 − lr·λ)·w − lr·grad in float64."""
    return (1 - lr * lam) * _values(w) - lr * _values(grad)


def expect_decay_step(report: Any, w: Any, grad: Any, expected: np.ndarray, where: str) -> None:
    """A new array equal to ``expected``, of the kind of w; w and grad left alone."""
    changed = report.get("inputs_changed") if isinstance(report, dict) else None
    if not isinstance(changed, list) or len(changed) != 2:
        raise CheckFailed(f"{where}: the probe's report could not be read")
    for name, was_changed in zip(("w", "grad"), changed, strict=True):
        if was_changed is not False:
            fail(
                where,
                f"{name} left unchanged",
                f"{name} was modified in place",
                "compute a new array: w = ... instead of w -= ... or w.mul_(...)",
            )
    if report.get("reuses_input") is not False:
        fail(where, "a new array", "the result shares memory with an input")
    rtol, atol = TOLERANCE[dtype_name(w)]
    expect_close(
        report.get("out"),
        like(w, expected),
        where=where,
        rtol=rtol,
        atol=atol,
        hint="(1 − lr·λ)·w − lr·grad",
    )
