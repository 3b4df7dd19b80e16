"""Measure the margins behind softmax_xent's thresholds (quoted in checks/softmax_xent/).

    python bench/softmax_xent_margins.py [--seeds 200]

Tolerance: every public and hidden check of the values runs, in-process (values cross
the same wire encoding as from the sandbox), on several correct ways of writing the four
functions; the judge's comparisons are wrapped to record the largest error/tolerance
ratio of each check (at most 1 passes: 1/ratio is the margin). The usual mistakes run
through the same checks, to show how far outside the tolerance they land.

Training: the probe of the training check runs in-process, single-threaded, with the
reference and with the usual wrong gradients, on many seeds of training and held-out
points; it prints the held-out accuracies that MIN_ACCURACY sits between.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import types
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
import torch

from grader import CheckFailed, CheckSet, load_reference
from grader.catalog import active  # engine: the hidden checks' module, as the runner loads it
from grader.course.softmax_xent import judging, probes, public, training
from grader.sandbox import wire  # engine: values cross the sandbox's own encoding

ID = "softmax_xent"


def through_wire(value, as_torch: bool = False):
    return wire.decode(*wire.encode(value), as_torch=as_torch)


class InProcess:
    """A stand-in for the sandbox handle: calls ``module`` here, values through the wire."""

    device = "cpu"

    def __init__(self, module: types.ModuleType) -> None:
        self.module = module

    def call(self, func: str, *args, label: str | None = None, **kwargs):
        args, kwargs = through_wire(args, True), through_wire(kwargs, True)
        return through_wire(getattr(self.module, func)(*args, **kwargs))

    def probe(self, func: str, *args, label: str | None = None, **kwargs):
        args = through_wire(args, True)
        return through_wire(getattr(probes, func)(self.module, *args, **kwargs))


# ----------------------------------------------------------------------------- variants


def _variant(name: str, source: str) -> types.ModuleType:
    module = types.ModuleType(name)
    exec(compile(source, name, "exec"), module.__dict__)  # our own bench text
    return module


REFERENCE_TEXT = (Path(__file__).resolve().parents[1] / "solutions" / f"{ID}.py").read_text()

CORRECT = {
    "reference": "",
    "float64_inside": """
def softmax(z, axis=-1):
    x = z.double() if isinstance(z, torch.Tensor) else z.astype(np.float64)
    out = _softmax(x, axis)
    return out.to(z.dtype) if isinstance(z, torch.Tensor) else out.astype(z.dtype)

def log_softmax(z, axis=-1):
    x = z.double() if isinstance(z, torch.Tensor) else z.astype(np.float64)
    out = _log_softmax(x, axis)
    return out.to(z.dtype) if isinstance(z, torch.Tensor) else out.astype(z.dtype)
""",
    "z_minus_logsumexp": """
def log_softmax(z, axis=-1):
    if isinstance(z, torch.Tensor):
        return z - torch.logsumexp(z, dim=axis, keepdim=True)
    m = np.max(z, axis=axis, keepdims=True)
    return z - (m + np.log(np.sum(np.exp(z - m), axis=axis, keepdims=True)))
""",
    "one_term_at_a_time": """
def softmax(z, axis=-1):
    tensor = isinstance(z, torch.Tensor)
    a = z.movedim(axis, -1) if tensor else np.moveaxis(z, axis, -1)
    e = torch.exp(a - a.amax(-1, keepdim=True)) if tensor else np.exp(a - a.max(-1, keepdims=True))
    total = e[..., :1] * 0
    for j in range(e.shape[-1]):
        total = total + e[..., j : j + 1]
    out = e / total
    return out.movedim(-1, axis) if tensor else np.moveaxis(out, -1, axis)
""",
    "torch_functions": """
def _t(z):
    return (torch.from_numpy(np.asarray(z)), True) if isinstance(z, np.ndarray) else (z, False)

def softmax(z, axis=-1):
    t, numpy = _t(z)
    out = torch.softmax(t, dim=axis)
    return out.numpy() if numpy else out

def log_softmax(z, axis=-1):
    t, numpy = _t(z)
    out = torch.log_softmax(t, dim=axis)
    return out.numpy() if numpy else out

def cross_entropy(logits, labels):
    t, numpy = _t(logits)
    out = torch.nn.functional.cross_entropy(t, torch.as_tensor(labels).long())
    return out.numpy() if numpy else out
""",
}
# The reference's own functions stay available under a leading underscore.
PRELUDE = "\n_softmax, _log_softmax = softmax, log_softmax\n"

MISTAKES = {
    "max of the whole batch": """
def softmax(z, axis=-1):
    if isinstance(z, torch.Tensor):
        e = torch.exp(z - z.max())
        return e / e.sum(dim=axis, keepdim=True)
    e = np.exp(z - np.max(z))
    return e / np.sum(e, axis=axis, keepdims=True)
""",
    "no shift": """
def softmax(z, axis=-1):
    if isinstance(z, torch.Tensor):
        return torch.exp(z) / torch.exp(z).sum(dim=axis, keepdim=True)
    return np.exp(z) / np.exp(z).sum(axis=axis, keepdims=True)
""",
    # correct in float32 and float64; in float16 near ±1e4 logsumexp is rounded to 8
    "exp(z - logsumexp(z))": """
def softmax(z, axis=-1):
    if isinstance(z, torch.Tensor):
        return torch.exp(z - torch.logsumexp(z, dim=axis, keepdim=True))
    m = np.max(z, axis=axis, keepdims=True)
    return np.exp(z - (m + np.log(np.sum(np.exp(z - m), axis=axis, keepdims=True))))
""",
}


def variant(name: str, extra: str) -> types.ModuleType:
    return _variant(name, REFERENCE_TEXT + PRELUDE + extra)


# ----------------------------------------------------------------------------- tolerance


def value_checks() -> list:
    course = active()
    hidden: CheckSet = course.hidden_module(course.find(ID)).checks
    skip = {"results_keep_kind_dtype_device", "softmax_regression_trains"}
    return [c for c in (*public.checks, *hidden) if c.name not in skip]


def worst_ratios(module: types.ModuleType) -> dict[str, float]:
    """{check: largest |got − expected| / tolerance over its comparisons} (inf: non-finite)."""
    ratios: dict[str, float] = defaultdict(float)
    current = [""]
    slices, scalar = judging.expect_slices, judging.expect_scalar

    def record(got, want, tol) -> None:
        with np.errstate(invalid="ignore", over="ignore"):
            ratio = np.abs(np.asarray(got, np.float64) - want) / tol
        worst = float(np.nanmax(np.where(np.isnan(ratio), np.inf, ratio)))
        ratios[current[0]] = max(ratios[current[0]], worst)

    def recording_slices(got, want, tol, *args, **kwargs):
        record(got, want, tol)
        return slices(got, want, tol, *args, **kwargs)

    def recording_scalar(got, want, tol, *args, **kwargs):
        record(judging.read_number(got, "bench"), want, tol)
        return scalar(got, want, tol, *args, **kwargs)

    judging.expect_slices, judging.expect_scalar = recording_slices, recording_scalar
    try:
        for check in value_checks():
            current[0] = check.name
            try:
                check(InProcess(module))
            except CheckFailed:
                pass
    finally:
        judging.expect_slices, judging.expect_scalar = slices, scalar
    return ratios


def tolerance_margins() -> None:
    print(f"tolerance ({judging.UNITS} units of eps, logsumexp allowance capped at {judging.CAP})")
    worst_correct = 0.0
    for name, extra in CORRECT.items():
        ratios = worst_ratios(variant(name, extra))
        check, worst = max(ratios.items(), key=lambda item: item[1])
        worst_correct = max(worst_correct, worst)
        print(f"  correct {name:20s} uses at most {worst:6.1%} of it ({check})")
    print(f"  => margin {1 / worst_correct:.1f}x for every correct version")
    for name, extra in MISTAKES.items():
        ratios = worst_ratios(variant(name, extra))
        over = {c: r for c, r in ratios.items() if r > 1}
        shown = ", ".join(f"{c} {r:.3g}x" for c, r in sorted(over.items()))
        print(f"  {name!r} is beyond it in: {shown}")


# ----------------------------------------------------------------------------- training

WRONG_GRADIENTS = {
    "without 1/n": "return p - one_hot",
    "wrong sign": "return (one_hot - p) / n",
    "no one-hot (softmax/n)": "return p / n",
}


def training_variants() -> dict[str, types.ModuleType]:
    found = {"reference": load_reference(ID)}
    for name, line in WRONG_GRADIENTS.items():
        found[name] = _variant(name, REFERENCE_TEXT.replace("return (p - one_hot) / n", line))
    return found


def training_margins(seeds: int) -> None:
    print(f"training: held-out accuracy over {seeds} seeds (threshold {training.MIN_ACCURACY})")
    for name, module in training_variants().items():
        accuracies, slowest = [], 0.0
        for seed in range(seeds):
            X, y = training.sample(10_000 + seed, training.TRAIN_SIZE)
            held_out = training.sample(20_000 + seed, training.HELD_OUT_SIZE)
            began = time.perf_counter()
            facts = InProcess(module).probe(
                "train_softmax_regression",
                torch.from_numpy(X),
                torch.from_numpy(y),
                training.CLASSES,
                "cpu",
                training.STEPS,
                training.LR,
            )
            slowest = max(slowest, time.perf_counter() - began)
            weight, bias = training.read_weights(facts, name)
            accuracies.append(training.accuracy(weight, bias, *held_out))
        print(
            f"  {name:24s} min {min(accuracies):.3f} median {statistics.median(accuracies):.3f} "
            f"max {max(accuracies):.3f}; slowest run {slowest:.3f} s"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=200)
    args = parser.parse_args()
    torch.set_num_threads(1)
    tolerance_margins()
    training_margins(args.seeds)


if __name__ == "__main__":
    main()
