"""Class statistics: distributions per exercise over the graded students (missing and errored
counted apart, never as zeros), check difficulty, and the most-failed checks, all with the
same denominators."""

from __future__ import annotations

from grader.batch.gradebook import GradedSubmission
from grader.batch.stats import (
    check_difficulty,
    exercise_columns,
    exercise_stats,
    format_stats,
    full_marks,
    histogram,
    most_failed_checks,
)
from grader.batch.validate import not_submitted
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


def test_the_distribution_is_over_graded_students_with_missing_and_errored_apart():
    ex1, ex2 = exercise_stats(CLASS)
    assert (ex1.exercise, ex1.n, ex1.missing, ex1.errored, ex1.students) == ("ex1", 3, 0, 1, 4)
    assert (ex1.mean, ex1.median, ex1.minimum, ex1.maximum) == (2.3333, 2, 1.0, 4.0)
    assert (ex2.n, ex2.missing, ex2.errored, ex2.max_score, ex2.mean) == (2, 1, 1, 2.0, 1.0)
    assert sum(ex1.histogram) == ex1.n and sum(ex2.histogram) == ex2.n


def test_an_exercise_not_submitted_is_missing_not_a_zero():
    absent = ExerciseResult(
        "ex1", (check("c0", F),), errors=(not_submitted("ex1"), "answers/ex1.toml: missing")
    )
    [ex1] = exercise_stats([graded("a", ex("ex1", P)), graded("b", absent)])
    assert (ex1.n, ex1.missing, ex1.mean) == (1, 1, 1.0)
    [c0] = check_difficulty([graded("a", ex("ex1", P)), graded("b", absent)])
    assert (c0.graded, c0.passed, c0.failed) == (1, 1, 0)


def test_the_difficulty_table_counts_each_outcome_over_the_graded_students():
    table = {(c.exercise, c.name): c for c in check_difficulty(CLASS)}
    c1 = table[("ex2", "c1")]
    assert (c1.graded, c1.passed, c1.failed, c1.skipped, c1.errored) == (2, 1, 0, 1, 0)
    assert table[("ex1", "c0")].pass_rate == 1.0 and table[("ex1", "c3")].rate == 2 / 3
    essay = CheckResult("essay", "essay", 0, 2, Status.NEEDS_PERSON, Visibility.PUBLIC)
    [row] = check_difficulty([graded("a", ExerciseResult("ex3", (essay,)))])
    assert (row.unscored, row.failed, row.passed) == (1, 0, 0)


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
    assert full_marks(CLASS) == {"ex1": 4.0, "ex2": 2.0}


def test_text_report_shows_the_class_each_exercise_its_checks_and_the_failed_checks():
    text = format_stats(CLASS)
    assert text.startswith("class: 4 students; 3 graded, 1 could not be graded (error rows)")
    assert (
        "ex1 (out of 4): 3 graded of 4 (missing 0, errored 1):  mean 2.33  median 2  min 1  max 4"
    ) in text
    assert "ex2 (out of 2): 2 graded of 4 (missing 1, errored 1):" in text
    assert text.count("|") == 20  # ten histogram rows per exercise
    assert "checks, each over the 3 graded:" in text and "checks, each over the 2 graded:" in text
    assert "most-failed checks (failed/graded):" in text and "ex1:c2  c2 works" in text
    assert "   2/3     67%  ex1:c2" in text  # the same denominator as the distribution


def test_stats_plot_writes_one_png_per_exercise(tmp_path):
    from grader.report.stats_plot import write_histograms

    paths = write_histograms(exercise_stats(CLASS), tmp_path / "plots")
    assert [p.name for p in paths] == ["ex1.png", "ex2.png"]
    assert all(p.read_bytes().startswith(b"\x89PNG\r\n\x1a\n") for p in paths)
    again = write_histograms(exercise_stats(CLASS), tmp_path / "again")
    assert [p.read_bytes() for p in again] == [p.read_bytes() for p in paths]  # reproducible


def test_an_empty_class_has_an_empty_report():
    assert exercise_stats([]) == [] and most_failed_checks([]) == []
    assert format_stats([]) == "no graded submissions yet\n"
    assert format_stats([graded("a", ex("ex1", P))]).endswith("most-failed checks: none failed\n")
