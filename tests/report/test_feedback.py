"""Feedback pages: every check with its message; hidden checks redacted in one place."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from grader.batch.gradebook import GradedSubmission
from grader.model import CheckResult, ExerciseResult, Status, Visibility
from grader.report.feedback import (
    FORMATS,
    HIDDEN_NOTE,
    output_name,
    render_html,
    render_markdown,
    student_view,
    write_feedback,
)

SECRET = "on hidden case (9999, 300, 3): expected 123, got 99"


def check(name, status, points, max_points, visibility=Visibility.PUBLIC, message="", output=""):
    return CheckResult(name, f"{name} title", points, max_points, status, visibility, message,
                       0.1, output)  # fmt: skip


PUBLIC = check("counts", Status.FAILED, 0, 2, message="expected 26371, got 26251 <b>", output="x")
HIDDEN = check("big", Status.FAILED, 0, 3, Visibility.HIDDEN, SECRET, "hidden debug output")
CHECKS = (
    PUBLIC,
    HIDDEN,
    check("ok", Status.PASSED, 1, 1),
    check("skip", Status.SKIPPED, 0, 1, message="skipped because counts failed"),
    check("essay", Status.NEEDS_PERSON, 0, 2, message="read by a person"),
    check("tricky", Status.FAILED, 0, 1, message="see `code` and *stars*",
          output="```\n<script>alert(1)</script>\n````"),
)  # fmt: skip


def graded(student="alice", problems=("ignored unexpected files: notes.txt",)):
    exercises = (ExerciseResult("ex4_5", CHECKS, errors=("answers/ex4_5.toml: missing",)),)
    return GradedSubmission(
        1, student, "h", "1.0", "2024-01-01T00:00:00+00:00", "cpu", "", problems, exercises
    )


def test_student_view_keeps_public_checks_and_redacts_hidden_ones():
    assert student_view(PUBLIC) is PUBLIC
    redacted = student_view(HIDDEN)
    assert (redacted.name, redacted.title, redacted.points, redacted.max_points) == (
        "big", "big title", 0, 3,
    )  # fmt: skip
    assert redacted.status is Status.FAILED and redacted.visibility is Visibility.HIDDEN
    assert (redacted.message, redacted.output) == (HIDDEN_NOTE, "")
    assert student_view(HIDDEN, disclose_hidden=True) is HIDDEN
    quiet = check("fine", Status.PASSED, 1, 1, Visibility.HIDDEN)
    assert student_view(quiet).message == ""  # nothing was hidden, so no note


@pytest.mark.parametrize("render", [render_markdown, render_html])
def test_every_check_appears_with_its_points_and_public_messages(render):
    page = render(graded())
    for title in ("counts title", "big title", "ok title", "skip title", "essay title"):
        assert title in page
    assert "0/2" in page and "0/3" in page and "1/1" in page and "Total: 1/10 points" in page
    assert "expected 26371, got 26251" in page and "skipped because counts failed" in page
    assert "up to 2 points, to be read by an instructor" in page
    assert "ignored unexpected files: notes.txt" in page
    assert "answers/ex4_5.toml: missing" in page


@pytest.mark.parametrize("render", [render_markdown, render_html])
def test_a_deferred_answer_shows_its_points_as_scored_later_not_lost(render):
    later = check("formula", Status.DEFERRED, 0, 4, message="answer read and parses")
    exercises = (ExerciseResult("ex4_5", (check("ok", Status.PASSED, 1, 1), later)),)
    sub = GradedSubmission(1, "alice", "h", "1.0", "2024-01-01", "cpu", "", (), exercises)
    page = render(sub)
    assert "LATER" in page and "up to 4 points, scored when the submission is graded" in page
    assert "Total: 1/1 points" in page


@pytest.mark.parametrize("render", [render_markdown, render_html])
def test_hidden_details_appear_only_with_full_disclosure(render):
    assert SECRET not in render(graded()) and "hidden debug output" not in render(graded())
    assert HIDDEN_NOTE in render(graded())
    disclosed = render(graded(), disclose_hidden=True)
    assert SECRET in disclosed and "hidden debug output" in disclosed


def test_html_escapes_everything_from_results():
    page = render_html(graded())
    assert "<script>" not in page and "&lt;script&gt;" in page and "&lt;b&gt;" in page
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")


def test_markdown_has_no_raw_html_and_fences_outlast_backticks_in_output():
    page = render_markdown(graded())
    outside_fences = re.sub(r"(?ms)^  (`{3,})text$.*?^  \1$", "", page)
    assert "<" not in outside_fences and "&lt;b&gt;" in outside_fences
    assert "see \\`code\\` and \\*stars\\*" in page
    assert "  `````text" in page  # the output holds a run of four backticks


def test_one_page_per_student_in_the_chosen_format(tmp_path):
    subs = [graded("alice"), graded("bob", problems=())]
    md = write_feedback(subs, tmp_path / "fb")
    html = write_feedback(subs, tmp_path / "fb", fmt="html")
    assert [p.name for p in md] == ["alice.md", "bob.md"]
    assert [p.name for p in html] == ["alice.html", "bob.html"]
    assert md[0].read_text(encoding="utf-8") == render_markdown(subs[0])
    assert sorted(p.name for p in (tmp_path / "fb").iterdir()) == sorted(
        ["alice.md", "bob.md", "alice.html", "bob.html"]
    )
    with pytest.raises(ValueError, match="unknown feedback format"):
        write_feedback(subs, tmp_path / "fb", fmt="pdf")


HOSTILE_IDS = [
    "", ".", "..", "a/b", "a\\b", "a\0b", "../escape", "x" * 300, "张" * 150, "Ab", "ab",
    "a\nb\x1b[2J", "\udcff", "~x", " lead", "ﬁona", "fiona",
]  # fmt: skip


def test_every_student_id_gives_a_valid_distinct_file_name(tmp_path):
    subs = [graded(student) for student in HOSTILE_IDS]
    out = tmp_path / "fb"
    for fmt in FORMATS:
        paths = write_feedback(subs, out, fmt=fmt)
        assert len(paths) == len(HOSTILE_IDS)
        assert all(path.parent == out and path.is_file() for path in paths)
        assert all(len(path.name.encode()) <= 205 for path in paths)
        folded = {path.name.casefold() for path in paths}  # distinct on macOS disks too
        assert len(folded) == len(HOSTILE_IDS)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fb"]  # nothing written elsewhere
    assert output_name("s001") == "s001" and output_name("张三") == "张三"
    assert "/" not in output_name("../escape") and not output_name("..").startswith(".")


def test_a_carriage_return_or_line_separator_cannot_inject_markdown_blocks():
    evil = "ok\r# You got full marks\r\n## 100/100\u2028> quoted\x0c1. item\n---\n| a | b |"
    page = render_markdown(graded("eve\r# boss", problems=(f"note{evil}",)), disclose_hidden=True)
    forged = (
        replace(PUBLIC, message=evil, output="out\r# not a heading\x1b[2J"),
        *CHECKS[1:],
    )
    sub = GradedSubmission(1, "eve", "h", "1.0", "t", "cpu", "", (),
                           (ExerciseResult("ex4_5", forged),))  # fmt: skip
    page += render_markdown(sub)
    assert "\r" not in page and "\x1b" not in page and "\u2028" not in page
    outside = re.sub(r"(?ms)^  (`{3,})text$.*?^  \1$", "", page)  # program output is fenced
    headings = [line for line in outside.splitlines() if line.lstrip().startswith("#")]
    fixed = ("# Feedback for", "## ex4_5:", "## Summary", "### What to fix first")
    assert all(h.startswith(fixed) for h in headings), headings
    for line in outside.splitlines():
        assert not re.match(r"\s*(>|\d+\.|---|\|)", line), line
    assert "eve # boss" in page  # a line break in a single-line place becomes a space
    assert "\\# You got full marks" in page and "1\\. item" in page


def test_html_pages_escape_control_characters_and_text_that_is_not_utf8(tmp_path):
    evil = check("x", Status.FAILED, 0, 1, message="<b>\udcff\x1b[2J</b>", output="\udcff")
    sub = GradedSubmission(1, "<i>\udcff", "h", "1.0", "t", "cpu", "", (),
                           (ExerciseResult("ex4_5", (evil,)),))  # fmt: skip
    [path] = write_feedback([sub], tmp_path, fmt="html")
    page = path.read_text(encoding="utf-8")
    assert "<b>" not in page and "<i>" not in page and "\x1b" not in page
    assert "&lt;b&gt;\\udcff\\x1b[2J&lt;/b&gt;" in page
