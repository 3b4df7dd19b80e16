"""Trusted-side judging of dropout outputs: kind, dtype, device, values, gradient, module.

Every input the checks send has no zero element, so the mask is read off the output:
an element was kept iff its output is nonzero. The statistical tests themselves are in
:mod:`grader.course.dropout.stat_tests`.

These functions take plain data (numpy arrays, :class:`TensorData`) so a test can run
them directly on reference outputs computed in-process.
"""

from __future__ import annotations

import re

import numpy as np

from grader.course.dropout.stat_tests import EPS, ROUNDINGS, SCALE_HINT, expect_keep_rate
from grader.judge.compare import describe, dtype_name, fail, kind_of
from grader.sandbox.values import TensorData


def make_input(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Nonzero values ±k/8, k = 4..16, exactly representable in every float dtype."""
    magnitude = rng.integers(4, 17, size=shape) / 8.0
    return np.where(rng.random(shape) < 0.5, -magnitude, magnitude)


def output_values(y: object, x: np.ndarray | TensorData, where: str) -> np.ndarray:
    """y's values as float64 after checking it is like x: same kind, shape, dtype, device."""
    if isinstance(x, TensorData):
        if not isinstance(y, TensorData) or y.array is None or y.kind != "Tensor":
            fail(
                where,
                "a torch tensor",
                f"{kind_of(y)} {describe(y)}",
                "return a tensor for a tensor",
            )
        _expect_same(
            where,
            "device",
            x.device.split(":")[0],
            y.device.split(":")[0],
            "create the mask on x's device (device=x.device)",
        )
    elif type(y) is not np.ndarray:
        fail(where, "a numpy array", f"{kind_of(y)} {describe(y)}", "return an array for an array")
    _expect_same(where, "shape", tuple(x.shape), tuple(y.shape), "")
    _expect_same(
        where,
        "dtype",
        dtype_name(x),
        dtype_name(y),
        "the mask must not change x's dtype (a float64 mask promotes float32 x)",
    )
    values = (y.array if isinstance(y, TensorData) else y).astype(np.float64)
    if not np.isfinite(values).all():
        fail(
            where,
            "finite values",
            f"{int((~np.isfinite(values)).sum())} nan/inf values",
            "look for a division by 1−p = 0 or 0/0",
        )
    return values


def _expect_same(where: str, label: str, want: object, got: object, hint: str) -> None:
    if want != got:
        fail(where, f"{label} {want}", f"{label} {got}", hint)


def input_values(x: np.ndarray | TensorData) -> np.ndarray:
    return (x.array if isinstance(x, TensorData) else x).astype(np.float64)


def expect_equals_input(y: object, x: np.ndarray | TensorData, where: str, hint: str) -> None:
    """y has x's kind, shape, dtype, device and exactly x's values."""
    values = output_values(y, x, where)
    if not np.array_equal(values, input_values(x)):
        changed = int((values != input_values(x)).sum())
        fail(where, "x unchanged", f"{changed} of {values.size} elements changed", hint)


def expect_zero_or_scaled(y: object, x: np.ndarray | TensorData, p: float, where: str) -> None:
    """Every element is 0 or x / (1 - p), within a few roundings of y's dtype."""
    values, xs = output_values(y, x, where), input_values(x)
    kept = values != 0
    scaled = xs / (1.0 - p)
    tol = ROUNDINGS * EPS.get(dtype_name(x), 2.0**-24) * np.abs(scaled)
    wrong = kept & (np.abs(values - scaled) > tol)
    if wrong.any():
        i = tuple(int(k) for k in np.argwhere(wrong)[0])
        ratio = values[i] / xs[i]
        fail(
            f"{where} at index {i} (x = {xs[i]:g})",
            f"0 or x/(1−p) = {scaled[i]:.6g}",
            f"{values[i]:.6g} (= {ratio:.4g}·x)",
            _scale_hint(ratio, p),
        )


def _scale_hint(ratio: float, p: float) -> str:
    """Explain a kept element equal to ratio * x."""
    if abs(ratio - 1.0) < 1e-3:
        return f"the kept elements are not scaled: multiply them by 1/(1−p); {SCALE_HINT}"
    if abs(ratio - (1.0 - p)) < 1e-3:
        return f"multiply by 1/(1−p), not by 1−p; {SCALE_HINT}"
    if p > 0 and abs(ratio - 1.0 / p) < 1e-3:
        return f"divide by 1−p, not by p (p is the probability of dropping); {SCALE_HINT}"
    return SCALE_HINT


# A mask made on the CPU meets the meta tensor: "Tensor on device cpu is not on the expected
# device meta!" (or the reverse). Errors that name no CPU (e.g. masked_fill with a 0-dim
# value tensor, which CUDA accepts) are not evidence of a CPU mask.
DEVICE_ERROR = re.compile(r"device.*\bcpu\b|\bcpu\b.*device", re.IGNORECASE | re.DOTALL)


def judge_meta_facts(facts: object, dtype: str, where: str) -> None:
    """Judge what dropout did with a meta tensor (see probes.meta_facts).

    A device-mismatch error naming the CPU, or a result off the meta device, means the
    mask was made on a fixed device instead of x's. Any other error is inconclusive (a
    correct solution may use an operation meta tensors do not support) and passes: the
    checks on real devices still apply.
    """
    hint = (
        "create the mask on x's device: torch.rand(x.shape, device=x.device, "
        "generator=generator) or torch.rand_like(x); otherwise it fails on a GPU"
    )
    if not isinstance(facts, dict):
        fail(where, "a tensor", kind_of(facts))
    if "raised" in facts:
        message = str(facts.get("message", ""))
        if DEVICE_ERROR.search(message):
            fail(where, "a tensor on device meta", f"{facts['raised']}: {message[:200]}", hint)
        return
    if "returned" in facts:
        fail(where, "a torch tensor", f"a {facts['returned']}", "return a tensor for a tensor")
    if facts.get("device") != "meta":
        fail(where, "a tensor on device meta (x's device)", f"one on {facts.get('device')}", hint)
    if facts.get("dtype") != f"torch.{dtype}":
        fail(
            where,
            f"dtype torch.{dtype}",
            f"dtype {facts.get('dtype')}",
            "the mask must not change x's dtype",
        )


def judge_generator_facts(facts: object, x: np.ndarray | TensorData, where: str) -> None:
    """Judge probes.generator_facts: the mask comes from ``generator`` and advances it."""
    if not isinstance(facts, dict):
        fail(where, "outputs", kind_of(facts))
    masks = {
        k: output_values(facts.get(k), x, where) != 0
        for k in ("first", "second_draw", "same_seed", "other_seed")
    }
    if not np.array_equal(masks["first"], masks["same_seed"]):
        fail(
            f"{where}, twice with generators seeded alike",
            "the same mask",
            "different masks",
            "draw the mask from `generator` (rng.random(x.shape) or "
            "torch.rand(x.shape, generator=generator, device=x.device)), not a global RNG",
        )
    if np.array_equal(masks["first"], masks["other_seed"]):
        fail(
            f"{where}, with generators seeded differently",
            "different masks",
            "the same mask",
            "use the `generator` you are given; do not create one with a fixed seed",
        )
    if np.array_equal(masks["first"], masks["second_draw"]):
        fail(
            f"{where}, twice with the same generator",
            "different masks",
            "the same mask",
            "draw from the generator you are given; do not re-seed or copy it",
        )


def expect_gradient(
    facts: object, x: TensorData, p: float, weights: np.ndarray, where: str
) -> None:
    """Judge probes.gradient_facts: d(sum(weights * x'))/dx = weights * mask / (1 - p)."""
    if not isinstance(facts, dict):
        fail(where, "an output and its gradient", kind_of(facts))
    mask = output_values(facts.get("y"), x, where) != 0
    if facts.get("grad") is None:
        fail(
            f"gradient of {where}",
            "a gradient flowing back to x",
            "no gradient",
            "keep the result connected to x: no numpy round trip, .detach() or "
            "torch.no_grad(); for p = 1 return x * 0 (or x * mask), not zeros_like(x)",
        )
    grad = output_values(facts["grad"], x, f"gradient of {where}")
    expected = weights * mask / (1.0 - p) if p < 1.0 else np.zeros_like(weights)
    tol = ROUNDINGS * EPS.get(dtype_name(x), 2.0**-24) * np.abs(expected) + 1e-30
    if (np.abs(grad - expected) > tol).any():
        i = tuple(int(k) for k in np.argwhere(np.abs(grad - expected) > tol)[0])
        hint = "dx′/dx = mask/(1−p): 1/(1−p) where kept, 0 where dropped"
        if np.allclose(grad, weights * mask):
            hint = f"the gradient lacks the factor 1/(1−p); {SCALE_HINT}"
        fail(f"gradient of {where} at index {i}", f"{expected[i]:.6g}", f"{grad[i]:.6g}", hint)


def judge_module_facts(facts: object, x: TensorData, p: float, budget: float, label: str) -> None:
    """Judge probes.module_facts for ``label`` (e.g. ``Dropout(0.2)``), whose p is ``p``.

    Drops in train() mode (a keep-rate test with false-failure ``budget``), is the identity
    in eval() mode, draws a new mask per call, drops again after train().
    """
    if not isinstance(facts, dict) or facts.get("is_module") is not True:
        got = facts.get("type") if isinstance(facts, dict) else kind_of(facts)
        fail(label, "a torch.nn.Module", str(got), "class Dropout(torch.nn.Module)")
    train, evals = facts.get("train"), facts.get("eval")
    if (
        not isinstance(train, list)
        or not isinstance(evals, list)
        or len(train) != 2
        or len(evals) != 2
    ):
        fail(label, "outputs of the module", kind_of(facts), "")
    for i, y in enumerate(evals):
        expect_equals_input(
            y,
            x,
            f"{label} in eval() mode (call {i + 1})",
            "in eval() mode (self.training is False) Dropout returns x unchanged",
        )
    first = output_values(train[0], x, f"{label} in train() mode")
    expect_zero_or_scaled(train[0], x, p, f"{label} in train() mode")
    expect_keep_rate(first, p, f"{label} in train() mode", budget)
    second = output_values(train[1], x, f"{label} in train() mode, second call")
    if np.array_equal(first != 0, second != 0):
        fail(
            f"{label} in train() mode, two calls",
            "different masks",
            "the same mask",
            "draw a new mask at every forward call",
        )
    again = output_values(facts.get("train_again"), x, f"{label} after .eval() then .train()")
    if not (again == 0).any():
        fail(
            f"{label} after .eval() then .train()",
            "some dropped elements",
            "none",
            "use self.training (set by train()/eval()), not a flag fixed in __init__",
        )


def module_output(facts: object, mode: str, label: str) -> object:
    """The first output of probes.module_facts in ``mode`` ("train" or "eval")."""
    if not isinstance(facts, dict) or facts.get("is_module") is not True:
        got = facts.get("type") if isinstance(facts, dict) else kind_of(facts)
        fail(label, "a torch.nn.Module", str(got), "class Dropout(torch.nn.Module)")
    outputs = facts.get(mode)
    if not isinstance(outputs, list) or not outputs:
        fail(label, f"outputs in {mode}() mode", kind_of(outputs))
    return outputs[0]
