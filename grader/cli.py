"""The ``grade`` command: a thin layer that parses, calls :mod:`grader.api`, and prints.

Exit codes: 0 every check passed, 1 some check failed, 2 usage or input error,
3 internal error (a grader bug; the message says so), 4 the gradebook cannot be written
or read (disk full, I/O error; what was committed is intact, rerun to resume),
130 interrupted (Ctrl-C).

One boundary, :meth:`_ExerciseGroup.invoke`, turns every :class:`~grader.errors.GraderError`
raised by any command into one line ``grade: <message>`` and the error's exit code; commands
just raise. Only an exception outside that tree is reported as a grader bug (exit code 3).
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import click

from grader import cli_author, cli_instructor
from grader.api import DEVICES, ISOLATION_CHOICES, Session, solution_workspace, wants_warm_template
from grader.catalog import ENVIRONMENT_VARIABLE, Course
from grader.cli_context import current_course
from grader.cli_doctor import doctor_command
from grader.cli_output import setup_logging
from grader.errors import GraderError, SubmissionError, UsageError
from grader.model import ExerciseResult

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERNAL, EXIT_GRADEBOOK = 0, 1, 2, 3, 4
EXIT_INTERRUPTED = 130  # 128 + SIGINT, what a shell reports for Ctrl-C


class _GraderFailure(click.ClickException):
    """A GraderError (or Ctrl-C) leaving the CLI: ``grade: <message>`` on stderr, its code."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code

    def show(self, file: object = None) -> None:
        click.echo(f"grade: {self.format_message()}", err=True)


class _ExerciseGroup(click.Group):
    """A group where ``grade ex4_5 ...`` means ``grade check ex4_5 ...``."""

    def invoke(self, ctx: click.Context):  # type: ignore[override]
        """Run the command; a GraderError becomes one line and its exit code, Ctrl-C 130."""
        try:
            return super().invoke(ctx)
        except GraderError as exc:
            raise _GraderFailure(str(exc), exc.exit_code) from exc
        except KeyboardInterrupt:
            raise _GraderFailure("interrupted", EXIT_INTERRUPTED) from None

    def resolve_command(self, ctx: click.Context, args: list[str]):  # type: ignore[override]
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["check", *args]
        return super().resolve_command(ctx, args)

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        formatter.write_usage("grade", "ID [OPTIONS] | COMMAND [ARGS]...")


def main() -> None:
    """Console entry point: run the CLI; an exception outside the GraderError tree is a bug:
    exit code 3, one line.

    The process ends with ``os._exit`` after the exit handlers ran and the output was
    flushed: tearing down an interpreter that imported torch costs over half a second,
    and every resource the grader holds is already closed by then.
    """
    try:
        _run_cli()
    except SystemExit as done:
        _fast_exit(done.code)
    _fast_exit(0)


def _fast_exit(code: object) -> None:
    if code is not None and not isinstance(code, int):
        click.echo(str(code), err=True)
        code = 1
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code or 0)


def _run_cli() -> None:
    try:
        cli(standalone_mode=True)
    except Exception as exc:  # a grader bug: say so plainly, never a bare traceback
        logging.getLogger(__name__).debug("internal error", exc_info=True)
        click.echo(
            f"grade: internal error: {type(exc).__name__}: {exc} "
            "(a bug in the grader, not in your work; run with GRADER_DEBUG=1 for details)",
            err=True,
        )
        if os.environ.get("GRADER_DEBUG"):
            raise
        sys.exit(EXIT_INTERNAL)


@click.group(cls=_ExerciseGroup)
@click.version_option(package_name="grader")
@click.option(
    "--course",
    "course_dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar=ENVIRONMENT_VARIABLE,
    help=f"The course folder (default: ${ENVIRONMENT_VARIABLE}, else the nearest folder "
    "holding course.toml from here upwards).",
)
@click.pass_context
def cli(ctx: click.Context, course_dir: Path | None) -> None:
    """Check your exercises: `grade ID` (e.g. `grade ex4_5` or `grade param-count`).

    `grade list` shows the exercises, `grade show ID` a statement.
    """
    ctx.obj = course_dir


def _grading_options(func):
    options = [
        click.option(
            "--submission",
            type=click.Path(exists=True, path_type=Path),
            help="Grade this submission (a folder, .zip or single file, in any layout "
            "`grade batch` accepts) instead of ./",
        ),
        click.option(
            "--solution", is_flag=True, help="Grade the reference solution (instructors)."
        ),
        click.option(
            "--hidden/--public-only",
            "hidden",
            default=None,
            help="Run hidden checks too (default: with --submission or --solution).",
        ),
        click.option("--json", "as_json", is_flag=True, help="Print one JSON object."),
        click.option(
            "--device",
            type=click.Choice(DEVICES),
            default="auto",
            show_default=True,
            help="Where training checks run.",
        ),
        click.option(
            "--isolation",
            type=click.Choice(ISOLATION_CHOICES),
            default="auto",
            show_default=True,
            help="Sandbox: strongest available; strict = namespaces or refuse; process = fallback.",
        ),
        click.option("-v", "--verbose", is_flag=True, help="Show messages of passed checks too."),
        click.option(
            "--report",
            type=click.Path(dir_okay=False, writable=True, path_type=Path),
            help="Also write your feedback page, with the plots of your runs, to this file "
            "(HTML; Markdown with the plots beside it if it ends in .md).",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@cli.command("check")
@click.argument("exercise_id")
@_grading_options
@click.option(
    "--watch",
    is_flag=True,
    help="Keep running: grade again each time you save the exercise or its answers "
    "(Ctrl-C to stop).",
)
def check_command(exercise_id: str, watch: bool, **options) -> None:
    """Check one exercise (ID or alias)."""
    if watch:
        _watch(exercise_id, **options)
    _run(lambda: [current_course().find(exercise_id)], all_exercises=False, **options)


@cli.command("all")
@_grading_options
def all_command(**options) -> None:
    """Check every exercise."""
    _run(lambda: list(current_course().exercises()), all_exercises=True, **options)


@cli.command("list")
@click.option(
    "--submission",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    help="Whose work to describe (default: ./).",
)
def list_command(submission: Path) -> None:
    """List the exercises: alias, points, and how far your work is (no checks are run)."""
    from grader.report.terminal import terminal_width, wrap

    exercises = current_course().exercises()
    if not exercises:
        click.echo(f"{current_course().root}: this course has no exercise yet (grade new ID)")
        return
    width = terminal_width()
    ids = max(len(e.id) for e in exercises) + 2
    aliases = max(len(e.alias) for e in exercises) + 2
    column = ids + aliases if width - ids - aliases >= 40 else 4
    with tempfile.TemporaryDirectory(prefix="grader-list-") as scratch:
        for exercise in exercises:
            points = exercise.public_checks().max_points
            quiz = sum(q.points for q in exercise.questions())
            lead = f"{exercise.id:<{ids}}{exercise.alias:<{aliases}}"
            code, quiz_done = _progress(exercise, submission, Path(scratch))
            details = f"code {code} ({points:g} pts), quiz {quiz_done} ({quiz:g} pts)"
            lines = wrap(exercise.title, width, lead, column) + wrap(details, width, ids)
            click.echo("\n".join(lines))


def _progress(exercise, workspace: Path, scratch: Path) -> tuple[str, str]:
    """("not started" or "in progress" for the code, "2/4 answered" for the quiz), the quiz
    read from the file grading reads (a notebook's answers cell wins over the TOML file)."""
    from grader.notebook.workspace import has_work, prepare_workspace_source
    from grader.quiz.answers import display_name, read_answers

    code = "not started"
    for name in (exercise.source_path, exercise.notebook_path):
        path = workspace / name
        if path.is_file() and _started(path, has_work):
            code = "in progress"
    questions = exercise.questions()
    toml = workspace / exercise.answers_path
    prepared = prepare_workspace_source(workspace, exercise, scratch)
    answers = prepared.answers_path if prepared is not None else toml
    sheet = read_answers(answers, questions) if answers.is_file() else None
    answered = len(sheet.values) + len(sheet.problems) if sheet else 0
    source = "" if answers == toml else f" in {display_name(answers)}"
    return code, f"{answered}/{len(questions)} answered{source}"


def _started(path: Path, has_work) -> bool:
    if path.suffix == ".ipynb":
        from grader.notebook.extract import extract_notebook

        try:
            return has_work(extract_notebook(path).source)
        except GraderError:
            return True
    try:
        return has_work(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return True


@cli.command("show")
@click.argument("exercise_id")
def show_command(exercise_id: str) -> None:
    """Print an exercise's statement and what to implement."""
    exercise = current_course().find(exercise_id)
    click.echo(exercise.statement().rstrip())
    click.echo(f"\nImplement in {exercise.source_path}: {', '.join(exercise.functions)}")
    click.echo(f"Answer the quiz in {exercise.answers_path}, then run: grade {exercise.id}")


def _run(
    pick,
    *,
    all_exercises: bool,
    submission: Path | None,
    solution: bool,
    hidden: bool | None,
    as_json: bool,
    device: str,
    isolation: str,
    verbose: bool,
    report: Path | None,
) -> None:
    setup_logging()
    if submission and solution:
        raise UsageError("--submission and --solution cannot be used together")
    course = current_course()
    exercises = pick()
    include_hidden = hidden if hidden is not None else bool(submission or solution)
    warm = wants_warm_template(exercises)
    session = Session.start(device=device, isolation=isolation, course=course, warm=warm)
    scratch = Path(tempfile.mkdtemp(prefix="grader-run-"))
    try:
        if include_hidden:  # loads the hidden checks while the sandbox template starts
            course.validate(tuple(exercises))
        target, problems = _workspace(exercises, course, submission, solution, scratch)
        results = session.grade(exercises, target, include_hidden=include_hidden)
        results = problems.with_problems(results) if problems else results
    finally:
        session.close()
        shutil.rmtree(scratch, ignore_errors=True)
    _print(results, exercises, all_exercises, as_json, verbose)
    if report:
        _write_report(results, report, _whose(submission, solution))
    sys.exit(_exit_code(results))


def _whose(submission: Path | None, solution: bool) -> str:
    """Who a local report is for, as its heading says it."""
    if solution:
        return "the reference solution"
    return submission.name if submission else "your work"


def _write_report(results: list[ExerciseResult], path: Path, student: str) -> None:
    """``--report``: the feedback page of this run (see grader.report.feedback)."""
    from grader.report.feedback import write_report

    try:
        write_report(results, path, student=student)
    except OSError as exc:
        raise UsageError(f"--report {path}: cannot write it ({exc.strerror or exc})") from exc
    click.echo(f"wrote your feedback page to {path}", err=True)


def _watch(
    exercise_id: str,
    *,
    submission: Path | None,
    solution: bool,
    hidden: bool | None,
    as_json: bool,
    device: str,
    isolation: str,
    verbose: bool,
    report: Path | None,
) -> None:
    """``grade ID --watch``: grade the work in ./ now and after every save, until Ctrl-C
    (exit code 130, by the CLI's boundary). See :mod:`grader.cli_watch`."""
    from grader import cli_watch
    from grader.report import terminal

    if submission or solution:
        raise UsageError("--watch grades your work in ./: not with --submission or --solution")
    setup_logging()
    course = current_course()
    exercise = course.find(exercise_id)
    include_hidden = bool(hidden)
    if include_hidden:
        course.validate((exercise,))
    workspace = Path.cwd()
    files = ", ".join(
        str(p.relative_to(workspace)) for p in cli_watch.watched_files(exercise, workspace)
    )
    tty = sys.stdout.isatty()

    def show(result: ExerciseResult, changed: list[Path]) -> None:
        if tty:
            click.clear()
        if changed:
            saved = ", ".join(str(p.relative_to(workspace)) for p in changed)
            click.echo(f"saved: {saved}; graded again at {time.strftime('%H:%M:%S')}")
        if as_json:
            from grader.report.text import json_text

            click.echo(json_text(_json_report([result], all_exercises=False)))
        else:
            click.echo(terminal.render(result, exercise, verbose=verbose, color=tty))
        if report:
            _write_report([result], report, "your work")
        click.echo(
            "\n".join(
                terminal.wrap(
                    f"watching {files}: save to grade again (Ctrl-C to stop)",
                    terminal.terminal_width(),
                )
            )
        )

    warm = wants_warm_template([exercise], sandboxes_each=2)  # graded again at each save
    with Session.start(device=device, isolation=isolation, course=course, warm=warm) as session:
        cli_watch.watch(exercise, session, workspace, include_hidden=include_hidden, show=show)


def _workspace(exercises, course: Course, submission: Path | None, solution: bool, scratch: Path):
    """(the folder to grade, the loaded Submission or None) for this command line.

    ``--solution``: the reference solutions; ``--submission PATH``: that folder, zip or
    file read by the same loader as ``grade batch``; otherwise the current folder.
    """
    from grader.batch.submissions import load_one

    if solution:
        return solution_workspace(exercises, course, scratch / "solution"), None
    if submission is None:
        return Path.cwd(), None
    ids = [e.id for e in exercises]
    quizzes = [e.id for e in exercises if e.questions()]
    loaded = load_one(submission, ids, scratch, answers_expected=quizzes)
    if not loaded.gradable:
        raise SubmissionError(f"{submission}: {'; '.join(loaded.problems)}")
    return loaded.workspace, loaded


def _print(
    results: list[ExerciseResult], exercises, all_exercises: bool, as_json: bool, verbose: bool
) -> None:
    from grader.report import terminal
    from grader.report.text import json_text

    if as_json:
        click.echo(json_text(_json_report(results, all_exercises)))
        return
    color = sys.stdout.isatty()
    for result, exercise in zip(results, exercises, strict=True):
        click.echo(terminal.render(result, exercise, verbose=verbose, color=color))
    if all_exercises:
        click.echo(terminal.render_total(results))


def _json_report(results: list[ExerciseResult], all_exercises: bool) -> dict:
    """``grade ID --json``: the exercise's object with its checks as Gradescope tests;
    ``grade all --json``: a valid Gradescope results.json, the exercises in ``extra_data``.
    Both through the one serializer, :mod:`grader.report.gradescope`."""
    from grader.report.gradescope import exercise_tests, results_json

    objects = [
        {**r.to_dict(), "tests": exercise_tests(r, index, disclose_hidden=True)}
        for index, r in enumerate(results, start=1)
    ]
    if not all_exercises:
        return objects[0]
    extra = {
        "max_score": round(sum(r.max_score for r in results), 6),
        "deferred_points": round(sum(r.deferred_points for r in results), 6),
        "exercises": [{k: v for k, v in o.items() if k != "tests"} for o in objects],
    }
    return results_json(results, extra=extra, disclose_hidden=True)


def _exit_code(results: list[ExerciseResult]) -> int:
    if any(r.has_internal_error for r in results):
        return EXIT_INTERNAL
    return EXIT_OK if all(r.all_passed for r in results) else EXIT_FAILED


def _register_instructor_commands() -> None:
    from grader import cli_batch, cli_release

    for command in (
        cli_release.release_command,
        cli_release.notebook_command,
        cli_batch.batch_command,
        cli_batch.export_command,
        cli_batch.stats_command,
        cli_batch.demo_class_command,
    ):
        cli.add_command(command)


_register_instructor_commands()

cli.add_command(doctor_command)  # grade doctor (grader/cli_doctor.py)
cli_author.register(cli)  # grade init, new, quiz-template, selftest (grader/cli_author.py)
cli_instructor.register(cli)  # grade students, history, override, gradescope-autograder

if __name__ == "__main__":
    main()
