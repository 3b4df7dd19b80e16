"""The class roster: which LMS identities our student ids are.

A roster is a CSV file with a header row (UTF-8, a byte-order mark allowed). One column holds
the student ids ``grade batch`` made from the submissions' names (``student_id`` unless the
caller names another, e.g. ``sis_login_id`` when submissions are named by login); the others
say who the student is in the LMS. Column names are read case-insensitively, spaces and
hyphens as underscores, and the names of Canvas's and Moodle's own gradebook exports are
understood, so an exported gradebook with a ``student_id`` column added is a roster:

    our column      also read from             used by
    name            Student                    Canvas (matches by name last)
    canvas_id       ID                         Canvas (its numeric user id)
    sis_user_id     SIS User ID                Canvas
    sis_login_id    SIS Login ID               Canvas
    section         Section                    Canvas (shown, not matched)
    idnumber        ID number                  Moodle "useridnumber"
    username        Username                   Moodle "username"
    email           Email address              Moodle "useremail"

Our ids are matched exactly first, then by :func:`~grader.batch.naming.collision_key` (case
and Unicode compatibility forms ignored), as ``grade batch`` compares them.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from grader.batch.naming import collision_key
from grader.errors import UsageError
from grader.text_file import UnreadableText, read_utf8

FIELDS = (
    "name",
    "canvas_id",
    "sis_user_id",
    "sis_login_id",
    "section",
    "idnumber",
    "username",
    "email",
)
_ALIASES = {"student": "name", "id": "canvas_id", "id_number": "idnumber",
            "email_address": "email"}  # fmt: skip
_MAX_BYTES = 32 * 2**20


@dataclass(frozen=True)
class Person:
    """One roster row: our student id and the LMS fields (empty when not given)."""

    student_id: str
    fields: dict[str, str]

    def get(self, field: str) -> str:
        return self.fields.get(field, "")


class Roster:
    """The roster's people, found by our student id (see the module docstring)."""

    def __init__(self, people: tuple[Person, ...], columns: tuple[str, ...]) -> None:
        self.people = people
        self.columns = columns  # the LMS fields the file has
        self._exact = {p.student_id: p for p in people}
        keys = ((collision_key(p.student_id), p) for p in reversed(people))
        self._folded = {key: p for key, p in keys if key is not None}

    def find(self, student_id: str) -> Person | None:
        """The person with this id (exactly, else up to case and Unicode form), or None."""
        key = collision_key(student_id)
        return self._exact.get(student_id) or (self._folded.get(key) if key else None)


def read_roster(path: Path, key: str = "student_id") -> Roster:
    """Read the roster at ``path``; ``key`` names the column holding our student ids.

    Raises:
        UsageError: the file cannot be read, has no ``key`` column, or names one student
            twice.
    """
    rows = _rows(path)
    header = [_normalized(h) for h in rows[0]] if rows else []
    wanted = _normalized(key)
    if wanted not in header:
        raise UsageError(
            f"{path}: no {key!r} column (the header has: {', '.join(rows[0]) if rows else '-'})"
        )
    people, seen = [], set()
    for number, row in enumerate(rows[1:], start=2):
        values = dict(zip(header, (cell.strip() for cell in row), strict=False))
        student = values.get(wanted, "")
        if not student:
            continue
        if student in seen:
            raise UsageError(f"{path}, line {number}: student {student!r} is listed twice")
        seen.add(student)
        people.append(Person(student, {f: values.get(f, "") for f in FIELDS if f in header}))
    return Roster(tuple(people), tuple(f for f in FIELDS if f in header))


def _rows(path: Path) -> list[list[str]]:
    try:
        text = read_utf8(path, _MAX_BYTES, f"{path} (the roster)")
        return [row for row in csv.reader(io.StringIO(text, newline="")) if any(row)]
    except UnreadableText as exc:
        raise UsageError(str(exc)) from None
    except csv.Error as exc:
        raise UsageError(f"{path}: not a CSV file ({exc})") from exc


def _normalized(name: str) -> str:
    plain = "_".join(name.strip().lower().replace("-", " ").split())
    return _ALIASES.get(plain, plain)
