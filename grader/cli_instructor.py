"""Instructor commands over a gradebook, and Gradescope's autograder.

    grade students --db course.db                       # one line per student
    grade history --db course.db --student alice        # what changed between gradings
    grade override --db course.db --student alice --check ex4_7:explanation \\
        --points 2 --reason "clear and correct"         # an instructor's points for a check
    grade gradescope-autograder autograder.zip          # the zip Gradescope runs

Thin commands over :mod:`grader.batch.adjust`, :mod:`grader.report.students` and
:mod:`grader.autograder`; they raise :class:`~grader.errors.GraderError`, which the CLI's
one boundary turns into one line and its exit code (2: a usage error such as an unknown
student or check; 4: the gradebook cannot be written or read).
"""

from __future__ import annotations

import getpass
import os
from pathlib import Path

import click

from grader.api import ISOLATION_CHOICES
from grader.batch.gradebook import Gradebook
from grader.batch.naming import collision_key
from grader.cli_context import current_course
from grader.errors import UsageError
from grader.report.gradescope import VISIBILITIES

__all__ = ["register"]

_DB = click.option(
    "--db",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="The gradebook (SQLite) grade batch wrote.",
)


def register(group: click.Group) -> None:
    """Add the instructor commands to the ``grade`` group."""
    for command in (students_command, history_command, override_command, autograder_command):
        group.add_command(command)


@click.command("students")
@_DB
def students_command(db: Path) -> None:
    """One line per student: latest score (overrides in, late penalties off), when graded,
    when handed in, overrides and problems."""
    from grader.batch.adjust import class_results
    from grader.report.students import students_table

    with Gradebook(db, create=False) as gradebook:
        graded = class_results(gradebook, current_course().deadlines, complete_missing=False)
    click.echo(students_table(graded), nl=False)


@click.command("history")
@_DB
@click.option("--student", required=True, help="The student id (grade students lists them).")
def history_command(db: Path, student: str) -> None:
    """Every grading of one student, oldest first, and what changed between them, check by
    check; then the overrides recorded for them (who, when, why)."""
    from grader.report.students import history_text

    with Gradebook(db, create=False) as gradebook:
        student_id = _known_student(gradebook, student)
        text = history_text(gradebook.history(student_id), gradebook.overrides(student_id))
    click.echo(text, nl=False)


@click.command("override")
@_DB
@click.option("--student", required=True, help="The student id (grade students lists them).")
@click.option(
    "--check",
    "check_name",
    required=True,
    help="The check or quiz question: NAME, or EXERCISE:NAME where names repeat.",
)
@click.option("--points", type=float, required=True, help="The points it is worth now.")
@click.option("--reason", required=True, help="Why (shown to the student in feedback).")
@click.option("--author", help="Who decided (default: your user name).")
def override_command(
    db: Path, student: str, check_name: str, points: float, reason: str, author: str | None
) -> None:
    """Give one check of a student's latest grading these points (a free-text answer gets its
    points this way). Recorded with who, when and why; kept when the student is regraded;
    applied once in every export and shown in feedback. A newer override of the same check
    replaces it (both stay in the history)."""
    from grader.batch.adjust import check_points, class_results, find_check

    if not reason.strip():
        raise UsageError("--reason must say why (the student reads it)")
    with Gradebook(db, create=False) as gradebook:  # never a new one in its place
        student_id = _known_student(gradebook, student)
        latest = gradebook.latest(student_id)
        exercise, check = find_check(latest, check_name)  # type: ignore[arg-type]
        check_points(check, points)
        who = author or _user()
        gradebook.add_override(student_id, exercise, check.name, points, reason.strip(), who)
        now = next(s for s in class_results(gradebook, current_course().deadlines)
                   if s.student_id == student_id)  # fmt: skip
    click.echo(
        f"{student_id}: {exercise}:{check.name} = {points:g}/{check.max_points:g} "
        f"(by {who}); total now {now.score:g}/{now.max_score:g}"
    )


@click.command("gradescope-autograder")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--exercise",
    "exercise_ids",
    multiple=True,
    help="An exercise to grade (repeatable; default: all of the course).",
)
@click.option(
    "--hidden-visibility",
    type=click.Choice(VISIBILITIES),
    default="after_published",
    show_default=True,
    help="When students see hidden checks on Gradescope.",
)
@click.option(
    "--disclose-hidden",
    is_flag=True,
    help="Show hidden checks' messages too (default: title and points only).",
)
@click.option(
    "--isolation",
    type=click.Choice(ISOLATION_CHOICES),
    default="auto",
    show_default=True,
    help="Sandbox on Gradescope: strongest available; strict refuses below namespaces.",
)
@click.option("--torch", help="The torch requirement setup.sh installs (default: this one's).")
def autograder_command(
    out: Path,
    exercise_ids: tuple[str, ...],
    hidden_visibility: str,
    disclose_hidden: bool,
    isolation: str,
    torch: str | None,
) -> None:
    """Write OUT (a zip) for Gradescope's "Configure Autograder": setup.sh, run_autograder,
    the engine, and the course's public and hidden checks and solutions (instructor-only:
    never give it to students)."""
    from grader.autograder.build import AutograderOptions, build_autograder

    course = current_course()
    exercises = [course.find(e) for e in exercise_ids] or list(course.exercises())
    options = AutograderOptions(hidden_visibility, disclose_hidden, isolation, torch or "")
    names = build_autograder(course, exercises, out, options)
    click.echo(
        f"wrote {out} ({len(names)} files) grading {', '.join(e.id for e in exercises)}; "
        "upload it on Gradescope's Configure Autograder page",
        err=True,
    )


def _known_student(gradebook: Gradebook, student: str) -> str:
    """The gradebook's id for ``student`` (compared as grade batch compares ids).

    Raises:
        UsageError: no such student.
    """
    ids = gradebook.students()
    if student in ids:
        return student
    key = collision_key(student)
    same = [s for s in ids if key is not None and collision_key(s) == key]
    if len(same) == 1:
        return same[0]
    shown = ", ".join(ids[:10]) + (" ..." if len(ids) > 10 else "")
    raise UsageError(f"{gradebook.path}: no student {student!r} (students: {shown or 'none'})")


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return os.environ.get("USER", "instructor")
