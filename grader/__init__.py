"""grader: unforgeable auto-grading for deep-learning exercises.

The public author API, for the checks, probes and quizzes of a course (see
``docs/authoring.md``). Everything here is re-exported lazily, so ``import grader`` stays
cheap for the command line and the sandbox:

    from grader import CheckSet, Visibility, expect_close, fail

    checks = CheckSet("softmax_xent", Visibility.PUBLIC)

    @checks.check(points=2)
    def softmax_rows_sum_to_one(sub):
        \"\"\"softmax rows sum to 1 for logits up to ±1e4\"\"\"
        ...

Anything not listed in ``__all__`` is the engine's own and may change.
"""

from __future__ import annotations

import importlib
from typing import Any

#: Public name -> the module that defines it.
_EXPORTS: dict[str, str] = {
    # declaring checks
    "Check": "grader.registry",
    "CheckSet": "grader.registry",
    "Visibility": "grader.model",
    # the student's code, as a check sees it
    "StudentCode": "grader.judge.student",
    "call_text": "grader.judge.student",
    "TensorData": "grader.sandbox.values",
    "SympyText": "grader.sandbox.values",
    "Unsupported": "grader.sandbox.values",
    # comparing plain data, with messages that teach
    "expect_equal": "grader.judge.compare",
    "expect_close": "grader.judge.compare",
    "expect_number": "grader.judge.compare",
    "fail": "grader.judge.compare",
    "describe": "grader.judge.compare",
    "kind_of": "grader.judge.compare",
    "like": "grader.judge.compare",
    "dtype_name": "grader.judge.compare",
    "device_name": "grader.judge.compare",
    # how a check ends other than passing
    "CheckFailed": "grader.outcomes",
    "Mismatch": "grader.outcomes",
    "StudentCodeFailed": "grader.outcomes",
    "StudentRaised": "grader.outcomes",
    "StudentTimeout": "grader.outcomes",
    "StudentCrashed": "grader.outcomes",
    "StudentImportFailed": "grader.outcomes",
    # statistical checks with stated false-failure bounds
    "binomial_acceptance": "grader.judge.stats",
    "binomial_pmf": "grader.judge.stats",
    "bounded_mean_tolerance": "grader.judge.stats",
    "normal_mean_tolerance": "grader.judge.stats",
    "std_ratio_acceptance": "grader.judge.stats",
    # quiz questions
    "Question": "grader.quiz.questions",
    "SymbolicQuestion": "grader.quiz.questions",
    "NumericQuestion": "grader.quiz.questions",
    "Choice": "grader.quiz.questions",
    "ChoiceQuestion": "grader.quiz.questions",
    "BooleanQuestion": "grader.quiz.questions",
    "FreeTextQuestion": "grader.quiz.questions",
    "Domain": "grader.quiz.expr_parser",
    # instructor-only code (hidden checks)
    "load_reference": "grader.catalog",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'grader' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # resolved once
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
