"""The course a ``grade`` command works on, shared by every command module."""

from __future__ import annotations

import sys

import click

from grader.catalog import Course
from grader.errors import GraderError


def current_course() -> Course:
    """The course of this command (``--course``, ``$GRADER_COURSE`` or found), mounted.

    Located once per command line; a missing or malformed course is one clear line on
    stderr and exit code 2.
    """
    root = click.get_current_context().find_root()
    found = root.meta.get("grader.course")
    if found is None:
        try:
            found = Course.locate(root.obj).mount()
        except GraderError as exc:
            click.echo(f"grade: {exc}", err=True)
            sys.exit(exc.exit_code)
        root.meta["grader.course"] = found
    return found
