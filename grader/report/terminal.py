"""The table a student reads after ``grade ID``, fitted to the terminal.

The summary line separates what was scored here from what is graded when the work is
submitted (DEFERRED quiz answers, hidden checks not run), so that a student whose work
passes everything that can run locally reads full marks, not a loss:
``Score: 8/8 on what runs here; 7 quiz points and 5 hidden checks are graded when you submit``.

Every line is wrapped to the terminal's width (:func:`terminal_width`: ``COLUMNS`` or the
terminal's own, at least 80) at spaces, never inside a word; a word longer than a line
(a long path) is left whole. Colour is the caller's choice (a terminal, not a pipe).

Messages, errors and captured output may quote a student's text: they are printed through
:func:`~grader.report.text.terminal_text`, so no escape sequence reaches the terminal and a
lone surrogate never makes printing fail.
"""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Sequence

import click

from grader.exercise import Exercise
from grader.model import CheckResult, ExerciseResult, Status
from grader.report.text import terminal_text

__all__ = ["MIN_WIDTH", "render", "render_total", "terminal_width", "wrap"]

MIN_WIDTH = 80
_MARKS = {
    Status.PASSED: ("pass", "green"),
    Status.FAILED: ("FAIL", "red"),
    Status.SKIPPED: ("skip", "yellow"),
    Status.ERRORED: ("ERR!", "magenta"),
    Status.NEEDS_PERSON: ("read", "cyan"),
    Status.DEFERRED: ("later", "blue"),
}
_MARK_WIDTH = max(len(mark) for mark, _ in _MARKS.values())
_TITLE_AT = 2 + _MARK_WIDTH + 1 + 7 + 2  # "  FAIL      0/2  title"
_MESSAGE_AT = 17


def terminal_width() -> int:
    """The width to wrap to: ``$COLUMNS``, else the terminal's, at least :data:`MIN_WIDTH`."""
    return max(MIN_WIDTH, shutil.get_terminal_size((MIN_WIDTH, 24)).columns)


def wrap(
    text: str, width: int, indent: int | str = 0, subsequent: int | str | None = None
) -> list[str]:
    """``text`` (one paragraph) as lines of at most ``width`` characters, broken at spaces.

    ``indent`` starts the first line, ``subsequent`` the others (default: ``indent``);
    each is a number of spaces or a prefix. A word longer than a line is kept whole.
    """
    first = " " * indent if isinstance(indent, int) else indent
    rest = first if subsequent is None else subsequent
    rest = " " * rest if isinstance(rest, int) else rest
    lines = textwrap.wrap(
        text,
        width,
        initial_indent=first,
        subsequent_indent=rest,
        break_long_words=False,
        break_on_hyphens=False,
    )
    return lines or [first.rstrip()]


def render(
    result: ExerciseResult,
    exercise: Exercise,
    *,
    verbose: bool = False,
    color: bool = False,
    width: int | None = None,
) -> str:
    """The result of one exercise as a readable block of text, ``width`` columns at most
    (default :func:`terminal_width`)."""
    width = width or terminal_width()
    heading = wrap(f"{exercise.id} — {exercise.title} ({exercise.alias})", width)
    lines = [_style(line, color, bold=True) for line in heading]
    lines += [line for e in result.errors for line in wrap(_line(e), width, "  error: ", 9)]
    lines += [line for n in result.notes for line in wrap(_line(n), width, "  note: ", 8)]
    for check in result.results:
        lines += _check_lines(check, verbose, color, width)
    lines += wrap(_summary(result), width, 2, 4)
    return "\n".join(lines)


def render_total(results: Sequence[ExerciseResult], *, width: int | None = None) -> str:
    """``Total: S/M over N exercises``, and what is graded later, as in each summary."""
    score = sum(r.score for r in results)
    max_score = sum(r.max_score for r in results)
    later = _graded_later(
        sum(r.deferred_points for r in results), sum(r.hidden_not_run for r in results)
    )
    text = f"Total: {_num(score)}/{_num(max_score)} over {len(results)} exercises" + later
    return "\n".join(wrap(text, width or terminal_width(), 0, 2))


def _graded_later(deferred_points: float, hidden_not_run: int) -> str:
    """`` on what runs here; 7 quiz points and 5 hidden checks are graded when you submit``,
    or ``""`` when everything was graded here."""
    counts = [(deferred_points, "quiz point"), (hidden_not_run, "hidden check")]
    parts = [f"{_num(n)} {noun}{'' if n == 1 else 's'}" for n, noun in counts if n]
    if not parts:
        return ""
    verb = "is" if len(parts) == 1 and sum(n for n, _ in counts) == 1 else "are"
    return f" on what runs here; {' and '.join(parts)} {verb} graded when you submit"


def _check_lines(check: CheckResult, verbose: bool, color: bool, width: int) -> list[str]:
    mark, hue = _MARKS[check.status]
    earned = "?" if check.status is Status.DEFERRED else _num(check.points)
    points = f"{earned}/{_num(check.max_points)}"
    title = _line(check.title) + ("  [hidden]" if check.visibility.value == "hidden" else "")
    lead = f"  {mark:<{_MARK_WIDTH}} {points:>7}  "
    lines = wrap(title, width, lead, _TITLE_AT)
    lines[0] = lines[0].replace(mark, _style(mark, color, fg=hue), 1)
    if check.message and (check.status is not Status.PASSED or verbose):
        lines += _indent(check.message, width)
    if check.output and (verbose or check.status is not Status.PASSED):
        lines += _indent("your code printed:\n" + check.output[:2000], width)
    return lines


def _summary(result: ExerciseResult) -> str:
    text = f"Score: {_num(result.score)}/{_num(result.max_score)}"
    text += _graded_later(result.deferred_points, result.hidden_not_run)
    return text + f"   device: {result.device}   {result.execution_time:.1f} s"


def _indent(text: str, width: int) -> list[str]:
    out = []
    for raw in text.splitlines() or [""]:
        line = terminal_text(raw)
        out += wrap(line, width, _MESSAGE_AT, _MESSAGE_AT + 2) if line.strip() else [""]
    return out


def _line(text: str) -> str:
    """A student-controlled text as one printable line (see the module docstring)."""
    return terminal_text(" ".join(text.splitlines()))


def _style(text: str, color: bool, **kwargs: object) -> str:
    return click.style(text, **kwargs) if color else text


def _num(value: float) -> str:
    return f"{value:g}"
