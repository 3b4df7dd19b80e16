"""The XOR training check of ex4_8, judged in the trusted process.

The probe ``train_xor`` initializes a 2-hidden-1 tanh network with the student's
initializer, trains it on the training points it was sent and returns the weights. Here
the hidden units' symmetry and the accuracy are computed in numpy from those weights, on
held-out points the sandbox never saw.
"""

from __future__ import annotations

import numpy as np

from grader.course.ex4_8.judging import Layers, gap, read_layers
from grader.judge.compare import fail, kind_of
from grader.outcomes import CheckFailed


def xor_blobs(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    """n points (a multiple of 4), n/4 around each of (±1, ±1); label 1 where x1·x2 < 0."""
    quadrant = np.repeat(np.arange(4), n // 4)
    centres = np.array([[1.0, 1.0], [-1.0, -1.0], [1.0, -1.0], [-1.0, 1.0]])
    X = centres[quadrant] + noise * rng.normal(size=(n, 2))
    return X.astype(np.float32), (quadrant >= 2).astype(np.float32)


def hidden_unit_gap(layers: Layers) -> float:
    """How far apart the hidden units are: incoming weights and biases, outgoing weights."""
    (w1, b1), (w2, _) = layers
    return max(gap(w1, b1), gap(w2.T, np.zeros(w2.shape[1])))


def accuracy(layers: Layers, X: np.ndarray, y: np.ndarray) -> float:
    """Accuracy of the tanh network with these weights (logit > 0 means class 1)."""
    (w1, b1), (w2, b2) = layers
    logits = np.tanh(X.astype(np.float64) @ w1.T + b1) @ w2.T + b2
    return float(np.mean((logits[:, 0] > 0) == (y > 0.5)))


def read_run(facts: object, func: str, hidden: int) -> tuple[Layers, Layers]:
    """The initial and final (weight, bias) arrays of a ``train_xor`` report."""
    where = f"training from {func}"
    if not isinstance(facts, dict):
        raise CheckFailed(f"{where}: the training run reported {kind_of(facts)}")
    initial = read_layers(facts.get("initial"), where, 2)
    final = read_layers(facts.get("final"), where, 2)
    for (weight, _), shape in zip(final, [(hidden, 2), (1, hidden)], strict=True):
        if weight.shape != shape:
            raise CheckFailed(f"{where}: a weight has shape {weight.shape}, not {shape}")
    return initial, final


def expect_stays_symmetric(final: Layers, X: np.ndarray, y: np.ndarray, chance_max: float) -> None:
    """From W=0, b=0 the hidden units are exact copies after training; accuracy at chance."""
    where = "training from init_zeros_"
    spread = hidden_unit_gap(final)
    if spread != 0.0:
        fail(
            where,
            "hidden units that are still exact copies (gap 0.0)",
            f"units differing by up to {spread:.3g}",
            "with W=0 and b=0 every hidden unit gets the same gradient; did init_zeros_ "
            "zero every weight and bias?",
        )
    acc = accuracy(final, X, y)
    if acc > chance_max:
        fail(where, f"accuracy at chance (<= {chance_max}) on {len(y)} held-out points", f"{acc}")


def expect_learns(final: Layers, func: str, X: np.ndarray, y: np.ndarray, minimum: float) -> None:
    acc = accuracy(final, X, y)
    if acc < minimum:
        fail(
            f"training from {func}",
            f"accuracy >= {minimum} on {len(y)} held-out XOR points",
            f"{acc:.3f}",
            f"hidden units differ by up to {hidden_unit_gap(final):.3g}; random weights with "
            "the right std and zero biases break the symmetry",
        )


def xavier_layers(hidden: int, seed: int) -> Layers:
    """A 2-hidden-1 network drawn here with Xavier's std and zero biases (for comparison)."""
    rng = np.random.default_rng(seed)
    return [
        (rng.normal(0.0, np.sqrt(2 / (fan_in + fan_out)), (fan_out, fan_in)), np.zeros(fan_out))
        for fan_in, fan_out in ((2, hidden), (hidden, 1))
    ]


def replay_gaps(initial: Layers, X: np.ndarray, y: np.ndarray, steps: int, lr: float) -> list:
    """The hidden units' gap (:func:`hidden_unit_gap`) before each step of ``train_xor``'s
    training and after the last: full-batch Adam (PyTorch's defaults) on the mean binary
    cross-entropy of the logits, replayed here in float64 from ``initial``.

    A picture of the run for the student, not a verdict: the checks judge the weights the
    probe returned. Weights so large that the replay overflows give inf or nan gaps, which
    the page does not draw.
    """
    with np.errstate(all="ignore"):
        return _replay(initial, X, y, steps, lr)


def _replay(initial: Layers, X: np.ndarray, y: np.ndarray, steps: int, lr: float) -> list:
    params = [np.array(a, dtype=np.float64) for layer in initial for a in layer]
    first, second = [np.zeros_like(p) for p in params], [np.zeros_like(p) for p in params]
    X, targets = X.astype(np.float64), y.astype(np.float64)
    gaps = [hidden_unit_gap([(params[0], params[1]), (params[2], params[3])])]
    for step in range(1, steps + 1):
        for p, g, m, v in zip(params, _bce_grads(params, X, targets), first, second, strict=True):
            m += (1 - 0.9) * (g - m)
            v += (1 - 0.999) * (g * g - v)
            p -= lr * (m / (1 - 0.9**step)) / (np.sqrt(v / (1 - 0.999**step)) + 1e-8)
        gaps.append(hidden_unit_gap([(params[0], params[1]), (params[2], params[3])]))
    return gaps


def _bce_grads(params: list, X: np.ndarray, targets: np.ndarray) -> list:
    """Gradients of the mean BCE of the logits of tanh(X·W1ᵀ + b1)·W2ᵀ + b2."""
    w1, b1, w2, b2 = params
    h = np.tanh(X @ w1.T + b1)
    logits = (h @ w2.T + b2)[:, 0]
    dz = (0.5 * (1 + np.tanh(logits / 2)) - targets) / len(targets)
    da = dz[:, None] * w2 * (1 - h**2)
    return [da.T @ X, da.sum(axis=0), dz[None, :] @ h, np.array([dz.sum()])]


def plot_gaps(sub, func: str, initial: Layers, data: dict, run: dict) -> None:
    """Attach the symmetry gap during the training from ``func``'s weights, replayed here,
    beside a run from the other kind of start (random weights for init_zeros_, zeros else)."""
    hidden = run["hidden"]
    if func == "init_zeros_":
        other = ("reference: from Xavier weights drawn by the grader", xavier_layers(hidden, 0))
    else:
        zeros = [(np.zeros((hidden, 2)), np.zeros(hidden)), (np.zeros((1, hidden)), np.zeros(1))]
        other = ("reference: from all zeros", zeros)
    runs = {f"from your {func}": initial, other[0]: other[1]}
    sub.figure(
        f"Symmetry gap of the hidden units, training from {func} (replayed by the grader)",
        {
            label: replay_gaps(start, data["X"], data["y"], run["steps"], run["lr"])
            for label, start in runs.items()
        },
        x_label="Adam step",
        y_label="largest difference between two units",
    )


def expect_trains_like(sub, func: str, data: dict, run: dict, expect: str) -> None:
    """Run ``train_xor`` from ``func`` and judge it on held-out points (``expect``:
    ``"symmetric"`` or ``"learns"``)."""
    facts = sub.probe(
        "train_xor",
        func,
        data["X"],
        data["y"],
        run["hidden"],
        run["seed"],
        run["steps"],
        run["lr"],
        sub.device,
        label=f"training from {func}:",
    )
    initial, final = read_run(facts, func, run["hidden"])
    plot_gaps(sub, func, initial, data, run)
    if expect == "symmetric":
        expect_stays_symmetric(final, data["X_test"], data["y_test"], run["chance_max"])
    else:
        expect_learns(final, func, data["X_test"], data["y_test"], run["min_accuracy"])


def xor_data(seed: int, n_train: int, n_test: int, noise: float) -> dict:
    """Training points (sent to the sandbox) and held-out points (never sent)."""
    rng = np.random.default_rng(seed)
    X, y = xor_blobs(rng, n_train, noise)
    X_test, y_test = xor_blobs(rng, n_test, noise)
    return {"X": X, "y": y, "X_test": X_test, "y_test": y_test}
