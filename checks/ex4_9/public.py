"""Public checks of ex4_9: shipped to students, with their (public) expected values.

Expected gradient norms are computed by the judge's own float64 backpropagation
(:mod:`grader.course.ex4_9.judging`) on the weights it sends in: public facts, not
the reference solution.
"""

from __future__ import annotations

import numpy as np

from grader.course.ex4_9 import judging, training
from grader.judge.compare import expect_list_of_floats, expect_python_float, fail
from grader.model import Visibility
from grader.registry import CheckSet
from grader.sandbox.values import TensorData

checks = CheckSet("ex4_9", Visibility.PUBLIC)

ARCHITECTURE = (3, 5, 4, 1)  # depth, width, in_features, out_features
SMALL_SIZES = [6, 5, 5, 5, 1]  # a depth-3 sigmoid network for the norms
DEEP = {"depth": 10, "width": 16, "in_features": 8}
DEEP_SIZES = [8] + [16] * 10 + [1]
RATIO_SIZES = [4] + [8] * 6 + [1]
LRS = [1e-3, 0.1, 1.0, 10.0, 100.0]

# Thresholds, from bench/ex4_9_margins.py (100 seeds each, reference solution):
# - float32 torch norms against the judge's float64 numpy norms: relative difference at
#   most 1.9e-5 (judging.NORM_RTOL = 1e-3).
# - depth 10, the judge's weights in PyTorch's default ranges (100 seeds): first/last
#   gradient norm ratio at most 3.0e-7; first_layer_gradient_vanishes uses one such draw,
#   whose ratio a content test keeps <= VANISH_MAX = 1e-4.
# - depth 10, the judge's weights: sigmoid with default init at most 3.0e-7, ReLU with He
#   init at least 8.1e-2 (median 0.45). The check asks for sigmoid <= 1e-5, ReLU+He >= 1e-3.
# - lr runs (plain SGD, 30 steps, lr 0.5 / 5 / 50; widths 16 and 12): the first layer
#   travels at most 3.4e-6 of its norm (check: <= 1e-3); at lr 50 the last layer travels
#   at least 55 times its norm (check: > 1) and the loss rises on at least 12 of the 30
#   steps (check: >= 5); no run gets below the loss of the best constant output by more
#   than 1e-7 (check: 0.01); honest runs use at most 0.08 of the step tolerance.
VANISH_MAX = 1e-4
RELU_MIN, SIGMOID_MAX = 1e-3, 1e-5
LR_RUN = {"lrs": [0.5, 5.0, 50.0], "steps": 30, "n": 128, "data_seed": 490, "init_seed": 49}
FIRST_PATH_MAX, LAST_PATH_MIN, MIN_RISES, LOSS_MARGIN = 1e-3, 1.0, 5, 0.01


def as_tensor(array: np.ndarray, device: str = "cpu") -> TensorData:
    """Send ``array`` as a torch tensor of its dtype (public checks send tensors; the hidden
    checks also send numpy arrays, float64 data and integer labels)."""
    return TensorData.of(array, device=device)


def expect_vanishing_story(facts: list, start, X, y) -> None:
    """No lr lets the first layer move before the last one overshoots (shared with hidden)."""
    table = training.summary(facts)
    table += "\nper-layer gradient norms at the start:\n"
    table += judging.norm_table(judging.grad_norms(start, X, y))
    for f in facts:
        if f.first_path > FIRST_PATH_MAX:
            fail(
                f"lr={f.lr:g}",
                f"the first layer to stay put (moved <= {FIRST_PATH_MAX:g} of its norm)",
                f"{f.first_path:.3g}\n{table}",
            )
        floor = judging.constant_loss(y) - LOSS_MARGIN
        if min(f.losses) < floor:
            fail(
                f"lr={f.lr:g}",
                f"no learning beyond the label frequency (loss >= {floor:.4f})",
                f"{min(f.losses):.4f}\n{table}",
            )
    top = facts[-1]
    if top.last_path <= LAST_PATH_MIN or top.rises < MIN_RISES:
        fail(
            f"lr={top.lr:g}",
            f"the last layer to overshoot (move > {LAST_PATH_MIN:g} times "
            f"its norm, loss rising on >= {MIN_RISES} steps)",
            f"{top.last_path:.3g} and {top.rises} rises\n{table}",
        )


@checks.check(points=2)
def deep_sigmoid_mlp_architecture(sub) -> None:
    """deep_sigmoid_mlp is depth x (Linear, Sigmoid) then a Linear that outputs logits"""
    inputs = np.random.default_rng(49).normal(size=(6, ARCHITECTURE[2])).astype(np.float32)
    layers = judging.architecture_layers(49, ARCHITECTURE)
    where = f"deep_sigmoid_mlp{ARCHITECTURE}"
    facts = sub.probe("mlp_facts", *ARCHITECTURE, layers, inputs, label=where)
    judging.check_architecture(facts, ARCHITECTURE, layers, inputs)


@checks.check(points=1)
def layer_grad_norms_small(sub) -> None:
    """layer_grad_norms gives each weight's gradient norm, input side first, weights unchanged"""
    start = judging.default_layers(np.random.default_rng(49), SMALL_SIZES)
    X, y = judging.task(49, 32, SMALL_SIZES[0])
    expected = judging.grad_norms(start, X, y)
    for targets, label in ((y, "y of shape (n,)"), (y[:, None], "y of shape (n, 1)")):
        where = f"layer_grad_norms(depth-3 sigmoid MLP, X, {label})"
        facts = sub.probe("grad_norms", start, as_tensor(X), as_tensor(targets), label=where)
        (norms,) = judging.calls_of(facts, "norms", 1, where)
        judging.expect_norms(norms, expected, where, len(y))
        judging.expect_unchanged(judging.field(facts, "after", where), start, where)


@checks.check(points=1, depends=layer_grad_norms_small)
def layer_grad_norms_returns_a_list_of_floats(sub) -> None:
    """layer_grad_norms returns a list of Python floats (its values are judged elsewhere)"""
    # The other checks read the norms from whatever holds them; this one alone judges the
    # holder, once the norms are right (wrong norms earn no format point).
    start = judging.default_layers(np.random.default_rng(49), SMALL_SIZES)
    X, y = judging.task(49, 32, SMALL_SIZES[0])
    where = "layer_grad_norms(depth-3 sigmoid MLP, X, y)"
    facts = sub.probe("grad_norms", start, as_tensor(X), as_tensor(y), label=where)
    (norms,) = judging.calls_of(facts, "norms", 1, where)
    expect_list_of_floats(norms, where)


@checks.check(points=1, depends=(deep_sigmoid_mlp_architecture, layer_grad_norms_small))
def first_layer_gradient_vanishes(sub) -> None:
    """In a 10-layer sigmoid MLP the first layer's gradient is orders of magnitude below the last"""
    X, y = judging.task(491, 64, DEEP["in_features"])
    start = judging.default_layers(np.random.default_rng(490), DEEP_SIZES)
    where = "layer_grad_norms(deep_sigmoid_mlp(10, 16, 8, 1) with PyTorch's default init, X, y)"
    facts = sub.probe("student_model_norms", start, as_tensor(X), as_tensor(y), label=where)
    # These weights show the effect (first/last <= VANISH_MAX: a content test keeps it so);
    # the student's network and norms must reproduce it, tiny first-layer norms included.
    expected = judging.grad_norms(start, X, y)
    norms = judging.field(facts, "norms", where)
    judging.plot_norms(sub, "Gradient norm of each layer, 10-layer sigmoid MLP", norms, expected)
    judging.expect_norms(norms, expected, where, len(y))
    judging.expect_unchanged(judging.field(facts, "after", where), start, where)


@checks.check(points=1)
def update_ratio_ignores_lr(sub) -> None:
    """update_ratio is ||dW_first|| / ||dW_last||, the same for every lr, weights unchanged"""
    start = judging.default_layers(np.random.default_rng(4_9), RATIO_SIZES)
    X, y = judging.task(4_9, 32, RATIO_SIZES[0])
    norms = judging.grad_norms(start, X, y)
    where = "update_ratio(depth-6 sigmoid MLP, X, y, lr)"
    values = judging.ratios(sub, start, as_tensor(X), as_tensor(y), LRS, "sigmoid", where)
    judging.expect_same_for_every_lr(values, LRS, where)
    for lr, got in zip(LRS, values, strict=True):
        judging.expect_ratio(got, norms[0] / norms[-1], where.replace("lr)", f"lr={lr:g})"))


@checks.check(points=1, depends=update_ratio_ignores_lr)
def update_ratio_returns_a_float(sub) -> None:
    """update_ratio returns a Python float (its value is judged elsewhere)"""
    start = judging.default_layers(np.random.default_rng(4_9), RATIO_SIZES)
    X, y = judging.task(4_9, 32, RATIO_SIZES[0])
    where = "update_ratio(depth-6 sigmoid MLP, X, y, lr=0.1)"
    facts = sub.probe("ratios", start, as_tensor(X), as_tensor(y), [0.1], label=where)
    (ratio,) = judging.calls_of(facts, "ratios", 1, where)
    expect_python_float(ratio, where)


@checks.check(points=1, depends=update_ratio_ignores_lr)
def relu_he_restores_the_ratio(sub) -> None:
    """At depth 10, ReLU with He init raises update_ratio by many orders of magnitude"""
    X, y = judging.task(492, 64, DEEP["in_features"])
    sigmoid = judging.default_layers(np.random.default_rng(492), DEEP_SIZES)
    relu = judging.he_layers(np.random.default_rng(493), DEEP_SIZES)
    found = {}
    for name, layers, activation in (("sigmoid", sigmoid, "sigmoid"), ("ReLU+He", relu, "relu")):
        norms = judging.grad_norms(layers, X, y, activation)
        where = f"update_ratio(depth-10 {name} MLP, X, y, lr=0.1)"
        value = judging.ratios(sub, layers, as_tensor(X), as_tensor(y), [0.1], activation, where)
        found[name] = judging.expect_ratio(value[0], norms[0] / norms[-1], where)
    if found["ReLU+He"] < RELU_MIN or found["sigmoid"] > SIGMOID_MAX:
        fail(
            "update_ratio at depth 10",
            f"sigmoid <= {SIGMOID_MAX:g} and ReLU+He >= {RELU_MIN:g}",
            f"{found['sigmoid']:.3g} and {found['ReLU+He']:.3g}",
        )


def run_lr_experiment(sub, run: dict, depth: int, width: int, in_features: int) -> None:
    """Send the start weights and data, train at each lr, judge (public and hidden)."""
    sizes = [in_features] + [width] * depth + [1]
    start = judging.default_layers(np.random.default_rng(run["init_seed"]), sizes)
    X, y = judging.task(run["data_seed"], run["n"], in_features)
    where = f"plain SGD on deep_sigmoid_mlp({depth}, {width}, {in_features}, 1)"
    data = (as_tensor(X, sub.device), as_tensor(y, sub.device))
    runs = sub.probe("lr_runs", start, *data, run["lrs"], run["steps"], sub.device, label=where)
    facts = training.judge_runs(runs, start, X, y, run["lrs"], run["steps"])
    training.plot_losses(sub, facts, judging.constant_loss(y), f"{where}: loss at each step")
    expect_vanishing_story(facts, start, X, y)


@checks.check(
    points=3,
    depends=(deep_sigmoid_mlp_architecture, update_ratio_ignores_lr),
    timeout=60,
    training=True,
)
def larger_lr_does_not_cure_vanishing(sub) -> None:
    """Raising lr 10x-100x: the first layer still does not move, the last layer overshoots"""
    run_lr_experiment(sub, LR_RUN, **DEEP)
