"""ex4_9 through the same path students use: reference full marks, stub zero, and the
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

EXERCISE = "ex4_9"
CODE_CHECKS = {
    "deep_sigmoid_mlp_architecture",
    "layer_grad_norms_small",
    "layer_grad_norms_returns_a_list_of_floats",
    "first_layer_gradient_vanishes",
    "update_ratio_ignores_lr",
    "update_ratio_returns_a_float",
    "relu_he_restores_the_ratio",
    "larger_lr_does_not_cure_vanishing",
    "deep_sigmoid_mlp_other_shapes",
    "layer_grad_norms_reference",
    "update_ratio_reference",
    "layer_grad_norms_input_kinds",
    "update_ratio_input_kinds",
    "larger_lr_does_not_cure_vanishing_hidden",
}
PUBLIC_CHECKS = {
    spec.name for spec in importlib.import_module(f"grader.course.{EXERCISE}.public").checks
}
QUIZ = {"sigmoid_product_bound", "larger_lr"}


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
    assert "not implemented yet" in checks["layer_grad_norms_small"].message
    assert checks["larger_lr_does_not_cure_vanishing"].status is Status.SKIPPED


STEP_AND_MEASURE = """def update_ratio(model, X, y, lr):
    layers = [m for m in model.modules() if isinstance(m, nn.Linear)]
    before = [layer.weight.detach().clone() for layer in layers]
    grads = _weight_grads(model, X, y)
    with torch.no_grad():
        for layer, g in zip(layers, grads):
            layer.weight -= lr * g
    first = (layers[0].weight - before[0]).norm()
    last = (layers[-1].weight - before[-1]).norm()
    {restore}return float(first / last)
"""
RESTORE = """with torch.no_grad():
        for layer, w in zip(layers, before):
            layer.weight.copy_(w)
    """
BACKWARD_NO_ZERO_GRAD = """def layer_grad_norms(model, X, y):
    logits = model(torch.as_tensor(X))
    target = torch.as_tensor(y).reshape(logits.shape)
    F.binary_cross_entropy_with_logits(logits, target).backward()
    return [float(m.weight.grad.norm()) for m in model.modules() if isinstance(m, nn.Linear)]
"""
OLD_RATIO = """def update_ratio(model, X, y, lr):
    grads = _weight_grads(model, X, y)
    first_step, last_step = lr * grads[0], lr * grads[-1]
    return float(first_step.norm() / last_step.norm())
"""
OLD_NORMS = """def layer_grad_norms(model, X, y):
    return [float(g.norm()) for g in _weight_grads(model, X, y)]
"""

WRONG_VERSIONS = {
    "relu_instead_of_sigmoid": (("nn.Sigmoid()", "nn.ReLU()"),),
    "sigmoid_on_the_output": (
        (
            "layers.append(nn.Linear(fan_in, out_features))",
            "layers += [nn.Linear(fan_in, out_features), nn.Sigmoid()]",
        ),
    ),
    "norms_in_reverse_order": (
        (
            "return [float(g.norm()) for g in _weight_grads(model, X, y)]",
            "return [float(g.norm()) for g in _weight_grads(model, X, y)][::-1]",
        ),
    ),
    "sum_instead_of_mean": (
        (
            "F.binary_cross_entropy_with_logits(logits, target)",
            "F.binary_cross_entropy_with_logits(logits, target, reduction='sum')",
        ),
    ),
    "mse_instead_of_bce": (
        ("F.binary_cross_entropy_with_logits(logits, target)", "F.mse_loss(logits, target)"),
    ),
    "bias_gradients_included": (
        (
            "weights = [m.weight for m in model.modules() if isinstance(m, nn.Linear)]",
            "weights = list(model.parameters())",
        ),
    ),
    "update_ratio_inverted": (
        (
            "float(first_step.norm() / last_step.norm())",
            "float(last_step.norm() / first_step.norm())",
        ),
    ),
    "update_ratio_from_weight_difference": ((OLD_RATIO, STEP_AND_MEASURE.format(restore=RESTORE)),),
    "update_ratio_leaves_the_step_in": ((OLD_RATIO, STEP_AND_MEASURE.format(restore="")),),
    "gradients_accumulate_between_calls": ((OLD_NORMS, BACKWARD_NO_ZERO_GRAD),),
}


@pytest.mark.parametrize(
    ("name", "failing", "message"),
    [
        ("relu_instead_of_sigmoid", "deep_sigmoid_mlp_architecture", "your model also has ReLU"),
        ("sigmoid_on_the_output", "deep_sigmoid_mlp_architecture", "output Linear with no sigmoid"),
        ("norms_in_reverse_order", "layer_grad_norms_small", "the list is reversed"),
        ("sum_instead_of_mean", "layer_grad_norms_small", "32 times too large"),
        ("mse_instead_of_bce", "layer_grad_norms_small", "binary_cross_entropy_with_logits"),
        ("bias_gradients_included", "layer_grad_norms_small", "leave out the biases"),
        ("update_ratio_inverted", "update_ratio_ignores_lr", "inverted"),
        ("update_ratio_from_weight_difference", "update_ratio_ignores_lr", "precision"),
        ("update_ratio_leaves_the_step_in", "update_ratio_ignores_lr", "weights unchanged"),
        ("gradients_accumulate_between_calls", "layer_grad_norms_reference", "twice too large"),
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


def test_norm_failures_show_a_per_layer_table(grade_source):
    source = apply_edits(EXERCISE, WRONG_VERSIONS["norms_in_reverse_order"])
    result = grade_source(EXERCISE, source, hidden=False)
    message = only_checks(result, CODE_CHECKS)["layer_grad_norms_small"].message
    assert "layer  expected ||dW||   yours" in message
    assert len([line for line in message.splitlines() if line.rstrip().endswith("<-")]) >= 2


def test_y_of_shape_n_must_be_matched_to_the_output(grade_source):
    edits = ((".to(logits.dtype).reshape(logits.shape)", ".to(logits.dtype)"),)
    source = apply_edits(EXERCISE, edits)
    result = grade_source(EXERCISE, source, hidden=False)
    check = only_checks(result, CODE_CHECKS)["layer_grad_norms_small"]
    assert check.status is Status.FAILED
    assert "y of shape (n,)" in check.message and "ValueError" in check.message


X_TO_MODEL = "X = torch.as_tensor(X, dtype=like.dtype, device=like.device)"
TARGET = "target = torch.as_tensor(y, device=like.device).to(logits.dtype).reshape(logits.shape)"
INPUT_KIND_FAULTS = {
    # Issue 14: each of these got full marks while probes converted every input to a
    # float32 tensor before the student's code saw it.
    "breaks_on_numpy_input": (
        (X_TO_MODEL, "X = X.to(dtype=like.dtype, device=like.device)"),
        "numpy float32 X, y",
    ),
    "float64_input_on_a_float32_model": (
        (X_TO_MODEL, "X = torch.as_tensor(X, device=like.device)"),
        "numpy float64 X",
    ),
    "integer_labels_not_converted": (
        (TARGET, "target = torch.as_tensor(y, device=like.device).reshape(logits.shape)"),
        "numpy int64 0/1 labels",
    ),
}
INPUT_KIND_CHECKS = {"layer_grad_norms_input_kinds", "update_ratio_input_kinds"}


@pytest.mark.parametrize("name", sorted(INPUT_KIND_FAULTS))
def test_input_kind_faults_lose_the_input_kind_points_only(grade_source, name):
    edit, kind = INPUT_KIND_FAULTS[name]
    result = grade_source(EXERCISE, apply_edits(EXERCISE, (edit,)))
    assert_no_errored(result)
    checks = only_checks(result, CODE_CHECKS)
    lost = {n for n, r in checks.items() if r.status is not Status.PASSED}
    assert lost == INPUT_KIND_CHECKS  # both functions share the faulty helper
    assert kind in checks["layer_grad_norms_input_kinds"].message


NORMS_RETURN = "return [float(g.norm()) for g in _weight_grads(model, X, y)]"
RATIO_RETURN = "return float(first_step.norm() / last_step.norm())"
FORMAT_SLIPS = {
    # Issue 14: each of these lost 6 (norms) or 10 (ratio) points through the value
    # checks and the checks depending on them; the values are right, only the container
    # is not the contract's.
    "norms_as_0d_tensors": (
        (NORMS_RETURN, "return [g.norm() for g in _weight_grads(model, X, y)]"),
        "layer_grad_norms_returns_a_list_of_floats",
        "[0]: expected a Python float, got a torch tensor float32[] on cpu (call .item()",
    ),
    "norms_as_a_numpy_array": (
        (
            NORMS_RETURN,
            "return torch.stack([g.norm() for g in _weight_grads(model, X, y)]).numpy()",
        ),
        "layer_grad_norms_returns_a_list_of_floats",
        "expected a list of Python floats, got a numpy array float32[4]",
    ),
    "norms_as_a_tuple": (
        (NORMS_RETURN, "return tuple(float(g.norm()) for g in _weight_grads(model, X, y))"),
        "layer_grad_norms_returns_a_list_of_floats",
        "expected a list of Python floats, got a Python tuple",
    ),
    "norms_as_a_tensor": (
        (NORMS_RETURN, "return torch.stack([g.norm() for g in _weight_grads(model, X, y)])"),
        "layer_grad_norms_returns_a_list_of_floats",
        "got a torch tensor float32[4] on cpu (call .tolist() on it)",
    ),
    "ratio_as_a_0d_tensor": (
        (RATIO_RETURN, "return first_step.norm() / last_step.norm()"),
        "update_ratio_returns_a_float",
        "expected a Python float, got a torch tensor float32[] on cpu (call .item()",
    ),
    "ratio_as_a_numpy_float32": (
        (RATIO_RETURN, "return (first_step.norm() / last_step.norm()).numpy()[()]"),
        "update_ratio_returns_a_float",
        "expected a Python float, got a numpy float32",
    ),
}


@pytest.mark.parametrize("slip", sorted(FORMAT_SLIPS))
def test_a_format_slip_costs_only_the_format_check(grade_source, slip):
    """Requirement 3 of issue 14: the value checks convert what comes back and judge the
    values; only the format check states the contract's type and fails."""
    edit, format_check, message = FORMAT_SLIPS[slip]
    result = grade_source(EXERCISE, apply_edits(EXERCISE, (edit,)))
    assert_no_errored(result)
    checks = only_checks(result, CODE_CHECKS)
    assert {n for n, r in checks.items() if r.status is not Status.PASSED} == {format_check}
    assert message in checks[format_check].message, checks[format_check].message
    assert sum(r.max_points - r.points for r in checks.values()) == 1


@pytest.mark.parametrize(
    ("edit", "failing", "message"),
    [
        (
            (NORMS_RETURN, "return 'norms'"),
            "layer_grad_norms_small",
            "expected the 4 gradient norms (a list of floats), got a Python str 'norms'",
        ),
        (
            (NORMS_RETURN, "return [[float(g.norm())] for g in _weight_grads(model, X, y)]"),
            "layer_grad_norms_small",
            "expected the 4 gradient norms (a list of floats), got a Python list",
        ),
        ((RATIO_RETURN, "return None"), "update_ratio_ignores_lr", "expected a number, got None"),
    ],
)
def test_a_result_holding_no_numbers_fails_the_value_checks(grade_source, edit, failing, message):
    result = grade_source(EXERCISE, apply_edits(EXERCISE, (edit,)), hidden=False)
    assert_no_errored(result)
    check = only_checks(result, CODE_CHECKS)[failing]
    assert check.status is Status.FAILED
    assert message in check.message, check.message


def test_public_deep_case_shows_vanishing_gradients():
    """first_layer_gradient_vanishes demonstrates the effect on the judge's own weights:
    they must keep showing it (first/last gradient norm <= VANISH_MAX)."""
    import numpy as np

    from grader.course.ex4_9 import judging, public

    start = judging.default_layers(np.random.default_rng(490), public.DEEP_SIZES)
    X, y = judging.task(491, 64, public.DEEP["in_features"])
    norms = judging.grad_norms(start, X, y)
    assert norms[0] / norms[-1] <= public.VANISH_MAX


LYING_MODULE = """

class _Liar(nn.Module):
    \"\"\"modules() and parameters() show the required network; forward uses one hidden
    Linear kept out of the module registry.\"\"\"

    def __init__(self, depth, width, in_features, out_features):
        super().__init__()
        self.shown = _honest(depth, width, in_features, out_features)
        object.__setattr__(self, "real", nn.Linear(in_features, out_features))

    def forward(self, x):
        return self.real(x)


_honest = deep_sigmoid_mlp


def deep_sigmoid_mlp(depth, width, in_features, out_features):
    return _Liar(depth, width, in_features, out_features)
"""


def test_module_whose_registry_lies_about_its_forward_fails_the_architecture(grade_source):
    """As issue 13 found for ex4_5's build_mlp: the judge loads its own weights into the
    Linear layers the module shows and compares outputs, so a forward that does not use
    them fails, whatever its modules() and parameters() say."""
    result = grade_source(EXERCISE, solution_text(EXERCISE) + LYING_MODULE, hidden=False)
    check = only_checks(result, CODE_CHECKS)["deep_sigmoid_mlp_architecture"]
    assert check.status is Status.FAILED
    assert "holding the grader's weights" in check.message, check.message


CORRECT_VERSIONS = {
    "backward_and_grad_attribute": """
import torch
from torch import nn

def deep_sigmoid_mlp(depth, width, in_features, out_features):
    sizes = [in_features] + [width] * depth
    hidden = [m for a, b in zip(sizes, sizes[1:]) for m in (nn.Linear(a, b), nn.Sigmoid())]
    return nn.Sequential(*hidden, nn.Linear(width, out_features))

def _grads(model, X, y):
    model.zero_grad()
    logits = model(torch.as_tensor(X).to(next(model.parameters())))
    nn.BCEWithLogitsLoss()(logits, torch.as_tensor(y).view_as(logits).float()).backward()
    grads = [m.weight.grad.detach().clone() for m in model.modules() if isinstance(m, nn.Linear)]
    model.zero_grad()
    return grads

def layer_grad_norms(model, X, y):
    return [torch.linalg.norm(g).item() for g in _grads(model, X, y)]

def update_ratio(model, X, y, lr):
    grads = _grads(model, X, y)
    return (torch.linalg.norm(lr * grads[0]) / torch.linalg.norm(lr * grads[-1])).item()
""",
    "custom_module_and_logsigmoid": """
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

class DeepSigmoid(nn.Module):
    def __init__(self, depth, width, d_in, d_out):
        super().__init__()
        self.hidden = nn.ModuleList(
            nn.Sequential(nn.Linear(d_in if i == 0 else width, width), nn.Sigmoid())
            for i in range(depth))
        self.head = nn.Linear(width, d_out)

    def forward(self, x):
        for block in self.hidden:
            x = block(x)
        return self.head(x)

def deep_sigmoid_mlp(depth, width, in_features, out_features):
    return DeepSigmoid(depth, width, in_features, out_features)

def _grads(model, X, y):
    w = next(m.weight for m in model.modules() if isinstance(m, nn.Linear))
    X = torch.from_numpy(X) if isinstance(X, np.ndarray) else X
    y = torch.from_numpy(y) if isinstance(y, np.ndarray) else y
    z = model(X.to(w.dtype))
    t = y.reshape(z.shape).to(z.dtype)
    loss = -(t * F.logsigmoid(z) + (1 - t) * F.logsigmoid(-z)).mean()
    weights = [m.weight for m in model.modules() if isinstance(m, nn.Linear)]
    return torch.autograd.grad(loss, weights)

def layer_grad_norms(model, X, y):
    return [float(torch.sqrt((g * g).sum())) for g in _grads(model, X, y)]

def update_ratio(model, X, y, lr):
    g = _grads(model, X, y)
    first, last = (lr * g[0]).double().norm(), (lr * g[-1]).double().norm()
    return float(first / last)
""",
    "optimizer_step_on_a_copy": """
import copy
import torch
from torch import nn

def deep_sigmoid_mlp(depth, width, in_features, out_features):
    model = nn.Sequential()
    for i in range(depth):
        model.append(nn.Linear(in_features if i == 0 else width, width))
        model.append(nn.Sigmoid())
    model.append(nn.Linear(width, out_features))
    return model

def _linears(model):
    return [m for m in model.modules() if isinstance(m, nn.Linear)]

def _backward(model, X, y):
    logits = model(torch.as_tensor(X, dtype=torch.get_default_dtype()))
    target = torch.as_tensor(y, dtype=logits.dtype).reshape(logits.shape)
    loss = nn.functional.binary_cross_entropy_with_logits(logits, target)
    loss.backward()

def layer_grad_norms(model, X, y):
    clone = copy.deepcopy(model)
    _backward(clone, X, y)
    return [layer.weight.grad.norm().item() for layer in _linears(clone)]

def update_ratio(model, X, y, lr):
    clone = copy.deepcopy(model)
    optimizer = torch.optim.SGD(clone.parameters(), lr=lr)
    optimizer.zero_grad()
    _backward(clone, X, y)
    steps = [lr * layer.weight.grad for layer in _linears(clone)]
    optimizer.step()
    return steps[0].norm().item() / steps[-1].norm().item()
""",
    "numpy_floats_and_ratio_of_norms": """
import numpy as np
import torch
from torch import nn

def deep_sigmoid_mlp(depth, width, in_features, out_features):
    layers = []
    for k in range(depth):
        layers.extend([nn.Linear(width if k else in_features, width), nn.Sigmoid()])
    return nn.Sequential(*layers, nn.Linear(width, out_features))

def layer_grad_norms(model, X, y):
    X = torch.as_tensor(X, dtype=torch.float32)
    y = torch.as_tensor(y, dtype=torch.float32)
    out = model(X)
    if out.dim() == 2 and y.dim() == 1:
        y = y.unsqueeze(1)
    loss = nn.BCEWithLogitsLoss(reduction="mean")(out, y)
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    grads = torch.autograd.grad(loss, [m.weight for m in linears])
    return [float(np.linalg.norm(g.detach().cpu().numpy())) for g in grads]

def update_ratio(model, X, y, lr):
    norms = layer_grad_norms(model, X, y)
    return (lr * norms[0]) / (lr * norms[-1])
""",
}


@pytest.mark.parametrize("name", sorted(CORRECT_VERSIONS))
def test_differently_written_correct_versions_get_full_marks(grade_source, name):
    result = grade_source(EXERCISE, CORRECT_VERSIONS[name])
    checks = only_checks(result, CODE_CHECKS)
    assert set(checks) == CODE_CHECKS
    assert not_passed(checks.values()) == []


@pytest.mark.parametrize(
    ("answer", "passes"),
    [
        ("(1/4)^L", True),
        ("4^(-L)", True),
        ("0.25**L", True),
        ("1/2^(2L)", True),
        ("1/4", False),
        ("L/4", False),
        ("(1/2)^L", False),
    ],
)
def test_sigmoid_bound_is_judged_symbolically(grade_source, answer, passes):
    answers = f'sigmoid_product_bound = "{answer}"\nlarger_lr = "B"\n'
    result = grade_source(EXERCISE, None, answers, hidden=False)
    quiz = by_name(result)
    assert (quiz["sigmoid_product_bound"].status is Status.PASSED) is passes, quiz[
        "sigmoid_product_bound"
    ].message
    assert quiz["larger_lr"].status is Status.PASSED


def test_wrong_choice_gets_the_hint(grade_source):
    answers = 'sigmoid_product_bound = "(1/4)^L"\nlarger_lr = "A"\n'
    result = grade_source(EXERCISE, None, answers, hidden=False)
    check = by_name(result)["larger_lr"]
    assert check.status is Status.FAILED
    assert "update_ratio with lr, 10·lr and 100·lr" in check.message
