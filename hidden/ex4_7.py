"""Hidden checks of ex4_7: never shipped to students (the handout leaves hidden/ out).

Models of every layer type the statement names (and nesting, sharing, float64, 2-D
LayerNorm weights, 1-D PReLU weights, attention's in_proj_weight) and a hidden training
set; expected values are recomputed in the trusted process, decay_step's from the reference.
"""

from __future__ import annotations

from grader.catalog import load_reference
from grader.course.ex4_7 import judging, training
from grader.course.ex4_7.public import (
    LR,
    STEPS,
    decay_cases,
    decay_step_values,
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
    {
        "layers": [
            ["linear", 5, 20, True],
            ["block", [["layernorm", [4, 5], True], ["prelu", 1]]],
            ["linear", 20, 2, True],
        ],
        "dtype": "float64",
    },
    {
        "layers": [
            ["conv1d", 4, 8, 3, True],
            ["groupnorm", 2, 8],
            ["attention", 8, 2],
            ["linear", 8, 4, False],
        ]
    },
    {
        "layers": [
            ["embedding", 10, 4],
            ["block", [["linear", 4, 4, True], ["layernorm", [4], False]]],
            ["linear", 4, 10, False],
        ],
        "ties": [["0", "2"]],
    },
    {"layers": [["linear", 3, 5, False], ["batchnorm1d", 5], ["conv2d", 2, 3, 1, False]]},
]


@checks.check(points=2, depends=l2_penalty_small_models)
def l2_penalty_hidden_models(sub) -> None:
    """l2_penalty on nested, shared, float64 and attention models: weights only, once each"""
    for seed, description in enumerate(HIDDEN_MODELS, start=100):
        lam = 0.3
        where = f"l2_penalty({judging.model_text(description)}, lam={lam})"
        report = sub.probe("penalty_report", description, seed, lam, sub.device)
        judging.expect_penalty(report, description, lam, sub.device, where)


@checks.check(points=2, depends=param_groups_small_models)
def param_groups_hidden_models(sub) -> None:
    """param_groups on the same models: a shared weight once, 2-D norm weights not decayed"""
    for seed, description in enumerate(HIDDEN_MODELS, start=200):
        decay = 0.05
        where = f"torch.optim.SGD(param_groups({judging.model_text(description)}, {decay}))"
        report = sub.probe("groups_report", description, seed, decay, sub.device)
        judging.expect_groups(report, description, decay, where)


def _reference_step(w, grad, lr: float, lam: float):
    """The reference's decay_step on the float64 values (trusted process)."""
    values = [x.array if isinstance(x, TensorData) else x for x in (w, grad)]
    return reference.decay_step(*(v.astype("float64") for v in values), lr, lam)


@checks.check(points=1, depends=decay_step_values)
def decay_step_hidden_cases(sub) -> None:
    """decay_step on 3-D tensors, float64 tensors, no decay (λ = 0) and a strong step"""
    shapes = [(2, 3, 4), (7,), (4, 4), (1,)]
    cases = decay_cases(sub, 77, shapes, ["torch64", "float64", "float32", "torch32"])
    steps = ((0.1, 0.0), (0.5, 1.0), (1e-3, 5e-4), (2.0, 0.25))
    for (w, grad), (lr, lam) in zip(cases, steps, strict=True):
        report = sub.probe("decay_step_report", w, grad, lr, lam)
        where = call_text("decay_step", (w, grad, lr, lam))
        judging.expect_decay_step(report, w, grad, _reference_step(w, grad, lr, lam), where)


# Offset -15 and weight decay 0.5: over 100 seeds of offset_data(n=320, d=6) the reference
# (float32) ends within 6e-6 of the ridge solution with a free bias, held-out mean error at
# most 0.16 (limit 0.75), while decaying the bias too leaves at least 4.9.
HIDDEN_TRAINING = {"seed": 4077, "n": 320, "d": 6, "offset": -15.0, "lam": 0.5}


@checks.check(
    points=2,
    depends=groups_recover_large_offset,
    training=True,
    timeout=60,
)
def penalty_and_groups_agree_on_hidden_data(sub) -> None:
    """on hidden data, your l2_penalty and your param_groups both learn the offset of -15"""
    data = training.offset_data(**HIDDEN_TRAINING)
    d = HIDDEN_TRAINING["d"]
    for use, how in (
        ("penalty", f"SGD on loss + l2_penalty(nn.Linear({d}, 1), {data['lam']:g})"),
        ("groups", f"SGD(param_groups(nn.Linear({d}, 1), {data['lam']:g}))"),
    ):
        run = train(sub, data, use, HIDDEN_TRAINING["seed"])
        training.expect_offset_recovered(run, data, f"{how}, lr={LR}, {STEPS} steps")
