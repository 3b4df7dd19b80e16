"""Overrides and late penalties: applied once, per the policy, kept across regrades; a student
who could not be graded is completed to the class's full marks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from grader.batch.adjust import adjust, check_points, class_results, complete, find_check
from grader.batch.gradebook import Gradebook, GradedSubmission, Override
from grader.deadlines import Deadlines, LatePolicy
from grader.errors import UsageError
from grader.model import CheckResult, ExerciseResult, Status, Visibility

SHANGHAI = timezone(timedelta(hours=8))
DUE = datetime(2025, 3, 14, 23, 59, tzinfo=SHANGHAI)
POLICY = Deadlines(
    {"ex4_5": LatePolicy(DUE, penalty_per_day=0.1, max_penalty=0.25, grace=timedelta(minutes=15))}
)


def check(name, status, points, max_points, visibility=Visibility.PUBLIC):
    return CheckResult(name, f"{name} title", points, max_points, status, visibility, "msg")


def ex4_5(counts=Status.PASSED) -> ExerciseResult:
    earned = 6.0 if counts is Status.PASSED else 0.0
    return ExerciseResult(
        "ex4_5", (check("counts", counts, earned, 6), check("expr", Status.PASSED, 4, 4))
    )


def ex4_7() -> ExerciseResult:
    return ExerciseResult(
        "ex4_7",
        (check("reason", Status.PASSED, 1, 1), check("essay", Status.NEEDS_PERSON, 0, 2)),
    )


def graded(student="alice", exercises=None, submitted_at="", problems=(), sub_id=1):
    exercises = (ex4_5(), ex4_7()) if exercises is None else exercises
    return GradedSubmission(sub_id, student, "h", "1.0", "2025-03-20T00:00:00+00:00", "cpu", "",
                            tuple(problems), tuple(exercises), submitted_at)  # fmt: skip


def override(check_name, points, exercise="ex4_7", student="alice", override_id=1, reason="ok"):
    return Override(override_id, student, exercise, check_name, points, reason, "prof",
                    "2025-03-21T10:00:00+00:00")  # fmt: skip


def late_by(delta: timedelta) -> str:
    return (DUE + delta).isoformat()


def test_an_override_gives_a_free_text_answer_its_points_and_says_who_when_why():
    sub = adjust(graded(), [override("essay", 1.5, reason="clear, one step missing")])
    essay = sub.exercise("ex4_7").results[1]
    assert (essay.points, essay.status) == (1.5, Status.FAILED)  # scored now, not full marks
    assert essay.message.startswith("instructor: 1.5/2 (clear, one step missing)")
    assert (sub.score, sub.max_score) == (12.5, 13)
    [line] = sub.adjustments
    assert line.kind == "override" and line.penalty == 0
    assert "1.5/2 points set by prof on 2025-03-21 (was not scored): clear, one step missing" in (
        line.text
    )


def test_the_newest_override_of_a_check_is_the_one_in_force():
    older, newer = override("essay", 0.5, override_id=1), override("essay", 2, override_id=7)
    sub = adjust(graded(), [newer, older])
    assert sub.exercise("ex4_7").results[1].points == 2 and sub.exercise("ex4_7").all_passed
    assert len(sub.adjustments) == 1


def test_an_override_of_a_check_that_is_not_there_is_reported_not_applied():
    sub = adjust(graded(), [override("gone", 1)])
    assert sub.score == 11 and "not applied: no such check" in sub.adjustments[0].text


@pytest.mark.parametrize(
    ("delta", "days", "penalty"),
    [
        (timedelta(minutes=-1), 0, 0.0),  # on time
        (timedelta(minutes=15), 0, 0.0),  # within grace
        (timedelta(minutes=16), 1, 1.0),  # a started day is a day: 10% of 10
        (timedelta(days=1, minutes=1), 2, 2.0),
        (timedelta(days=9), 9, 2.5),  # capped at 25%
    ],
)
def test_the_late_penalty_follows_the_policy(delta, days, penalty):
    sub = adjust(graded(submitted_at=late_by(delta)), [], POLICY)
    assert sub.score == 11 - penalty
    assert sub.exercise_score("ex4_5") == 10 - penalty and sub.exercise_score("ex4_7") == 1
    assert sub.exercise("ex4_5").score == 10  # the checks keep their points: taken off once
    if days:
        [late] = sub.adjustments
        assert (late.kind, late.penalty, late.exercise) == ("late", penalty, "ex4_5")
        assert f"{days} day{'s' * (days != 1)} after the due time" in late.text
    else:
        assert sub.adjustments == ()


def test_the_penalty_is_a_fraction_of_the_points_after_overrides():
    sub = graded(exercises=(ex4_5(Status.FAILED),), submitted_at=late_by(timedelta(hours=2)))
    adjusted = adjust(sub, [override("counts", 6, exercise="ex4_5")], POLICY)
    assert adjusted.exercise_score("ex4_5") == pytest.approx(9.0)  # (6 + 4) - 10%
    assert [a.kind for a in adjusted.adjustments] == ["override", "late"]


def test_adjusting_twice_is_refused_so_a_penalty_is_never_taken_twice():
    once = adjust(graded(submitted_at=late_by(timedelta(hours=2))), [], POLICY)
    with pytest.raises(ValueError, match="adjusted already"):
        adjust(once, [], POLICY)


def test_a_zip_time_without_a_zone_is_read_in_the_due_dates_zone():
    local = (DUE + timedelta(hours=1)).replace(tzinfo=None).isoformat()  # 00:59 in Shanghai
    assert adjust(graded(submitted_at=local), [], POLICY).score == 10  # one day late
    utc = (DUE + timedelta(hours=1)).astimezone(UTC).isoformat()
    assert adjust(graded(submitted_at=utc), [], POLICY).score == 10


def test_no_penalty_without_a_known_time_or_a_due_date():
    assert adjust(graded(submitted_at=""), [], POLICY).score == 11
    assert adjust(graded(submitted_at="yesterday"), [], POLICY).score == 11
    late_ex4_7_only = Deadlines({"ex4_7": LatePolicy(DUE - timedelta(days=1), 1.0)})
    assert adjust(graded(submitted_at=DUE.isoformat()), [], late_ex4_7_only).score == 10


def test_a_student_who_could_not_be_graded_is_completed_to_the_class_full_marks():
    broken = graded("bob", exercises=(), problems=["bob.zip: not a readable zip archive"])
    template = {"ex4_5": ex4_5(), "ex4_7": ex4_7()}
    filled = complete(broken, template)
    assert (filled.score, filled.max_score) == (0, 13)  # the essay's 2 points count, unscored
    counts = filled.exercise("ex4_5").results[0]
    assert counts.status is Status.FAILED and counts.message == (
        "not graded: bob.zip: not a readable zip archive"
    )
    assert filled.general_problems == ("bob.zip: not a readable zip archive",)
    assert complete(graded(), template) == graded()


def test_find_check_takes_a_name_or_exercise_colon_name_and_says_what_exists():
    sub = graded()
    assert find_check(sub, "essay")[0] == "ex4_7"
    assert find_check(sub, "ex4_5:counts")[1].name == "counts"
    with pytest.raises(UsageError, match=r"its checks: .*ex4_7:essay"):
        find_check(sub, "esay")
    with pytest.raises(UsageError, match="worth 0 to 2 points"):
        check_points(sub.exercise("ex4_7").results[1], 2.5)
    with pytest.raises(UsageError):
        check_points(sub.exercise("ex4_7").results[1], float("nan"))


def test_an_override_survives_a_regrade_in_the_gradebook(tmp_path):
    with Gradebook(tmp_path / "c.db") as book:
        book.record("alice", "h1", "1.0", [ex4_5(Status.FAILED), ex4_7()])
        book.add_override("alice", "ex4_7", "essay", 2, "insightful", "prof")
        book.record("alice", "h2", "1.0", [ex4_5(), ex4_7()])  # a regrade: a new row
        [alice] = class_results(book)
        assert len(book.history("alice")) == 2
        recorded = book.overrides("alice")
    assert alice.exercise("ex4_7").results[1].points == 2
    assert (alice.score, alice.max_score) == (13, 13)
    assert recorded[0].author == "prof" and recorded[0].reason == "insightful"
    assert datetime.fromisoformat(recorded[0].created_at).tzinfo is not None
