"""The softmax-regression training check of softmax_xent, judged in the trusted process.

The probe ``train_softmax_regression`` trains a linear classifier (weights W (d, k) and
bias b (k,), from zero) on the grading device: each step moves against the gradient
built from the student's ``cross_entropy_grad`` (∂L/∂W = Xᵀ·G, ∂L/∂b = Σ G over rows),
and the student's ``cross_entropy`` accepts the step if the loss did not go up, or
refuses it and halves the learning rate. The returned weights are evaluated here, in
numpy, on held-out points the sandbox never saw.

The problem: 4 classes in 6 dimensions, Gaussian clouds (σ = 1) around (±2, 0, 0, …)
and (0, ±2, 0, …); the other 4 dimensions are noise. The best possible accuracy is
about 0.84.
"""

from __future__ import annotations

import numpy as np

from grader import TensorData, fail, kind_of

CLASSES, FEATURES, SPREAD = 4, 6, 2.0
TRAIN_SIZE, HELD_OUT_SIZE = 400, 4000
STEPS, LR = 100, 1.0
# Measured with bench/softmax_xent_margins.py over 200 seeds of training and held-out
# points (single thread, CPU): the reference reaches held-out accuracy 0.823-0.859; the
# same gradient without the 1/n (steps refused until the rate fits) 0.819-0.859; a
# gradient of the wrong sign 0.003-0.010, one without the one-hot (softmax/n) 0.230-0.268.
# 0.7 leaves margins of 0.12 and 0.43. One run takes at most 0.07 s.
MIN_ACCURACY = 0.7


def class_means() -> np.ndarray:
    """The centre of each class's cloud, (CLASSES, FEATURES)."""
    means = np.zeros((CLASSES, FEATURES))
    means[0, 0] = means[1, 1] = SPREAD
    means[2, 0] = means[3, 1] = -SPREAD
    return means


def sample(seed: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """n points (float32) and their labels (int64), classes drawn uniformly."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, CLASSES, size=n)
    points = class_means()[labels] + rng.normal(size=(n, FEATURES))
    return points.astype(np.float32), labels.astype(np.int64)


def read_weights(facts: object, where: str) -> tuple[np.ndarray, np.ndarray]:
    """The trained (W, b) of a probe report, float64, finite, of the right shapes."""
    if not isinstance(facts, dict):
        fail(where, "the trained weights", kind_of(facts))
    arrays = []
    for key, shape in (("weight", (FEATURES, CLASSES)), ("bias", (CLASSES,))):
        value = facts.get(key)
        if not isinstance(value, TensorData) or value.array is None or value.shape != shape:
            fail(where, f"a {key} tensor of shape {shape}", kind_of(value))
        if not np.isfinite(value.array).all():
            fail(where, f"a finite {key}", "nan/inf values", "did a step go through nan?")
        arrays.append(value.array.astype(np.float64))
    return arrays[0], arrays[1]


def accuracy(weight: np.ndarray, bias: np.ndarray, points: np.ndarray, labels: np.ndarray) -> float:
    """The fraction of points whose largest logit x·W + b is their label's."""
    logits = points.astype(np.float64) @ weight + bias
    return float(np.mean(logits.argmax(axis=1) == labels))


def judge_training(facts: object, held_out: tuple[np.ndarray, np.ndarray], where: str) -> None:
    """The weights the probe returned classify the held-out points well enough."""
    weight, bias = read_weights(facts, where)
    points, labels = held_out
    reached = accuracy(weight, bias, points, labels)
    if reached >= MIN_ACCURACY:
        return
    if not weight.any() and not bias.any():
        hint = (
            "no step lowered your cross_entropy, so the weights stayed at 0: the gradient "
            "must point uphill, (softmax − one_hot)/n, and the loss must be a finite number"
        )
    else:
        hint = (
            "the steps follow your cross_entropy_grad: it must be (softmax(logits) − "
            "one_hot(labels))/n, with the 1 of the one-hot at [i, labels[i]]"
        )
    fail(
        f"{where}: accuracy on {len(labels)} held-out points",
        f"at least {MIN_ACCURACY}",
        f"{reached:.3f}",
        hint,
    )
