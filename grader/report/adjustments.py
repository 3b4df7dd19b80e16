"""The lines a report shows for what an instructor's rules changed, per exercise.

Feedback pages call :func:`adjustment_lines` once per page and print each exercise's lines
under its heading (escaped for the page's format): an instructor's override of a check
(points, who, when, why) and a late penalty (when handed in, how late, how much), each once.
The adjustments themselves are made by :func:`grader.batch.adjust.adjust`.
"""

from __future__ import annotations

from grader.batch.gradebook import GradedSubmission

_LABELS = {"override": "Instructor", "late": "Late penalty"}


def adjustment_lines(sub: GradedSubmission) -> dict[str, list[str]]:
    """Exercise id -> one line per adjustment of that exercise, in the order they apply."""
    lines: dict[str, list[str]] = {}
    for adjustment in sub.adjustments:
        label = _LABELS.get(adjustment.kind, adjustment.kind)
        lines.setdefault(adjustment.exercise, []).append(f"{label}: {adjustment.text}")
    return lines
