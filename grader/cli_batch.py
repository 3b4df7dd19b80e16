"""Instructor commands: ``grade batch``, ``grade export``, ``grade stats``, ``grade demo-class``.

Commands raise :class:`~grader.errors.GraderError`; the CLI's one boundary
(:mod:`grader.cli`) turns it into one line and its exit code.
"""

from __future__ import annotations

import logging
import shutil
import signal
import sys
import tempfile
from pathlib import Path

import click

from grader.api import DEVICES, ISOLATION_CHOICES
from grader.batch.gradebook import Gradebook
from grader.batch.scheduler import BatchOptions, BatchSummary, run_batch
from grader.batch.submissions import Submission, discover
from grader.cli_context import current_course
from grader.cli_output import ProgressBar, say, setup_logging
from grader.version import grader_version

log = logging.getLogger(__name__)


@click.command("batch")
@click.argument("submissions", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The gradebook (SQLite); created if absent.",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(1, 64),
    default=None,
    help="Parallel grading workers (default: number of cores).",
)
@click.option(
    "--exercise",
    "exercise_ids",
    multiple=True,
    help="Grade only this exercise (repeatable; default: all).",
)
@click.option("--regrade", is_flag=True, help="Grade again even what is already graded.")
@click.option("--device", type=click.Choice(DEVICES), default="auto", show_default=True)
@click.option(
    "--isolation",
    type=click.Choice(ISOLATION_CHOICES),
    default="auto",
    show_default=True,
    help="Sandbox: strongest available; strict = namespaces or refuse; process = fallback.",
)
def batch_command(
    submissions: Path,
    db: Path,
    jobs: int | None,
    exercise_ids: tuple[str, ...],
    regrade: bool,
    device: str,
    isolation: str,
) -> None:
    """Grade every submission in SUBMISSIONS (folders, .zip files or single files).

    A submission that cannot be read is recorded as that student's error row (limits:
    docs/limits.md). Exit 0 when nothing went wrong, 1 when some submission is an error
    row, 4 when the gradebook cannot be written (every submission recorded before is
    intact; rerun to resume), 130 on Ctrl-C.
    """
    setup_logging()
    course = current_course()
    exercises = _exercises(course, exercise_ids)
    ids = [e.id for e in exercises]
    _require_isolation(isolation)
    version = grader_version(course)
    staging = Path(tempfile.mkdtemp(prefix="grader-batch-"))
    try:
        with Gradebook(db) as gradebook:  # a --db that is no gradebook is refused first
            found = discover(submissions, ids, staging, answers_expected=())
            todo = [
                s
                for s in found
                if regrade or not gradebook.already_graded(s.student_id, s.content_hash, version)
            ]
            say(
                f"{len(found)} submissions, {len(found) - len(todo)} already graded "
                f"with grader {version}, {len(todo)} to grade; exercises: "
                f"{', '.join(ids)}"
            )
            options = BatchOptions(
                jobs=jobs or _cores(),
                device=device,
                isolation=isolation,
                grader_version=version,
                course_root=str(course.root),
            )
            summary = _run_with_progress(todo, exercises, gradebook, options)
    except KeyboardInterrupt:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C: still one line
        click.echo("interrupted: every finished submission is saved; run again to resume", err=True)
        sys.exit(130)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    _report(summary, len(todo), options.jobs)
    sys.exit(1 if summary.errors else 0)


def _exercises(course, exercise_ids: tuple[str, ...]) -> list:
    """The exercises asked for (default: all), validated.

    Raises:
        UnknownExercise, CourseError: a name that is no exercise, a malformed course (exit 2).
    """
    chosen = [course.find(e) for e in exercise_ids] or list(course.exercises())
    course.validate(tuple(chosen))
    return chosen


def _require_isolation(isolation: str) -> None:
    """Refuse at once when --isolation strict cannot be had, before any worker starts.

    Raises:
        IsolationUnavailable: namespaces are unavailable here (exit code 2).
    """
    from grader.sandbox.isolation import choose

    choose(isolation)


def _run_with_progress(
    todo: list[Submission], exercises: list, gradebook: Gradebook, options: BatchOptions
) -> BatchSummary:
    """Grade ``todo`` with a progress bar on stderr: in place on a terminal (warnings
    above it, each once), one plain line per submission elsewhere."""
    with ProgressBar(len(todo)) as bar:
        return run_batch(
            todo,
            exercises,
            gradebook,
            options,
            lambda sub, status: bar.advance(f"{sub.student_id}: {status}"),
        )


def _report(summary: BatchSummary, count: int, jobs: int) -> None:
    """One closing line; overhead = (wall - check time / workers) / submissions."""
    per_minute = summary.graded / summary.wall_seconds * 60 if summary.wall_seconds else 0.0
    busy = summary.check_seconds / max(min(jobs, count), 1)
    overhead = max(summary.wall_seconds - busy, 0.0) / count if count else 0.0
    say(
        f"graded {summary.graded} submissions in {summary.wall_seconds:.1f} s "
        f"({per_minute:.0f}/min; {summary.check_seconds:.1f} s inside checks over {jobs} "
        f"workers; about {overhead:.3f} s other time per submission); "
        f"{summary.errors} with errors; device: {', '.join(sorted(summary.devices)) or '-'}"
    )


def _cores() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


@click.command("export")
@click.option("--db", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True)
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "gradescope", "feedback"]), required=True
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    required=True,
    help="A file for csv; a folder for gradescope and feedback.",
)
@click.option("--html", is_flag=True, help="Feedback pages as HTML (default Markdown).")
@click.option(
    "--disclose-hidden",
    is_flag=True,
    help="Show hidden checks' messages too (default: name and points only).",
)
def export_command(db: Path, fmt: str, output: Path, html: bool, disclose_hidden: bool) -> None:
    """Export the latest grade of every student from the gradebook."""
    from grader.report import csv_export, feedback, gradescope

    with Gradebook(db, create=False) as gradebook:
        graded = gradebook.latest_all()
    if fmt == "csv":
        paths = [csv_export.write_csv(graded, output)]
    elif fmt == "gradescope":
        paths = gradescope.write_gradescope(graded, output, disclose_hidden=disclose_hidden)
    else:
        paths = feedback.write_feedback(
            graded, output, fmt="html" if html else "md", disclose_hidden=disclose_hidden
        )
    click.echo(f"wrote {len(paths)} file(s) for {len(graded)} students to {output}", err=True)


@click.command("stats")
@click.option("--db", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True)
@click.option("--top", type=int, default=10, show_default=True, help="Most-failed checks shown.")
@click.option(
    "--timing",
    is_flag=True,
    help="Show instead the --top slowest checks: median and p95 seconds, judge and sandbox side.",
)
def stats_command(db: Path, top: int, timing: bool) -> None:
    """Score distribution per exercise and the most-failed checks."""
    from grader.batch.stats import format_stats

    with Gradebook(db, create=False) as gradebook:
        if timing:
            from grader.batch.timing import format_timing

            click.echo(format_timing(gradebook.latest_all(), top=top), nl=False)
            return
        click.echo(format_stats(gradebook.latest_all(), top=top), nl=False)


@click.command("demo-class")
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@click.option("--students", type=click.IntRange(1, 10_000), default=60, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option(
    "--replace",
    is_flag=True,
    help="Replace OUT if it holds a demo class written before; any other content is refused.",
)
def demo_class_command(out: Path, students: int, seed: int, replace: bool) -> None:
    """Generate a synthetic class (correct, wrong, crashing, looping, malformed work)."""
    from grader.batch.demo_class import make_demo_class

    made = make_demo_class(out, students, seed=seed, course=current_course(), replace=replace)
    click.echo(f"wrote {len(made)} submissions to {out}", err=True)
