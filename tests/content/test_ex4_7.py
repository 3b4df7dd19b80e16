"""ex4_7 through the same path students use: reference full marks, stub zero, realistic
wrong versions each lose the points of what is wrong with a useful message, and
differently written correct versions get full marks."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
from support import (
    COURSE,
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

from grader.course.ex4_7 import judging, models, training
from grader.course.ex4_7.public import MODELS, TRAINING
from grader.model import Status

PUBLIC_CODE_CHECKS = {
    "l2_penalty_small_models",
    "param_groups_small_models",
    "decay_step_values_numpy",
    "decay_step_values_torch",
    "decay_step_leaves_inputs_unchanged",
    "decay_step_returns_the_kind_of_w",
    "groups_recover_large_offset",
}
HIDDEN_CODE_CHECKS = {
    "l2_penalty_hidden_models",
    "param_groups_hidden_models",
    "decay_step_hidden_numpy",
    "decay_step_hidden_torch",
    "penalty_recovers_offset_on_hidden_data",
    "groups_recover_offset_on_hidden_data",
}
CODE_CHECKS = PUBLIC_CODE_CHECKS | HIDDEN_CODE_CHECKS


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
        {"decay_step_leaves_inputs_unchanged"},
        "w was modified in place",
    ),
    "decay_step_forgets_lr": (
        ((DECAY, "return (1 - lam) * w - lr * grad"),),
        {"decay_step_values_numpy", "decay_step_values_torch"},
        "(1 − lr·λ)·w − lr·grad",
    ),
    "decay_step_numpy_float64": (
        ((DECAY, "return np.float64(1 - lr * lam) * w - lr * grad"),),
        {"decay_step_returns_the_kind_of_w"},
        "expected a numpy array of dtype float32, got an array of dtype float64",
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


def hidden_models() -> list:
    spec = importlib.util.spec_from_file_location("hidden_ex4_7_models", REPO / "hidden/ex4_7.py")
    hidden = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hidden)
    return hidden.HIDDEN_MODELS


def test_parameter_shapes_are_what_torch_builds():
    for case in [*MODELS, *hidden_models()]:
        built = models.build(case.description)
        shapes = {name: tuple(p.shape) for name, p in built.named_parameters()}
        assert shapes == models.parameter_shapes(case.description)
        assert list(shapes) == list(models.parameter_shapes(case.description))


def test_the_weights_each_check_expects_are_the_references():
    """The weight names stated next to each test model are what the reference decays."""
    reference = COURSE.reference("ex4_7")
    for case in [*MODELS, *hidden_models()]:
        built = models.build(case.description)
        names = {id(p): name for name, p in built.named_parameters()}
        decayed = reference.param_groups(built, 0.1)[0]["params"]
        assert tuple(names[id(p)] for p in decayed) == case.weights, case.text


def test_the_judges_values_tell_every_parameter_apart():
    """Groups are read by value: every parameter of every test model holds different values."""
    for seed, case in enumerate([*MODELS, *hidden_models()]):
        for values in (
            judging.model_values(case.description, seed),
            judging.model_values(case.description, seed + 1),
        ):
            arrays = list(values.values())
            for i, a in enumerate(arrays):
                assert not any(a.shape == b.shape and (a == b).all() for b in arrays[i + 1 :])


def lost(result) -> set[str]:
    """The code checks that did not earn their points."""
    return {n for n, r in only_checks(result, CODE_CHECKS).items() if r.points < r.max_points}


NUMPY_IN_PLACE = "w *= 1 - lr * lam\n    w -= lr * grad\n    return w"
TORCH_IN_PLACE = (
    "if isinstance(w, torch.Tensor):\n"
    "        return w.mul_(1 - lr * lam).sub_(lr * grad)\n"
    "    return (1 - lr * lam) * w - lr * grad"
)


@pytest.mark.parametrize("body", [NUMPY_IN_PLACE, TORCH_IN_PLACE], ids=["numpy", "torch"])
def test_decay_step_in_place_loses_only_the_inputs_check(grade_source, body):
    """The values come back right; the judge sees that w no longer holds what it sent."""
    result = grade_source("ex4_7", apply_edits("ex4_7", ((DECAY, body),)))
    assert lost(result) == {"decay_step_leaves_inputs_unchanged"}
    message = only_checks(result, CODE_CHECKS)["decay_step_leaves_inputs_unchanged"].message
    assert "w was modified in place" in message, message


NUMPY_PATH_BROKEN = "return (1 - lr * lam) * w.clone() - lr * grad"
TORCH_PATH_BROKEN = "return (1 - lr * lam) * w - lr * grad.copy()"


@pytest.mark.parametrize(
    ("body", "path"), [(NUMPY_PATH_BROKEN, "numpy"), (TORCH_PATH_BROKEN, "torch")]
)
def test_a_decay_step_broken_on_one_kind_keeps_the_other_kinds_points(grade_source, body, path):
    result = grade_source("ex4_7", apply_edits("ex4_7", ((DECAY, body),)))
    assert_no_errored(result)
    assert lost(result) == {
        f"decay_step_values_{path}",
        f"decay_step_hidden_{path}",
        "decay_step_leaves_inputs_unchanged",  # these two wait for both kinds' values
        "decay_step_returns_the_kind_of_w",
    }


FORMAT_SLIPS = {
    # Issue 14: each of these lost the value, hidden and inputs-unchanged checks of the
    # kinds it slips on (2 to 5 points); the values are right, only the container is not.
    "numpy_array_for_tensors": (
        "return (1 - lr * lam) * np.asarray(w) - lr * np.asarray(grad)",
        "expected a torch tensor of dtype torch.float32 on cpu, got a numpy array",
    ),
    "float64_for_float32": (
        "out = (1 - lr * lam) * w - lr * grad\n"
        "    return out.astype(np.float64) if isinstance(out, np.ndarray) else out.double()",
        "expected a numpy array of dtype float32, got an array of dtype float64",
    ),
    "float32_for_float64": (
        "out = (1 - lr * lam) * w - lr * grad\n"
        "    return out.astype(np.float32) if isinstance(out, np.ndarray) else out.float()",
        "expected a numpy array of dtype float64, got an array of dtype float32",
    ),
    "nested_list": (
        "return ((1 - lr * lam) * w - lr * grad).tolist()",
        "expected a numpy array of dtype float64, got a Python list [",
    ),
}


@pytest.mark.parametrize("slip", sorted(FORMAT_SLIPS))
def test_a_format_slip_costs_only_the_format_check(grade_source, slip):
    """Requirement 3 of issue 14: the value checks read the values from whatever comes
    back (within the tolerance of the less precise dtype); only the format check fails."""
    body, message = FORMAT_SLIPS[slip]
    result = grade_source("ex4_7", apply_edits("ex4_7", ((DECAY, body),)))
    assert_no_errored(result)
    assert lost(result) == {"decay_step_returns_the_kind_of_w"}
    checks = only_checks(result, CODE_CHECKS)
    assert sum(r.max_points - r.points for r in checks.values()) == 1
    assert message in checks["decay_step_returns_the_kind_of_w"].message


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("return 'w'", "expected an array of shape (5,), got a Python str 'w'"),
        ("return None", "expected an array of shape (5,), got None"),
        ("return [w.tolist(), [1.0]]", "expected an array of shape (5,), got a Python list"),
    ],
)
def test_a_result_holding_no_numbers_fails_the_value_checks(grade_source, body, message):
    result = grade_source("ex4_7", apply_edits("ex4_7", ((DECAY, body),)), hidden=False)
    assert_no_errored(result)
    check = only_checks(result, CODE_CHECKS)["decay_step_values_numpy"]
    assert check.status is Status.FAILED
    assert message in check.message, check.message


def test_groups_holding_copies_lose_the_groups_points(grade_source):
    """The copies hold the right values, but an optimizer built on them never moves the model."""
    edits = (
        (
            PARAM_GROUPS_RETURN,
            '    return [\n        {"params": [p.detach().clone().requires_grad_() for p in '
            'weights], "weight_decay": weight_decay},\n'
            '        {"params": [p.detach().clone().requires_grad_() for p in others], '
            '"weight_decay": 0.0},\n    ]',
        ),
    )
    result = grade_source("ex4_7", apply_edits("ex4_7", edits))
    assert_no_errored(result)
    groups = {n for n in lost(result) if "groups" in n}
    assert groups == {
        "param_groups_small_models",
        "param_groups_hidden_models",
        "groups_recover_large_offset",
        "groups_recover_offset_on_hidden_data",
    }
    message = only_checks(result, CODE_CHECKS)["param_groups_small_models"].message
    assert "the groups must hold the model's own parameters (not copies)" in message, message


GARBAGE = """
import numpy as np
import torch


def l2_penalty(model, lam):
    return torch.tensor(123.0)


def param_groups(model, weight_decay):
    return []


def decay_step(w, grad, lr, lam):
    return w
"""

# Issue 13: garbage functions, and the probes replaced at import by ones that report facts
# consistent with themselves (a zero model, a zero penalty, every parameter where it should
# be by name). The old judge took the model's values from such a report and gave 15/15.
NAIVE_FORGER = """
import grader.course.ex4_7.probes as P


def _penalty(student, description, values, lam, device):
    zero = torch.zeros((), requires_grad=True)
    return {"penalty": zero, "grads": [torch.zeros_like(v) for v in values.values()]}


def _groups(student, description, values, grads, weight_decay, lr, device):
    zeros = [torch.zeros_like(v) for v in values.values()]
    groups = [{"params": zeros, "weight_decay": weight_decay}, {"params": [], "weight_decay": 0.0}]
    return {"groups": groups, "after": zeros}


def _decay(student, w, grad, lr, lam):
    return {"out": w, "w": w, "grad": grad, "out_after": w}


def _train(student, X, y, initial, weight_decay, lr, steps, use):
    return {"weight": torch.zeros(1, X.shape[1]), "bias": torch.zeros(1)}


P.penalty_report, P.groups_report = _penalty, _groups
P.decay_step_report, P.offset_training = _decay, _train
"""


def test_garbage_with_probes_forging_consistent_facts_scores_zero(grade_source):
    result = grade_source("ex4_7", GARBAGE + NAIVE_FORGER)
    assert_no_errored(result)
    checks = only_checks(result, CODE_CHECKS)
    assert sum(r.points for r in checks.values()) == 0, not_passed(checks.values())


# The strongest forger that does not implement the rule: it echoes the judge's values and
# uses everything public in the sandbox: the public models' stated weights, the formula of
# the step, and the closed-form end point of the training runs. Public checks can always
# be satisfied from their public expectations; every hidden point stays out of reach.
PUBLIC_KNOWLEDGE_FORGER = """
import grader.course.ex4_7.probes as P
from grader.course.ex4_7 import public, training


def _weights(description):
    for case in public.MODELS:
        if case.description == description:
            return case.weights
    return ()


def _penalty(student, description, values, lam, device):
    weights = _weights(description)
    total = sum((v.double() ** 2).sum() for n, v in values.items() if n in weights)
    penalty = (lam / 2 * torch.as_tensor(total)).to(next(iter(values.values())).dtype)
    grads = [lam * v if n in weights else None for n, v in values.items()]
    return {"penalty": penalty.requires_grad_(), "grads": grads}


def _groups(student, description, values, grads, weight_decay, lr, device):
    weights = _weights(description)
    decays = {n: weight_decay if n in weights else 0.0 for n in values}
    groups = [
        {"params": [v for n, v in values.items() if n in weights], "weight_decay": weight_decay},
        {"params": [v for n, v in values.items() if n not in weights], "weight_decay": 0.0},
    ]
    after = [v - lr * (grads[n] + decays[n] * v) for n, v in values.items()]
    return {"groups": groups, "after": after}


def _decay(student, w, grad, lr, lam):
    out = (1 - lr * lam) * w - lr * grad
    return {"out": out, "w": w, "grad": grad, "out_after": out}


def _train(student, X, y, initial, weight_decay, lr, steps, use):
    w, b = training.ridge_with_free_bias(X.double().numpy(), y.double().numpy(), weight_decay)
    weight, bias = torch.tensor(w, dtype=X.dtype)[None], torch.tensor([b], dtype=X.dtype)
    return {"weight": weight, "bias": bias}


P.penalty_report, P.groups_report = _penalty, _groups
P.decay_step_report, P.offset_training = _decay, _train
"""


def test_garbage_with_probes_forged_from_public_knowledge_gets_no_hidden_point(grade_source):
    result = grade_source("ex4_7", GARBAGE + PUBLIC_KNOWLEDGE_FORGER)
    assert_no_errored(result)
    checks = only_checks(result, CODE_CHECKS)
    earned = {n for n, r in checks.items() if r.points > 0}
    assert earned <= PUBLIC_CODE_CHECKS - {n for n in PUBLIC_CODE_CHECKS if "decay" in n}
    assert not earned & HIDDEN_CODE_CHECKS


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
