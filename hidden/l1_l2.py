"""Hidden checks of l1_l2: never shipped to students (the handout leaves hidden/ out).

Other shapes (3-D, one element, 12,000 elements), extremes (|w| ~ 1e4, every element
thresholded away, λ = 0), weights crossing 0 in one step, Python int arguments, and a
second sparse regression trained on numpy arrays (the public one uses tensors), so the
two input kinds are scored apart. Expected values come from the reference solution,
run here on the float64 values of what was sent.
"""

from __future__ import annotations

import numpy as np

from grader import CheckSet, Visibility, load_reference
from grader.course.l1_l2 import training
from grader.course.l1_l2.cases import PenaltyCase, StepCase, check_penalties, check_steps
from grader.course.l1_l2.cases import random_array as draw
from grader.course.l1_l2.public import train

checks = CheckSet("l1_l2", Visibility.HIDDEN)
reference = load_reference("l1_l2")

HIDDEN_PENALTIES = [
    PenaltyCase(draw(101, (20, 30, 20), 0.1), "float32", 0.3, 50),
    PenaltyCase(np.array([-0.75]), "torch64", 0, 1),
    PenaltyCase(draw(102, (7, 5), 0.3), "torch32", 3, 7),
    PenaltyCase(1e4 * draw(103, (4,)), "float64", 1e-3, 100_000),
]

CROSSING = StepCase(
    np.array([0.05, -0.05, 0.2, 0.0]), np.array([1.0, -1.0, 0.0, -0.3]), "float64", 0.5, 0.2, 1
)
HIDDEN_STEPS = [
    CROSSING,
    CROSSING.as_kind("torch32"),
    StepCase(draw(111, (2, 3, 4), 0.2), draw(112, (2, 3, 4)), "torch64", 0.05, 0, 10),
    StepCase(np.array([0.0]), np.array([0.4]), "float64", 1, 1, 2),
    StepCase(draw(125, (50, 40), 0.3), draw(126, (50, 40)), "float32", 0.01, 5, 3),
    StepCase(0.01 * draw(115, (64,)), 0.01 * draw(116, (64,)), "torch32", 0.5, 2, 1),
    StepCase(1e4 * draw(117, (6,)), draw(118, (6,)), "float64", 1e-3, 0.5, 1000),
]


@checks.check(points=1)
def l1_penalty_hidden_cases(sub) -> None:
    """l1_penalty on 3-D, one-element, large and extreme arrays and tensors"""
    check_penalties(sub, "l1_penalty", HIDDEN_PENALTIES, reference.l1_penalty)


@checks.check(points=1)
def l2_penalty_hidden_cases(sub) -> None:
    """l2_penalty on 3-D, one-element, large and extreme arrays and tensors"""
    check_penalties(sub, "l2_penalty", HIDDEN_PENALTIES, reference.l2_penalty)


@checks.check(points=1)
def l1_step_hidden_cases(sub) -> None:
    """l1_step on weights crossing 0, λ = 0, zeros, large and extreme inputs"""
    check_steps(sub, "l1_step", HIDDEN_STEPS, reference.l1_step)


@checks.check(points=1)
def l1_prox_step_hidden_cases(sub) -> None:
    """l1_prox_step on weights crossing 0, all-zero results, λ = 0 and large inputs"""
    check_steps(sub, "l1_prox_step", HIDDEN_STEPS, reference.l1_prox_step)


@checks.check(points=1)
def l2_step_hidden_cases(sub) -> None:
    """l2_step on 3-D, one-element, large and extreme inputs, and λ = 0"""
    check_steps(sub, "l2_step", HIDDEN_STEPS, reference.l2_step)


# Measured by bench/l1_l2_margins.py (200 other data seeds, float64 arrays): the
# reference's proximal run leaves 97.7-100% of the 44 irrelevant weights exactly 0 (limit
# 70%, i.e. 31) with held-out loss 0.086-0.127; its L2 run leaves no weight at 0, held-out
# loss 0.13-0.35 (limit 0.6; the noise alone gives 0.08). At this seed: 97.7% zeros, losses
# 0.114 and 0.226.
HIDDEN_SPARSE = training.SparseTask(
    seed=7193,
    n=300,
    d=50,
    relevant=6,
    noise=0.4,
    offset=-3.0,
    lam=24.0,
    lr=0.25,
    steps=150,
    loss_limit=0.6,
    zero_share=0.7,
)


@checks.check(points=1, training=True, timeout=60)
def l1_prox_training_on_numpy_arrays(sub) -> None:
    """on another sparse regression, as numpy arrays, l1_prox_step zeroes irrelevant weights"""
    run, data, where = train(sub, HIDDEN_SPARSE, "l1_prox_step", "float64")
    training.expect_sparse(run, data, HIDDEN_SPARSE, where)


@checks.check(points=1, training=True, timeout=60)
def l2_training_on_numpy_arrays(sub) -> None:
    """on the same regression, as numpy arrays, l2_step fits and leaves no weight at 0"""
    run, data, where = train(sub, HIDDEN_SPARSE, "l2_step", "float64")
    training.expect_dense(run, data, HIDDEN_SPARSE, where)


_CHOICE_HINTS = {
    ("exact_zeros", "A"): "L2 shrinks a weight in proportion to its size: the closer it gets "
    "to 0, the smaller its steps become",
    ("exact_zeros", "B"): "with steps of a fixed size ηλ/n a weight near 0 jumps from one side "
    "to the other: landing on exactly 0.0 would take an exact multiple of ηλ/n",
    ("exact_zeros", "D"): "some floating-point operations do give exactly 0.0 (x − x, 0.0·x): "
    "look for an update that can produce one",
    ("bias_not_regularized", "C"): "the loss does depend on b: ∂C₀/∂b is the mean residual",
    ("bias_not_regularized", "D"): "b² is convex, and a sum of convex functions is convex",
}


def quiz_feedback(key: str, answer: object) -> str | None:
    """The extra hint for a wrong choice (the runner's ``feedback`` hook; instructor-only)."""
    if not isinstance(answer, frozenset):
        return None
    for letter in sorted(answer):
        hint = _CHOICE_HINTS.get((key, letter))
        if hint:
            return hint
    if key == "bias_not_regularized" and len(answer) == 1:
        return "judge every statement on its own: what does shrinking b change in the output?"
    return None
