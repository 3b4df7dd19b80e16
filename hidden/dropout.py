"""Hidden checks of dropout: never shipped to students (the handout leaves hidden/ out).

Other shapes, rates and dtypes than the public checks, and the edge cases a solution
tuned to the public checks tends to miss. Expected values are facts of the definition
(no reference output is needed: every verdict is computed from the returned data).
Statistical tests use exact binomial tails; each check states its total false-failure
probability (union bound over its tests).
"""

from __future__ import annotations

import numpy as np

from grader.course.dropout import judging
from grader.course.dropout.cases import Case, StatisticalTest, values_rate_and_independence, where
from grader.course.dropout.public import (
    dropout_module_train_eval,
    expect_value_error,
    expect_zeros,
    numpy_input,
    run,
    tensor,
    values_zero_or_scaled_numpy,
    values_zero_or_scaled_torch,
)
from grader.judge.compare import fail
from grader.model import Visibility
from grader.registry import CheckSet

checks = CheckSet("dropout", Visibility.HIDDEN)

# Other shapes and rates than the public checks: values, keep rate and independence, with
# 2.5e-8 for each of the two statistical tests of a case: 5e-8 for each check.
HIDDEN_SHAPES = StatisticalTest(
    (
        Case("numpy", "float32", (40_000,), 0.1, 101),
        Case("torch", "float64", (8, 4, 20, 25), 0.9, 102),
    ),
    values_rate_and_independence,
    budget=5e-8,
    probe_seed=103,
)


@checks.check(points=1, depends=values_zero_or_scaled_numpy, false_failure=1e-7)
def statistics_on_other_shapes_and_rates_numpy(sub) -> None:
    """numpy: keep rate and independence on a 1-D float32 input, p = 0.1 (≤ 1e-7)"""
    HIDDEN_SHAPES.for_backend("numpy").run(sub)


@checks.check(points=1, depends=values_zero_or_scaled_torch, false_failure=1e-7)
def statistics_on_other_shapes_and_rates_torch(sub) -> None:
    """torch: keep rate and independence on a 4-D float64 input, p = 0.9 (≤ 1e-7)"""
    HIDDEN_SHAPES.for_backend("torch").run(sub)


@checks.check(points=1)
def integer_p_behaves_like_float(sub) -> None:
    """p given as the Python int 0 behaves like 0.0, for arrays and tensors"""
    # p = 0 returns before any backend-specific code, so one check tries both kinds (p = 1
    # would run each backend's mask: a slip there is p_one_gives_zeros_numpy/_torch's).
    for x in (
        numpy_input(104, (6, 7), "float32"),
        tensor(numpy_input(105, (6, 7)), "float32", sub),
    ):
        judging.expect_equals_input(run(sub, x, 0, 105), x, where(x, 0), "p = 0 drops nothing")


def _without_generator(sub, x) -> None:
    """dropout(x, 0.5) with generator=None: the mask comes from the global generators
    (seeded by the probe). "Nothing dropped" fails a correct solution with probability
    0.5^42 < 3e-13."""
    label = where(x, 0.5, ", no generator")
    y = run(sub, x, 0.5, 109, with_generator=False)
    hint = "dropout(x, p) must drop: training defaults to True and generator to None"
    values = judging.output_values(y, x, label)
    if np.array_equal(values, np.asarray(judging.output_values(x, x, label))):
        fail(label, "some elements dropped, the rest scaled", "x unchanged", hint)
    judging.expect_zero_or_scaled(y, x, 0.5, label)
    if not (values == 0).any():
        fail(label, "some dropped elements", "none", hint)


@checks.check(points=1)
def works_without_a_generator_numpy(sub) -> None:
    """numpy: dropout(x, p) with no generator (generator=None) still drops and scales"""
    _without_generator(sub, numpy_input(112, (6, 7), "float32"))


@checks.check(points=1)
def works_without_a_generator_torch(sub) -> None:
    """torch: dropout(x, p) with no generator (generator=None) still drops and scales"""
    _without_generator(sub, tensor(numpy_input(113, (6, 7)), "float64", sub))


@checks.check(points=1)
def not_training_returns_x_even_for_p_one(sub) -> None:
    """dropout(x, 1, training=False) returns x unchanged (numpy and torch)"""
    for x in (numpy_input(110, (5, 5)), tensor(numpy_input(108, (5, 5)), "float32", sub)):
        y = run(sub, x, 1.0, 109, training=False)
        label = where(x, 1.0, ", training=False")
        judging.expect_equals_input(y, x, label, "not training: identity")


@checks.check(points=1)
def invalid_p_raises_even_when_not_training(sub) -> None:
    """ValueError for p = 2, -1, inf even with training=False, and for Dropout(-0.5)"""
    x = numpy_input(110, (3, 3))
    for p in (2.0, -1.0, float("inf")):
        label = where(x, p, ", training=False")
        hint = "validate p before looking at `training`"
        expect_value_error(sub, "dropout", (x, p), label, hint, training=False)
    expect_value_error(sub, "Dropout", (-0.5,), "Dropout(-0.5)")


@checks.check(points=1, depends=dropout_module_train_eval)
def module_extreme_rates(sub) -> None:
    """Dropout(0.0) is the identity and Dropout(1.0) gives zeros in train() mode"""
    x = tensor(numpy_input(111, (20, 20)), "float32", sub)
    label = "Dropout(0.0) in train() mode"
    y = judging.module_output(sub.probe("module_facts", x, 0.0, 112), "train", label)
    judging.expect_equals_input(y, x, label, "p = 0 drops nothing")
    label = "Dropout(1.0) in train() mode"
    expect_zeros(
        judging.module_output(sub.probe("module_facts", x, 1.0, 113), "train", label), x, label
    )
