"""Trusted-side facts about ex4_7 shared by its public and hidden checks.

The judge chooses each model (a description) and the value of every parameter in it, and
sends both; the probe only builds that model, loads those values and runs the student's
code. Every expected number (penalty, gradient, the optimizer's step) is computed here,
in float64 numpy, from the values the judge sent, never from values the sandbox reports.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from grader.course.ex4_7.models import DEFAULT_DECAY, parameter_shapes
from grader.judge.compare import (
    as_array,
    describe,
    device_name,
    dtype_name,
    expect_close,
    fail,
    kind_of,
)
from grader.outcomes import CheckFailed
from grader.sandbox.values import TensorData

TOLERANCE = {"float64": (1e-10, 1e-12), "float32": (1e-5, 1e-6)}


@dataclass(frozen=True)
class ModelCase:
    """A test model: its description (models.py; sent to the sandbox) and the names of its
    weights to decay, stated by the check (never sent; a test holds them to the reference).

    "Weights" are the parameters with two or more dimensions outside normalization layers.
    """

    description: dict
    weights: tuple[str, ...]

    @property
    def text(self) -> str:
        return model_text(self.description)

    @property
    def dtype(self) -> str:
        return self.description.get("dtype", "float32")


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


def model_values(description: dict, seed: int, scale: float = 0.5) -> dict[str, np.ndarray]:
    """The judge's value for each distinct parameter, in the model's dtype, all different
    (random normal values), so that a tensor sent back names its parameter by its value."""
    rng = np.random.default_rng(seed)
    dtype = np.dtype(description.get("dtype", "float32"))
    return {
        name: (scale * rng.normal(size=shape)).astype(dtype)
        for name, shape in parameter_shapes(description).items()
    }


def send(values: dict[str, np.ndarray], device: str) -> dict[str, TensorData]:
    """``values`` as tensors on ``device`` (built as torch tensors in the sandbox)."""
    return {name: TensorData.of(v, f"torch.{v.dtype}", device) for name, v in values.items()}


def _as64(values: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {name: v.astype(np.float64) for name, v in values.items()}


# ----------------------------------------------------------------------------- l2_penalty


def _half_sum(arrays: dict[str, np.ndarray], names: list[str], lam: float) -> float:
    return lam / 2 * sum(float(np.sum(arrays[n] ** 2)) for n in names)


def penalty_alternatives(
    arrays: dict[str, np.ndarray], case: ModelCase, lam: float
) -> list[tuple[float, str]]:
    """What the usual mistakes would give, each with the hint that names it."""
    weights = list(case.weights)
    tied = [f"{source}.weight" for source, _ in case.description.get("ties", ())]
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


def expect_penalty(sub, case: ModelCase, seed: int, lam: float) -> None:
    """``l2_penalty`` on the case's model holding the judge's values (chosen by ``seed``):
    a differentiable 0-d tensor equal to λ/2 Σ‖W‖², whose gradient is λW."""
    where = f"l2_penalty({case.text}, lam={lam})"
    values = model_values(case.description, seed)
    sent = send(values, sub.device)
    report = sub.probe("penalty_report", case.description, sent, lam, sub.device, label=where)
    if not isinstance(report, dict):
        raise CheckFailed(f"{where}: the probe's report could not be read")
    arrays = _as64(values)
    weights = list(case.weights)
    penalty = _expect_scalar_tensor(report.get("penalty"), case.dtype, sub.device, where)
    rtol, atol = TOLERANCE[case.dtype]
    value = float(penalty.array)
    hint = next(
        (h for alt, h in penalty_alternatives(arrays, case, lam) if _near(value, alt, rtol)),
        "",
    )
    expect_close(
        value, _half_sum(arrays, weights, lam), where=where, rtol=rtol, atol=atol, hint=hint
    )
    if not penalty.requires_grad:
        fail(where, "a tensor that requires grad", "one that does not", "was it detached?")
    _expect_gradients(report.get("grads"), arrays, weights, lam, (rtol, atol), where)


def _expect_scalar_tensor(penalty: Any, dtype: str, device: str, where: str) -> TensorData:
    """``penalty`` is a 0-d tensor of the model's dtype, on its device."""
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
    return penalty


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

GROUPS_LR = 0.1


def expect_groups(sub, case: ModelCase, seed: int, weight_decay: float) -> None:
    """Two groups fed to a real SGD: the weights at ``weight_decay``, the rest at 0.0, and
    one step with the judge's gradients moves the model's own parameters accordingly.

    Each tensor a group holds is named by its value (the judge chose every value, all
    different), so which parameter is in which group is the judge's finding.
    """
    where = f"torch.optim.SGD(param_groups({case.text}, {weight_decay}))"
    values, grads = model_values(case.description, seed), model_values(case.description, seed + 1)
    report = sub.probe(
        "groups_report",
        case.description,
        send(values, sub.device),
        send(grads, sub.device),
        weight_decay,
        GROUPS_LR,
        sub.device,
        label=where,
    )
    if isinstance(report, dict) and "error" in report:
        fail(where, "groups that torch.optim.SGD accepts", f"SGD raised {report['error']}")
    groups = _named_groups(report, values, where)
    decayed, free = _expect_split(groups, list(values), set(case.weights), weight_decay, where)
    decays = dict.fromkeys(free["params"], 0.0) | dict.fromkeys(decayed["params"], weight_decay)
    _expect_step(report.get("after"), values, grads, decays, TOLERANCE[case.dtype], where)


def _named_groups(report: Any, values: dict[str, np.ndarray], where: str) -> list[dict]:
    """The reported groups with each tensor replaced by the name of the parameter whose
    judge-chosen value it holds (or a description of what it is instead)."""
    groups = report.get("groups") if isinstance(report, dict) else None
    if not isinstance(groups, list) or not all(_is_group(g) for g in groups):
        raise CheckFailed(f"{where}: the probe's report could not be read")
    return [
        {"params": [_name_of(t, values) for t in g["params"]], "weight_decay": g["weight_decay"]}
        for g in groups
    ]


def _is_group(group: Any) -> bool:
    return (
        isinstance(group, dict)
        and isinstance(group.get("params"), list)
        and all(isinstance(t, TensorData) for t in group["params"])
        and "weight_decay" in group
    )


def _name_of(tensor: TensorData, values: dict[str, np.ndarray]) -> str:
    for name, value in values.items():
        if tensor.shape == value.shape and np.array_equal(tensor.array, value):
            return name
    return f"a tensor of shape {tensor.shape} that is not one of the model's parameters"


def _expect_split(
    groups: list[dict], names: list[str], weights: set[str], weight_decay: float, where: str
) -> tuple[dict, dict]:
    """(decayed group, free group): two groups, each parameter once, weights decayed only."""
    if len(groups) != 2:
        fail(
            where,
            "exactly two groups: the weights with weight_decay, the others with 0.0",
            f"{len(groups)} group(s)",
            "return a list of two dicts with the keys 'params' and 'weight_decay'",
        )
    _expect_each_once([n for g in groups for n in g["params"]], names, where)
    decays = [g["weight_decay"] for g in groups]
    decayed = _group_with(groups, weight_decay, where, decays)
    free = _group_with(groups, 0.0, where, decays)
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
    return decayed, free


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


def _expect_step(
    after: Any,
    values: dict[str, np.ndarray],
    grads: dict[str, np.ndarray],
    decays: dict[str, float],
    tolerance: tuple[float, float],
    where: str,
) -> None:
    """After one SGD step (lr GROUPS_LR) each parameter of the model is p − lr·(g + wd·p)."""
    if not isinstance(after, list) or len(after) != len(values):
        raise CheckFailed(f"{where}: the parameters after the optimizer's step could not be read")
    rtol, atol = tolerance
    for (name, value), grad, got in zip(values.items(), grads.values(), after, strict=True):
        if not isinstance(got, TensorData) or got.array is None:
            raise CheckFailed(f"{where}: parameter {name} after the step could not be read")
        p, g = value.astype(np.float64), grad.astype(np.float64)
        want = p - GROUPS_LR * (g + decays[name] * p)
        hint = ""
        if got.shape == value.shape and np.array_equal(got.array, value):
            hint = (
                "the optimizer never changed it: the groups must hold the model's own "
                "parameters (not copies)"
            )
        expect_close(
            got.array.astype(np.float64),
            want,
            where=f"{where}: {name} after one SGD step (lr={GROUPS_LR}) with the groups",
            rtol=rtol,
            atol=atol,
            hint=hint,
        )


# ----------------------------------------------------------------------------- decay_step


def _values(sent: Any) -> np.ndarray:
    array = sent.array if isinstance(sent, TensorData) else sent
    return array.astype(np.float64)


def decay_formula(w: Any, grad: Any, lr: float, lam: float) -> np.ndarray:
    """(1 − lr·λ)·w − lr·grad in float64."""
    return (1 - lr * lam) * _values(w) - lr * _values(grad)


def expect_decay_value(got: Any, w: Any, expected: np.ndarray, where: str) -> None:
    """``got`` holds ``expected`` (float64), whatever holds it: a numpy array or tensor of
    any dtype and device, or a (nested) list. That it is the kind, dtype and device of
    ``w`` is :func:`expect_kind_of_w`'s business. The tolerance is that of the less
    precise of ``w`` and ``got`` (a float32 result of float64 inputs is a format slip)."""
    hint = "(1 − lr·λ)·w − lr·grad"
    values = as_array(got)
    if values is None:
        fail(where, f"an array of shape {expected.shape}", f"{kind_of(got)} {describe(got)}", hint)
    if values.shape != expected.shape:
        fail(where, f"shape {expected.shape}", f"shape {values.shape}", hint)
    rtol, atol = max(TOLERANCE[dtype_name(w)], TOLERANCE.get(dtype_name(got), (0.0, 0.0)))
    expect_close(values, expected, where=where, rtol=rtol, atol=atol, hint=hint)


def expect_kind_of_w(got: Any, w: Any, where: str) -> None:
    """``got`` is the kind of ``w`` (a numpy array, or a torch tensor on its device) with
    its dtype: the format the contract fixes (the values are judged elsewhere)."""
    if isinstance(w, TensorData):
        wanted = f"a torch tensor of dtype {w.dtype} on {device_name(w.device)}"
        if not isinstance(got, TensorData):
            hint = "compute with torch operations on w, or torch.as_tensor(...)"
            fail(where, wanted, f"{kind_of(got)} {describe(got)}", hint)
        got_device = device_name(got.device)
        if got.dtype != w.dtype or got_device != device_name(w.device):
            fail(where, wanted, f"a tensor of dtype {got.dtype} on {got_device}", _KIND_HINT)
        return
    wanted = f"a numpy array of dtype {w.dtype}"
    if type(got) is not np.ndarray:
        fail(where, wanted, f"{kind_of(got)} {describe(got)}", "compute with numpy operations on w")
    if got.dtype != w.dtype:
        fail(where, wanted, f"an array of dtype {got.dtype}", _KIND_HINT)


_KIND_HINT = "return the same kind of value you were given: same dtype, same device"


def expect_inputs_unchanged(
    report: Any, w: Any, grad: Any, expected: np.ndarray, where: str
) -> None:
    """From a ``decay_step_report``: w and grad still hold what the judge sent, the result
    is the step, and it did not change when its inputs were changed afterwards."""
    if not isinstance(report, dict) or not {"out", "w", "grad", "out_after"} <= set(report):
        raise CheckFailed(f"{where}: the probe's report could not be read")
    for name, sent in (("w", w), ("grad", grad)):
        if not _holds(report[name], sent):
            fail(
                where,
                f"{name} left unchanged",
                f"{name} was modified in place",
                "compute a new array: w = ... instead of w -= ... or w.mul_(...)",
            )
    expect_decay_value(report["out"], w, expected, where)
    if not _same_values(report["out_after"], report["out"]):
        fail(
            where,
            "a new array",
            "the result changed when w or grad was changed afterwards: it shares their memory",
        )


def _holds(got: Any, sent: Any) -> bool:
    """``got`` is the same kind as ``sent`` and holds exactly its values."""
    if isinstance(sent, TensorData):
        return (
            isinstance(got, TensorData)
            and got.dtype == sent.dtype
            and _equal(got.array, sent.array)
        )
    return type(got) is np.ndarray and got.dtype == sent.dtype and _equal(got, sent)


def _same_values(a: Any, b: Any) -> bool:
    """``a`` and ``b`` hold the same values, whatever holds them (a list shares no memory
    with its inputs: the probe hands the same one back twice)."""
    return _equal(as_array(a), as_array(b))


def _equal(a: np.ndarray | None, b: np.ndarray | None) -> bool:
    return (
        a is not None
        and b is not None
        and a.shape == b.shape
        and np.array_equal(a, b, equal_nan=True)
    )
