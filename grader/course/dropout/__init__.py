"""dropout — the expectation of inverted dropout (alias ``dropout``)."""

from grader.exercise import Exercise

EXERCISE = Exercise(
    id="dropout",
    alias="dropout",
    title="the expectation of inverted dropout",
    functions=("dropout", "Dropout"),
)
