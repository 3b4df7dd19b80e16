"""A CSV gradebook for an LMS: one row per student, one column per exercise.

Header: ``student_id``, one column per exercise id (its score), ``total``,
``max_total``, ``errors``, ``adjustments``. An exercise a student has no result for
scores 0. Scores are as :mod:`grader.batch.adjust` made them (an instructor's overrides
in, late penalties taken off once); ``adjustments`` lists what changed, `` | ``-joined.
``max_total`` is the class-wide full marks (the sum of each exercise's
:func:`grader.batch.stats.full_marks`, a free-text answer waiting for an instructor
included), the same on every row and before and after an override. ``errors`` joins the submission's
problems and each exercise's errors (``ex4_5: ...``) with `` | ``, each once.

Cells that a spreadsheet would run as a formula (text starting with ``= + - @``,
tab, carriage return or line feed, also after leading spaces) are prefixed with ``'``:
student-controlled text such as a file name lands in the ``errors`` column, and the
``student_id`` column is treated the same way. Lone surrogates (text that is not UTF-8)
are written as ``\\udcNN``; quoting is RFC 4180, so line breaks inside a cell stay in it.
"""

from __future__ import annotations

import csv
import io
import logging
import os
from collections.abc import Sequence
from pathlib import Path

from grader.batch.gradebook import GradedSubmission
from grader.batch.stats import exercise_columns, full_marks
from grader.report.text import utf8_text

logger = logging.getLogger(__name__)

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def csv_table(
    submissions: Sequence[GradedSubmission], exercise_ids: Sequence[str] | None = None
) -> list[list[str]]:
    """The header row followed by one row per submission, all cells as text."""
    columns = exercise_columns(submissions, exercise_ids)
    maxima = full_marks(submissions)
    max_total = sum(maxima.get(exercise, 0.0) for exercise in columns)
    header = ["student_id", *columns, "total", "max_total", "errors", "adjustments"]
    return [header, *(_row(sub, columns, max_total) for sub in submissions)]


def _row(sub: GradedSubmission, columns: list[str], max_total: float) -> list[str]:
    scores = [sub.exercise_score(exercise) or 0.0 for exercise in columns]
    return [
        _defuse(sub.student_id),
        *(format_points(s) for s in scores),
        format_points(sum(scores)),
        format_points(max_total),
        _defuse(_errors(sub)),
        _defuse(adjustments_cell(sub)),
    ]


def adjustments_cell(sub: GradedSubmission) -> str:
    """Every adjustment of ``sub`` on one line: ``ex4_7: text | ex4_5: text``."""
    return " | ".join(" ".join(f"{a.exercise}: {a.text}".split()) for a in sub.adjustments)


def _errors(sub: GradedSubmission) -> str:
    messages = list(sub.general_problems)
    for result in sub.exercises:
        messages.extend(f"{result.exercise}: {error}" for error in result.errors)
    return " | ".join(" ".join(m.split()) for m in messages)


def to_csv(
    submissions: Sequence[GradedSubmission], exercise_ids: Sequence[str] | None = None
) -> str:
    """The CSV text (RFC 4180 quoting, ``\\r\\n`` line ends, as :mod:`csv` writes)."""
    buffer = io.StringIO()
    csv.writer(buffer).writerows(csv_table(submissions, exercise_ids))
    return buffer.getvalue()


def write_csv(
    submissions: Sequence[GradedSubmission],
    path: Path,
    exercise_ids: Sequence[str] | None = None,
) -> Path:
    """Write the CSV to ``path`` atomically (a crash leaves the old file); return it.

    UTF-8 with a byte-order mark, so that spreadsheet programs read non-ASCII ids.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(to_csv(submissions, exercise_ids), encoding="utf-8-sig", newline="")
    os.replace(partial, path)
    logger.info("wrote %d rows to %s", len(submissions), path)
    return path


def format_points(value: float) -> str:
    """A score as an LMS reads it: ``3``, ``2.5``, ``0.333333`` (at most 6 decimals)."""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def _defuse(cell: str) -> str:
    """``cell`` as text a spreadsheet shows, never runs (and valid UTF-8)."""
    cell = utf8_text(cell)
    return f"'{cell}" if cell.lstrip(" ").startswith(_FORMULA_START) else cell
