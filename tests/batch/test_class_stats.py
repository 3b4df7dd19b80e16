"""Class statistics: distributions per exercise and the most-failed checks."""

from __future__ import annotations

from grader.batch.gradebook import GradedSubmission
from grader.batch.stats import (
    course_max_scores,
    exercise_columns,
    exercise_stats,
    format_stats,
    histogram,
    most_failed_checks,
)
from grader.model import CheckResult, ExerciseResult, Status, Visibility


def check(name: str, status: Status, points: float = 1.0) -> CheckResult:
    earned = points if status is Status.PASSED else 0.0
    return CheckResult(name, f"{name} works", earned, points, status, Visibility.PUBLIC)


def graded(student: str, *exercises: ExerciseResult, problems=()) -> GradedSubmission:
    return GradedSubmission(
        id=1,
        student_id=student,
        content_hash="h",
        grader_version="1.0",
        graded_at="2024-01-01T00:00:00+00:00",
        device="cpu",
        isolation="",
        problems=tuple(problems),
        exercises=exercises,
    )


def ex(exercise: str, *statuses: Status) -> ExerciseResult:
    return ExerciseResult(exercise, tuple(check(f"c{i}", s) for i, s in enumerate(statuses)))


P, F, S, E = Status.PASSED, Status.FAILED, Status.SKIPPED, Status.ERRORED

CLASS = [
    graded("a", ex("ex1", P, P, P, P), ex("ex2", P, P)),
    graded("b", ex("ex1", P, P, F, F), ex("ex2", F, S)),
    graded("c", ex("ex1", P, F, F, F)),
    graded("d", problems=["d.zip: not a readable zip archive"]),
]


def test_distribution_counts_missing_exercises_as_zero():
    ex1, ex2 = exercise_stats(CLASS)
    assert (ex1.exercise, ex1.n, ex1.missing, ex1.max_score) == ("ex1", 4, 1, 4.0)
    assert (ex1.mean, ex1.median, ex1.minimum, ex1.maximum) == (1.75, 1.5, 0.0, 4.0)
    assert (ex2.n, ex2.missing, ex2.max_score, ex2.mean, ex2.median) == (4, 2, 2.0, 0.5, 0.0)


def test_histogram_bins_cover_zero_to_max_and_the_max_lands_in_the_last_bin():
    assert histogram([0, 1, 2, 3, 4], 4, bins=4) == (1, 1, 1, 2)
    assert histogram([0.5, 9.99, 10], 10, bins=10) == (1, 0, 0, 0, 0, 0, 0, 0, 0, 2)
    assert histogram([1, 2], 0, bins=3) == (2, 0, 0)
    assert histogram([-1, 11], 10, bins=2) == (1, 1)


def test_most_failed_checks_are_ranked_and_skips_do_not_count():
    failed = most_failed_checks(CLASS)
    assert [(f.exercise, f.name, f.failed, f.graded) for f in failed] == [
        ("ex1", "c2", 2, 3),
        ("ex1", "c3", 2, 3),
        ("ex1", "c1", 1, 3),
        ("ex2", "c0", 1, 2),  # ex2's c1 was only skipped: not a failure of its own
    ]
    assert failed[0].rate == 2 / 3 and failed[0].title == "c2 works"
    assert most_failed_checks(CLASS, top=1) == failed[:1]


def test_grader_errors_are_counted_apart_from_failures():
    broken = [graded("a", ex("ex1", E, F)), graded("b", ex("ex1", E, F))]
    [only] = most_failed_checks(broken)
    assert (only.name, only.failed, only.errored) == ("c1", 2, 0)


def test_columns_follow_the_given_order_then_the_rest_sorted():
    assert exercise_columns(CLASS) == ["ex1", "ex2"]
    assert exercise_columns(CLASS, ["ex2", "ex9"]) == ["ex2", "ex9", "ex1"]
    assert course_max_scores(CLASS) == {"ex1": 4.0, "ex2": 2.0}


def test_text_report_shows_each_exercise_its_histogram_and_the_failed_checks():
    text = format_stats(CLASS)
    assert "ex1 (out of 4)  n=4 (missing 1):  mean 1.75  median 1.5  min 0  max 4" in text
    assert "ex2 (out of 2)  n=4 (missing 2):" in text
    assert text.count("|") == 20  # ten histogram rows per exercise
    assert "most-failed checks:" in text and "ex1:c2  c2 works" in text


def test_an_empty_class_has_an_empty_report():
    assert exercise_stats([]) == [] and most_failed_checks([]) == []
    assert format_stats([]) == "no graded submissions yet\n"
    assert format_stats([graded("a", ex("ex1", P))]).endswith("most-failed checks: none failed\n")
