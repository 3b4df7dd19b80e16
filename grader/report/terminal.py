"""The table a student reads after ``grade ID``.

The summary line separates what was scored here from what is graded when the work is
submitted (DEFERRED quiz answers, hidden checks not run), so that a student whose work
passes everything that can run locally reads full marks, not a loss:
``Score: 8/8 on what runs here; 7 quiz points and 5 hidden checks are graded when you submit``.

Messages, errors and captured output may quote a student's text: they are printed through
:func:`~grader.report.text.terminal_text`, so no escape sequence reaches the terminal and a
lone surrogate never makes printing fail.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import click

from grader.exercise import Exercise
from grader.model import CheckResult, ExerciseResult, Status
from grader.report.text import terminal_text

_MARKS = {
    Status.PASSED: ("pass", "green"),
    Status.FAILED: ("FAIL", "red"),
    Status.SKIPPED: ("skip", "yellow"),
    Status.ERRORED: ("ERR!", "magenta"),
    Status.NEEDS_PERSON: ("read", "cyan"),
    Status.DEFERRED: ("later", "blue"),
}
_MARK_WIDTH = max(len(mark) for mark, _ in _MARKS.values())


def render(
    result: ExerciseResult, exercise: Exercise, *, verbose: bool = False, color: bool = False
) -> str:
    """The result of one exercise as a readable block of text."""
    lines = [_style(f"{exercise.id} — {exercise.title} ({exercise.alias})", color, bold=True)]
    lines += [f"  error: {terminal_text(' '.join(e.splitlines()))}" for e in result.errors]
    for check in result.results:
        lines += _check_lines(check, verbose, color)
    lines.append(_summary(result))
    return "\n".join(lines)


def render_total(results: Sequence[ExerciseResult]) -> str:
    """``Total: S/M over N exercises``, and what is graded later, as in each summary."""
    score = sum(r.score for r in results)
    max_score = sum(r.max_score for r in results)
    later = _graded_later(
        sum(r.deferred_points for r in results), sum(r.hidden_not_run for r in results)
    )
    return f"Total: {_num(score)}/{_num(max_score)} over {len(results)} exercises" + later


def _graded_later(deferred_points: float, hidden_not_run: int) -> str:
    """`` on what runs here; 7 quiz points and 5 hidden checks are graded when you submit``,
    or ``""`` when everything was graded here."""
    counts = [(deferred_points, "quiz point"), (hidden_not_run, "hidden check")]
    parts = [f"{_num(n)} {noun}{'' if n == 1 else 's'}" for n, noun in counts if n]
    if not parts:
        return ""
    verb = "is" if len(parts) == 1 and sum(n for n, _ in counts) == 1 else "are"
    return f" on what runs here; {' and '.join(parts)} {verb} graded when you submit"


def _check_lines(check: CheckResult, verbose: bool, color: bool) -> list[str]:
    mark, hue = _MARKS[check.status]
    earned = "?" if check.status is Status.DEFERRED else _num(check.points)
    points = f"{earned}/{_num(check.max_points)}"
    title = terminal_text(" ".join(check.title.splitlines()))
    head = f"  {_style(f'{mark:<{_MARK_WIDTH}}', color, fg=hue)} {points:>7}  {title}"
    if check.visibility.value == "hidden":
        head += "  [hidden]"
    lines = [head]
    if check.message and (check.status is not Status.PASSED or verbose):
        lines += _indent(check.message)
    if check.output and (verbose or check.status is not Status.PASSED):
        lines += _indent("your code printed:\n" + check.output[:2000])
    return lines


def _summary(result: ExerciseResult) -> str:
    text = f"  Score: {_num(result.score)}/{_num(result.max_score)}"
    text += _graded_later(result.deferred_points, result.hidden_not_run)
    return text + f"   device: {result.device}   {result.execution_time:.1f} s"


def _indent(text: str) -> list[str]:
    out = []
    for raw in text.splitlines() or [""]:
        line = terminal_text(raw)
        out += textwrap.wrap(line, 100, initial_indent=" " * 17, subsequent_indent=" " * 19) or [""]
    return out


def _style(text: str, color: bool, **kwargs: object) -> str:
    return click.style(text, **kwargs) if color else text


def _num(value: float) -> str:
    return f"{value:g}"
