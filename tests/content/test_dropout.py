"""dropout through the same path students use: reference full marks, stub zero, realistic
wrong versions lose the points of what is wrong (with a useful message), differently
written correct versions get full marks, and the statistical checks never fail the
reference over many seeds."""

from __future__ import annotations

import importlib.util
import textwrap
import types

import numpy as np
import pytest
from support import (
    COURSE,
    REPO,
    apply_edits,
    assert_no_errored,
    not_passed,
    only_checks,
    solution_text,
    stub_text,
)

from grader.course.dropout import cases
from grader.model import Status

NUMPY_CHECKS = {
    "values_zero_or_scaled_numpy",
    "keep_rate_is_one_minus_p_numpy",
    "mean_is_preserved_numpy",
    "drops_are_independent_numpy",
    "uses_the_generator_numpy",
    "p_one_gives_zeros_numpy",
    "input_not_modified_numpy",
    "dtype_kept_numpy",
    "statistics_on_other_shapes_and_rates_numpy",
    "works_without_a_generator_numpy",
}
TORCH_CHECKS = {
    "values_zero_or_scaled_torch",
    "keep_rate_is_one_minus_p_torch",
    "mean_is_preserved_torch",
    "drops_are_independent_torch",
    "uses_the_generator_torch",
    "p_one_gives_zeros_torch",
    "input_not_modified_torch",
    "dtype_and_device_kept",
    "gradient_is_mask_over_keep",
    "dropout_module_train_eval",
    "network_with_dropout_trains",
    "statistics_on_other_shapes_and_rates_torch",
    "works_without_a_generator_torch",
    "module_extreme_rates",
}
# Code every solution runs before it branches on the kind of x: one check for both kinds.
SHARED_CHECKS = {
    "p_zero_or_not_training_returns_x",
    "invalid_p_raises_value_error",
    "integer_p_behaves_like_float",
    "not_training_returns_x_even_for_p_one",
    "invalid_p_raises_even_when_not_training",
}
CODE_CHECKS = NUMPY_CHECKS | TORCH_CHECKS | SHARED_CHECKS  # fmt: skip


def assert_full_marks(result):
    assert_no_errored(result)
    checks = only_checks(result, CODE_CHECKS)
    assert set(checks) == CODE_CHECKS
    assert not_passed(checks.values()) == []


def test_reference_solution_scores_full_marks(grade_source):
    assert_full_marks(grade_source("dropout", solution_text("dropout")))


def test_stub_scores_zero_without_errors(grade_source):
    result = grade_source("dropout", stub_text("dropout"))
    assert_no_errored(result)
    checks = only_checks(result, CODE_CHECKS)
    assert sum(r.points for r in checks.values()) == 0
    assert "not implemented yet" in checks["values_zero_or_scaled_numpy"].message
    assert "not implemented yet" in checks["dropout_module_train_eval"].message
    assert checks["network_with_dropout_trains"].status is Status.SKIPPED


TORCH_MASK = "mask = torch.rand(x.shape, device=x.device, generator=generator) < keep"
NUMPY_MASK = "mask = rng.random(np.shape(x)) < keep"
SCALE = "return x * mask / keep"

# name -> (edits of the reference, {check that must fail: substring of its message})
WRONG_VERSIONS = {
    "non_inverted": (
        ((SCALE, "return x * mask"),),
        {"mean_is_preserved_numpy": "1/(1−p)", "mean_is_preserved_torch": "1/(1−p)",
         "values_zero_or_scaled_numpy": "1/(1−p)", "values_zero_or_scaled_torch": "1/(1−p)",
         "gradient_is_mask_over_keep": "1/(1−p)"},
    ),
    "mask_shared_across_rows": (
        ((TORCH_MASK, TORCH_MASK.replace("x.shape", "x.shape[-1:]")),
         (NUMPY_MASK, NUMPY_MASK.replace("np.shape(x)", "np.shape(x)[-1:]"))),
        {"drops_are_independent_numpy": "shared across rows",
         "drops_are_independent_torch": "shared across rows"},
    ),
    "modifies_x_in_place": (
        ((SCALE, "x *= mask\n    x /= keep\n    return x"),),
        {"input_not_modified_numpy": "do not use *=", "input_not_modified_torch": "do not use *="},
    ),
    "p_one_gives_nan": (
        (("if p == 1.0:\n        return x * mask", "if False:\n        return x * mask"),),
        {"p_one_gives_zeros_numpy": "nan", "p_one_gives_zeros_torch": "nan"},
    ),
    "no_value_error": (
        (("if math.isnan(p) or not 0.0 <= p <= 1.0:", "if False:"),),
        {"invalid_p_raises_value_error": "ValueError",
         "invalid_p_raises_even_when_not_training": "ValueError"},
    ),
    "ignores_training_flag": (
        (("if not training or p == 0.0:", "if p == 0.0:"),),
        {"p_zero_or_not_training_returns_x": "identity",
         "dropout_module_train_eval": "eval() mode"},
    ),
    "validates_p_only_when_training": (
        (("    p = _checked_p(p)\n    if not training", "    if not training"),
         ("    keep = 1.0 - p\n", "    p = _checked_p(p)\n    keep = 1.0 - p\n")),
        {"invalid_p_raises_even_when_not_training": "validate p before"},
    ),
    "mask_on_cpu_not_x_device": (
        ((TORCH_MASK, "mask = torch.rand(x.shape, generator=generator) < keep"),),
        {"dtype_and_device_kept": "device"},
    ),
    "float64_mask_changes_dtype": (
        ((TORCH_MASK, "mask = (torch.rand(x.shape, device=x.device, generator=generator,"
                      " dtype=torch.float64) < keep).double()"),),
        {"dtype_and_device_kept": "dtype", "values_zero_or_scaled_torch": "float64"},
    ),
    "module_ignores_eval": (
        (("return dropout(x, self.p, self.training)", "return dropout(x, self.p)"),),
        {"dropout_module_train_eval": "eval() mode"},
    ),
    "keeps_with_probability_p": (
        ((TORCH_MASK, TORCH_MASK.replace("< keep", "< p")),
         (NUMPY_MASK, NUMPY_MASK.replace("< keep", "< p"))),
        {"keep_rate_is_one_minus_p_numpy": "probability of DROPPING",
         "keep_rate_is_one_minus_p_torch": "probability of DROPPING"},
    ),
    "ignores_generator": (
        ((", generator=generator)", ")"), ("generator if generator is not None else ", "")),
        {"uses_the_generator_numpy": "generator", "uses_the_generator_torch": "generator"},
    ),
    "gradient_detached": (
        ((SCALE, "y = x * mask / keep\n    return y.detach() if torch.is_tensor(y) else y"),),
        {"gradient_is_mask_over_keep": "no gradient"},
    ),
    "numpy_float32_becomes_float64": (
        ((SCALE, "if isinstance(x, np.ndarray):\n        return x * (mask / keep)\n"
                 "    return x * mask / keep"),),
        {"dtype_kept_numpy": "dtype"},
    ),
    "training_defaults_to_false": (
        (("def dropout(x, p, training=True,", "def dropout(x, p, training=False,"),),
        {"works_without_a_generator_numpy": "training defaults to True",
         "works_without_a_generator_torch": "training defaults to True"},
    ),
    "numpy_generator_none_not_handled": (
        (("generator if generator is not None else np.random.default_rng()", "generator"),),
        {"works_without_a_generator_numpy": "dropout(array float32[6, 7], p=0.5, no generator)"},
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(WRONG_VERSIONS))
def test_wrong_version_loses_the_right_points(grade_source, name):
    edits, failing = WRONG_VERSIONS[name]
    result = grade_source("dropout", apply_edits("dropout", edits))
    assert_no_errored(result)
    checks = only_checks(result, CODE_CHECKS)
    for check, text in failing.items():
        assert checks[check].status is Status.FAILED, (check, checks[check].message)
        assert text in checks[check].message, (check, checks[check].message)
    assert sum(r.points for r in checks.values()) < sum(r.max_points for r in checks.values())


def test_non_inverted_keeps_the_keep_rate_points(grade_source):
    source = apply_edits("dropout", WRONG_VERSIONS["non_inverted"][0])
    result = grade_source("dropout", source, hidden=False)
    checks = only_checks(result, CODE_CHECKS)
    for backend in ("numpy", "torch"):
        assert checks[f"keep_rate_is_one_minus_p_{backend}"].status is Status.PASSED
        assert checks[f"drops_are_independent_{backend}"].status is Status.PASSED
        assert "about 1−p" in checks[f"mean_is_preserved_{backend}"].message


def lost(result, names) -> set[str]:
    """The checks among ``names`` that did not pass."""
    return {r.name for r in only_checks(result, names).values() if r.status is not Status.PASSED}


def test_numpy_path_slip_costs_numpy_points_only(grade_source):
    """A numpy Generator handed to torch in the numpy branch (issue 14): every torch-path
    and shared point is kept; only the numpy checks that draw a mask are lost."""
    slip = (NUMPY_MASK, "mask = (torch.rand(np.shape(x), generator=generator) < keep).numpy()")
    result = grade_source("dropout", apply_edits("dropout", (slip,)))
    assert_no_errored(result)
    assert lost(result, TORCH_CHECKS | SHARED_CHECKS) == set()
    # generator=None reaches torch.rand(generator=None), which works: that check keeps its point.
    assert lost(result, NUMPY_CHECKS) == NUMPY_CHECKS - {"works_without_a_generator_numpy"}
    code = only_checks(result, CODE_CHECKS).values()
    numpy_points = sum(r.max_points for r in only_checks(result, NUMPY_CHECKS).values())
    assert sum(r.max_points - r.points for r in code) == numpy_points - 1


def test_torch_path_slip_keeps_every_numpy_point(grade_source):
    slip = (TORCH_MASK, "mask = torch.rand(x.shape, device=x.device, generator=0) < keep")
    result = grade_source("dropout", apply_edits("dropout", (slip,)))
    assert_no_errored(result)
    assert lost(result, NUMPY_CHECKS | SHARED_CHECKS) == set()
    assert "values_zero_or_scaled_torch" in lost(result, TORCH_CHECKS)


@pytest.mark.parametrize(
    ("backend", "in_place"),
    [
        ("numpy", "if isinstance(x, np.ndarray):\n        x *= mask\n        x /= keep\n"
                  "        return x\n    return x * mask / keep"),
        ("torch", "if torch.is_tensor(x):\n        with torch.no_grad():\n"
                  "            x.mul_(mask).div_(keep)\n        return x\n"
                  "    return x * mask / keep"),
    ],
)  # fmt: skip
def test_modifying_x_in_place_in_one_backend_costs_that_backends_check(
    grade_source, backend, in_place
):
    result = grade_source("dropout", apply_edits("dropout", ((SCALE, in_place),)), hidden=False)
    checks = only_checks(result, CODE_CHECKS)
    other = "torch" if backend == "numpy" else "numpy"
    assert checks[f"input_not_modified_{backend}"].status is Status.FAILED
    assert "x after dropout" in checks[f"input_not_modified_{backend}"].message
    assert checks[f"input_not_modified_{other}"].status is Status.PASSED


def test_detached_dropout_fails_the_training_check(grade_source):
    edits = ((
        "return dropout(x, self.p, self.training)",
        "return dropout(x, self.p, self.training).detach()",
    ),)  # fmt: skip
    result = grade_source("dropout", apply_edits("dropout", edits), hidden=False)
    checks = only_checks(result, CODE_CHECKS)
    assert checks["network_with_dropout_trains"].status is Status.FAILED
    assert "held-out" in checks["network_with_dropout_trains"].message


HEADER = """
import math
import numpy as np
import torch
from torch import nn


def _p(p):
    if not (0 <= p <= 1):  # nan compares false
        raise ValueError(f"bad p {p}")
    return float(p)


class Dropout(nn.Module):
    def __init__(self, p=0.5):
        super().__init__()
        self.p = _p(p)

    def forward(self, x):
        if not self.training:
            return x
        return dropout(x, self.p, True)
"""

CORRECT_VERSIONS = {
    "bernoulli_and_binomial": """
def dropout(x, p, training=True, generator=None):
    p = _p(p)
    if not training or p == 0:
        return x
    if p == 1:
        return x * 0
    if isinstance(x, torch.Tensor):
        mask = torch.bernoulli(torch.full_like(x, 1 - p), generator=generator)
        return x * mask / (1 - p)
    rng = generator or np.random.default_rng()
    mask = rng.binomial(1, 1 - p, size=x.shape).astype(bool)
    return x * mask / (1 - p)
""",
    "where_and_uniform_at_least_p": """
def dropout(x, p, training=True, generator=None):
    p = _p(p)
    if not training or p == 0:
        return x
    if isinstance(x, torch.Tensor):
        u = x.new_empty(x.shape).uniform_(0, 1, generator=generator)
        if p == 1:
            return x * 0
        return torch.where(u >= p, x / (1 - p), torch.zeros_like(x))
    rng = generator if generator is not None else np.random.default_rng()
    u = rng.uniform(size=x.shape)
    if p == 1:
        return np.zeros_like(x)
    return np.where(u >= p, x / (1 - p), 0).astype(x.dtype)
""",
    "masked_fill_and_scale_cast": """
def dropout(x, p, training=True, generator=None):
    p = _p(p)
    if not training or p == 0:
        return x
    keep = 1.0 - p
    if isinstance(x, torch.Tensor):
        drop = torch.rand(x.shape, generator=generator, device=x.device) < p
        scaled = x * (1.0 / keep) if keep > 0 else x * 0.0
        return scaled.masked_fill(drop, 0.0)
    rng = np.random.default_rng() if generator is None else generator
    mask = rng.random(x.shape) >= p
    scale = (mask / keep).astype(x.dtype) if keep > 0 else np.zeros(x.shape, x.dtype)
    return x * scale
""",
    "bernoulli_inplace_on_a_copy": """
def dropout(x, p, training=True, generator=None):
    p = _p(p)
    if not training or p == 0:
        return x
    if torch.is_tensor(x):
        mask = torch.empty_like(x).bernoulli_(1 - p, generator=generator)
        out = x.clone() * mask
        return out / (1 - p) if p < 1 else out
    out = np.array(x, copy=True)
    gen = generator if generator is not None else np.random.default_rng(0)
    out[gen.random(out.shape) < p] = 0
    if p < 1:
        out /= 1 - p
    return out
""",
}


@pytest.mark.parametrize("name", sorted(CORRECT_VERSIONS))
def test_differently_written_correct_version_scores_full_marks(grade_source, name):
    source = textwrap.dedent(HEADER) + CORRECT_VERSIONS[name]
    assert_full_marks(grade_source("dropout", source))


def load_bench():
    """bench/dropout_repeatability.py: it runs the checks' statistical tests in-process."""
    spec = importlib.util.spec_from_file_location(
        "dropout_repeatability", REPO / "bench" / "dropout_repeatability.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_statistical_checks_never_fail_the_reference_over_50_seeds():
    bench = load_bench()
    reference = COURSE.reference("dropout")
    failures = [f for seed in range(1000, 1050) for f in bench.run_once(reference, seed)]
    assert failures == []


def test_repeatability_harness_catches_a_shared_mask():
    """The harness is not vacuous: the same tests fail a mask shared across rows."""
    bench = load_bench()
    source = apply_edits("dropout", WRONG_VERSIONS["mask_shared_across_rows"][0])
    module = types.ModuleType("shared_mask")
    exec(compile(source, "shared_mask.py", "exec"), module.__dict__)  # our own test text
    failures = bench.run_once(module, 0)
    assert any(f.startswith("drops_are_independent") for f in failures), failures


def test_statistical_checks_state_their_false_failure_budget():
    tests = load_bench().statistical_tests()
    assert all(t.false_failure <= 1e-7 for t in tests.values())
    assert 2 * cases.MODULE_BUDGET <= 1e-7


QUIZ = ("mean_inverted", "variance_inverted", "mean_plain")


def answers(mean_inverted: str, variance_inverted: str, mean_plain: str) -> str:
    return (
        f'mean_inverted = "{mean_inverted}"\nvariance_inverted = "{variance_inverted}"\n'
        f'mean_plain = "{mean_plain}"\n'
    )


def test_quiz_accepts_equivalent_forms(grade_source):
    text = answers("x*(1-p)/(1-p)", "x^2/(1 - p) - x^2", "x - p*x")
    result = grade_source("dropout", None, answers=text)
    quiz = only_checks(result, QUIZ)
    assert set(quiz) == set(QUIZ)
    assert not_passed(quiz.values()) == []


def test_quiz_usual_wrong_answers_lose_points_with_a_method_hint(grade_source):
    text = answers("(1-p)*x", "p*(1-p)*x^2", "x")
    quiz = only_checks(grade_source("dropout", None, answers=text), QUIZ)
    assert all(r.status is Status.FAILED for r in quiz.values())
    assert "value × probability" in quiz["mean_inverted"].message
    assert "E[x′²] − E[x′]²" in quiz["variance_inverted"].message
    assert "a kept element stays x" in quiz["mean_plain"].message


def test_quiz_template_scores_zero_without_errors(grade_source):
    template = (REPO / "answers" / "dropout.toml").read_text(encoding="utf-8")
    result = grade_source("dropout", stub_text("dropout"), answers=template)
    assert_no_errored(result)
    assert sum(r.points for r in only_checks(result, QUIZ).values()) == 0


@pytest.mark.parametrize(
    ("facts", "fails"),
    [
        ({"device": "meta", "dtype": "torch.float32", "shape": [4, 5]}, False),
        ({"raised": "RuntimeError", "message": "Tensor on device cpu is not on the expected "
          "device meta!"}, True),
        ({"device": "cpu", "dtype": "torch.float32", "shape": [4, 5]}, True),
        ({"device": "meta", "dtype": "torch.float64", "shape": [4, 5]}, True),
        # masked_fill with a 0-dim value tensor: CUDA accepts it, so no verdict from meta.
        ({"raised": "RuntimeError", "message": "Expected `value` to be on same device as `a`"},
         False),
        ({"raised": "RuntimeError", "message": "Tensor.item() cannot be called on meta tensors"},
         False),
    ],
)  # fmt: skip
def test_meta_device_verdicts(facts, fails):
    from grader.course.dropout.judging import judge_meta_facts
    from grader.outcomes import CheckFailed

    if fails:
        with pytest.raises(CheckFailed, match=r"meta|dtype"):
            judge_meta_facts(facts, "float32", "dropout(meta)")
    else:
        judge_meta_facts(facts, "float32", "dropout(meta)")


def test_independence_test_fails_masks_shared_along_any_axis():
    from grader.course.dropout.stat_tests import expect_independent
    from grader.outcomes import CheckFailed

    rng = np.random.default_rng(0)
    expect_independent((rng.random((20, 30, 40)) < 0.5).astype(float), 0.5, "ok", 1e-7)
    for shape, reps in (
        ((1, 30, 40), (20, 1, 1)),
        ((20, 1, 40), (1, 30, 1)),
        ((20, 30, 1), (1, 1, 40)),
    ):
        shared = np.tile((rng.random(shape) < 0.5).astype(float), reps)
        with pytest.raises(CheckFailed, match="dropped alike"):
            expect_independent(shared, 0.5, "shared", 1e-7)
