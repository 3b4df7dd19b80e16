"""The learning-rate experiment of ex4_9, judged in the trusted process.

The judge sends a deep sigmoid network's starting weights and a data set; the probe
``lr_runs`` trains the student's ``deep_sigmoid_mlp`` holding them with plain SGD at
several learning rates and returns every intermediate weight. Here each run is
re-verified step by step (every step must be ``W - lr * grad`` with the gradient the
judge recomputes in float64), and the facts are measured on the judge's own numbers:
how far the first and the last layer travelled (the sum of the step norms, relative to
the layer's starting norm), and the loss at every step.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from grader.course.ex4_9 import judging
from grader.judge.compare import fail, kind_of
from grader.outcomes import CheckFailed
from grader.sandbox.values import TensorData

# A step is accepted when ||W_next - (W - lr*grad)|| <= STEP_RTOL * ||lr*grad|| +
# lr * GRAD_ATOL * sqrt(size) + STEP_ATOL * ||W_next||: float32 rounding of the update
# (2^-24 relative) plus float32 gradients, whose error is relative where they are large and
# absolute (about 1e-8 per entry) where they cancel to nearly 0. bench/ex4_9_margins.py
# measures how much of this tolerance honest runs use (at most 0.1).
STEP_RTOL, GRAD_ATOL, STEP_ATOL = 1e-3, 1e-6, 1e-6


@dataclass(frozen=True)
class RunFacts:
    """What one learning rate's run did, measured by the judge."""

    lr: float
    ratio: float  # the student's update_ratio at the start
    losses: tuple[float, ...]  # before each step, and after the last one
    first_path: float  # sum over steps of ||lr * dW_first|| / ||W_first at start||
    last_path: float  # the same for the last layer

    @property
    def rises(self) -> int:
        """How many steps made the loss go up."""
        return int(np.sum(np.diff(self.losses) > 0))


def judge_runs(runs: object, start: judging.Layers, X, y, lrs: list, steps: int) -> list[RunFacts]:
    """Re-verify every run of ``lr_runs`` and measure it."""
    if not isinstance(runs, list) or len(runs) != len(lrs):
        raise CheckFailed(f"the training runs could not be read back (got {kind_of(runs)})")
    facts = []
    for run, lr in zip(runs, lrs, strict=True):
        where = f"plain SGD at lr={lr:g} on deep_sigmoid_mlp"
        if not isinstance(run, dict):
            raise CheckFailed(f"{where}: the run could not be read back")
        trajectory = _read_trajectory(run.get("trajectory"), start, steps, where)
        ratio = judging.expect_ratio(
            run.get("ratio"),
            _first_over_last(start, X, y),
            f"update_ratio(model, X, y, lr={lr:g}) at the start of the run",
        )
        facts.append(_measure(trajectory, X, y, lr, ratio, where))
    return facts


def _first_over_last(layers: judging.Layers, X, y) -> float:
    norms = judging.grad_norms(layers, X, y)
    return norms[0] / norms[-1]


def _read_trajectory(value: object, start: judging.Layers, steps: int, where: str) -> list:
    """The weights before each step, as a list of Layers (index 0: the start)."""
    shapes = [s for w, b in start for s in ((steps + 1, *w.shape), (steps + 1, *b.shape))]
    if not isinstance(value, list) or len(value) != len(shapes):
        raise CheckFailed(f"{where}: the weights of the run could not be read back")
    stacks = []
    for item, shape in zip(value, shapes, strict=True):
        if not isinstance(item, TensorData) or item.array is None or item.shape != shape:
            raise CheckFailed(f"{where}: the weights of the run could not be read back")
        stacks.append(item.array.astype(np.float64))
    if not all(np.isfinite(s).all() for s in stacks):
        fail(where, "finite weights", "nan or inf")
    trajectory = [
        [(stacks[2 * i][t], stacks[2 * i + 1][t]) for i in range(len(start))]
        for t in range(steps + 1)
    ]
    for (w, b), (w0, b0) in zip(trajectory[0], start, strict=True):
        if not (np.array_equal(w, w0) and np.array_equal(b, b0)):
            fail(where, "the run to start from the weights the grader sent", "other weights")
    return trajectory


def _measure(trajectory: list, X, y, lr: float, ratio: float, where: str) -> RunFacts:
    losses, first, last = [], 0.0, 0.0
    for t, layers in enumerate(trajectory):
        loss, grads = judging.loss_and_grads(layers, X, y)
        losses.append(loss)
        if t == len(trajectory) - 1:
            break
        _expect_sgd_step(layers, grads, trajectory[t + 1], lr, f"{where}, step {t + 1}")
        first += lr * float(np.linalg.norm(grads[0][0]))
        last += lr * float(np.linalg.norm(grads[-1][0]))
    first_norm = float(np.linalg.norm(trajectory[0][0][0]))
    last_norm = float(np.linalg.norm(trajectory[0][-1][0]))
    return RunFacts(lr, ratio, tuple(losses), first / first_norm, last / last_norm)


def step_tolerance_used(layers, grads, after, lr: float) -> tuple[float, int]:
    """The largest fraction of the step tolerance used by any parameter, and its layer."""
    worst, where = 0.0, 0
    for i, ((w, b), (gw, gb), (w1, b1)) in enumerate(zip(layers, grads, after, strict=True), 1):
        for param, grad, new in ((w, gw, w1), (b, gb, b1)):
            error = float(np.linalg.norm(new - (param - lr * grad)))
            allowed = (
                STEP_RTOL * lr * float(np.linalg.norm(grad))
                + lr * GRAD_ATOL * np.sqrt(grad.size)
                + STEP_ATOL * float(np.linalg.norm(new))
            )
            used = error / (allowed + 1e-30)
            if used > worst:
                worst, where = used, i
    return worst, where


def _expect_sgd_step(layers, grads, after, lr: float, where: str) -> None:
    used, layer = step_tolerance_used(layers, grads, after, lr)
    if used > 1.0:
        fail(
            where,
            f"Linear layer {layer} to move by -lr * its gradient",
            f"a step {used:.3g} times the tolerance away",
            "the run was not plain SGD",
        )


def plot_losses(sub, facts: list[RunFacts], constant: float, title: str) -> None:
    """Attach the loss at each step of every run (computed here from the verified weights),
    with the loss of the best constant output for comparison."""
    series = {f"lr={f.lr:g}": f.losses for f in facts}
    steps = max((len(f.losses) for f in facts), default=0)
    series["reference: best constant output"] = [constant] * steps
    sub.figure(title, series, x_label="step", y_label="mean BCE loss")


def summary(facts: list[RunFacts]) -> str:
    """The runs as a compact table."""
    rows = [
        "      lr   update_ratio   first layer moved   last layer moved   loss rises   min loss"
    ]
    for f in facts:
        rows.append(
            f"  {f.lr:>6g}   {f.ratio:>12.3e}   {f.first_path:>17.3e}   {f.last_path:>16.3e}"
            f"   {f.rises:>4d}/{len(f.losses) - 1:<5d}   {min(f.losses):.4f}"
        )
    return "\n".join(rows)
