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
    "param_count_returns_python_int",
    "param_count_rejects_bad_arguments",
    "param_count_expr_matches_small_cases",
    "build_mlp_small",
    "build_mlp_rejects_bad_arguments",
    "param_count_large",
    "param_count_numpy_integers",
    "param_count_expr_equals_reference",
    "build_mlp_hidden_architectures",
    "build_mlp_accepts_numpy_integers",
    "build_mlp_rejects_non_integers",
}
BUILD_MLP_POINTS = {
    "build_mlp_small",
    "build_mlp_hidden_architectures",
    "build_mlp_accepts_numpy_integers",
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
        ("float_not_int", "param_count_returns_python_int", "use integer division"),
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


def lost(result) -> set[str]:
    """The code checks that did not earn their points."""
    return {n for n, r in only_checks(result, CODE_CHECKS).items() if r.points < r.max_points}


# Issue 13: parameters(), state_dict() and modules() describe the right network, all zeros
# (so the network they describe outputs 0), while the forward is one zero Linear layer that
# is not registered. A judge that ran the described weights through its own forward pass
# expected 0 and got 0; with the grader's own weights loaded it expects something else.
DESCRIBES_THE_NETWORK_FORWARD_IGNORES_WEIGHTS = (
    solution_text("ex4_5")
    + """

class _Described(nn.Module):
    def __init__(self, M0, N, L):
        super().__init__()
        self.net = _reference_build(M0, N, L)
        for p in self.net.parameters():
            nn.init.zeros_(p)
        real = nn.Linear(M0, 1)
        nn.init.zeros_(real.weight)
        nn.init.zeros_(real.bias)
        object.__setattr__(self, "real", real)  # used by forward, hidden from modules()

    def forward(self, x):
        return self.real(x)


_reference_build = build_mlp


def build_mlp(M0, N, L):
    return _Described(M0, N, L)
"""
)


def test_module_that_only_describes_the_network_loses_the_build_mlp_points(grade_source):
    result = grade_source("ex4_5", DESCRIBES_THE_NETWORK_FORWARD_IGNORES_WEIGHTS)
    assert_no_errored(result)
    assert lost(result) == BUILD_MLP_POINTS
    message = only_checks(result, CODE_CHECKS)["build_mlp_small"].message
    assert "with weights the grader loaded" in message, message


def test_module_that_only_describes_the_network_loses_even_when_calling_its_layers(
    grade_source,
):
    """The described layers run (in order) but their result is thrown away."""
    code = DESCRIBES_THE_NETWORK_FORWARD_IGNORES_WEIGHTS.replace(
        "        return self.real(x)", "        self.net(x)\n        return self.real(x)"
    )
    result = grade_source("ex4_5", code)
    assert lost(result) == BUILD_MLP_POINTS


FLOAT_COUNT = (("width = N // L\n    first", "width = N / L\n    first"),)
NUMPY_COUNT = (
    ("    return first + middle + last", "    return np.int64(first + middle + last)"),
    ("import numbers\n", "import numbers\n\nimport numpy as np\n"),
)


@pytest.mark.parametrize("edits", [FLOAT_COUNT, NUMPY_COUNT], ids=["float", "numpy_int64"])
def test_a_count_in_the_wrong_number_type_loses_only_the_format_check(grade_source, edits):
    result = grade_source("ex4_5", apply_edits("ex4_5", edits))
    assert_no_errored(result)
    assert lost(result) == {"param_count_returns_python_int"}
    message = only_checks(result, CODE_CHECKS)["param_count_returns_python_int"].message
    assert "expected a Python int" in message, message


def test_build_mlp_refusing_numpy_integers_loses_only_that_check(grade_source):
    edits = (
        (
            "def build_mlp(M0, N, L):\n    M0, N, L = _validate(M0, N, L)",
            "def build_mlp(M0, N, L):\n"
            "    if not all(type(v) is int for v in (M0, N, L)):\n"
            "        raise TypeError('integers only')\n"
            "    M0, N, L = _validate(M0, N, L)",
        ),
    )
    result = grade_source("ex4_5", apply_edits("ex4_5", edits))
    assert lost(result) == {"build_mlp_accepts_numpy_integers"}


def test_build_mlp_accepting_bool_loses_the_non_integer_check(grade_source):
    edits = (
        (
            "def build_mlp(M0, N, L):\n    M0, N, L = _validate(M0, N, L)",
            "def build_mlp(M0, N, L):\n"
            "    M0, N, L = (int(v) if isinstance(v, bool) else v for v in (M0, N, L))\n"
            "    M0, N, L = _validate(M0, N, L)",
        ),
    )
    result = grade_source("ex4_5", apply_edits("ex4_5", edits))
    assert lost(result) == {"build_mlp_rejects_non_integers"}
    message = only_checks(result, CODE_CHECKS)["build_mlp_rejects_non_integers"].message
    assert "bool is not an integer" in message, message


CORRECT_VERSIONS = {
    "output_layer_declared_first_and_functional_forward": """
import numbers
import sympy
import torch
from torch import nn
from torch.nn import functional as F

def _ints(M0, N, L):
    for v in (M0, N, L):
        if isinstance(v, bool) or not isinstance(v, numbers.Integral):
            raise TypeError("integers only")
        if v <= 0:
            raise ValueError("must be positive")
    if N % L:
        raise ValueError("L does not divide N")
    return int(M0), int(N), int(L)

def param_count(M0, N, L):
    M0, N, L = _ints(M0, N, L)
    w = N // L
    return float(w * (M0 + 1) + (L - 1) * (w * w + w) + w + 1).__int__()

def param_count_expr():
    M0, N, L = sympy.symbols("M0 N L")
    return (M0 + 1) * N / L + (L - 1) * (N**2 / L**2 + N / L) + N / L + 1

class Net(nn.Module):
    def __init__(self, M0, w, L):
        super().__init__()
        self.head = nn.Linear(w, 1)  # declared before the hidden layers
        self.hidden = nn.ModuleList([nn.Linear(M0, w)] + [nn.Linear(w, w) for _ in range(L - 1)])

    def forward(self, x):
        for layer in self.hidden:  # the layers' own tensors, without calling the modules
            x = torch.sigmoid(F.linear(x, layer.weight, layer.bias))
        return self.head(x)

def build_mlp(M0, N, L):
    M0, N, L = _ints(M0, N, L)
    return Net(M0, N // L, L)
""",
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
