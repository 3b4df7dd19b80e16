"""Hidden checks of dropout: never shipped to students (the handout leaves hidden/ out).

Other shapes, rates and dtypes than the public checks, and the edge cases a solution
tuned to the public checks tends to miss. Expected values are facts of the definition
(no reference output is needed: every verdict is computed from the returned data).
Statistical tests use exact binomial tails; each check states its total false-failure
probability (union bound over its tests).
"""

from __future__ import annotations

from grader.course.dropout import judging
from grader.course.dropout.cases import Case, StatisticalTest, values_rate_and_independence, where
from grader.course.dropout.public import (
    dropout_module_train_eval,
    expect_value_error,
    numpy_input,
    tensor,
    values_zero_or_scaled,
)
from grader.judge.compare import fail
from grader.model import Visibility
from grader.registry import CheckSet

checks = CheckSet("dropout", Visibility.HIDDEN)

# Other shapes and rates than the public checks: values, keep rate and independence, with
# 2.5e-8 for each of the two statistical tests of a case: 1e-7 for the check.
HIDDEN_SHAPES = StatisticalTest(
    (
        Case("numpy", "float32", (40_000,), 0.1, 101),
        Case("torch", "float64", (8, 4, 20, 25), 0.9, 102),
    ),
    values_rate_and_independence,
    budget=5e-8,
    probe_seed=103,
)


@checks.check(points=2, depends=values_zero_or_scaled, false_failure=1e-7)
def statistics_on_other_shapes_and_rates(sub) -> None:
    """keep rate and independence on 1-D and 4-D inputs, p = 0.1 and 0.9 (≤ 1e-7)"""
    HIDDEN_SHAPES.run(sub)


def expect_zeros(y, x, label: str) -> None:
    values = judging.output_values(y, x, label)
    if values.any():
        fail(label, "all zeros", f"{int((values != 0).sum())} nonzero elements")


@checks.check(points=1)
def integer_p_and_half_precision(sub) -> None:
    """p given as the int 0 or 1, and p = 1 in float16, behave like 0.0 and 1.0"""
    array = numpy_input(104, (6, 7), "float32")
    label = where(array, 0)
    judging.expect_equals_input(
        sub.probe("run", array, 0, 105), array, label, "p = 0 drops nothing"
    )
    for x in (array, tensor(numpy_input(106, (6, 7)), "float16", sub)):
        expect_zeros(sub.probe("run", x, 1, 107), x, where(x, 1))


@checks.check(points=1)
def not_training_returns_x_even_for_p_one(sub) -> None:
    """dropout(x, 1, training=False) returns x unchanged"""
    x = tensor(numpy_input(108, (5, 5)), "float32", sub)
    y = sub.probe("run", x, 1.0, 109, training=False)
    judging.expect_equals_input(y, x, where(x, 1.0, ", training=False"), "not training: identity")


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
