"""The course a ``grade`` command works on, shared by every command module."""

from __future__ import annotations

from pathlib import Path

import click

from grader.catalog import COURSE_FILE, ENVIRONMENT_VARIABLE, Course
from grader.cli_output import note


def current_course() -> Course:
    """The course of this command (``--course``, ``$GRADER_COURSE`` or found), mounted.

    Located once per command line. Raises CourseError (the CLI's boundary makes it one
    clear line and exit code 2) when there is no course or it is malformed.
    """
    root = click.get_current_context().find_root()
    found = root.meta.get("grader.course")
    if found is None:
        found = Course.locate(root.obj).mount()
        root.meta["grader.course"] = found
        if found.found_by == "engine":
            note(
                f"no {COURSE_FILE} in {Path.cwd()} or above; using the example "
                f"course beside the engine, {found.root} (pass --course DIR or set "
                f"${ENVIRONMENT_VARIABLE} for another)"
            )
    return found
