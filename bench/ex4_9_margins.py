"""Measure the margins behind ex4_9's thresholds (quoted in checks/ex4_9/public.py).

    python bench/ex4_9_margins.py [--seeds 100]

Runs the reference solution through the same probes and trusted-side judging the
checks use (values cross the same wire encoding), on many seeds, single-threaded.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
import torch

from grader.catalog import load_reference
from grader.course.ex4_9 import judging, probes, public, training
from grader.sandbox import wire


def through_wire(value):
    """What the judge receives from a probe: the value encoded and decoded."""
    return wire.decode(*wire.encode(value))


def norm_precision(student, seeds: int) -> float:
    """Largest relative difference between float32 torch norms and float64 numpy norms."""
    worst = 0.0
    for seed in range(seeds):
        for sizes, activation, make in (
            (public.DEEP_SIZES, "sigmoid", judging.default_layers),
            (public.DEEP_SIZES, "relu", judging.he_layers),
            (public.SMALL_SIZES, "sigmoid", judging.default_layers),
        ):
            layers = make(np.random.default_rng(seed), sizes)
            X, y = judging.task(seed, 64, sizes[0])
            got = through_wire(probes.grad_norms(student, layers, X, y, activation))["norms"][0]
            want = judging.grad_norms(layers, X, y, activation)
            worst = max(worst, max(abs(g - w) / w for g, w in zip(got, want, strict=True)))
    return worst


def depth10_ratios(student, seeds: int) -> dict[str, list[float]]:
    """first/last ratios at depth 10: the student's own model (default init), and the
    judge's sigmoid-default and ReLU+He weights."""
    found = {"student default": [], "sigmoid default": [], "relu he": []}
    for seed in range(seeds):
        X, y = judging.task(seed, 64, 8)
        torch.manual_seed(seed)
        model = student.deep_sigmoid_mlp(10, 16, 8, 1)
        layers = [
            (m.weight.detach().double().numpy(), m.bias.detach().double().numpy())
            for m in probes.linears(model)
        ]
        norms = judging.grad_norms(layers, X, y)
        found["student default"].append(norms[0] / norms[-1])
        for name, make, act in (
            ("sigmoid default", judging.default_layers, "sigmoid"),
            ("relu he", judging.he_layers, "relu"),
        ):
            norms = judging.grad_norms(
                make(np.random.default_rng(seed), public.DEEP_SIZES), X, y, act
            )
            found[name].append(norms[0] / norms[-1])
    return found


def lr_runs(student, seeds: int, run: dict, depth: int, width: int, d: int) -> dict:
    lrs, steps = run["lrs"], run["steps"]
    sizes = [d] + [width] * depth + [1]
    out = {
        "max first path": 0.0,
        "min top last path": np.inf,
        "min top rises": np.inf,
        "min loss - constant loss": np.inf,
        "max step tolerance used": 0.0,
        "seconds per probe": 0.0,
    }
    for seed in range(seeds):
        start = judging.default_layers(np.random.default_rng(1000 + seed), sizes)
        X, y = judging.task(2000 + seed, run["n"], d)
        began = time.perf_counter()
        runs = through_wire(probes.lr_runs(student, start, X, y, lrs, steps))
        out["seconds per probe"] = max(out["seconds per probe"], time.perf_counter() - began)
        facts = training.judge_runs(runs, start, X, y, lrs, steps)
        out["max first path"] = max(out["max first path"], *(f.first_path for f in facts))
        out["min top last path"] = min(out["min top last path"], facts[-1].last_path)
        out["min top rises"] = min(out["min top rises"], facts[-1].rises)
        lowest = min(min(f.losses) for f in facts) - judging.constant_loss(y)
        out["min loss - constant loss"] = min(out["min loss - constant loss"], lowest)
        for r, lr in zip(runs, lrs, strict=True):
            traj = training._read_trajectory(r["trajectory"], start, steps, "bench")
            for t in range(steps):
                grads = judging.loss_and_grads(traj[t], X, y)[1]
                used, _ = training.step_tolerance_used(traj[t], grads, traj[t + 1], lr)
                out["max step tolerance used"] = max(out["max step tolerance used"], used)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=100)
    args = parser.parse_args()
    torch.set_num_threads(1)
    student = load_reference("ex4_9")
    print(
        f"norms: largest relative float32/float64 difference "
        f"{norm_precision(student, args.seeds):.2e}"
    )
    for name, values in depth10_ratios(student, args.seeds).items():
        print(
            f"depth-10 first/last ratio, {name}: min {min(values):.2e} "
            f"median {statistics.median(values):.2e} max {max(values):.2e}"
        )
    hidden = _hidden_module()
    for label, run, shape in (
        ("public", public.LR_RUN, (10, 16, 8)),
        ("hidden", hidden.LR_RUN, (10, 12, 6)),
    ):
        for name, value in lr_runs(student, args.seeds, run, *shape).items():
            print(f"{label} lr runs {run['lrs']}, depth {shape[0]}: {name} = {value:.3g}")


def _hidden_module():
    """hidden/ex4_9.py (instructor side), for the hidden run's settings."""
    path = Path(__file__).resolve().parents[1] / "hidden" / "ex4_9.py"
    spec = importlib.util.spec_from_file_location("bench_hidden_ex4_9", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


if __name__ == "__main__":
    main()
