"""Gradescope results.json: every file validates against the fields of Gradescope's spec."""

from __future__ import annotations

import json
import numbers

import pytest

from grader.batch.gradebook import GradedSubmission
from grader.model import CheckResult, ExerciseResult, Status, Visibility
from grader.report.feedback import HIDDEN_NOTE
from grader.report.gradescope import VISIBILITIES, gradescope_results, write_gradescope

# https://gradescope-autograders.readthedocs.io/en/latest/specs/#output-format
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


def check(name, status, points, max_points, visibility=Visibility.PUBLIC, message="", output=""):
    return CheckResult(name, f"{name} title", points, max_points, status, visibility, message,
                       0.5, output)  # fmt: skip


SECRET = "param_count(9999, 300, 3): expected 123, got 99"
RESULTS = (
    ExerciseResult(
        "ex4_5",
        (
            check("counts", Status.PASSED, 2, 2),
            check("hidden_counts", Status.FAILED, 0, 3, Visibility.HIDDEN, SECRET, "debug"),
            check("uses_biases", Status.SKIPPED, 0, 1, message="skipped: counts failed"),
        ),
        execution_time=2.0,
    ),
    ExerciseResult(
        "ex4_7",
        (
            check("why", Status.NEEDS_PERSON, 0, 2, message="free text answer"),
            check("choice", Status.FAILED, 0, 1, message="expected B", output="hi\n"),
        ),
        execution_time=1.25,
        errors=("answers/ex4_7.toml: missing",),
    ),
)


def graded(student="alice", exercises=RESULTS, problems=()):
    return GradedSubmission(
        3, student, "abc", "1.0", "2024-01-01T00:00:00+00:00", "cpu", "", problems, exercises
    )


def test_results_validate_against_the_spec_and_scores_add_up():
    results = gradescope_results(graded())
    validate(results)
    assert results["score"] == 2 and results["execution_time"] == 3.25
    scored = [t for t in results["tests"] if "status" in t]
    assert sum(t["score"] for t in results["tests"]) == results["score"]
    assert sum(t["max_score"] for t in scored) == results["extra_data"]["max_score"] == 7
    assert [t["number"] for t in results["tests"]] == ["1.1", "1.2", "1.3", "2.1", "2.2"]


def test_each_test_maps_our_fields_to_gradescopes():
    tests = {t["extra_data"]["check"]: t for t in gradescope_results(graded())["tests"]}
    counts = tests["counts"]
    assert counts["name"] == "ex4_5: counts title" and counts["tags"] == ["ex4_5"]
    assert (counts["score"], counts["max_score"], counts["status"]) == (2, 2, "passed")
    assert counts["visibility"] == "visible"
    assert tests["uses_biases"]["status"] == "failed"  # skipped costs the points
    assert tests["uses_biases"]["extra_data"]["outcome"] == "skipped"
    assert tests["choice"]["output"] == "expected B\n--- your program printed ---\nhi"
    assert "status" not in tests["why"] and tests["why"]["max_score"] == 0
    assert "to be read by an instructor" in tests["why"]["output"]


def test_a_deferred_answer_is_not_scored_like_a_check_for_a_person():
    later = check("formula", Status.DEFERRED, 0, 4, message="scored when graded")
    exercises = (ExerciseResult("ex4_5", (check("counts", Status.PASSED, 2, 2), later)),)
    results = gradescope_results(graded(exercises=exercises))
    validate(results)
    test = results["tests"][1]
    assert "status" not in test and test["max_score"] == 0
    assert test["extra_data"]["outcome"] == "deferred"
    assert results["extra_data"]["max_score"] == 2


def test_hidden_checks_show_name_and_points_only_unless_disclosed():
    hidden = gradescope_results(graded())["tests"][1]
    assert hidden["name"] == "ex4_5: hidden_counts title"
    assert (hidden["score"], hidden["max_score"], hidden["visibility"]) == (0, 3, "after_published")
    assert hidden["output"] == HIDDEN_NOTE
    assert SECRET not in json.dumps(gradescope_results(graded()))
    disclosed = gradescope_results(graded(), "hidden", disclose_hidden=True)["tests"][1]
    assert disclosed["visibility"] == "hidden" and SECRET in disclosed["output"]
    assert "debug" in disclosed["output"]


def test_a_submission_that_could_not_be_graded_still_validates():
    results = gradescope_results(graded("bob", (), ("bob.zip: not a readable zip archive",)))
    validate(results)
    assert results["score"] == 0 and results["tests"] == []
    assert "Problem: bob.zip: not a readable zip archive" in results["output"]


def test_overall_output_lists_exercise_scores_and_errors():
    output = gradescope_results(graded())["output"]
    assert output.splitlines() == [
        "Total: 2/7",
        "ex4_5: 2/6",
        "ex4_7: 0/1",
        "  answers/ex4_7.toml: missing",
    ]


def test_one_results_json_per_student_under_its_own_folder(tmp_path):
    paths = write_gradescope([graded("alice"), graded("张三")], tmp_path / "results")
    assert paths == [tmp_path / "results" / s / "results.json" for s in ("alice", "张三")]
    for path in paths:
        validate(json.loads(path.read_text(encoding="utf-8")))
    assert sorted(p.name for p in paths[0].parent.iterdir()) == ["results.json"]


def test_unknown_visibility_is_refused():
    with pytest.raises(ValueError, match="visibility"):
        gradescope_results(graded(), hidden_visibility="secret")


def test_unsafe_long_and_case_twin_ids_get_their_own_folder_inside_the_output(tmp_path):
    ids = ["../escape", "a/b", "x" * 300, "Bob", "bob", "\udcff"]
    paths = write_gradescope([graded(s) for s in ids], tmp_path / "out")
    assert len({p.parent.name.casefold() for p in paths}) == len(ids)
    assert all(p.parent.parent == tmp_path / "out" and p.name == "results.json" for p in paths)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_results_are_valid_utf8_and_keep_text_that_is_not(tmp_path):
    lone = check("x", Status.FAILED, 0, 1, message="bad \udcff value", output="\udcff")
    sub = graded("eve", (ExerciseResult("ex4_5", (lone,)),), problems=("note \udcff",))
    [path] = write_gradescope([sub], tmp_path)
    data = json.loads(path.read_bytes().decode("utf-8"))  # strict UTF-8
    validate(data)
    assert data["tests"][0]["output"].startswith("bad \udcff value")  # lossless
    assert "Problem: note \udcff" in data["output"]
