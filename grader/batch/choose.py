"""Which submissions ``grade batch`` grades, and when each was handed in.

- :func:`only_students`: ``--student ID`` (repeatable) grades those students again and no one
  else: every other student's rows stay exactly as they were.
- :func:`with_submission_times`: ``--submitted-at times.csv`` (the LMS's export, the
  authority) replaces the files' own dates (see :mod:`grader.batch.times`).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from pathlib import Path

from grader.batch.naming import collision_key
from grader.batch.submissions import Submission
from grader.batch.times import read_times_csv
from grader.errors import UsageError

log = logging.getLogger(__name__)


def only_students(
    found: Sequence[Submission], students: Sequence[str], folder: Path
) -> list[Submission]:
    """The submissions of ``students``, ids compared as ``grade batch`` compares them
    (case and Unicode compatibility forms ignored).

    Raises:
        UsageError: a student has no submission in ``folder``.
    """
    wanted = {_key(s): s for s in students}
    chosen = [s for s in found if _key(s.student_id) in wanted]
    missing = set(wanted) - {_key(s.student_id) for s in chosen}
    if missing:
        names = ", ".join(repr(wanted[key]) for key in sorted(missing))
        raise UsageError(f"{folder}: no submission of {names} (grade students --db lists ids)")
    return chosen


def with_submission_times(
    found: Sequence[Submission], csv_path: Path | None
) -> tuple[list[Submission], dict[str, str]]:
    """``found`` with the CSV's submission times where it lists the student, and those times
    by student id (empty without a CSV). Students it does not list keep their files' date,
    with one warning naming them.

    Raises:
        UsageError: the CSV cannot be read (see :func:`grader.batch.times.read_times_csv`).
    """
    if csv_path is None:
        return list(found), {}
    listed = {_key(student): time for student, time in read_times_csv(csv_path).items()}
    given = {
        s.student_id: listed[_key(s.student_id)] for s in found if _key(s.student_id) in listed
    }
    unlisted = [s.student_id for s in found if s.student_id not in given]
    if unlisted:
        shown = ", ".join(unlisted[:5]) + (" ..." if len(unlisted) > 5 else "")
        log.warning(
            "%s does not list %d students (%s): their submission time is their files' own date",
            csv_path, len(unlisted), shown,
        )  # fmt: skip
    timed = [dataclasses.replace(s, submitted_at=given.get(s.student_id, s.submitted_at))
             for s in found]  # fmt: skip
    return timed, given


def _key(student_id: str) -> str:
    return collision_key(student_id) or student_id
