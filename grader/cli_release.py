"""``grade release`` (instructors: build the handout) and ``grade notebook`` (a notebook).

    grade release handout/                 # the student handout, as a folder
    grade release handout.zip --notebooks  # zipped, with exercises/<id>.ipynb
    grade notebook ex4_5                   # write exercises/ex4_5.ipynb

Thin commands over :mod:`grader.release` and :mod:`grader.notebook`; a GraderError
becomes one line on stderr and its exit code (2 usage, input or a leak refused by the
audit, 3 a grader bug) at the CLI's one boundary (:mod:`grader.cli`).
"""

from __future__ import annotations

from pathlib import Path

import click

from grader.cli_context import current_course
from grader.errors import MissingFile, UsageError
from grader.notebook import build_notebook, write_notebook

__all__ = ["notebook_command", "release_command"]


@click.command("release")
@click.argument("out", type=click.Path(path_type=Path))
@click.option("--notebooks", is_flag=True, help="Also write exercises/<id>.ipynb notebooks.")
@click.option(
    "-e",
    "--exercise",
    "exercise_ids",
    multiple=True,
    help="Release only this exercise (repeatable; default: every complete exercise).",
)
def release_command(out: Path, notebooks: bool, exercise_ids: tuple[str, ...]) -> None:
    """Build the student handout in OUT (a new folder, or a file ending in .zip).

    It holds the grader package, stubs, answers templates, statements, public checks
    and a student README; never solutions/ or hidden/. The result is audited for
    leaks of solutions, reference answers and hidden checks before it is written.
    """
    from grader.release import build_handout

    course = current_course()
    report = build_handout(
        out, notebooks=notebooks, exercise_ids=exercise_ids or None, course=course
    )
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(
        f"Wrote {report.output} ({report.files} files): {', '.join(report.exercises)}"
        + (f"; notebooks: {', '.join(report.notebooks)}" if report.notebooks else "")
    )
    click.echo(
        f"Audit: no file contains any of {report.secrets_checked} instructor-only items "
        f"(solution bodies, reference answers, hidden checks). {report.seconds:.1f} s"
    )


@click.command("notebook")
@click.argument("exercise_id")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write it (default: exercises/<id>.ipynb in the course folder).",
)
@click.option("--force", is_flag=True, help="Overwrite an existing notebook (and its work).")
def notebook_command(exercise_id: str, out: Path | None, force: bool) -> None:
    """Write a Jupyter notebook for exercise ID: statement, code cells, quiz answers cell.

    Grade it like the .py: `grade ID` reads exercises/<id>.ipynb when it holds your work.
    """
    course = current_course()
    exercise = course.find(exercise_id)
    target = out or course.root / exercise.notebook_path
    if target.exists() and not force:
        raise UsageError(f"{target} already exists (it may hold your work): use --force")
    stub = course.stub(exercise)
    if not stub.is_file():
        raise MissingFile(f"no stub at {stub}: the notebook's code cells come from it")
    answers = course.answers_template(exercise)
    answers_text = answers.read_text(encoding="utf-8") if answers.is_file() else None
    notebook = build_notebook(exercise, stub.read_text(encoding="utf-8"), answers_text)
    write_notebook(notebook, target)
    click.echo(f"Wrote {target}: open it in Jupyter, then run `grade {exercise.id}`")
