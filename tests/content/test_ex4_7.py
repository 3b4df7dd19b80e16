"""ex4_7 through the same path students use: reference full marks, stub zero, realistic
wrong versions each lose the points of what is wrong with a useful message, and
differently written correct versions get full marks."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
from support import (
    REPO,
    apply_edits,
    assert_no_errored,
    by_name,
    not_passed,
    only_checks,
    reference_answers,
    solution_text,
    stub_text,
)

from grader.course.ex4_7 import models, training
from grader.course.ex4_7.public import MODELS, TRAINING
from grader.model import Status

CODE_CHECKS = {
    "l2_penalty_small_models",
    "param_groups_small_models",
    "decay_step_values",
    "groups_recover_large_offset",
    "l2_penalty_hidden_models",
    "param_groups_hidden_models",
    "decay_step_hidden_cases",
    "penalty_and_groups_agree_on_hidden_data",
}


def test_reference_solution_scores_full_marks(grade_source):
    result = grade_source("ex4_7", solution_text("ex4_7"), reference_answers("ex4_7"))
    assert set(only_checks(result, CODE_CHECKS)) == CODE_CHECKS
    scored = [r for r in result.results if r.status is not Status.NEEDS_PERSON]
    assert not_passed(scored) == []
    assert by_name(result)["explanation"].status is Status.NEEDS_PERSON
    assert result.score == result.max_score > 0


def test_stub_scores_zero_without_errors(grade_source):
    result = grade_source("ex4_7", stub_text("ex4_7"))
    assert_no_errored(result)
    assert result.score == 0
    checks = only_checks(result, CODE_CHECKS)
    assert "not implemented yet: l2_penalty raises" in checks["l2_penalty_small_models"].message
    assert "not implemented yet" in checks["groups_recover_large_offset"].message


PARAM_GROUPS_RETURN = """    return [
        {"params": weights, "weight_decay": weight_decay},
        {"params": others, "weight_decay": 0.0},
    ]"""
IS_WEIGHT = "is_weight = p.ndim >= 2 and not isinstance(module, NORMS)"
DEDUPE = (
    "            if id(p) in seen:\n"
    "                continue  # shared by two modules: counted once\n"
)
DECAY = "return (1 - lr * lam) * w - lr * grad"
SPLIT_BODY = (
    solution_text("ex4_7")
    .split("    weights, others, seen = [], [], set()\n")[1]
    .split("    return weights, others\n")[0]
)
SPLIT_BY_NAME = """    for name, p in model.named_parameters():
        (others if name.endswith("bias") else weights).append(p)
"""

# name -> (edits of the solution, the checks that must fail, a substring of the first's message)
WRONG_VERSIONS = {
    "penalty_over_every_parameter": (
        (("    weights, _ = _split(model)\n", "    weights = list(model.parameters())\n"),),
        {"l2_penalty_small_models"},
        "biases and normalization parameters are not decayed",
    ),
    "two_dimensional_means_weight": (
        ((IS_WEIGHT, "is_weight = p.ndim >= 2"),),
        {"l2_penalty_hidden_models", "param_groups_hidden_models"},
        "whatever the shape of their parameters",
    ),
    "split_by_name": (
        ((SPLIT_BODY, SPLIT_BY_NAME),),
        {"l2_penalty_small_models", "param_groups_small_models"},
        "a parameter named 'weight' is not always a weight",
    ),
    "half_missing": (
        (("return lam / 2 * total", "return lam * total"),),
        {"l2_penalty_small_models"},
        "is the 1/2 missing?",
    ),
    "penalty_as_python_float": (
        (("return lam / 2 * total", "return float(lam / 2 * total)"),),
        {"l2_penalty_small_models"},
        "float() and .item() cut the value off from autograd",
    ),
    "shared_weight_counted_twice": (
        ((DEDUPE, ""),),
        {"l2_penalty_small_models", "param_groups_small_models"},
        "a parameter shared by two modules is one tensor",
    ),
    "no_explicit_zero_decay": (
        (('{"params": others, "weight_decay": 0.0}', '{"params": others}'),),
        {"param_groups_small_models"},
        "a group without its own 'weight_decay' gets the optimizer's default",
    ),
    "biases_decayed_too": (
        (
            (
                PARAM_GROUPS_RETURN,
                '    return [\n        {"params": weights + others, "weight_decay": weight_decay},'
                '\n        {"params": [], "weight_decay": 0.0},\n    ]',
            ),
        ),
        {"param_groups_small_models", "groups_recover_large_offset"},
        (
            "param_groups_small_models",
            "got 0.bias, 1.weight, 1.bias, 2.bias decayed too",
        ),
    ),
    "decay_step_in_place": (
        ((DECAY, "w *= 1 - lr * lam\n    w -= lr * grad\n    return w"),),
        {"decay_step_values"},
        "w was modified in place",
    ),
    "decay_step_forgets_lr": (
        ((DECAY, "return (1 - lam) * w - lr * grad"),),
        {"decay_step_values"},
        "(1 − lr·λ)·w − lr·grad",
    ),
    "decay_step_numpy_float64": (
        ((DECAY, "return np.float64(1 - lr * lam) * w - lr * grad"),),
        {"decay_step_values"},
        "expected dtype float32, got dtype float64",
    ),
}


@pytest.mark.parametrize("name", sorted(WRONG_VERSIONS))
def test_wrong_version_loses_points_with_message(grade_source, name):
    edits, failing, message = WRONG_VERSIONS[name]
    result = grade_source("ex4_7", apply_edits("ex4_7", edits))
    assert_no_errored(result)
    checks = only_checks(result, CODE_CHECKS)
    failed = {n for n, r in checks.items() if r.status is Status.FAILED}
    assert failing <= failed, [(n, r.status, r.message) for n, r in checks.items()]
    first, message = message if isinstance(message, tuple) else (sorted(failing)[0], message)
    assert message in checks[first].message, checks[first].message
    assert sum(r.points for r in checks.values()) < sum(r.max_points for r in checks.values())


def test_decaying_the_bias_shows_both_numbers(grade_source):
    edits, _, _ = WRONG_VERSIONS["biases_decayed_too"]
    message = only_checks(grade_source("ex4_7", apply_edits("ex4_7", edits)), CODE_CHECKS)[
        "groups_recover_large_offset"
    ].message
    assert "the bias should not be decayed" in message
    assert "the target's offset is 20" in message
    assert "decaying every parameter, the bias included, gives bias" in message


CORRECT_VERSIONS = {
    "norm_tuple_and_stack": """
import numpy as np
import torch
from torch import nn

NORMS = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d, nn.LayerNorm, nn.GroupNorm)

def _weights_and_rest(model):
    seen, weights, rest = set(), [], []
    for _, module in model.named_modules():
        for p in module.parameters(recurse=False):
            if id(p) not in seen:
                seen.add(id(p))
                if p.dim() > 1 and not isinstance(module, NORMS):
                    weights.append(p)
                else:
                    rest.append(p)
    return weights, rest

def l2_penalty(model, lam):
    weights, _ = _weights_and_rest(model)
    return lam / 2 * torch.stack([w.pow(2).sum() for w in weights]).sum()

def param_groups(model, weight_decay):
    weights, rest = _weights_and_rest(model)
    return [dict(params=weights, weight_decay=weight_decay), dict(params=rest, weight_decay=0.0)]

def decay_step(w, grad, lr, lam):
    return w * (1 - lr * lam) - lr * grad
""",
    "owner_map_from_named_parameters": """
import numpy as np
import torch
from torch import nn

def _owners(model):
    owner = {}
    for module in model.modules():
        for p in module.parameters(recurse=False):
            owner.setdefault(p, module)
    return owner

def _is_norm(module):
    return isinstance(module, (nn.modules.batchnorm._NormBase, nn.LayerNorm, nn.GroupNorm))

def _split(model):
    owner = _owners(model)
    weights = [p for p in model.parameters() if p.ndim >= 2 and not _is_norm(owner[p])]
    ids = {id(p) for p in weights}
    return weights, [p for p in model.parameters() if id(p) not in ids]

def l2_penalty(model, lam):
    return sum(w.pow(2).sum() for w in _split(model)[0]) * (lam / 2)

def param_groups(model, weight_decay):
    weights, others = _split(model)
    return [{"params": weights, "weight_decay": weight_decay},
            {"params": others, "weight_decay": 0.0}]

def decay_step(w, grad, lr, lam):
    # the same step written as a gradient step on loss + λ/2‖w‖²
    return w - lr * (grad + lam * w)
""",
    "norms_by_class_name_and_copies": """
import numpy as np
import torch

def _split(model):
    weights, others, seen = [], [], set()
    for module in model.modules():
        norm = "Norm" in type(module).__name__
        for name, p in module.named_parameters(recurse=False):
            if id(p) in seen:
                continue
            seen.add(id(p))
            (others if norm or len(p.shape) < 2 else weights).append(p)
    return weights, others

def l2_penalty(model, lam):
    total = 0.0
    for w in _split(model)[0]:
        total = total + torch.sum(w * w)
    return 0.5 * lam * total

def param_groups(model, weight_decay):
    w, o = _split(model)
    return [{"params": w, "weight_decay": weight_decay}, {"params": o, "weight_decay": 0.0}]

def decay_step(w, grad, lr, lam):
    out = w.clone() if isinstance(w, torch.Tensor) else w.copy()
    out *= 1 - lr * lam
    out -= lr * grad
    return out
""",
    "norm_based_penalty_and_torch_ops": """
import numpy as np
import torch
from torch import nn

def _is_weight(module, p):
    norms = (nn.modules.batchnorm._BatchNorm, nn.LayerNorm, nn.GroupNorm)
    return p.ndim >= 2 and not isinstance(module, norms)

def _weights(model):
    found = {}
    for module in model.modules():
        for p in module.parameters(recurse=False):
            if _is_weight(module, p):
                found[id(p)] = p
    return list(found.values())

def l2_penalty(model, lam):
    return lam * sum(torch.linalg.vector_norm(w) ** 2 for w in _weights(model)) / 2

def param_groups(model, weight_decay):
    decayed = {id(p) for p in _weights(model)}
    chosen = [p for p in model.parameters() if id(p) in decayed]
    rest = [p for p in model.parameters() if id(p) not in decayed]
    return [{"params": chosen, "weight_decay": weight_decay}, {"params": rest, "weight_decay": 0.0}]

def decay_step(w, grad, lr, lam):
    if isinstance(w, torch.Tensor):
        return torch.add(w.mul(1 - lr * lam), grad, alpha=-lr)
    return np.subtract(w * (1 - lr * lam), lr * grad)
""",
}


@pytest.mark.parametrize("name", sorted(CORRECT_VERSIONS))
def test_differently_written_correct_versions_get_full_marks(grade_source, name):
    result = grade_source("ex4_7", CORRECT_VERSIONS[name])
    assert_no_errored(result)
    checks = only_checks(result, CODE_CHECKS)
    assert not_passed(checks.values()) == []


def test_parameter_table_names_what_torch_builds():
    spec = importlib.util.spec_from_file_location("hidden_ex4_7_models", REPO / "hidden/ex4_7.py")
    hidden = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hidden)
    for description in [*MODELS, *hidden.HIDDEN_MODELS]:
        built = models.build(description, 0)
        names = [name for name, _ in built.named_parameters()]
        assert names == [name for name, _ in models.parameter_table(description)]


def test_offset_margins_on_the_check_data():
    """Free bias: within 5e-6 of ridge and held-out error far below the limit; decayed: far off."""
    data = training.offset_data(**TRAINING)
    w, b = training.ridge_with_free_bias(data["X"], data["y"], data["lam"])
    error = training.heldout_offset_error(w, b, data["X_test"], data["y_test"])
    assert abs(error) < training.OFFSET_SHARE * abs(data["offset"]) / 3
    w_all, b_all = training.ridge_decaying_bias(data["X"], data["y"], data["lam"])
    error_all = training.heldout_offset_error(w_all, b_all, data["X_test"], data["y_test"])
    assert abs(error_all) > 5 * training.OFFSET_SHARE * abs(data["offset"])
    assert np.isclose(b_all, data["offset"] / (1 + data["lam"]), rtol=0.05)


@pytest.mark.parametrize(
    ("letters", "hint"),
    [
        ('["A"]', "judge every statement on its own"),
        ('["A", "B", "C"]', "the bias has a gradient"),
    ],
)
def test_quiz_wrong_reasons_lose_points_with_a_hint(grade_source, letters, hint):
    answers = f'reason = {letters}\nexplanation = ""\n'
    results = by_name(grade_source("ex4_7", solution_text("ex4_7"), answers))
    assert results["reason"].status is Status.FAILED
    assert hint in results["reason"].message
    assert results["explanation"].status is Status.NEEDS_PERSON
