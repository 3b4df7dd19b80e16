"""Gradescope results.json: every file validates against the fields of Gradescope's spec."""

from __future__ import annotations

import dataclasses
import json

import pytest
from gradescope_spec import validate

from grader.batch.gradebook import GradedSubmission
from grader.model import CheckResult, ExerciseResult, Status, Visibility
from grader.report.feedback import HIDDEN_NOTE
from grader.report.gradescope import gradescope_results, write_gradescope


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
    assert sum(t["score"] for t in results["tests"]) == results["score"]
    assert sum(t["max_score"] for t in results["tests"]) == results["extra_data"]["max_score"] == 9
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
    assert "status" not in tests["why"] and tests["why"]["max_score"] == 2  # in the full marks
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
        "Total: 2/9",
        "ex4_5: 2/6",
        "ex4_7: 0/3",
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


def test_a_student_who_could_not_be_graded_gets_every_test_at_zero_and_the_class_max():
    from grader.batch.adjust import class_template, complete

    broken = graded("bob", (), ("bob.zip: not a readable zip archive",))
    results = gradescope_results(complete(broken, class_template([graded()])))
    validate(results)
    assert results["score"] == 0 and len(results["tests"]) == 5
    assert (
        sum(t["max_score"] for t in results["tests"])
        == 9
        == gradescope_results(graded())["extra_data"]["max_score"]
    )
    assert all(t["output"].startswith("not graded: bob.zip") for t in results["tests"][:1])


def test_a_late_penalty_is_one_negative_test_and_the_scores_still_add_up():
    from datetime import datetime, timedelta

    from grader.batch.adjust import adjust
    from grader.deadlines import Deadlines, LatePolicy

    due = datetime.fromisoformat("2024-01-01T00:00:00+00:00")
    policy = Deadlines({"ex4_5": LatePolicy(due, penalty_per_day=0.5)})
    late = dataclasses.replace(graded(), submitted_at=(due + timedelta(hours=1)).isoformat())
    results = gradescope_results(adjust(late, [], policy))
    validate(results)
    [penalty] = [t for t in results["tests"] if t["score"] < 0]
    assert (penalty["name"], penalty["score"], penalty["number"]) == (
        "ex4_5: late penalty",
        -1,
        "1.4",
    )
    assert results["score"] == 1 == sum(t["score"] for t in results["tests"])
    assert results["output"].count("late: handed in") == 1


def test_grade_json_uses_the_same_serializer_and_grade_all_json_is_a_valid_results_json():
    from grader.cli import _json_report

    one = _json_report([RESULTS[0]], all_exercises=False)
    assert (
        one["tests"]
        == gradescope_results(graded(exercises=RESULTS[:1]), disclose_hidden=True)["tests"]
    )
    assert one["max_score"] == sum(t["max_score"] for t in one["tests"]) == 6
    every = _json_report(list(RESULTS), all_exercises=True)
    validate(every)
    assert every["score"] == 2 == sum(t["score"] for t in every["tests"])
    assert every["extra_data"]["max_score"] == 7
    assert [e["exercise"] for e in every["extra_data"]["exercises"]] == ["ex4_5", "ex4_7"]
