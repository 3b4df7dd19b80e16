"""Author commands: ``grade init``, ``grade new``, ``grade quiz-template``, ``grade selftest``.

    grade init my-course --title "Deep learning, spring"   # a new course folder
    grade new softmax_xent --alias softmax                 # every file of a new exercise
    grade quiz-template softmax_xent --force               # answers/<id>.toml from quiz.py
    grade selftest softmax_xent --max-mutants 30           # is the exercise sound?

Thin commands over :mod:`grader.author`. ``grade selftest`` exits 0 when every required
property holds, 1 when one does not, 2 for a usage or course error (one line naming
the file). Commands raise :class:`~grader.errors.GraderError`; the CLI's one boundary
(:mod:`grader.cli`) turns it into that line and its exit code.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from grader.api import DEVICES, ISOLATION_CHOICES
from grader.catalog import COURSE_FILE, Course
from grader.cli_context import current_course
from grader.cli_output import setup_logging
from grader.errors import UsageError

__all__ = ["register"]


def register(group: click.Group) -> None:
    """Add the author commands to the ``grade`` group."""
    for command in (init_command, new_command, quiz_template_command, selftest_command):
        group.add_command(command)


@click.command("init")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--title", help="The course's title (default: the folder's name).")
def init_command(folder: Path, title: str | None) -> None:
    """Start a new course in FOLDER: course.toml and the empty course folders."""
    from grader.author.scaffold import init_course

    course = init_course(folder, title)
    click.echo(f"Made the course {course.title!r} in {course.root}")
    click.echo(f"Next: cd {folder} && grade new ID   (then grade selftest ID)")


@click.command("new")
@click.argument("exercise_id")
@click.option("--alias", help="Another name students may use (default: the id).")
@click.option("--title", help="The one-line title (default: a TODO).")
@click.option(
    "-f",
    "--function",
    "functions",
    multiple=True,
    help="A name students define (repeatable; default: one function named like the id).",
)
def new_command(
    exercise_id: str, alias: str | None, title: str | None, functions: tuple[str, ...]
) -> None:
    """Write every file of a new exercise ID in this course, each with TODOs to fill in."""
    from grader.author.scaffold import new_exercise

    course = _author_course()
    written = new_exercise(course, exercise_id, alias=alias, title=title, functions=functions)
    click.echo(f"Wrote exercise {exercise_id} in {course.root}:")
    for path in written:
        click.echo(f"  {path.relative_to(course.root).as_posix()}")
    click.echo(
        f"Next: replace every TODO (docs/authoring.md explains each file), add {exercise_id} "
        f"to `order` in {COURSE_FILE} if you like, then run `grade selftest {exercise_id}`."
    )


@click.command("quiz-template")
@click.argument("exercise_id")
@click.option("--force", is_flag=True, help="Rewrite an existing answers/<id>.toml.")
def quiz_template_command(exercise_id: str, force: bool) -> None:
    """Write answers/<id>.toml (the blank answers students fill in) from the quiz."""
    from grader.author.scaffold import write_answers_template

    course = _author_course()
    path = write_answers_template(course, exercise_id, force=force)
    click.echo(f"Wrote {path}")


@click.command("selftest")
@click.argument("exercise_ids", nargs=-1)
@click.option(
    "--max-mutants",
    type=click.IntRange(0),
    default=60,
    show_default=True,
    help="Mutants of each solution to grade (0: no mutation testing).",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Which mutants are drawn.")
@click.option(
    "--time-cap",
    type=click.FloatRange(min=0, min_open=True),
    help="Seconds all checks together may take on one mutant "
    "(default: 3x the solution's check time, at least 10).",
)
@click.option("--strict-budgets", is_flag=True, help="A check over its time budget fails.")
@click.option(
    "--min-mutation-score",
    type=click.FloatRange(0, 1),
    help="Fail when the adjusted mutation score is lower (default: report only).",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--device", type=click.Choice(DEVICES), default="cpu", show_default=True)
@click.option(
    "--isolation", type=click.Choice(ISOLATION_CHOICES), default="auto", show_default=True
)
def selftest_command(exercise_ids: tuple[str, ...], as_json: bool, **options) -> None:
    """Prove exercises sound (default: all): solution full marks, stub zero, titles,
    release audit, statistical bounds, time budgets, and a mutation score."""
    from grader.author import report
    from grader.author.selftest import SelftestOptions, selftest

    setup_logging()
    course = current_course()
    exercises = [course.find(e) for e in exercise_ids] or course.exercises()
    course.validate(tuple(exercises))
    settings = SelftestOptions(
        max_mutants=options["max_mutants"],
        seed=options["seed"],
        time_cap_s=options["time_cap"],
        strict_budgets=options["strict_budgets"],
        min_mutation_score=options["min_mutation_score"],
        device=options["device"],
        isolation=options["isolation"],
    )
    results = selftest(course, exercises, settings, _progress())
    texts = {e.id: course.solution(e).read_text(encoding="utf-8") for e in exercises}
    names = {e.id: f"solutions/{e.id}.py" for e in exercises}
    if as_json:
        objects = [report.to_dict(r, texts[r.exercise], names[r.exercise]) for r in results]
        passed = all(r.passed for r in results)
        click.echo(json.dumps({"passed": passed, "exercises": objects}, indent=2))
    else:
        for result in results:
            click.echo(report.render(result, texts[result.exercise], names[result.exercise]))
        click.echo(report.summary(results), nl=False)
    sys.exit(0 if all(r.passed for r in results) else 1)


def _progress():
    """Progress lines on stderr: every step on a terminal, fewer in a log."""
    interactive = sys.stderr.isatty()

    def say(text: str) -> None:
        if interactive:
            click.echo(f"\r{text[:78]:<78}", err=True, nl=False)
        elif "mutant" not in text or text.split("/")[0].endswith(("0", " 1")):
            click.echo(text, err=True)

    return say


def _author_course() -> Course:
    """The course to write into; never the example course beside the engine by default.

    Raises:
        UsageError: no course here (only the engine's example course was found).
    """
    root = click.get_current_context().find_root()
    found = Course.locate(root.obj)
    if found.found_by == "engine":
        raise UsageError(
            f"no {COURSE_FILE} in {Path.cwd()} or above: run this inside your course, pass "
            "--course DIR, or start a course with `grade init DIR`"
        )
    return found
