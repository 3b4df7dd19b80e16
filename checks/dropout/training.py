"""Trusted side of the dropout training check: data, and re-verification in numpy.

The sandbox trains a small network that uses the student's ``Dropout`` (see
``probes.train_network``) on an XOR task in 8 dimensions (the label is the sign of
x0·x1; the other six inputs are noise), so the first layer must learn: a network whose
dropout blocks gradients reaches at most 0.73 held-out accuracy. Nothing the sandbox
reports is believed: the returned weights are evaluated here, in numpy, on a held-out
set the sandbox never saw, and its eval()-mode outputs must equal that forward pass.
"""

from __future__ import annotations

import numpy as np

from grader.judge.compare import expect_close, fail, kind_of
from grader.sandbox.values import TensorData

STEPS, TRAIN_SIZE, HELD_OUT_SIZE, P = 200, 512, 2000, 0.2
# Measured on CPU over 100 seeds (training data, held-out data and torch seed all varied):
# the reference reaches held-out accuracy 0.920-0.960 (mean 0.944); a Dropout that cuts the
# gradient (.detach()) reaches 0.59-0.73. 0.85 sits between with margins of 0.07 and 0.12.
MIN_ACCURACY = 0.85


def xor_data(seed: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """n points in 8 dimensions, label 1 where x0·x1 > 0."""
    X = np.random.default_rng(seed).normal(size=(n, 8)).astype(np.float32)
    return X, ((X[:, 0] * X[:, 1]) > 0).astype(np.int64)


def forward(weights: list[tuple[np.ndarray, np.ndarray]], X: np.ndarray) -> np.ndarray:
    """Logits of Linear-ReLU-...-Linear (dropout is the identity at evaluation), float64."""
    h = X.astype(np.float64)
    for i, (W, b) in enumerate(weights):
        h = h @ W.T + b
        if i < len(weights) - 1:
            h = np.maximum(h, 0.0)
    return h


def read_weights(facts: dict, where: str) -> list[tuple[np.ndarray, np.ndarray]]:
    """The returned (weight, bias) pairs as float64 arrays of the probe's architecture."""
    shapes = [((64, 8), (64,)), ((64, 64), (64,)), ((2, 64), (2,))]
    layers = facts.get("weights")
    if not isinstance(layers, list) or len(layers) != len(shapes):
        fail(where, "the trained weights", kind_of(layers))
    weights = []
    for layer, shape in zip(layers, shapes, strict=True):
        if not isinstance(layer, tuple | list):
            fail(where, "(weight, bias) pairs", kind_of(layer))
        arrays = [t.array for t in layer if isinstance(t, TensorData) and t.array is not None]
        if len(arrays) != 2 or (arrays[0].shape, arrays[1].shape) != shape:
            fail(where, f"weights of shapes {shape}", "something else")
        if not all(np.isfinite(a).all() for a in arrays):
            fail(where, "finite weights", "nan/inf weights", "training diverged")
        weights.append((arrays[0].astype(np.float64), arrays[1].astype(np.float64)))
    return weights


def judge_training(facts: object, X_probe: np.ndarray, held_out: tuple, where: str) -> None:
    """Eval mode is deterministic and matches the weights; held-out accuracy is reached."""
    if not isinstance(facts, dict):
        fail(where, "training results", kind_of(facts))
    weights = read_weights(facts, where)
    evals, trains = facts.get("eval"), facts.get("train")
    if not (
        isinstance(evals, list) and isinstance(trains, list) and len(evals) == len(trains) == 2
    ):
        fail(where, "eval() and train() outputs", kind_of(evals))
    if not all(isinstance(o, TensorData) and o.array is not None for o in evals + trains):
        fail(where, "tensors from the network", "something else")
    if not np.array_equal(evals[0].array, evals[1].array):
        fail(
            f"{where}: two eval()-mode passes",
            "identical outputs",
            "different outputs",
            "in eval() mode Dropout must be the identity (no random mask)",
        )
    expect_close(
        evals[0].array.astype(np.float64),
        forward(weights, X_probe),
        where=f"{where}: eval()-mode output vs. the returned weights",
        rtol=1e-3,
        atol=1e-4,
        hint="in eval() mode Dropout must return x unchanged (no scaling)",
    )
    if np.array_equal(trains[0].array, trains[1].array):
        fail(
            f"{where}: two train()-mode passes",
            "different outputs (dropout active)",
            "identical outputs",
            "in train() mode Dropout must drop elements",
        )
    X_test, y_test = held_out
    accuracy = float((forward(weights, X_test).argmax(axis=1) == y_test).mean())
    if accuracy < MIN_ACCURACY:
        fail(
            f"{where}: accuracy on {len(y_test)} held-out points",
            f"at least {MIN_ACCURACY}",
            f"{accuracy:.3f}",
            "gradients must flow through Dropout (x * mask / (1−p))",
        )
