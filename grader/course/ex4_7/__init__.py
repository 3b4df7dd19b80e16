"""ex4_7 — why the bias is not regularized (alias ``bias-reg``)."""

from grader.exercise import Exercise

EXERCISE = Exercise(
    id="ex4_7",
    alias="bias-reg",
    title="why the bias is not regularized",
    functions=("l2_penalty", "param_groups", "decay_step"),
)
