"""Measure the margins behind l1_l2's training thresholds (quoted in checks/l1_l2/public.py
and hidden/l1_l2.py).

    python bench/l1_l2_margins.py [--seeds 200]

Runs the reference solution, and the usual wrong steps, through the same probe
(``probes.train_sparse``, values through the same wire encoding) and the same trusted-side
judging as the training checks, on many data seeds, single-threaded: the public task as
float32 tensors, the hidden one as float64 numpy arrays.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
import torch

from grader.catalog import Course
from grader.course.l1_l2 import probes, public, training
from grader.course.l1_l2.cases import send
from grader.outcomes import CheckFailed
from grader.sandbox import wire


def through_wire(value):
    """What the judge receives from a probe: the value encoded and decoded."""
    return wire.decode(*wire.encode(value))


def _soft(z, t):
    lib = torch if isinstance(z, torch.Tensor) else np
    return lib.where(abs(z) <= t, 0 * z, z - t * lib.sign(z))


def variants(reference) -> dict[str, SimpleNamespace]:
    """The reference and the usual wrong steps, as stand-ins for a student's module."""

    def prox(threshold):
        return lambda w, g, lr, lam, n: _soft(w - lr * g, threshold(lr, lam, n))

    def l2(factor):
        return lambda w, g, lr, lam, n: factor(lr, lam, n) * w - lr * g

    def hard(w, g, lr, lam, n):
        z = w - lr * g
        return z * (abs(z) > lr * lam / n)

    def positive(w, g, lr, lam, n):
        z = w - lr * g - lr * lam / n
        return z * (z > 0)

    return {
        "reference": reference,
        "prox = subgradient step": SimpleNamespace(l1_prox_step=reference.l1_step),
        "prox thresholds w first": SimpleNamespace(
            l1_prox_step=lambda w, g, lr, lam, n: _soft(w, lr * lam / n) - lr * g
        ),
        "prox hard threshold": SimpleNamespace(l1_prox_step=hard),
        "prox keeps positives only": SimpleNamespace(l1_prox_step=positive),
        "prox t = λ/n (no lr)": SimpleNamespace(l1_prox_step=prox(lambda lr, lam, n: lam / n)),
        "prox t = lr·λ (no n)": SimpleNamespace(l1_prox_step=prox(lambda lr, lam, n: lr * lam)),
        "l2 (1 − λ/n) (no lr)": SimpleNamespace(l2_step=l2(lambda lr, lam, n: 1 - lam / n)),
        "l2 (1 − lr·λ/2n) (1/2 kept)": SimpleNamespace(
            l2_step=l2(lambda lr, lam, n: 1 - lr * lam / (2 * n))
        ),
        "l2 (1 − lr·λ) (no n)": SimpleNamespace(l2_step=l2(lambda lr, lam, n: 1 - lr * lam)),
        "l2 = prox step": SimpleNamespace(l2_step=reference.l1_prox_step),
    }


def measure(student, func: str, task: training.SparseTask, kind: str, seeds: list[int]) -> dict:
    """Over data ``seeds``: zero counts, held-out losses, failures, seconds per run."""
    found = {"zero share": [], "zeros": [], "loss": [], "fails": 0, "seconds": 0.0}
    judge = training.expect_sparse if func == "l1_prox_step" else training.expect_dense
    for seed in seeds:
        run_task = dataclasses.replace(task, seed=seed)
        data = training.sparse_data(run_task)
        X, y = (send(data[k], kind, "cpu") for k in "Xy")
        start = time.perf_counter()
        report = through_wire(
            probes.train_sparse(student, func, _live(X), _live(y), task.lr, task.lam, task.steps)
        )
        found["seconds"] = max(found["seconds"], time.perf_counter() - start)
        try:
            run = training.read_run(report, task.d, "bench")
        except CheckFailed:
            found["fails"] += 1
            continue
        w = run[0]
        found["zero share"].append(float(np.mean(w[~data["relevant"]] == 0)))
        found["zeros"].append(int((w == 0).sum()))
        found["loss"].append(training.heldout_loss(*run, data))
        try:
            judge(run, data, run_task, "bench")
        except CheckFailed:
            found["fails"] += 1
    return found


def _live(sent):
    """A value as the sandbox decodes it (a real tensor for a TensorData)."""
    return wire.decode(*wire.encode(sent), as_torch=True)


def _range(values: list) -> str:
    return f"{min(values):.3g}..{max(values):.3g}" if values else "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=200)
    args = parser.parse_args()
    torch.set_num_threads(1)
    course = Course.locate()
    reference = course.reference("l1_l2")
    hidden = course.hidden_module(course.find("l1_l2"))
    for label, task, kind in (
        ("public (float32 tensors)", public.SPARSE, "torch32"),
        ("hidden (float64 arrays)", hidden.HIDDEN_SPARSE, "float64"),
    ):
        print(f"== {label}: loss limit {task.loss_limit}, zero share >= {task.zero_share}")
        for func in ("l1_prox_step", "l2_step"):
            m = measure(reference, func, task, kind, [task.seed])
            print(
                f"  the check's own seed {task.seed}, reference {func}: irrelevant zero share "
                f"{_range(m['zero share'])}, held-out loss {_range(m['loss'])}"
            )
        seeds = [10_000 + s for s in range(args.seeds)]
        for name, student in variants(reference).items():
            for func in ("l1_prox_step", "l2_step"):
                if not hasattr(student, func):
                    continue
                m = measure(student, func, task, kind, seeds)
                print(
                    f"  {name:28s} {func:12s} irrelevant zero share {_range(m['zero share'])}"
                    f"  zeros {_range(m['zeros'])}  held-out loss {_range(m['loss'])}"
                    f"  fails {m['fails']}/{len(seeds)}  ({m['seconds']:.2f} s/run)"
                )


if __name__ == "__main__":
    main()
