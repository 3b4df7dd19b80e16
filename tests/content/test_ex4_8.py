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
    "initializers_work_in_place",
    "symmetry_gap_small",
    "stds_and_gap_return_python_floats",
    "zero_init_stays_symmetric",
    "random_init_learns_xor",
    "std_formulas_hidden",
    "init_zeros_nested_modules",
    "init_statistics_hidden_shapes",
    "initializers_keep_float64_models",
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
    # Assigning .data keeps the Parameter objects: in place as far as an optimizer sees.
    "data_assignment": """
import math
import torch
from torch import nn

def xavier_std(fan_in, fan_out):
    return math.sqrt(2.0 / (fan_in + fan_out))

def he_std(fan_in):
    return math.sqrt(2.0 / fan_in)

def _draw(model, std, generator):
    for m in model.modules():
        if isinstance(m, nn.Linear):
            w = m.weight
            m.weight.data = std(m) * torch.randn(
                w.shape, generator=generator, dtype=w.dtype, device=w.device)
            m.bias.data = torch.zeros_like(m.bias.data)
    return model

def init_zeros_(model):
    return _draw(model, lambda m: 0.0, None)

def init_xavier_(model, generator=None):
    return _draw(model, lambda m: xavier_std(m.in_features, m.out_features), generator)

def init_he_(model, generator=None):
    return _draw(model, lambda m: he_std(m.in_features), generator)

def symmetry_gap(layer):
    p = torch.cat([layer.weight.data, layer.bias.data[:, None]], 1)
    return (p.amax(0) - p.amin(0)).max().item()
""",
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
    return float(np.ptp(params, axis=0).max())
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


ZEROING = (
    "        layer.weight.zero_()\n"
    "        if layer.bias is not None:\n"
    "            layer.bias.zero_()"
)
NORMAL_DRAW = "        layer.weight.normal_(0.0, std_of(layer), generator=generator)"
REPLACING_VERSIONS = {
    # New zero Parameters in place of the old ones (issue 14): the model is zero, but an
    # optimizer created before the call trains the old tensors.
    "init_zeros_new_parameters": (
        (
            ZEROING,
            "        layer.weight = nn.Parameter(torch.zeros_like(layer.weight))\n"
            "        layer.bias = nn.Parameter(torch.zeros_like(layer.bias))",
        ),
    ),
    # The same after zeroing the old ones too: their values agree, the optimizer does not.
    "init_zeros_zeroes_then_replaces": (
        (
            ZEROING,
            ZEROING + "\n        layer.weight = nn.Parameter(layer.weight.clone())"
            "\n        layer.bias = nn.Parameter(layer.bias.clone())",
        ),
    ),
    "init_normal_new_parameters": (
        (
            NORMAL_DRAW,
            "        w = torch.empty_like(layer.weight).normal_(0.0, std_of(layer), "
            "generator=generator)\n        layer.weight = nn.Parameter(w)",
        ),
    ),
}


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("init_zeros_new_parameters", "new Parameter objects"),
        ("init_zeros_zeroes_then_replaces", "optimizer created before the call"),
        ("init_normal_new_parameters", "new Parameter objects"),
    ],
)
def test_replacing_parameters_loses_the_in_place_point_only(grade_source, name, message):
    result = grade_source(EXERCISE, apply_edits(EXERCISE, REPLACING_VERSIONS[name]))
    assert_no_errored(result)
    checks = only_checks(result, CODE_CHECKS)
    assert checks["initializers_work_in_place"].status is Status.FAILED
    assert message in checks["initializers_work_in_place"].message
    assert "nn.Parameter" in checks["initializers_work_in_place"].message
    lost = {n for n, r in checks.items() if r.status is not Status.PASSED}
    # The float64 check needs in-place initializers: skipped, not failed a second time.
    assert lost == {"initializers_work_in_place", "initializers_keep_float64_models"}
    assert checks["initializers_keep_float64_models"].status is Status.SKIPPED


XAVIER_RETURN = "return math.sqrt(2.0 / (fan_in + fan_out))"
HE_RETURN = "return math.sqrt(2.0 / fan_in)"
GAP_RETURN = "return float(spread.max())"
FORMAT_SLIPS = {
    # Issue 14: each of these lost the value check and its hidden follow-up (2 points);
    # the values are right (to the precision of what holds them), only the holder is not.
    "xavier_std_as_a_float64_tensor": (
        (
            XAVIER_RETURN,
            "return torch.tensor(2.0 / (fan_in + fan_out), dtype=torch.float64).sqrt()",
        ),
        "xavier_std(3, 5): expected a Python float, got a torch tensor float64[] on cpu",
    ),
    "xavier_std_as_a_float32_tensor": (
        (XAVIER_RETURN, "return torch.tensor(2.0 / (fan_in + fan_out)).sqrt()"),
        "xavier_std(3, 5): expected a Python float, got a torch tensor float32[] on cpu",
    ),
    "he_std_as_a_numpy_float32": (
        (HE_RETURN, "return torch.tensor(2.0 / fan_in).sqrt().numpy()[()]"),
        "he_std(8): expected a Python float, got a numpy float32 0.5 (convert it with float(",
    ),
    "symmetry_gap_as_a_numpy_float32": (
        (GAP_RETURN, "return spread.max().detach().numpy()[()]"),
        "expected a Python float, got a numpy float32 1.0 (convert it with float(...))",
    ),
    "symmetry_gap_as_a_0d_tensor": (
        (GAP_RETURN, "return spread.max().detach()"),
        "expected a Python float, got a torch tensor float32[] on cpu (call .item()",
    ),
}


@pytest.mark.parametrize("slip", sorted(FORMAT_SLIPS))
def test_a_format_slip_costs_only_the_format_check(grade_source, slip):
    """Requirement 3 of issue 14: the value checks read the number from whatever holds it;
    only the format check states the contract's type and fails."""
    edit, message = FORMAT_SLIPS[slip]
    result = grade_source(EXERCISE, apply_edits(EXERCISE, (edit,)))
    assert_no_errored(result)
    checks = only_checks(result, CODE_CHECKS)
    lost = {n for n, r in checks.items() if r.status is not Status.PASSED}
    assert lost == {"stds_and_gap_return_python_floats"}
    assert sum(r.max_points - r.points for r in checks.values()) == 1
    assert message in checks["stds_and_gap_return_python_floats"].message


@pytest.mark.parametrize(
    ("edit", "failing", "message"),
    [
        ((HE_RETURN, "return 'sqrt(2/fan_in)'"), "std_formulas", "he_std(8): expected a number"),
        ((XAVIER_RETURN, "return None"), "std_formulas", "xavier_std(3, 5): expected a number"),
        ((GAP_RETURN, "return [float(spread.max())]"), "symmetry_gap_small", "a Python list"),
    ],
)
def test_a_result_holding_no_number_fails_the_value_check(grade_source, edit, failing, message):
    result = grade_source(EXERCISE, apply_edits(EXERCISE, (edit,)), hidden=False)
    assert_no_errored(result)
    check = only_checks(result, CODE_CHECKS)[failing]
    assert check.status is Status.FAILED
    assert message in check.message, check.message


FORGERY_PRELUDE = """
import torch
import grader.course.ex4_8.probes as probes


def _zeros(shapes):
    return [{"weight": torch.zeros(o, i), "bias": torch.zeros(o)} for i, o in shapes]


def _forged_train_xor(student, func, X, y, hidden, *args, **kwargs):
    snap = _zeros([(X.shape[1], hidden), (hidden, 1)])
    return {"initial": snap, "final": snap}


probes.train_xor = _forged_train_xor
"""
DO_NOTHING = """

def init_zeros_(model):
    return model


def init_xavier_(model, generator=None):
    return model


def init_he_(model, generator=None):
    return model
"""
FORGED_INIT_FACTS = {
    # What issue 13 reported: the report format the judge read then, all zeros.
    "issue_13_format": """
def _forged_init_facts(student, func, shapes, *args, **kwargs):
    return {"same": True, "layers": _zeros(shapes)}


probes.init_facts = _forged_init_facts
""",
    # The same forgery in today's format: every field consistent with an all-zero model.
    "current_format": """
def _forged_init_facts(student, func, layers, data, *args, **kwargs):
    snap = _zeros([tuple(w.shape[::-1]) for w, _ in layers])
    return {
        "module": snap, "held": snap, "stepped": snap,
        "grads": [t for layer in snap for t in (layer["weight"], layer["bias"])],
        "output": torch.zeros(data["X"].shape[0], layers[-1][0].shape[0]),
    }


probes.init_facts = _forged_init_facts
""",
}
INIT_CHECKS = {
    "init_zeros_zeroes_everything", "init_zeros_nested_modules", "zero_init_stays_symmetric",
    "init_xavier_statistics", "init_he_statistics", "initializers_work_in_place",
    "random_init_learns_xor", "init_statistics_hidden_shapes", "xor_runs_hidden",
    "initializers_use_the_generator", "initializers_keep_float64_models",
}  # fmt: skip


@pytest.mark.parametrize("report_format", sorted(FORGED_INIT_FACTS))
def test_do_nothing_initializers_behind_forged_probes_score_no_init_points(
    grade_source, report_format
):
    """Issue 13: do-nothing initializers plus a replaced probe reporting an all-zero model
    got 4 points (init_zeros_ twice and the zero-init training run). The judge now checks
    a report against the gradient of a loss on its own inputs, which no all-zero report
    matches, and the training run depends on those checks."""
    forgery = FORGERY_PRELUDE + FORGED_INIT_FACTS[report_format] + DO_NOTHING
    result = grade_source(EXERCISE, solution_text(EXERCISE) + forgery)
    assert_no_errored(result)
    checks = only_checks(result, CODE_CHECKS)
    assert sum(checks[name].points for name in INIT_CHECKS) == 0
    assert checks["zero_init_stays_symmetric"].status is Status.SKIPPED
    if report_format == "current_format":
        message = checks["init_zeros_zeroes_everything"].message
        assert "does not match those weights" in message, message
    # What the forgery did not touch keeps its points.
    assert checks["std_formulas"].status is Status.PASSED
    assert checks["symmetry_gap_small"].status is Status.PASSED


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
