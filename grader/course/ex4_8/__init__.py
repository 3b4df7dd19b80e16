"""ex4_8 — why not W=0, b=0 (alias ``zero-init``)."""

from grader.exercise import Exercise

EXERCISE = Exercise(
    id="ex4_8",
    alias="zero-init",
    title="why not W=0, b=0",
    functions=("init_zeros_", "init_xavier_", "init_he_", "xavier_std", "he_std", "symmetry_gap"),
)
