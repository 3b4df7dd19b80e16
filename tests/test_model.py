"""ExerciseResult's accounting: what counts in the score, what is graded later, what passes,
and the JSON it becomes (its checks as Gradescope tests add up to its full marks)."""

from __future__ import annotations

import pytest

from grader.model import CheckResult, ExerciseResult, Status, Visibility
from grader.report.gradescope import exercise_tests


def check(name: str, status: Status, points: float, max_points: float) -> CheckResult:
    return CheckResult(name, f"{name} title", points, max_points, status, Visibility.PUBLIC)


CODE = (check("counts", Status.PASSED, 5, 5), check("expr", Status.PASSED, 3, 3))
QUIZ_LATER = (check("formula", Status.DEFERRED, 0, 4), check("choice", Status.DEFERRED, 0, 3))


def test_deferred_results_are_neither_earned_nor_lost_and_their_points_are_reported():
    result = ExerciseResult("ex4_5", CODE + QUIZ_LATER, hidden_not_run=5)
    assert (result.score, result.max_score, result.deferred_points) == (8, 8, 7)
    assert result.all_passed


@pytest.mark.parametrize("status", [Status.FAILED, Status.SKIPPED, Status.ERRORED])
def test_a_scored_result_that_did_not_pass_is_a_loss_beside_deferred_ones(status):
    result = ExerciseResult("ex4_5", (*CODE, check("formula", status, 0, 4), QUIZ_LATER[1]))
    assert (result.score, result.max_score, result.deferred_points) == (8, 12, 3)
    assert not result.all_passed


def test_only_needs_person_and_deferred_are_not_scored():
    assert {s for s in Status if not s.scored} == {Status.NEEDS_PERSON, Status.DEFERRED}


def test_json_tests_add_up_to_full_marks_and_unscored_ones_have_no_status():
    result = ExerciseResult(
        "ex4_5", (*CODE, *QUIZ_LATER, check("essay", Status.NEEDS_PERSON, 0, 2))
    )
    data = result.to_dict()
    tests = exercise_tests(result)
    assert (data["score"], data["max_score"], data["deferred_points"]) == (8, 8, 7)
    assert data["full_marks"] == 8 + 2  # the essay waits for a person; deferred ones do not count
    assert sum(t["max_score"] for t in tests) == data["full_marks"]
    essay = {t["extra_data"]["check"]: t for t in tests}["essay"]
    assert "status" not in essay and essay["max_score"] == 2
    later = {t["extra_data"]["check"]: t for t in tests}["formula"]
    assert "status" not in later and later["extra_data"]["outcome"] == "deferred"
    assert {t["status"] for t in tests if "status" in t} == {"passed"}
    assert ExerciseResult.from_dict(data) == result
