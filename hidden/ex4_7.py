"""Hidden checks of ex4_7: never shipped to students (the handout leaves hidden/ out).

Models of every layer type the statement names (and nesting, sharing, float64, 2-D
LayerNorm weights, 1-D PReLU weights, attention's in_proj_weight) holding values the judge
chose, and a hidden training set; expected values are computed in the trusted process from
those values, decay_step's by the reference.
"""

from __future__ import annotations

from grader.catalog import load_reference
from grader.course.ex4_7 import judging, training
from grader.course.ex4_7.judging import ModelCase
from grader.course.ex4_7.public import (
    LR,
    STEPS,
    decay_cases,
    decay_step_values_numpy,
    decay_step_values_torch,
    groups_recover_large_offset,
    l2_penalty_small_models,
    param_groups_small_models,
    train,
)
from grader.judge.student import call_text
from grader.model import Visibility
from grader.registry import CheckSet
from grader.sandbox.values import TensorData

checks = CheckSet("ex4_7", Visibility.HIDDEN)
reference = load_reference("ex4_7")

HIDDEN_MODELS = [
    ModelCase(
        {
            "layers": [
                ["linear", 5, 20, True],
                ["block", [["layernorm", [4, 5], True], ["prelu", 1]]],
                ["linear", 20, 2, True],
            ],
            "dtype": "float64",
        },
        weights=("0.weight", "2.weight"),
    ),
    ModelCase(
        {
            "layers": [
                ["conv1d", 4, 8, 3, True],
                ["groupnorm", 2, 8],
                ["attention", 8, 2],
                ["linear", 8, 4, False],
            ]
        },
        weights=("0.weight", "2.in_proj_weight", "2.out_proj.weight", "3.weight"),
    ),
    ModelCase(
        {
            "layers": [
                ["embedding", 10, 4],
                ["block", [["linear", 4, 4, True], ["layernorm", [4], False]]],
                ["linear", 4, 10, False],
            ],
            "ties": [["0", "2"]],
        },
        weights=("0.weight", "1.0.weight"),
    ),
    ModelCase(
        {"layers": [["linear", 3, 5, False], ["batchnorm1d", 5], ["conv2d", 2, 3, 1, False]]},
        weights=("0.weight", "2.weight"),
    ),
]


@checks.check(points=2, depends=l2_penalty_small_models)
def l2_penalty_hidden_models(sub) -> None:
    """l2_penalty on nested, shared, float64 and attention models: weights only, once each"""
    lams = (0.3, 0.3, 2, 0.3)  # one a Python int
    for seed, (case, lam) in enumerate(zip(HIDDEN_MODELS, lams, strict=True), start=100):
        judging.expect_penalty(sub, case, seed, lam)


@checks.check(points=2, depends=param_groups_small_models)
def param_groups_hidden_models(sub) -> None:
    """param_groups on the same models: a shared weight once, 2-D norm weights not decayed"""
    decays = (0.05, 0.05, 1, 0.05)  # one a Python int
    for index, (case, decay) in enumerate(zip(HIDDEN_MODELS, decays, strict=True)):
        judging.expect_groups(sub, case, 200 + 2 * index, decay)


def _reference_steps(sub, cases: list, steps: tuple) -> None:
    """decay_step on each case against the reference run on the float64 values."""
    for (w, grad), (lr, lam) in zip(cases, steps, strict=True):
        values = [x.array if isinstance(x, TensorData) else x for x in (w, grad)]
        expected = reference.decay_step(*(v.astype("float64") for v in values), lr, lam)
        got = sub.call("decay_step", w, grad, lr, lam)
        judging.expect_decay_value(got, w, expected, call_text("decay_step", (w, grad, lr, lam)))


@checks.check(points=1, depends=decay_step_values_numpy)
def decay_step_hidden_numpy(sub) -> None:
    """decay_step on numpy arrays: no decay (λ = 0), a strong step, a tiny one"""
    cases = decay_cases(sub, 77, [(7,), (4, 4), (2, 3, 2)], ["float64", "float32", "float64"])
    _reference_steps(sub, cases, ((0.5, 1.0), (1e-3, 5e-4), (0.1, 0)))


@checks.check(points=1, depends=decay_step_values_torch)
def decay_step_hidden_torch(sub) -> None:
    """decay_step on 3-D and one-element tensors, float32 and float64, λ = 0 included"""
    cases = decay_cases(sub, 78, [(2, 3, 4), (1,), (5,)], ["torch64", "torch32", "torch32"])
    _reference_steps(sub, cases, ((0.1, 0), (2.0, 0.25), (1, 0.5)))


# Offset -15 and weight decay 0.5: over 100 seeds of offset_data(n=320, d=6) the reference
# (float32) ends within 6e-6 of the ridge solution with a free bias, held-out mean error at
# most 0.16 (limit 0.75), while decaying the bias too leaves at least 4.9.
HIDDEN_TRAINING = {"seed": 4077, "n": 320, "d": 6, "offset": -15.0, "lam": 0.5}


def _hidden_run(sub, use: str, how: str) -> None:
    data = training.offset_data(**HIDDEN_TRAINING)
    run = train(sub, data, use, HIDDEN_TRAINING["seed"])
    training.expect_offset_recovered(run, data, f"{how}, lr={LR}, {STEPS} steps")


# The hidden runs train a plain nn.Linear, where any rule (even a hard-coded one, or none:
# the closed-form end point can be computed without the student's functions) looks right;
# so they count once the student's functions pass the hidden rule checks above, whose
# expected values nothing in the sandbox can derive.
@checks.check(points=1, depends=l2_penalty_hidden_models, training=True, timeout=60)
def penalty_recovers_offset_on_hidden_data(sub) -> None:
    """on hidden data, SGD on the loss plus your l2_penalty learns the offset of -15"""
    d, lam = HIDDEN_TRAINING["d"], HIDDEN_TRAINING["lam"]
    _hidden_run(sub, "penalty", f"SGD on loss + l2_penalty(nn.Linear({d}, 1), {lam:g})")


@checks.check(
    points=1,
    depends=(groups_recover_large_offset, param_groups_hidden_models),
    training=True,
    timeout=60,
)
def groups_recover_offset_on_hidden_data(sub) -> None:
    """on hidden data, SGD over your param_groups learns the offset of -15"""
    d, lam = HIDDEN_TRAINING["d"], HIDDEN_TRAINING["lam"]
    _hidden_run(sub, "groups", f"SGD(param_groups(nn.Linear({d}, 1), {lam:g}))")
