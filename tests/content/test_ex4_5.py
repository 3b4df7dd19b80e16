"""ex4_5 through the same path students use: reference full marks, stub zero, and the
realistic wrong versions each lose the points of what is wrong with a useful message."""

from __future__ import annotations

import pytest
from support import (
    apply_edits,
    assert_no_errored,
    not_passed,
    only_checks,
    solution_text,
    stub_text,
)

from grader.model import Status

CODE_CHECKS = {
    "param_count_small",
    "param_count_rejects_bad_arguments",
    "param_count_expr_matches_small_cases",
    "build_mlp_small",
    "build_mlp_rejects_bad_arguments",
    "param_count_large",
    "param_count_numpy_integers",
    "param_count_expr_equals_reference",
    "build_mlp_hidden_architectures",
    "build_mlp_rejects_non_integers",
}


def test_reference_solution_scores_full_marks(grade_source):
    result = grade_source("ex4_5", solution_text("ex4_5"))
    checks = only_checks(result, CODE_CHECKS)
    assert set(checks) == CODE_CHECKS
    assert not_passed(checks.values()) == []


def test_stub_scores_zero_without_errors(grade_source):
    result = grade_source("ex4_5", stub_text("ex4_5"))
    assert_no_errored(result)
    checks = only_checks(result, CODE_CHECKS)
    assert sum(r.points for r in checks.values()) == 0
    assert "not implemented yet" in checks["param_count_small"].message


WRONG_VERSIONS = {
    "forgot_biases": (
        ("first = M0 * width + width", "first = M0 * width"),
        ("middle = (L - 1) * (width * width + width)", "middle = (L - 1) * (width * width)"),
        ("last = width + 1", "last = width"),
    ),
    "one_hidden_layer_too_many": (("middle = (L - 1) *", "middle = L *"),),
    "float_not_int": (("width = N // L\n    first", "width = N / L\n    first"),),
    "no_value_error_for_l_not_dividing_n": (
        ("    if N % L != 0:\n        raise ValueError", "    if False:\n        raise ValueError"),
    ),
    "wrong_widths_in_build_mlp": (
        (
            "layers += [nn.Linear(fan_in, width), nn.Sigmoid()]\n        fan_in = width",
            "layers += [nn.Linear(fan_in, N), nn.Sigmoid()]\n        fan_in = N",
        ),
        ("layers.append(nn.Linear(width, 1))", "layers.append(nn.Linear(N, 1))"),
    ),
    "relu_instead_of_sigmoid": (("nn.Sigmoid()", "nn.ReLU()"),),
}


@pytest.mark.parametrize(
    ("name", "failing", "message"),
    [
        ("forgot_biases", "param_count_small", "did you count the biases?"),
        ("one_hidden_layer_too_many", "param_count_small", "one hidden-to-hidden layer too many"),
        ("float_not_int", "param_count_small", "use integer division"),
        (
            "no_value_error_for_l_not_dividing_n",
            "param_count_rejects_bad_arguments",
            "expected ValueError (L=3 does not divide N=100)",
        ),
        ("wrong_widths_in_build_mlp", "build_mlp_small", "total number of parameters"),
        ("relu_instead_of_sigmoid", "build_mlp_small", "output on 5 test inputs"),
    ],
)
def test_wrong_version_loses_points_with_message(grade_source, name, failing, message):
    result = grade_source("ex4_5", apply_edits("ex4_5", WRONG_VERSIONS[name]))
    assert_no_errored(result)
    checks = only_checks(result, CODE_CHECKS)
    assert checks[failing].status is Status.FAILED
    assert message in checks[failing].message, checks[failing].message
    assert result.score < sum(r.max_points for r in checks.values())


FORWARD_IGNORES_LAYERS = (
    solution_text("ex4_5")
    + """

class _Fake(nn.Module):
    def __init__(self, M0, N, L):
        super().__init__()
        self.inner = _reference_build(M0, N, L)

    def forward(self, x):
        return torch.zeros(x.shape[0], 1)


_reference_build = build_mlp


def build_mlp(M0, N, L):
    return _Fake(M0, N, L)
"""
)


def test_forward_that_ignores_its_layers_fails(grade_source):
    result = grade_source("ex4_5", FORWARD_IGNORES_LAYERS)
    checks = only_checks(result, CODE_CHECKS)
    assert checks["build_mlp_small"].status is Status.FAILED
    assert "output on 5 test inputs" in checks["build_mlp_small"].message
    assert checks["build_mlp_hidden_architectures"].status is Status.SKIPPED
    assert checks["param_count_small"].status is Status.PASSED


CORRECT_VERSIONS = {
    "closed_form": """
import sympy, torch
from torch import nn

def _check(*args):
    for a in args:
        if isinstance(a, bool) or not hasattr(a, "__index__"):
            raise TypeError("integers only")
        if a <= 0:
            raise ValueError("must be positive")
    if args[1] % args[2]:
        raise ValueError("L must divide N")

def param_count(M0, N, L):
    _check(M0, N, L)
    M0, N, L = int(M0), int(N), int(L)
    return (M0 + 1) * N // L + (L - 1) * (N // L) ** 2 + N - N // L + N // L + 1

def param_count_expr():
    M0, N, L = sympy.symbols("M0 N L")
    return (M0 + 1) * N / L + (L - 1) * (N / L) ** 2 + N + 1

class MLP(nn.Module):
    def __init__(self, M0, N, L):
        super().__init__()
        w = N // L
        self.hidden = nn.ModuleList(nn.Linear(M0 if i == 0 else w, w) for i in range(L))
        self.out = nn.Linear(w, 1)

    def forward(self, x):
        for layer in self.hidden:
            x = torch.sigmoid(layer(x))
        return self.out(x)

def build_mlp(M0, N, L):
    _check(M0, N, L)
    return MLP(int(M0), int(N), int(L))
""",
    "loop_over_layers": """
import operator, sympy
from torch import nn

def _ints(*args):
    vals = []
    for a in args:
        if type(a) is bool:
            raise TypeError("bool")
        try:
            vals.append(operator.index(a))
        except TypeError:
            raise TypeError(f"{a!r} is not an integer") from None
    if min(vals) < 1:
        raise ValueError("non-positive")
    if vals[1] % vals[2] != 0:
        raise ValueError("L does not divide N")
    return vals

def param_count(M0, N, L):
    M0, N, L = _ints(M0, N, L)
    sizes = [M0] + [N // L] * L + [1]
    return sum(a * b + b for a, b in zip(sizes, sizes[1:]))

def param_count_expr():
    M0 = sympy.Symbol("M0", positive=True)
    N = sympy.Symbol("N", positive=True, integer=True)
    L = sympy.Symbol("L", positive=True, integer=True)
    return sympy.expand(M0 * N / L + N / L + (L - 1) * (N**2 / L**2 + N / L) + N / L + 1)

def build_mlp(M0, N, L):
    M0, N, L = _ints(M0, N, L)
    sizes = [M0] + [N // L] * L
    mods = []
    for a, b in zip(sizes, sizes[1:]):
        mods += [nn.Linear(a, b), nn.Sigmoid()]
    return nn.Sequential(*mods, nn.Linear(N // L, 1))
""",
    "numpy_integers_and_factored_expr": """
import numbers
import numpy as np
import sympy
import torch

def _v(M0, N, L):
    for x in (M0, N, L):
        if isinstance(x, (bool, np.bool_)) or not isinstance(x, (numbers.Integral, np.integer)):
            raise TypeError("need integers")
    if M0 <= 0 or N <= 0 or L <= 0:
        raise ValueError("need positive values")
    if N % L:
        raise ValueError("L must divide N")

def param_count(M0, N, L):
    _v(M0, N, L)
    w = int(N) // int(L)
    return int(w * (int(M0) + 1) + (int(L) - 1) * w * (w + 1) + w + 1)

def param_count_expr():
    M0, N, L = sympy.symbols("M0, N, L", integer=True, positive=True)
    return sympy.factor(N * (M0 + 1) / L + (L - 1) * N * (N + L) / L**2 + N / L + 1)

class Net(torch.nn.Module):
    def __init__(self, M0, w, L):
        super().__init__()
        self.layers = torch.nn.Sequential()
        for i in range(L):
            self.layers.add_module(f"fc{i}", torch.nn.Linear(M0 if i == 0 else w, w))
            self.layers.add_module(f"act{i}", torch.nn.Sigmoid())
        self.head = torch.nn.Linear(w, 1)

    def forward(self, x):
        return self.head(self.layers(x))

def build_mlp(M0, N, L):
    _v(M0, N, L)
    return Net(int(M0), int(N) // int(L), int(L))
""",
}


@pytest.mark.parametrize("name", sorted(CORRECT_VERSIONS))
def test_differently_written_correct_versions_get_full_marks(grade_source, name):
    result = grade_source("ex4_5", CORRECT_VERSIONS[name])
    checks = only_checks(result, CODE_CHECKS)
    assert not_passed(checks.values()) == []
