"""Measure the margins behind ex4_8's thresholds (quoted in checks/ex4_8/public.py).

    python bench/ex4_8_margins.py [--seeds 100]

Trains the XOR network through the same probe and trusted-side judging the checks use
(values cross the same wire encoding), from the reference initializers, on many seeds
of data and initialization, single-threaded. Also prints how far the usual wrong stds
fall outside the statistical tests' acceptance intervals on the public layer shapes.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch

from grader.catalog import load_reference
from grader.course.ex4_8 import judging, probes, public, training
from grader.judge import stats
from grader.sandbox import wire


def through_wire(value):
    """What the judge receives from a probe: the value encoded and decoded."""
    return wire.decode(*wire.encode(value))


def xor_margins(student, seeds: int, hidden: int) -> None:
    run = dict(public.XOR_RUN, hidden=hidden)
    for func in probes.INITIALIZERS:
        accuracies, gaps, slowest = [], [], 0.0
        for seed in range(seeds):
            data = training.xor_data(**dict(public.XOR_DATA, seed=10_000 + seed))
            began = time.perf_counter()
            facts = probes.train_xor(
                student, func, data["X"], data["y"], hidden, seed, run["steps"], run["lr"]
            )
            slowest = max(slowest, time.perf_counter() - began)
            _, final = training.read_run(through_wire(facts), func, hidden)
            accuracies.append(training.accuracy(final, data["X_test"], data["y_test"]))
            gaps.append(training.hidden_unit_gap(final))
        print(
            f"{hidden} hidden units, {func}: held-out accuracy min {min(accuracies):.4f} "
            f"median {statistics.median(accuracies):.4f} max {max(accuracies):.4f}; "
            f"hidden-unit gap min {min(gaps):.3g} max {max(gaps):.3g}; slowest run {slowest:.3f} s"
        )


def power(budget: float) -> None:
    """Where the usual mistakes land relative to the std-ratio acceptance interval."""
    for func, (std_of, mistakes, _) in judging.SCHEMES.items():
        for fan_in, fan_out in public.SHAPES:
            lo, hi = stats.std_ratio_acceptance(fan_in * fan_out, budget)
            right = std_of(fan_in, fan_out)
            off = ", ".join(f"{m(fan_in, fan_out) / right:.3f}" for m, _ in mistakes)
            print(
                f"{func} Linear({fan_in}, {fan_out}): accept s/σ in [{lo:.4f}, {hi:.4f}]; "
                f"usual mistakes give s/σ = {off}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=100)
    args = parser.parse_args()
    torch.set_num_threads(1)
    student = load_reference("ex4_8")
    power(judging.per_test_budget(len(public.SHAPES)))
    for hidden in (8, 16):
        xor_margins(student, args.seeds, hidden)


if __name__ == "__main__":
    main()
