"""ex4_9 — can a larger learning rate cure vanishing gradients? (alias ``lr-vanishing``)."""

from grader.exercise import Exercise

EXERCISE = Exercise(
    id="ex4_9",
    alias="lr-vanishing",
    title="can a larger learning rate cure vanishing gradients?",
    functions=("deep_sigmoid_mlp", "layer_grad_norms", "update_ratio"),
)
