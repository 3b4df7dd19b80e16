"""ex4_8 through the same path students use: reference full marks, stub zero, and the
realistic wrong versions each lose the points of what is wrong with a useful message."""

from __future__ import annotations

import importlib

import pytest
from support import (
    apply_edits,
    assert_no_errored,
    by_name,
    not_passed,
    only_checks,
    reference_answers,
    solution_text,
    stub_text,
)

from grader.model import Status

EXERCISE = "ex4_8"
CODE_CHECKS = {
    "std_formulas",
    "init_zeros_zeroes_everything",
    "init_xavier_statistics",
    "init_he_statistics",
    "initializers_use_the_generator",
    "symmetry_gap_small",
    "zero_init_stays_symmetric",
    "random_init_learns_xor",
    "std_formulas_hidden",
    "init_zeros_nested_modules",
    "init_statistics_hidden_shapes",
    "symmetry_gap_hidden",
    "xor_runs_hidden",
}
PUBLIC_CHECKS = {
    spec.name for spec in importlib.import_module(f"grader.course.{EXERCISE}.public").checks
}
QUIZ = {"why_not_zero", "random_w_zero_b"}


def test_reference_solution_scores_full_marks(grade_source):
    result = grade_source(EXERCISE, solution_text(EXERCISE), reference_answers(EXERCISE))
    assert set(by_name(result)) == CODE_CHECKS | QUIZ
    assert not_passed(result.results) == []
    assert result.score == result.max_score


def test_stub_scores_zero_without_errors(grade_source):
    result = grade_source(EXERCISE, stub_text(EXERCISE))
    assert_no_errored(result)
    assert result.score == 0
    checks = only_checks(result, CODE_CHECKS)
    assert "not implemented yet" in checks["init_he_statistics"].message
    assert checks["random_init_learns_xor"].status is Status.SKIPPED


WRONG_VERSIONS = {
    "he_std_with_fan_out": (("he_std(m.in_features)", "he_std(m.out_features)"),),
    "he_is_lecun": (("math.sqrt(2.0 / fan_in)", "math.sqrt(1.0 / fan_in)"),),
    "xavier_without_factor_2": (
        ("math.sqrt(2.0 / (fan_in + fan_out))", "math.sqrt(1.0 / (fan_in + fan_out))"),
    ),
    "init_zeros_leaves_biases": (
        (
            "        layer.weight.zero_()\n        if layer.bias is not None:\n"
            "            layer.bias.zero_()",
            "        layer.weight.zero_()",
        ),
    ),
    "uniform_instead_of_normal": (
        (
            "layer.weight.normal_(0.0, std_of(layer), generator=generator)",
            "layer.weight.uniform_(-3**0.5 * std_of(layer), 3**0.5 * std_of(layer), "
            "generator=generator)",
        ),
    ),
    "random_inits_keep_default_biases": (
        (
            "        layer.weight.normal_(0.0, std_of(layer), generator=generator)\n"
            "        if layer.bias is not None:\n            layer.bias.zero_()",
            "        layer.weight.normal_(0.0, std_of(layer), generator=generator)",
        ),
    ),
    "ignores_the_generator": (
        (
            "layer.weight.normal_(0.0, std_of(layer), generator=generator)",
            "layer.weight.normal_(0.0, std_of(layer))",
        ),
    ),
    "symmetry_gap_ignores_biases": (
        (
            "    if layer.bias is not None:\n        params = torch.cat",
            "    if False:\n        params = torch.cat",
        ),
    ),
    "symmetry_gap_against_first_unit": (
        (
            "    spread = params.max(dim=0).values - params.min(dim=0).values\n"
            "    return float(spread.max())",
            "    return float((params - params[0]).abs().max())",
        ),
    ),
    "only_top_level_layers": (
        (
            "[m for m in model.modules() if isinstance(m, nn.Linear)]",
            "[m for m in model.children() if isinstance(m, nn.Linear)]",
        ),
    ),
}


@pytest.mark.parametrize(
    ("name", "failing", "message"),
    [
        ("he_std_with_fan_out", "init_he_statistics", "you used out_features"),
        ("he_is_lecun", "std_formulas", "the variance has a factor 2 in the numerator"),
        (
            "xavier_without_factor_2",
            "init_xavier_statistics",
            "the numerator of Xavier's variance is 2",
        ),
        ("init_zeros_leaves_biases", "init_zeros_zeroes_everything", "the biases too"),
        ("uniform_instead_of_normal", "init_xavier_statistics", "draw from a normal distribution"),
        ("random_inits_keep_default_biases", "init_he_statistics", "set biases to 0"),
        ("ignores_the_generator", "initializers_use_the_generator", "generator=generator"),
        ("symmetry_gap_ignores_biases", "symmetry_gap_small", "include the biases"),
        ("symmetry_gap_against_first_unit", "symmetry_gap_small", "not each with the first one"),
        ("only_top_level_layers", "init_zeros_nested_modules", "iterate over model.modules()"),
    ],
)
def test_wrong_version_loses_points_with_message(grade_source, name, failing, message):
    hidden = failing not in PUBLIC_CHECKS  # public checks alone are faster
    result = grade_source(EXERCISE, apply_edits(EXERCISE, WRONG_VERSIONS[name]), hidden=hidden)
    assert_no_errored(result)
    checks = only_checks(result, CODE_CHECKS)
    assert checks[failing].status is Status.FAILED
    assert message in checks[failing].message, checks[failing].message
    assert sum(r.points for r in checks.values()) < sum(r.max_points for r in checks.values())


def test_failure_messages_name_the_layer_and_the_std(grade_source):
    result = grade_source(EXERCISE, apply_edits(EXERCISE, WRONG_VERSIONS["he_std_with_fan_out"]))
    message = only_checks(result, CODE_CHECKS)["init_he_statistics"].message
    assert "Linear(300, 50)" in message and "empirical std" in message
    assert only_checks(result, CODE_CHECKS)["init_xavier_statistics"].status is Status.PASSED


CORRECT_VERSIONS = {
    "nn_init_functions": """
import torch
from torch import nn

def xavier_std(fan_in, fan_out):
    return (2 / (fan_in + fan_out)) ** 0.5

def he_std(fan_in):
    return (2 / fan_in) ** 0.5

def _each(model, fn):
    for module in model.modules():
        if isinstance(module, nn.Linear):
            fn(module)
    return model

def init_zeros_(model):
    def zero(m):
        nn.init.zeros_(m.weight)
        nn.init.zeros_(m.bias)
    return _each(model, zero)

def init_xavier_(model, generator=None):
    def draw(m):
        nn.init.normal_(m.weight, 0.0, xavier_std(m.in_features, m.out_features),
                        generator=generator)
        nn.init.zeros_(m.bias)
    return _each(model, draw)

def init_he_(model, generator=None):
    def draw(m):
        nn.init.normal_(m.weight, 0.0, he_std(m.in_features), generator=generator)
        nn.init.zeros_(m.bias)
    return _each(model, draw)

def symmetry_gap(layer):
    w = torch.cat([layer.weight.detach(), layer.bias.detach().unsqueeze(1)], dim=1)
    return (w[:, None, :] - w[None, :, :]).abs().max().item()
""",
    "randn_times_std_and_numpy_gap": """
import math
import numpy as np
import torch

def xavier_std(fan_in, fan_out):
    return math.sqrt(2) / math.sqrt(fan_in + fan_out)

def he_std(fan_in):
    return math.sqrt(2 / fan_in)

def _linears(model):
    return [m for _, m in model.named_modules() if isinstance(m, torch.nn.Linear)]

def _draw(model, generator, std):
    for layer in _linears(model):
        w = layer.weight
        noise = torch.randn(w.shape, generator=generator, device=w.device, dtype=w.dtype)
        with torch.no_grad():
            w.copy_(noise * std(layer))
            layer.bias.fill_(0.0)
    return model

def init_zeros_(model):
    for layer in _linears(model):
        layer.weight.data.fill_(0)
        layer.bias.data.zero_()
    return model

def init_xavier_(model, generator=None):
    return _draw(model, generator, lambda l: xavier_std(l.weight.shape[1], l.weight.shape[0]))

def init_he_(model, generator=None):
    return _draw(model, generator, lambda l: he_std(l.weight.shape[1]))

def symmetry_gap(layer):
    w = layer.weight.detach().cpu().numpy()
    b = layer.bias.detach().cpu().numpy()
    params = np.hstack([w, b[:, None]])
    return np.ptp(params, axis=0).max()
""",
    "apply_and_torch_normal": """
import torch
from torch import nn

def xavier_std(fan_in, fan_out):
    return float(torch.tensor(2.0 / (fan_in + fan_out), dtype=torch.float64).sqrt())

def he_std(fan_in):
    return float(torch.tensor(2.0 / fan_in, dtype=torch.float64).sqrt())

def init_zeros_(model):
    def zero(m):
        if type(m) is nn.Linear:
            with torch.no_grad():
                m.weight.mul_(0)
                m.bias.mul_(0)
    model.apply(zero)
    return model

def _normal(model, std_of, generator):
    def draw(m):
        if isinstance(m, nn.Linear):
            w = torch.normal(0.0, std_of(m), size=tuple(m.weight.shape), generator=generator,
                             device=m.weight.device)
            with torch.no_grad():
                m.weight.copy_(w)
                m.bias.zero_()
    model.apply(draw)
    return model

def init_xavier_(model, generator=None):
    return _normal(model, lambda m: xavier_std(m.in_features, m.out_features), generator)

def init_he_(model, generator=None):
    return _normal(model, lambda m: he_std(m.in_features), generator)

def symmetry_gap(layer):
    gap = 0.0
    rows = [list(map(float, w)) + [float(b)] for w, b in zip(layer.weight, layer.bias)]
    for i in range(len(rows)):
        for j in range(i + 1, len(rows)):
            gap = max(gap, max(abs(a - c) for a, c in zip(rows[i], rows[j])))
    return gap
""",
    "loops_with_stats_module": """
import statistics
import torch
from torch import nn

def xavier_std(fan_in, fan_out):
    return statistics.fmean([2.0 / (fan_in + fan_out)]) ** 0.5

def he_std(fan_in):
    return (2.0 / fan_in) ** 0.5

class _Init:
    def __init__(self, std_of):
        self.std_of = std_of

    @torch.no_grad()
    def __call__(self, model, generator=None):
        for m in model.modules():
            if isinstance(m, nn.Linear):
                m.weight.normal_(generator=generator).mul_(self.std_of(m))
                m.bias.zero_()
        return model

init_xavier_ = _Init(lambda m: xavier_std(m.in_features, m.out_features))
init_he_ = _Init(lambda m: he_std(m.in_features))

@torch.no_grad()
def init_zeros_(model):
    for p in model.parameters():
        p.zero_()
    return model

@torch.no_grad()
def symmetry_gap(layer):
    full = torch.column_stack([layer.weight, layer.bias])
    return float(torch.amax(full, 0).sub(torch.amin(full, 0)).max())
""",
}


@pytest.mark.parametrize("name", sorted(CORRECT_VERSIONS))
def test_differently_written_correct_versions_get_full_marks(grade_source, name):
    result = grade_source(EXERCISE, CORRECT_VERSIONS[name])
    checks = only_checks(result, CODE_CHECKS)
    assert set(checks) == CODE_CHECKS
    assert not_passed(checks.values()) == []


@pytest.mark.parametrize(
    ("answers", "key", "message"),
    [
        ('why_not_zero = "D"\nrandom_w_zero_b = true\n', "why_not_zero", "symmetry_gap"),
        ('why_not_zero = "B"\nrandom_w_zero_b = false\n', "random_w_zero_b", "init_xavier_"),
    ],
)
def test_wrong_quiz_answers_lose_their_points_with_a_hint(grade_source, answers, key, message):
    result = grade_source(EXERCISE, None, answers, hidden=False)
    quiz = by_name(result)
    assert quiz[key].status is Status.FAILED
    assert message in quiz[key].message, quiz[key].message
    other = (QUIZ - {key}).pop()
    assert quiz[other].status is Status.PASSED
