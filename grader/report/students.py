"""``grade students`` and ``grade history``: the gradebook as an instructor reads it.

:func:`students_table` gives one line per student (latest score as adjusted, when graded,
when handed in, overrides, problems); :func:`history_text` lists one student's gradings,
oldest first, and what changed from each to the next, check by check, then the overrides
recorded for them (who, when, why), superseded ones included. Student-controlled text (ids,
problems) is made safe for a terminal.
"""

from __future__ import annotations

from collections.abc import Sequence

from grader.batch.gradebook import GradedSubmission, Override
from grader.batch.stats import is_error_row
from grader.model import CheckResult, Status
from grader.report.text import terminal_text

_PROBLEM_WIDTH = 60


def students_table(graded: Sequence[GradedSubmission]) -> str:
    """One line per student: id, score/max, graded at, submitted at, late, overrides,
    gradings so far and the first problem (a header line first)."""
    if not graded:
        return "no students in this gradebook yet\n"
    width = max(len("student"), *(len(_safe(s.student_id)) for s in graded))
    lines = [f"{'student':<{width}}  {'score':>13}  graded at                  submitted at"]
    for sub in graded:
        score = "not graded" if is_error_row(sub) else f"{_num(sub.score)}/{_num(sub.max_score)}"
        line = (
            f"{_safe(sub.student_id):<{width}}  {score:>13}  {sub.graded_at:<25}  "
            f"{sub.submitted_at or '-'}"
        )
        lines.append(line + _extras(sub))
    return "\n".join(lines) + "\n"


def _extras(sub: GradedSubmission) -> str:
    parts = []
    late = sum(a.penalty for a in sub.adjustments if a.kind == "late")
    if late:
        parts.append(f"late -{_num(late)}")
    overrides = sum(a.kind == "override" for a in sub.adjustments)
    if overrides:
        parts.append(f"{overrides} override{'s' * (overrides != 1)}")
    problems = [*sub.problems, *(e for r in sub.exercises for e in r.errors)]
    if problems:
        first = _safe(" ".join(problems[0].split()))
        more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
        parts.append(f"errors: {_short(first)}{more}")
    return ("  " + "; ".join(parts)) if parts else ""


def history_text(history: Sequence[GradedSubmission], overrides: Sequence[Override]) -> str:
    """Every grading of one student, oldest first, each with what changed since the one
    before, check by check; then the overrides recorded for the student."""
    if not history:
        return "no gradings recorded for this student\n"
    lines = [f"{_safe(history[0].student_id)}: {len(history)} grading(s)"]
    previous: GradedSubmission | None = None
    for number, sub in enumerate(history, start=1):
        lines.append(_grading_line(number, sub, previous))
        if previous is not None:
            changes = check_changes(previous, sub)
            lines += [f"    {change}" for change in changes] or ["    no check changed"]
        previous = sub
    lines += _override_lines(overrides)
    return "\n".join(lines) + "\n"


def _grading_line(number: int, sub: GradedSubmission, previous: GradedSubmission | None) -> str:
    content = "same content" if previous and previous.content_hash == sub.content_hash else (
        f"content {sub.content_hash[:12]}"
    )  # fmt: skip
    score = "not graded" if is_error_row(sub) else f"{_num(sub.score)}/{_num(sub.max_score)}"
    submitted = f", handed in {sub.submitted_at}" if sub.submitted_at else ""
    return (
        f"  #{number} graded {sub.graded_at} by grader {sub.grader_version}: {score} "
        f"({content}{submitted})"
    )


def check_changes(before: GradedSubmission, after: GradedSubmission) -> list[str]:
    """``exercise:check  0/2 failed -> 2/2 passed`` for each check whose points or outcome
    differ, and each check or exercise that appeared or went away."""
    old = _checks(before)
    new = _checks(after)
    changes = []
    for key in [*old, *(k for k in new if k not in old)]:
        a, b = old.get(key), new.get(key)
        if a is not None and b is not None and (a.points, a.status) == (b.points, b.status):
            continue
        changes.append(f"{key[0]}:{key[1]}  {_state(a)} -> {_state(b)}")
    old_problems, new_problems = set(before.problems), set(after.problems)
    changes += [f"problem gone: {_safe(p)}" for p in before.problems if p not in new_problems]
    changes += [f"new problem: {_safe(p)}" for p in after.problems if p not in old_problems]
    return changes


def _checks(sub: GradedSubmission) -> dict[tuple[str, str], CheckResult]:
    return {(r.exercise, c.name): c for r in sub.exercises for c in r.results}


def _state(check: CheckResult | None) -> str:
    if check is None:
        return "absent"
    if check.status in (Status.NEEDS_PERSON, Status.DEFERRED):
        return f"{check.status.value} (up to {_num(check.max_points)})"
    return f"{_num(check.points)}/{_num(check.max_points)} {check.status.value}"


def _override_lines(overrides: Sequence[Override]) -> list[str]:
    if not overrides:
        return []
    newest = {}
    for o in overrides:
        newest[o.key] = o.id
    lines = ["overrides (newest per check in force):"]
    for o in overrides:
        state = "" if newest[o.key] == o.id else " (superseded)"
        lines.append(
            f"  {o.created_at} {o.exercise}:{o.check_name} = {_num(o.points)} by "
            f"{_safe(o.author)}: {_safe(o.reason)}{state}"
        )
    return lines


def _short(text: str) -> str:
    return text if len(text) <= _PROBLEM_WIDTH else text[: _PROBLEM_WIDTH - 3] + "..."


def _safe(text: str) -> str:
    return terminal_text(" ".join(text.splitlines()))


def _num(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")
