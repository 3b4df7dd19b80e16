"""Gradebook import files for Canvas and Moodle, with students matched through a roster.

Canvas (``--format canvas``), following what Canvas's gradebook importer reads
(canvas-lms ``app/models/gradebook_importer.rb``; Canvas guide "How do I import grades in the
Gradebook?"): the header is ``Student, ID, SIS User ID, SIS Login ID, Section`` and then one
column per exercise, ``Title (id)``; the second row is ``Points Possible`` with each
exercise's full marks (:func:`grader.batch.stats.full_marks`: every check and question,
a free-text answer not yet scored included, so the row is the same before and after an
override). A student row is matched by ``ID`` (Canvas's user id), else ``SIS User
ID``, else ``SIS Login ID``, else the name. Canvas reads a numeric ``(id)`` as its own
assignment id; ours (``(ex4_5)``) is not numeric, so the whole header is the assignment's
title: the first import creates it, later imports match it by that title. A blank cell
changes nothing there.

Moodle (``--format moodle``), following Moodle's "Grade import" documentation
(docs.moodle.org, CSV import: the "Map from" / "Map to" identifier, userid, useridnumber,
username, useremail) and ``grade/import/csv/classes/load_data.php``: the first column is
the identifier (``ID number``, ``Username`` or ``Email address``, by ``moodle_id``), then for
each exercise a grade column ``Title (id)`` and a ``Feedback: Title (id)`` column, which the
import page maps to a new or existing grade item and to "Feedback for" that item. Moodle
stops the whole import at a row whose user it cannot find, so every row has a roster match.

Scores are as :func:`grader.batch.adjust.adjust` made them (overrides in, late penalties taken
off once). Students graded but not in the roster are reported and written, with their scores,
to ``<output>.unmatched.csv`` (our CSV format) instead of the import file; roster students
with no graded submission are reported and left out (the LMS keeps what it has). The files
are UTF-8 without a byte-order mark, RFC 4180 quoting; they are import files, so no cell is
altered for spreadsheets (identifiers must reach the LMS exactly).
"""

from __future__ import annotations

import csv
import io
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from grader.batch.gradebook import GradedSubmission
from grader.batch.stats import exercise_columns, full_marks
from grader.errors import UsageError
from grader.model import Status
from grader.report.csv_export import format_points, write_csv
from grader.report.roster import Person, Roster
from grader.report.text import utf8_text

logger = logging.getLogger(__name__)

FORMATS = ("canvas", "moodle")
_TITLES_SHOWN = 5  # checks not passed, named in a Moodle feedback cell
CANVAS_STUDENT_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
_CANVAS_FIELDS = ("name", "canvas_id", "sis_user_id", "sis_login_id", "section")
#: Moodle's "Map to" identifiers: roster field -> (header, what to choose on the import page).
MOODLE_IDS = {
    "idnumber": ("ID number", "useridnumber"),
    "username": ("Username", "username"),
    "email": ("Email address", "useremail"),
}


@dataclass
class LmsExport:
    """What an export wrote and whom it could not place."""

    paths: list[Path] = field(default_factory=list)
    rows: int = 0
    unknown: list[str] = field(default_factory=list)  # graded, not in the roster
    not_graded: list[str] = field(default_factory=list)  # in the roster, no grade

    def summary(self) -> str:
        """One line for the instructor."""
        parts = [f"{self.rows} students written"]
        if self.unknown:
            parts.append(
                f"{len(self.unknown)} graded students are not in the roster ("
                f"{_some(self.unknown)}): written to {self.paths[-1].name}, not to the import file"
            )
        if self.not_graded:
            parts.append(
                f"{len(self.not_graded)} roster students have no graded submission "
                f"({_some(self.not_graded)}): left out"
            )
        return "; ".join(parts)


def column_title(exercise_id: str, titles: dict[str, str]) -> str:
    """``Title (id)``: an exercise's column in both LMS files."""
    title = " ".join(titles.get(exercise_id, exercise_id).split())
    return f"{title} ({exercise_id})" if title != exercise_id else exercise_id


def write_lms(
    fmt: str,
    submissions: Sequence[GradedSubmission],
    roster: Roster,
    path: Path,
    titles: dict[str, str] | None = None,
    moodle_id: str | None = None,
) -> LmsExport:
    """Write the ``fmt`` import file to ``path`` (atomically) and the unmatched students
    beside it; return what was written.

    Raises:
        UsageError: an unknown format; the roster cannot identify students to that LMS.
    """
    if fmt not in FORMATS:
        raise UsageError(f"unknown LMS format {fmt!r}; choose one of {', '.join(FORMATS)}")
    titles = titles or {}
    matched, unknown = _match(submissions, roster)
    export = LmsExport(unknown=[s.student_id for s in unknown])
    graded = {person.student_id for _, person in matched}
    export.not_graded = [p.student_id for p in roster.people if p.student_id not in graded]
    if fmt == "canvas":
        table = canvas_table(matched, submissions, roster, titles)
    else:
        table = moodle_table(matched, submissions, roster, titles, moodle_id)
    export.rows = len(matched)
    export.paths.append(_write(table, path))
    if unknown:
        side = path.with_name(f"{path.stem}.unmatched.csv")
        export.paths.append(write_csv(unknown, side, exercise_columns(submissions)))
    logger.info("%s export: %s", fmt, export.summary())
    return export


def _match(
    submissions: Sequence[GradedSubmission], roster: Roster
) -> tuple[list[tuple[GradedSubmission, Person]], list[GradedSubmission]]:
    matched, unknown = [], []
    for sub in submissions:
        person = roster.find(sub.student_id)
        if person is None:
            unknown.append(sub)
        else:
            matched.append((sub, person))
    return matched, unknown


def canvas_table(
    matched: Sequence[tuple[GradedSubmission, Person]],
    submissions: Sequence[GradedSubmission],
    roster: Roster,
    titles: dict[str, str],
) -> list[list[str]]:
    """Header, ``Points Possible`` row, one row per matched student.

    Raises:
        UsageError: the roster has none of Canvas's identifying columns.
    """
    if not {"canvas_id", "sis_user_id", "sis_login_id", "name"} & set(roster.columns):
        raise UsageError(
            "the roster identifies nobody to Canvas: give it a canvas_id (Canvas's ID), "
            "sis_user_id, sis_login_id or name column"
        )
    columns = exercise_columns(submissions)
    maxima = full_marks(submissions)
    header = [*CANVAS_STUDENT_COLUMNS, *(column_title(e, titles) for e in columns)]
    possible = ["Points Possible", "", "", "", "", *(format_points(maxima[e]) for e in columns)]
    rows = [
        [*(_cell(person.get(f)) for f in _CANVAS_FIELDS), *_scores(sub, columns)]
        for sub, person in matched
    ]
    return [header, possible, *rows]


def moodle_table(
    matched: Sequence[tuple[GradedSubmission, Person]],
    submissions: Sequence[GradedSubmission],
    roster: Roster,
    titles: dict[str, str],
    moodle_id: str | None = None,
) -> list[list[str]]:
    """Header and one row per matched student: identifier, then grade and feedback per
    exercise.

    Raises:
        UsageError: the roster lacks the identifier column, or a matched student's is empty.
    """
    field_name = moodle_id or next((f for f in MOODLE_IDS if f in roster.columns), None)
    if field_name not in MOODLE_IDS or field_name not in roster.columns:
        wanted = ", ".join(MOODLE_IDS)
        raise UsageError(f"the roster has no Moodle identifier column ({wanted}) to match on")
    columns = exercise_columns(submissions)
    header = [MOODLE_IDS[field_name][0]]
    for exercise in columns:
        title = column_title(exercise, titles)
        header += [title, f"Feedback: {title}"]
    rows = []
    for sub, person in matched:
        if not person.get(field_name):
            raise UsageError(
                f"roster: student {person.student_id!r} has no {field_name}; Moodle would stop "
                "the whole import at that row"
            )
        row = [_cell(person.get(field_name))]
        for exercise, score in zip(columns, _scores(sub, columns), strict=True):
            row += [score, _cell(moodle_feedback(sub, exercise))]
        rows.append(row)
    return [header, *rows]


def moodle_feedback(sub: GradedSubmission, exercise: str) -> str:
    """One exercise's feedback: the score, the checks not passed (titles only: nothing a
    hidden check's message says), and each adjustment."""
    result = sub.exercise(exercise)
    if result is None:
        return "not graded"
    score = sub.exercise_score(exercise) or 0.0
    parts = [f"{format_points(score)}/{format_points(result.full_marks)}"]
    missed = [c.title or c.name for c in result.results
              if c.status.scored and c.status is not Status.PASSED]  # fmt: skip
    if missed:
        more = f"; and {len(missed) - _TITLES_SHOWN} more" if len(missed) > _TITLES_SHOWN else ""
        parts.append(f"not passed ({len(missed)}): " + "; ".join(missed[:_TITLES_SHOWN]) + more)
    parts += [a.text for a in sub.adjustments if a.exercise == exercise]
    return " | ".join(" ".join(p.split()) for p in parts)


def _scores(sub: GradedSubmission, columns: list[str]) -> list[str]:
    """Each exercise's score as the LMS reads it; 0 for an exercise not graded."""
    return [format_points(sub.exercise_score(e) or 0.0) for e in columns]


def _cell(text: str) -> str:
    return utf8_text(text)


def _write(table: list[list[str]], path: Path) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(table)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(buffer.getvalue(), encoding="utf-8", newline="")
    os.replace(partial, path)
    return path


def _some(ids: list[str], shown: int = 5) -> str:
    head = ", ".join(ids[:shown])
    return head + (f" and {len(ids) - shown} more" if len(ids) > shown else "")
