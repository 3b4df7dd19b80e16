"""The terminal table: each check's mark and points, and a summary line that tells what was
scored here from what is graded when the work is submitted."""

from __future__ import annotations

import click
import pytest
from support import COURSE

from grader.model import CheckResult, ExerciseResult, Status, Visibility
from grader.report.terminal import render, render_total, terminal_width


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
    return render(result, COURSE.find("ex4_5"), width=200).splitlines()[-1]


def test_a_clean_local_run_reads_full_marks_and_what_is_graded_later():
    assert summary(HANDOUT_RUN).startswith(
        "  Score: 8/8 on what runs here; 7 quiz points and 5 hidden checks are graded when you"
        " submit   device: cpu"
    )


def test_a_deferred_answer_is_marked_later_with_no_points_claimed():
    lines = render(HANDOUT_RUN, COURSE.find("ex4_5"), width=200).splitlines()
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
    assert render_total([HANDOUT_RUN, HANDOUT_RUN], width=200) == (
        "Total: 16/16 over 2 exercises on what runs here; 14 quiz points and 10 hidden checks"
        " are graded when you submit"
    )


LONG = ExerciseResult(
    "ex4_5",
    (
        check(
            "counts",
            Status.FAILED,
            0,
            2,
            "param_count(784, 120, 4): expected 26371, got 26251 (did you count the biases of "
            "every hidden layer, including the last one, and the output neuron's bias too?)\n"
            "a_very_long_unbreakable_identifier_that_is_longer_than_any_line_of_eighty_columns_x",
        ),
    ),
    hidden_not_run=5,
    errors=(
        "answers/ex4_5.toml: not valid TOML: Expected '=' after a key in a key/value pair "
        "(at line 3, column 8). Answers that are text need quotes",
    ),
    notes=("cell 2, line 1: `%matplotlib inline` (IPython magic) was not run",),
)


@pytest.mark.parametrize("width", [80, 100, 132])
def test_every_line_fits_the_width_and_no_word_is_cut(width):
    text = render(LONG, COURSE.find("ex4_5"), width=width)
    lines = text.splitlines()
    long_word = (
        "a_very_long_unbreakable_identifier_that_is_longer_than_any_line_of_eighty_columns_x"
    )
    assert [line for line in lines if len(line) > width and long_word not in line] == []
    words = " ".join(LONG.results[0].message.split()).split()
    assert set(words) <= set(" ".join(text.split()).split())  # every word whole, none split


def test_a_notice_is_labelled_note_and_a_problem_error():
    lines = render(LONG, COURSE.find("ex4_5"), width=200).splitlines()
    assert "  note: cell 2, line 1: `%matplotlib inline` (IPython magic) was not run" in lines
    assert any(line.startswith("  error: answers/ex4_5.toml: not valid TOML") for line in lines)
    assert not any(line.startswith("  error: cell 2") for line in lines)


def test_the_width_is_the_terminals_columns_but_never_below_80(monkeypatch):
    monkeypatch.setenv("COLUMNS", "120")
    assert terminal_width() == 120
    monkeypatch.setenv("COLUMNS", "40")
    assert terminal_width() == 80


def test_colour_only_when_asked():
    plain = render(LONG, COURSE.find("ex4_5"), width=100)
    coloured = render(LONG, COURSE.find("ex4_5"), width=100, color=True)
    assert "\x1b[" not in plain and "\x1b[31mFAIL" in coloured
    assert click.unstyle(coloured) == plain


def test_student_text_cannot_reach_the_terminal_as_escape_sequences():
    evil = "bad \x1b]0;owned\x07 \udcff\rhidden"
    result = ExerciseResult("ex4_5", (check("x", Status.FAILED, 0, 1, evil),), errors=(evil,))
    text = render(result, COURSE.find("ex4_5"))
    text.encode("utf-8")  # printable on a strict UTF-8 terminal
    assert "\x1b" not in text and "\x07" not in text
    assert "\\x1b]0;owned\\x07 \\udcff" in text
