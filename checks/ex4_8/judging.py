"""Trusted-side facts about ex4_8 shared by its public and hidden checks.

Nothing here is secret: the stds are the textbook formulas and the statistical tests use
:mod:`grader.judge.stats`. The XOR training check is judged in :mod:`.training`.

Statistical tests. For a Linear layer initialized correctly its n weights are iid
N(0, σ²). Three tests are made on them, each with false-failure probability ``budget``:
the std ratio s/σ with s² = mean(w²) (Chernoff bounds for chi-square), the mean
(Gaussian tail bound) and the number of weights beyond 2σ (exact binomial tails; this is
what tells a normal from a uniform or a truncated normal of the same std). A check
spreads :data:`CHECK_FALSE_FAILURE` over all its tests (union bound).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from grader.judge import stats
from grader.judge.compare import as_number, describe, expect_close, fail, kind_of
from grader.outcomes import CheckFailed
from grader.sandbox.values import TensorData

CHECK_FALSE_FAILURE = 1e-6  # per statistical check, all its tests together
TESTS_PER_LAYER = 3  # std ratio, mean, tail count
TAIL_SIGMAS = 2.0
TAIL_PROBABILITY = math.erfc(TAIL_SIGMAS / math.sqrt(2.0))  # P(|Z| > 2) = 0.0455

Layers = list[tuple[np.ndarray, np.ndarray]]


def xavier(fan_in: int, fan_out: int) -> float:
    return math.sqrt(2.0 / (fan_in + fan_out))


def he(fan_in: int) -> float:
    return math.sqrt(2.0 / fan_in)


# Common wrong stds, as (std from fan_in and fan_out, what the hint says).
XAVIER_MISTAKES: tuple[tuple[Callable[[int, int], float], str], ...] = (
    (lambda i, o: math.sqrt(1.0 / (i + o)), "the numerator of Xavier's variance is 2"),
    (
        lambda i, o: math.sqrt(6.0 / (i + o)),
        "sqrt(6/(fan_in+fan_out)) is the bound of Xavier's uniform distribution, not its std",
    ),
    (lambda i, o: math.sqrt(2.0 / i), "that is He's std; Xavier averages fan_in and fan_out"),
    (lambda i, o: 1.0 / math.sqrt(3.0 * i), "that is PyTorch's default init: nothing changed?"),
)
HE_MISTAKES: tuple[tuple[Callable[[int, int], float], str], ...] = (
    (
        lambda i, o: math.sqrt(2.0 / o),
        "fan_in is layer.in_features (weight.shape[1]); you used out_features",
    ),
    (lambda i, o: math.sqrt(1.0 / i), "that is LeCun's std; He's variance is 2/fan_in"),
    (lambda i, o: math.sqrt(2.0 / (i + o)), "that is Xavier's std"),
    (lambda i, o: 1.0 / math.sqrt(3.0 * i), "that is PyTorch's default init: nothing changed?"),
)
SCHEMES = {
    "init_xavier_": (lambda i, o: xavier(i, o), XAVIER_MISTAKES, "xavier_std(fan_in, fan_out)"),
    "init_he_": (lambda i, o: he(i), HE_MISTAKES, "he_std(fan_in)"),
}


def std_hint(got: object, expected: float) -> str:
    """The usual mistake behind a wrong ``xavier_std``/``he_std`` value, or ''."""
    if not isinstance(got, int | float) or isinstance(got, bool) or got <= 0:
        return ""
    for factor, hint in (
        (1 / math.sqrt(2), "the variance has a factor 2 in the numerator"),
        (math.sqrt(3), "that is the bound of the uniform distribution, not the std"),
        (expected, "return the standard deviation (a square root), not the variance"),
    ):
        if math.isclose(got, expected * factor, rel_tol=1e-6):
            return hint
    return ""


def read_float(got: object, where: str) -> tuple[float, float]:
    """The number in ``got``, whatever holds it (a Python or numpy number, a 0-d array or
    tensor), and the relative precision of what held it: 1e-12 for a double, more for a
    float32 (that the contract asks for a Python float is a format check's business)."""
    value = as_number(got)
    if value is None:
        fail(where, "a number", f"{kind_of(got)} {describe(got)}")
    held = got.array if isinstance(got, TensorData) else got
    dtype = getattr(held, "dtype", None)
    if dtype is not None and dtype.kind == "f":
        return value, max(1e-12, 8 * float(np.finfo(dtype).eps))
    return value, 1e-12


def expect_std(sub, func: str, args: tuple, expected: float) -> None:
    """``func(*args)`` holds a real number within 1e-12 relative of ``expected`` (within
    the precision of what holds it when that is narrower than a double)."""
    where = f"{func}({', '.join(str(a) for a in args)})"
    value, rtol = read_float(sub.call(func, *args), where)
    expect_close(value, expected, where=where, rtol=rtol, hint=std_hint(value, expected))


# ----------------------------------------------------------------------------- returned models


def read_layers(facts: object, where: str, count: int, dtype: str | None = None) -> Layers:
    """The (weight, bias) float64 arrays of ``count`` Linear layers in a probe's report.

    With ``dtype`` (e.g. "float32"), every array must have been a tensor of that dtype.
    """
    layers = facts.get("layers") if isinstance(facts, dict) else facts
    if not isinstance(layers, list) or len(layers) != count:
        raise CheckFailed(f"{where}: the model's {count} Linear layers could not be read back")
    result = []
    for layer in layers:
        arrays = [layer.get(k) if isinstance(layer, dict) else None for k in ("weight", "bias")]
        if not all(isinstance(a, TensorData) and a.array is not None for a in arrays):
            raise CheckFailed(f"{where}: a Linear layer's weight or bias could not be read back")
        if dtype is not None and any(a.dtype != f"torch.{dtype}" for a in arrays):
            got = next(a.dtype for a in arrays if a.dtype != f"torch.{dtype}")
            fail(where, f"parameters of the model's dtype torch.{dtype}", got, "fill them in place")
        weight, bias = (np.asarray(a.array, dtype=np.float64) for a in arrays)
        if not (np.isfinite(weight).all() and np.isfinite(bias).all()):
            fail(where, "finite weights and biases", "nan or inf")
        result.append((weight, bias))
    return result


def expect_zeroed(layers: Layers, where: str, hint: str = "") -> None:
    """Every weight and bias is exactly 0."""
    for i, (weight, bias) in enumerate(layers, 1):
        for name, array, why in (
            ("weights", weight, hint),
            ("biases", bias, hint or "W=0, b=0: the biases too"),
        ):
            nonzero = int(np.count_nonzero(array))
            if nonzero:
                fail(f"{where}: Linear layer {i}", f"all {name} 0", f"{nonzero} non-zero", why)


def expect_scheme(layers: Layers, shapes: list, func: str, where: str, budget: float) -> None:
    """Weights of each layer look like iid N(0, σ²) of ``func``'s scheme; biases are 0."""
    std_of, mistakes, formula = SCHEMES[func]
    for i, ((weight, bias), (fan_in, fan_out)) in enumerate(zip(layers, shapes, strict=True), 1):
        at = f"{where}: Linear({fan_in}, {fan_out}) (layer {i})"
        if weight.shape != (fan_out, fan_in):
            fail(at, f"weight of shape {(fan_out, fan_in)}", f"shape {weight.shape}")
        sigma = std_of(fan_in, fan_out)
        _expect_std_ratio(weight, sigma, fan_in, fan_out, mistakes, formula, at, budget)
        _expect_mean_zero(weight, sigma, at, budget)
        _expect_normal_tails(weight, sigma, at, budget)
        _expect_distinct_rows(weight, at)
        if np.count_nonzero(bias):
            fail(at, "biases 0", f"{np.count_nonzero(bias)} non-zero biases", "set biases to 0")


def _expect_std_ratio(weight, sigma, fan_in, fan_out, mistakes, formula, at, budget) -> None:
    n = weight.size
    lo, hi = stats.std_ratio_acceptance(n, budget)
    s = float(np.sqrt(np.mean(weight**2)))
    if lo <= s / sigma <= hi:
        return
    hint = ""
    for alternative, text in mistakes:
        if lo <= s / alternative(fan_in, fan_out) <= hi:
            hint = text
            break
    fail(
        at,
        f"weights with std {formula} = {sigma:.5g} (empirical std within "
        f"[{lo * sigma:.5g}, {hi * sigma:.5g}] over {n} weights)",
        f"empirical std {s:.5g}",
        hint,
    )


def _expect_mean_zero(weight, sigma, at, budget) -> None:
    tolerance = stats.normal_mean_tolerance(sigma, weight.size, budget)
    mean = float(weight.mean())
    if abs(mean) > tolerance:
        fail(at, f"weights of mean 0 (|mean| <= {tolerance:.3g})", f"mean {mean:.4g}")


def _expect_normal_tails(weight, sigma, at, budget) -> None:
    n = weight.size
    lo, hi = stats.binomial_acceptance(n, TAIL_PROBABILITY, budget)
    beyond = int(np.count_nonzero(np.abs(weight) > TAIL_SIGMAS * sigma))
    if not lo <= beyond <= hi:
        fail(
            at,
            f"a normal distribution: between {lo} and {hi} of {n} weights beyond 2σ "
            f"(P(|Z|>2) = {TAIL_PROBABILITY:.4f})",
            f"{beyond}",
            "draw from a normal distribution (not uniform, not truncated)",
        )


def _expect_distinct_rows(weight, at) -> None:
    if weight.shape[0] > 1 and len(np.unique(weight, axis=0)) < weight.shape[0]:
        fail(
            at,
            "every output unit with its own random weights",
            "two identical rows",
            "draw every weight independently: identical units stay identical",
        )


def per_test_budget(layer_count: int) -> float:
    return CHECK_FALSE_FAILURE / (TESTS_PER_LAYER * layer_count)


def expect_identical(first: Layers, second: Layers, where: str, hint: str) -> None:
    for i, ((w1, b1), (w2, b2)) in enumerate(zip(first, second, strict=True), 1):
        if not (np.array_equal(w1, w2) and np.array_equal(b1, b2)):
            fail(
                f"{where}: Linear layer {i}",
                "the same weights for the same seed",
                "different weights",
                hint,
            )


# ----------------------------------------------------------------------------- symmetry_gap


def gap(weight: np.ndarray, bias: np.ndarray) -> float:
    """The symmetry gap: largest spread between units in one coordinate (weights or bias)."""
    params = np.concatenate([weight, bias[:, None]], axis=1).astype(np.float64)
    return float((params.max(axis=0) - params.min(axis=0)).max())


def gap_hint(weight: np.ndarray, bias: np.ndarray, got: float) -> str:
    """Name the usual mistake that produces ``got``, or ''."""
    params = np.concatenate([weight, bias[:, None]], axis=1).astype(np.float64)
    mistakes = (
        (gap(weight, np.zeros_like(bias)) if weight.size else 0.0, "include the biases"),
        (
            float(np.abs(params - params[0]).max()),
            "compare every pair of units, not each with the first one",
        ),
        (
            float(params.max() - params.min()),
            "compare units in the same coordinate, not any two numbers of the layer",
        ),
        (
            float(np.abs(np.diff(params, axis=0)).max()) if len(params) > 1 else 0.0,
            "compare every pair of units, not only neighbours",
        ),
        (
            float((weight.max(axis=1) - weight.min(axis=1)).max()),
            "compare units (rows of layer.weight), not the weights within one unit",
        ),
    )
    for value, hint in mistakes:
        if math.isclose(got, value, rel_tol=1e-6):
            return hint
    return ""


def expect_gap(sub, weight: np.ndarray, bias: np.ndarray, label: str, expected: float) -> None:
    """The student's ``symmetry_gap`` of a Linear holding (weight, bias), of their dtype, is
    ``expected``."""
    where = f"symmetry_gap({label})"
    value, _ = read_float(sub.probe("symmetry_gap_of", weight, bias, label=where), where)
    hint = gap_hint(weight, bias, value)
    expect_close(value, expected, where=where, rtol=1e-6, hint=hint)
