"""ex4_1 — sigmoid neuron, inputs that are always positive (alias ``sigmoid-centering``)."""

from grader.exercise import Exercise

EXERCISE = Exercise(
    id="ex4_1",
    alias="sigmoid-centering",
    title="sigmoid neuron, inputs that are always positive",
    functions=("sigmoid", "sigmoid_grad", "weight_grad", "train_neuron"),
)
