"""Run the dropout checks' statistical tests on the reference solution with many seeds.

    python bench/dropout_repeatability.py --runs 1000 [--training-runs 100]

Run ``i`` uses generator seed ``i``: new masks, exactly as a correct solution whose random
draws differ from the reference's would give. Outputs go through the wire format and are
judged by the checks' own code. Expected: no failure (each statistical check's
false-failure probability is at most 1e-7, so 1,000 runs of all of them fail with
probability below about 1e-3). ``--training-runs`` also reruns the training check with
that many torch seeds (it is seeded too; its threshold comes from measured margins).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

from grader.catalog import active, load_reference
from grader.course.dropout import cases, judging, probes, training
from grader.outcomes import CheckFailed
from grader.sandbox import wire

REPO = Path(__file__).resolve().parents[1]


def hidden_module():
    """hidden/dropout.py, loaded as the runner loads it."""
    course = active()
    return course.hidden_module(course.find("dropout"))


def as_seen_by_judge(value):
    """A value after the sandbox -> judge wire round trip."""
    obj, blobs = wire.encode(value)
    return wire.decode(obj, blobs)


def in_sandbox_form(x):
    """What the probe receives for the input x (a torch tensor for a TensorData)."""
    obj, blobs = wire.encode(x)
    return wire.decode(obj, blobs, as_torch=True)


def statistical_tests() -> dict[str, cases.StatisticalTest]:
    """Every statistical check, by name: one per test and backend (numpy, torch)."""
    tests = {
        "keep_rate_is_one_minus_p": cases.KEEP_RATE,
        "mean_is_preserved": cases.MEAN,
        "drops_are_independent": cases.INDEPENDENT,
        "statistics_on_other_shapes_and_rates": hidden_module().HIDDEN_SHAPES,
    }
    return {
        f"{name}_{backend}": test.for_backend(backend)
        for name, test in tests.items()
        for backend in ("numpy", "torch")
    }


def run_once(reference, seed: int) -> list[str]:
    """Judge the reference's outputs for one generator seed; the failure messages."""
    failures = []
    for name, test in statistical_tests().items():
        for case in test.cases:
            x = case.input("cpu")
            y = as_seen_by_judge(probes.run(reference, in_sandbox_form(x), case.p, seed))
            failures += _judged(
                name, lambda y=y, x=x, case=case, t=test: t.judge(y, x, case, t.budget)
            )
    x = cases.MODULE.input("cpu")
    for p in (None, 0.2):
        facts = as_seen_by_judge(probes.module_facts(reference, in_sandbox_form(x), p, seed))
        failures += _judged(
            "dropout_module_train_eval",
            lambda f=facts, p=p: judging.judge_module_facts(
                f, x, p or 0.5, cases.MODULE_BUDGET, "Dropout"
            ),
        )
    return failures


def _judged(name: str, judge) -> list[str]:
    try:
        judge()
    except CheckFailed as exc:
        return [f"{name}: {exc}"]
    return []


def training_run(reference, seed: int) -> tuple[float, str | None]:
    """Rerun the training check with torch seed ``seed``: held-out accuracy, failure or None."""
    X, y = training.xor_data(31, training.TRAIN_SIZE)
    held_out = training.xor_data(32, training.HELD_OUT_SIZE)
    tensors = [torch.from_numpy(a) for a in (X, y, X[:16])]
    facts = as_seen_by_judge(
        probes.train_network(reference, *tensors, "cpu", seed, training.STEPS, training.P)
    )
    weights = training.read_weights(facts, "training")
    accuracy = float((training.forward(weights, held_out[0]).argmax(1) == held_out[1]).mean())
    try:
        training.judge_training(facts, X[:16], held_out, "training")
    except CheckFailed as exc:
        return accuracy, str(exc)
    return accuracy, None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--training-runs", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(1)
    reference = load_reference("dropout")
    started, failures = time.monotonic(), []
    for seed in range(args.runs):
        failures += [f"seed {seed}: {f}" for f in run_once(reference, seed)]
    print(
        f"{args.runs} runs of every statistical test: {len(failures)} failures "
        f"({time.monotonic() - started:.1f} s)"
    )
    accuracies = []
    for seed in range(args.training_runs):
        accuracy, message = training_run(reference, seed)
        accuracies.append(accuracy)
        if message:
            failures.append(f"training seed {seed}: {message}")
    if accuracies:
        print(
            f"{len(accuracies)} training runs: held-out accuracy {min(accuracies):.3f} to "
            f"{max(accuracies):.3f} (threshold {training.MIN_ACCURACY})"
        )
    print("\n".join(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
