"""Gradescope's documented results.json fields, as a validator the tests share.

From https://gradescope-autograders.readthedocs.io/en/latest/specs/ ("Output format", "Test
case status", "Controlling Test Case Visibility", "Output String Formatting"); the same text
is in github.com/gradescope/autograder_samples, docs/specs.md.
"""

from __future__ import annotations

import numbers

from grader.report.gradescope import VISIBILITIES

FORMATS = {"text", "html", "simple_format", "md", "ansi"}
TOP_LEVEL = {
    "score": numbers.Real,
    "execution_time": numbers.Real,
    "output": str,
    "output_format": str,
    "test_output_format": str,
    "test_name_format": str,
    "visibility": str,
    "stdout_visibility": str,
    "extra_data": dict,
    "tests": list,
    "leaderboard": list,
}
TEST_FIELDS = {
    "score": numbers.Real,
    "max_score": numbers.Real,
    "status": str,
    "name": str,
    "name_format": str,
    "number": str,
    "output": str,
    "output_format": str,
    "tags": list,
    "visibility": str,
    "extra_data": dict,
}


def validate(results: dict) -> None:
    """Raise AssertionError unless ``results`` follows Gradescope's results.json spec."""
    assert set(results) <= set(TOP_LEVEL), set(results) - set(TOP_LEVEL)
    assert "score" in results or all("score" in t for t in results["tests"])
    for key, kind in TOP_LEVEL.items():
        assert key not in results or isinstance(results[key], kind), key
    for key in ("visibility", "stdout_visibility"):
        assert results.get(key, "visible") in VISIBILITIES
    assert results.get("output_format", "text") in FORMATS
    for test in results.get("tests", []):
        assert set(test) <= set(TEST_FIELDS), set(test) - set(TEST_FIELDS)
        for key, kind in TEST_FIELDS.items():
            assert key not in test or isinstance(test[key], kind), key
        assert test.get("status", "passed") in ("passed", "failed")
        assert test.get("visibility", "visible") in VISIBILITIES
        assert test.get("name_format", "text") in FORMATS
        assert test.get("output_format", "text") in FORMATS
        assert all(isinstance(tag, str) for tag in test.get("tags", []))
