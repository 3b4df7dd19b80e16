"""The public author API is exactly what `grader.__all__` lists, and every name resolves
(modelled on httpx's tests/test_exported_members.py): a name added or removed by accident
fails here, so the surface stays small and deliberate."""

from __future__ import annotations

import subprocess
import sys

import grader

AUTHOR_API = {
    "BooleanQuestion",
    "Check",
    "CheckFailed",
    "CheckSet",
    "Choice",
    "ChoiceQuestion",
    "Domain",
    "FreeTextQuestion",
    "Mismatch",
    "NumericQuestion",
    "Question",
    "StudentCode",
    "StudentCodeFailed",
    "StudentCrashed",
    "StudentImportFailed",
    "StudentRaised",
    "StudentTimeout",
    "SympyText",
    "SymbolicQuestion",
    "TensorData",
    "Unsupported",
    "Visibility",
    "binomial_acceptance",
    "binomial_pmf",
    "bounded_mean_tolerance",
    "call_text",
    "describe",
    "device_name",
    "dtype_name",
    "expect_close",
    "expect_equal",
    "expect_number",
    "fail",
    "kind_of",
    "like",
    "load_reference",
    "normal_mean_tolerance",
    "std_ratio_acceptance",
}


def test_all_lists_exactly_the_author_api():
    assert set(grader.__all__) == AUTHOR_API


def test_every_exported_name_resolves_to_its_defining_object():
    for name in grader.__all__:
        value = getattr(grader, name)
        assert getattr(value, "__name__", name) == name, name


def test_an_unknown_name_is_an_attribute_error():
    try:
        grader.not_a_member  # noqa: B018
    except AttributeError as exc:
        assert "not_a_member" in str(exc)
    else:
        raise AssertionError("grader.not_a_member resolved")


def test_importing_grader_does_not_import_the_heavy_libraries():
    code = "import sys, grader; print(sorted({'torch', 'sympy', 'numpy'} & set(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_a_failed_comparison_is_a_structured_mismatch():
    try:
        grader.fail("softmax(z)", "rows summing to 1", "a row summing to 0.5", "subtract the max")
    except grader.Mismatch as exc:
        assert (exc.where, exc.expected, exc.actual, exc.hint) == (
            "softmax(z)",
            "rows summing to 1",
            "a row summing to 0.5",
            "subtract the max",
        )
        assert str(exc) == (
            "softmax(z): expected rows summing to 1, got a row summing to 0.5 (subtract the max)"
        )
        assert isinstance(exc, grader.CheckFailed)
    else:
        raise AssertionError("fail() did not raise")
