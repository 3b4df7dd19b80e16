"""The terminal table: each check's mark and points, and a summary line that tells what was
scored here from what is graded when the work is submitted."""

from __future__ import annotations

from support import COURSE

from grader.model import CheckResult, ExerciseResult, Status, Visibility
from grader.report.terminal import render, render_total


def check(name: str, status: Status, points: float, max_points: float, message: str = ""):
    return CheckResult(
        name, f"{name} title", points, max_points, status, Visibility.PUBLIC, message
    )


LATER = "answer read and parses; it is scored when your submission is graded"
HANDOUT_RUN = ExerciseResult(
    "ex4_5",
    (
        check("counts", Status.PASSED, 5, 5),
        check("expr", Status.PASSED, 3, 3),
        check("formula", Status.DEFERRED, 0, 4, LATER),
        check("choice", Status.DEFERRED, 0, 3, LATER),
    ),
    hidden_not_run=5,
)


def summary(result: ExerciseResult) -> str:
    return render(result, COURSE.find("ex4_5")).splitlines()[-1]


def test_a_clean_local_run_reads_full_marks_and_what_is_graded_later():
    assert summary(HANDOUT_RUN).startswith(
        "  Score: 8/8 on what runs here; 7 quiz points and 5 hidden checks are graded when you"
        " submit   device: cpu"
    )


def test_a_deferred_answer_is_marked_later_with_no_points_claimed():
    lines = render(HANDOUT_RUN, COURSE.find("ex4_5")).splitlines()
    formula = next(line for line in lines if "formula title" in line)
    assert formula.split()[:2] == ["later", "?/4"]
    assert LATER in "\n".join(lines)  # its message says what happens to it
    assert "FAIL" not in "\n".join(lines)


def test_the_summary_names_one_thing_graded_later_in_the_singular():
    one_hidden = ExerciseResult("ex4_5", (check("counts", Status.PASSED, 5, 5),), hidden_not_run=1)
    assert "Score: 5/5 on what runs here; 1 hidden check is graded when you submit" in (
        summary(one_hidden)
    )


def test_when_everything_was_graded_here_the_summary_is_the_plain_score():
    graded = ExerciseResult(
        "ex4_5", (check("counts", Status.PASSED, 5, 5), check("f", Status.FAILED, 0, 4))
    )
    assert summary(graded).startswith("  Score: 5/9   device:")


def test_the_total_over_exercises_adds_what_is_graded_later():
    assert render_total([HANDOUT_RUN, HANDOUT_RUN]) == (
        "Total: 16/16 over 2 exercises on what runs here; 14 quiz points and 10 hidden checks"
        " are graded when you submit"
    )


def test_student_text_cannot_reach_the_terminal_as_escape_sequences():
    evil = "bad \x1b]0;owned\x07 \udcff\rhidden"
    result = ExerciseResult("ex4_5", (check("x", Status.FAILED, 0, 1, evil),), errors=(evil,))
    text = render(result, COURSE.find("ex4_5"))
    text.encode("utf-8")  # printable on a strict UTF-8 terminal
    assert "\x1b" not in text and "\x07" not in text
    assert "\\x1b]0;owned\\x07 \\udcff" in text
