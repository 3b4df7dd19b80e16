"""The table a student reads after ``grade ID``."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import click

from grader.exercise import Exercise
from grader.model import CheckResult, ExerciseResult, Status

_MARKS = {
    Status.PASSED: ("pass", "green"),
    Status.FAILED: ("FAIL", "red"),
    Status.SKIPPED: ("skip", "yellow"),
    Status.ERRORED: ("ERR!", "magenta"),
    Status.NEEDS_PERSON: ("read", "cyan"),
}


def render(
    result: ExerciseResult, exercise: Exercise, *, verbose: bool = False, color: bool = False
) -> str:
    """The result of one exercise as a readable block of text."""
    lines = [_style(f"{exercise.id} — {exercise.title} ({exercise.alias})", color, bold=True)]
    lines += [f"  error: {e}" for e in result.errors]
    for check in result.results:
        lines += _check_lines(check, verbose, color)
    lines.append(_summary(result))
    return "\n".join(lines)


def render_total(results: Sequence[ExerciseResult]) -> str:
    score = sum(r.score for r in results)
    max_score = sum(r.max_score for r in results)
    return f"Total: {_num(score)}/{_num(max_score)} over {len(results)} exercises"


def _check_lines(check: CheckResult, verbose: bool, color: bool) -> list[str]:
    mark, hue = _MARKS[check.status]
    points = f"{_num(check.points)}/{_num(check.max_points)}"
    head = f"  {_style(mark, color, fg=hue)} {points:>7}  {check.title}"
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
    if result.hidden_not_run:
        text += f"   ({result.hidden_not_run} hidden checks run when your submission is graded)"
    return text + f"   device: {result.device}   {result.execution_time:.1f} s"


def _indent(text: str) -> list[str]:
    out = []
    for raw in text.splitlines() or [""]:
        out += textwrap.wrap(raw, 100, initial_indent=" " * 17, subsequent_indent=" " * 19) or [""]
    return out


def _style(text: str, color: bool, **kwargs: object) -> str:
    return click.style(text, **kwargs) if color else text


def _num(value: float) -> str:
    return f"{value:g}"
