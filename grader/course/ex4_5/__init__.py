"""ex4_5 — parameter count versus depth L (alias ``param-count``)."""

from grader.exercise import Exercise

EXERCISE = Exercise(
    id="ex4_5",
    alias="param-count",
    title="parameter count versus depth L",
    functions=("param_count", "param_count_expr", "build_mlp"),
)
