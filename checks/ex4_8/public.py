"""Public checks of ex4_8: shipped to students, with their (public) expected values."""

from __future__ import annotations

import numpy as np

from grader.course.ex4_8 import judging, reports, training
from grader.judge.compare import expect_python_float, fail
from grader.model import Visibility
from grader.registry import CheckSet

checks = CheckSet("ex4_8", Visibility.PUBLIC)

# Worked out by hand: sqrt(2/(fan_in+fan_out)) and sqrt(2/fan_in).
XAVIER_CASES = {(3, 5): 0.5, (1, 1): 1.0, (100, 100): 0.1, (784, 16): 0.05}
HE_CASES = {8: 0.5, 2: 1.0, 200: 0.1, 50: 0.2}

# (in_features, out_features) of the layers the initializers are tested on: not square,
# so fan_in and fan_out give different stds.
SHAPES = [(300, 50), (50, 200)]
ZERO_SHAPES = [(3, 4), (4, 2)]

# (weight, bias) -> symmetry gap, by hand. Each case catches one usual mistake: comparing
# only with the first unit (B), only neighbours (C), mixing coordinates (D), ignoring
# the biases (E).
GAP_CASES = [
    ([[1, 2], [1, 2], [1, 2]], [0.5, 0.5, 0.5], 0.0),
    ([[0.5, 2], [0, 2], [1, 2]], [1, 1, 1], 1.0),
    ([[0, -1], [0.6, -1], [1, -1]], [0, 0, 0], 1.0),
    ([[3, 0], [3, 0.5]], [0.25, 0.25], 0.5),
    ([[1, 1], [1, 1]], [0, 0.25], 0.25),
]

# XOR blobs: 64 training points sent to the sandbox, 400 held-out points never sent.
# Margins (bench/ex4_8_margins.py: 100 seeds of data and init, 100 full-batch Adam steps,
# lr 0.05, 8 or 16 tanh units): from Xavier and He init the held-out accuracy is at least
# 0.9925 (median 1.00); from W=0, b=0 the output is constant, so the accuracy is exactly
# 0.50 on every seed and the hidden units stay exact copies (gap 0.0). Thresholds: >= 0.95
# to learn, <= 0.6 for chance.
XOR_DATA = {"seed": 48, "n_train": 64, "n_test": 400, "noise": 0.25}
XOR_RUN = {
    "hidden": 8,
    "seed": 8,
    "steps": 100,
    "lr": 0.05,
    "min_accuracy": 0.95,
    "chance_max": 0.6,
}


@checks.check(points=1)
def std_formulas(sub) -> None:
    """xavier_std and he_std give sqrt(2/(fan_in+fan_out)) and sqrt(2/fan_in)"""
    for (fan_in, fan_out), expected in XAVIER_CASES.items():
        judging.expect_std(sub, "xavier_std", (fan_in, fan_out), expected)
    for fan_in, expected in HE_CASES.items():
        judging.expect_std(sub, "he_std", (fan_in,), expected)


@checks.check(points=1)
def init_zeros_zeroes_everything(sub) -> None:
    """init_zeros_ sets every weight and bias to 0 and returns the model"""
    case = reports.make_case(ZERO_SHAPES, 40)
    report = reports.run_init(sub, "init_zeros_", case, "init_zeros_(model)", None, False)
    judging.expect_zeroed(report.module, "init_zeros_(model)")


def _expect_scheme(sub, func: str) -> None:
    where = f"{func}(model, generator)"
    case = reports.make_case(SHAPES, 41)
    report = reports.run_init(sub, func, case, where, 0, False)
    judging.expect_scheme(report.module, SHAPES, func, where, judging.per_test_budget(len(SHAPES)))


@checks.check(points=2, false_failure=judging.CHECK_FALSE_FAILURE)
def init_xavier_statistics(sub) -> None:
    """init_xavier_ draws N(0, xavier_std²) weights and zero biases (statistical test)"""
    # False-failure probability of this check: at most 1e-6 (6 tests, union bound).
    _expect_scheme(sub, "init_xavier_")


@checks.check(points=2, false_failure=judging.CHECK_FALSE_FAILURE)
def init_he_statistics(sub) -> None:
    """init_he_ draws N(0, he_std²) weights and zero biases (statistical test)"""
    # False-failure probability of this check: at most 1e-6 (6 tests, union bound).
    _expect_scheme(sub, "init_he_")


@checks.check(points=1, depends=(init_xavier_statistics, init_he_statistics))
def initializers_use_the_generator(sub) -> None:
    """init_xavier_ and init_he_ draw from the generator they are given (and work without one)"""
    case = reports.make_case(SHAPES, 42)
    for func in ("init_xavier_", "init_he_"):
        where = f"{func}(model, generator)"
        runs = [reports.run_init(sub, func, case, where, seed, False) for seed in (7, 7, 8)]
        first, again, other = (r.module for r in runs)
        judging.expect_identical(
            first,
            again,
            f"{func}(model, generator) twice with a generator seeded 7",
            "draw the weights with generator=generator, not from the global random state",
        )
        if np.array_equal(first[0][0], other[0][0]):
            fail(
                f"{func}(model, generator)",
                "different weights for seeds 7 and 8",
                "the same weights",
                "draw from the generator you are given",
            )
        reports.run_init(sub, func, case, f"{func}(model) without a generator", None, False)


@checks.check(points=1)
def initializers_work_in_place(sub) -> None:
    """the initializers fill the model's own Parameters: an optimizer created before sees them"""
    case = reports.make_case(ZERO_SHAPES, 43)
    for seed, func in enumerate(("init_zeros_", "init_xavier_", "init_he_")):
        report = reports.run_init(sub, func, case, f"{func}(model)", seed, False)
        reports.expect_in_place(report, case, func)


@checks.check(points=1)
def symmetry_gap_small(sub) -> None:
    """symmetry_gap is the largest difference between two units in one coordinate or bias"""
    for weight, bias, expected in GAP_CASES:
        w, b = np.array(weight, dtype=np.float32), np.array(bias, dtype=np.float32)
        judging.expect_gap(sub, w, b, f"Linear with weight {weight}, bias {bias}", expected)


@checks.check(points=1, depends=(std_formulas, symmetry_gap_small))
def stds_and_gap_return_python_floats(sub) -> None:
    """xavier_std, he_std and symmetry_gap return Python floats (values judged elsewhere)"""
    # The other checks read the number from whatever holds it; this one alone judges the
    # holder, once the values are right (a wrong value earns no format point).
    expect_python_float(sub.call("xavier_std", 3, 5), "xavier_std(3, 5)")
    expect_python_float(sub.call("he_std", 8), "he_std(8)")
    weight, bias, _ = GAP_CASES[1]
    w, b = np.array(weight, dtype=np.float32), np.array(bias, dtype=np.float32)
    where = f"symmetry_gap(Linear with weight {weight}, bias {bias})"
    expect_python_float(sub.probe("symmetry_gap_of", w, b, label=where), where)


@checks.check(points=2, depends=init_zeros_zeroes_everything, timeout=60, training=True)
def zero_init_stays_symmetric(sub) -> None:
    """Trained from init_zeros_, the hidden units stay exact copies and accuracy stays at chance"""
    data = training.xor_data(**XOR_DATA)
    training.expect_trains_like(sub, "init_zeros_", data, XOR_RUN, "symmetric")


@checks.check(
    points=2, depends=(init_xavier_statistics, init_he_statistics), timeout=60, training=True
)
def random_init_learns_xor(sub) -> None:
    """Trained from init_xavier_ or init_he_, the network learns XOR (held-out accuracy >= 95%)"""
    data = training.xor_data(**XOR_DATA)
    for func in ("init_xavier_", "init_he_"):
        training.expect_trains_like(sub, func, data, XOR_RUN, "learns")
