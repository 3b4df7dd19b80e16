"""Hidden checks of ex4_8: never shipped to students (the handout leaves hidden/ out).

Expected values come from the reference solution, loaded in the trusted process.
"""

from __future__ import annotations

import numpy as np
import torch

from grader.catalog import load_reference
from grader.course.ex4_8 import judging, reports, training
from grader.course.ex4_8.public import (
    init_he_statistics,
    init_xavier_statistics,
    init_zeros_zeroes_everything,
    initializers_work_in_place,
    std_formulas,
    symmetry_gap_small,
)
from grader.model import Visibility
from grader.registry import CheckSet

checks = CheckSet("ex4_8", Visibility.HIDDEN)
reference = load_reference("ex4_8")

XAVIER_CASES = [(1, 1000), (4096, 4096), (7, 3), (np.int64(784), np.int64(10)), (10**6, 1)]
HE_CASES = [1, 3, 10**6, np.int64(512), 27]
# Very unequal fan_in and fan_out, inside sub-modules ("every nn.Linear").
SHAPES = [(1000, 12), (12, 700), (700, 33)]
FLOAT64_SHAPES = [(40, 60), (60, 30)]
XOR_DATA = {"seed": 4_8, "n_train": 64, "n_test": 400, "noise": 0.25}
# Margins: see public.py and bench/ex4_8_margins.py (16 hidden units behave like 8).
XOR_RUN = {
    "hidden": 16,
    "seed": 3,
    "steps": 100,
    "lr": 0.05,
    "min_accuracy": 0.95,
    "chance_max": 0.6,
}


@checks.check(points=1, depends=std_formulas)
def std_formulas_hidden(sub) -> None:
    """xavier_std and he_std are exact on other fans (large ones, numpy integers)"""
    for fan_in, fan_out in XAVIER_CASES:
        expected = reference.xavier_std(int(fan_in), int(fan_out))
        judging.expect_std(sub, "xavier_std", (fan_in, fan_out), expected)
    for fan_in in HE_CASES:
        judging.expect_std(sub, "he_std", (fan_in,), reference.he_std(int(fan_in)))


@checks.check(points=1, depends=init_zeros_zeroes_everything)
def init_zeros_nested_modules(sub) -> None:
    """init_zeros_ reaches every nn.Linear, also inside sub-modules"""
    where = "init_zeros_(model with sub-modules)"
    case = reports.make_case(SHAPES, 48)
    report = reports.run_init(sub, "init_zeros_", case, where, None, True)
    judging.expect_zeroed(
        report.module,
        where,
        "every nn.Linear, also inside sub-modules: iterate over model.modules()",
    )


@checks.check(
    points=2,
    depends=(init_xavier_statistics, init_he_statistics),
    false_failure=judging.CHECK_FALSE_FAILURE,
)
def init_statistics_hidden_shapes(sub) -> None:
    """Xavier and He weights have the right std on other layer shapes, inside sub-modules"""
    # False-failure probability of this check: at most 1e-6 (18 tests, union bound).
    budget = judging.CHECK_FALSE_FAILURE / (2 * judging.TESTS_PER_LAYER * len(SHAPES))
    case = reports.make_case(SHAPES, 49)
    for seed, func in enumerate(("init_xavier_", "init_he_"), 11):
        where = f"{func}(model with sub-modules, generator)"
        report = reports.run_init(sub, func, case, where, seed, True)
        judging.expect_scheme(report.module, SHAPES, func, where, budget)


@checks.check(
    points=1, depends=initializers_work_in_place, false_failure=judging.CHECK_FALSE_FAILURE
)
def initializers_keep_float64_models(sub) -> None:
    """On a float64 model the initializers work in place and keep float64 weights (no generator)"""
    # False-failure probability: at most 1e-6 (12 tests, union bound).
    budget = judging.CHECK_FALSE_FAILURE / (2 * judging.TESTS_PER_LAYER * len(FLOAT64_SHAPES))
    case = reports.make_case(FLOAT64_SHAPES, 50, "float64")
    for func in ("init_zeros_", "init_xavier_", "init_he_"):
        where = f"{func}(float64 model with sub-modules)"
        report = reports.run_init(sub, func, case, where, None, True)
        reports.expect_in_place(report, case, func)
        if func == "init_zeros_":
            judging.expect_zeroed(report.module, where)
        else:
            judging.expect_scheme(report.module, FLOAT64_SHAPES, func, where, budget)


def _gap_cases() -> list[tuple[np.ndarray, np.ndarray, str]]:
    rng = np.random.default_rng(4_8)
    same = np.tile(rng.normal(size=(1, 6)), (4, 1))
    middle = np.array([[0.0, 5.0], [-2.0, 5.0], [3.0, 5.0], [1.0, 5.0]])
    cases = [
        (rng.normal(size=(5, 7)), rng.normal(size=5), "a random Linear(7, 5)"),
        (rng.normal(size=(1, 3)), rng.normal(size=1), "a Linear(3, 1): one unit"),
        (same, np.array([0.0, 0.0, 4.0, 0.0]), "copied units whose biases differ"),
        (same, np.full(4, 0.3), "copied units"),
        (middle, np.zeros(4), "a Linear(2, 4) whose first unit is in the middle"),
        (1e6 * rng.normal(size=(3, 4)), rng.normal(size=3), "a Linear(4, 3) with large weights"),
    ]
    cases = [(w.astype(np.float32), b.astype(np.float32), label) for w, b, label in cases]
    w, b = rng.normal(size=(4, 6)), rng.normal(size=4)
    return [*cases, (w, b, "a float64 Linear(6, 4)")]


def _reference_gap(weight: np.ndarray, bias: np.ndarray) -> float:
    layer = torch.nn.Linear(weight.shape[1], weight.shape[0], dtype=torch.from_numpy(weight).dtype)
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(weight))
        layer.bias.copy_(torch.from_numpy(bias))
    return reference.symmetry_gap(layer)


@checks.check(points=1, depends=symmetry_gap_small)
def symmetry_gap_hidden(sub) -> None:
    """symmetry_gap matches the reference on other layers"""
    for weight, bias, label in _gap_cases():
        judging.expect_gap(sub, weight, bias, label, _reference_gap(weight, bias))


@checks.check(
    points=2,
    depends=(init_zeros_zeroes_everything, init_xavier_statistics, init_he_statistics),
    timeout=60,
    training=True,
)
def xor_runs_hidden(sub) -> None:
    """On other XOR data and a wider layer: zero init stays symmetric, He and Xavier learn"""
    data = training.xor_data(**XOR_DATA)
    training.expect_trains_like(sub, "init_zeros_", data, XOR_RUN, "symmetric")
    for func in ("init_he_", "init_xavier_"):
        training.expect_trains_like(sub, func, data, XOR_RUN, "learns")
