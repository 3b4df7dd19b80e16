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
from grader.batch.choose import only_students, with_submission_times
from grader.batch.gradebook import Gradebook
from grader.batch.scheduler import BatchOptions, BatchSummary, run_batch
from grader.batch.submissions import Submission, discover
from grader.cli_context import current_course
from grader.cli_output import ProgressBar, say, setup_logging
from grader.report.exports import FORMATS as EXPORT_FORMATS
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
@click.option(
    "--student",
    "students",
    multiple=True,
    help="Grade only this student's submission, again (repeatable); everyone else's rows "
    "are left as they are.",
)
@click.option(
    "--submitted-at",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A CSV (student_id,submitted_at) from the LMS: when each student handed in "
    "(default: the files' own dates, which students can forge; see docs/instructors.md).",
)
@click.option("--device", type=click.Choice(DEVICES), default="auto", show_default=True)
@click.option(
    "--isolation",
    type=click.Choice(ISOLATION_CHOICES),
    default="auto",
    show_default=True,
    help="Sandbox: strongest available; strict = namespaces or refuse; process = fallback.",
)
@click.option(
    "--cluster",
    default="",
    metavar="local:N|ADDRESS",
    help="Grade on Dask: local:N workers here, or a scheduler (tcp://HOST:8786). "
    "Needs pip install 'grader[dask]'; see docs/scale.md.",
)
@click.option(
    "--trusted-workers",
    is_flag=True,
    help="Send hidden checks and solutions to the --cluster workers (default: public "
    "checks only, graded as a separate grader version); local:N is always trusted.",
)
def batch_command(
    submissions: Path,
    db: Path,
    jobs: int | None,
    exercise_ids: tuple[str, ...],
    regrade: bool,
    students: tuple[str, ...],
    submitted_at: Path | None,
    device: str,
    isolation: str,
    cluster: str,
    trusted_workers: bool,
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
    _require_isolation(isolation, cluster, [submissions, db])
    version = grader_version(course) + _cluster_version(cluster, trusted_workers)
    staging = Path(tempfile.mkdtemp(prefix="grader-batch-"))
    try:
        with Gradebook(db) as gradebook:  # a --db that is no gradebook is refused first
            found = discover(submissions, ids, staging, answers_expected=())
            found = only_students(found, students, submissions) if students else found
            found, times_given = with_submission_times(found, submitted_at)
            todo = [
                s
                for s in found
                if regrade
                or students
                or not gradebook.already_graded(
                    s.student_id, s.content_hash, version, times_given.get(s.student_id)
                )
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
                cluster=cluster,
                trusted_workers=trusted_workers,
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


def _require_isolation(isolation: str, cluster: str, private: list[Path]) -> None:
    """Refuse at once when --isolation strict cannot be had, before any worker starts
    (on a Dask cluster each worker checks for itself when it joins); locally, warn when
    the level chosen lets student code read one of ``private`` (the submissions folder,
    the gradebook).

    Raises:
        IsolationUnavailable: namespaces are unavailable here (exit code 2).
    """
    from grader.sandbox.isolation import choose, exposure_warning

    if cluster:
        return
    warning = exposure_warning(choose(isolation), private)
    if warning:
        log.warning("%s", warning)


def _cluster_version(cluster: str, trusted_workers: bool) -> str:
    """What marks a grade made without hidden checks (untrusted --cluster workers): its
    rows are another grader version, so a full run later grades them again.

    Raises:
        UsageError: a malformed --cluster; ClusterUnavailable: Dask is not installed.
    """
    if not cluster:
        return ""
    from grader.batch.executors.dask_client import (
        PUBLIC_ONLY,
        import_distributed,
        is_public_only,
        parse_cluster,
    )

    parse_cluster(cluster)
    import_distributed()
    return PUBLIC_ONLY if is_public_only(cluster, trusted_workers) else ""


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
@click.option("--format", "fmt", type=click.Choice(EXPORT_FORMATS), required=True)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    required=True,
    help="A file for csv, canvas and moodle; a folder for gradescope and feedback.",
)
@click.option("--html", is_flag=True, help="Feedback pages as HTML (default Markdown).")
@click.option(
    "--disclose-hidden",
    is_flag=True,
    help="Show hidden checks' messages too (default: name and points only).",
)
@click.option(
    "--roster",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="canvas/moodle: a CSV mapping student ids to LMS ids (see docs/instructors.md).",
)
@click.option(
    "--roster-key",
    default="student_id",
    show_default=True,
    help="The roster column that holds the student ids grade batch uses.",
)
@click.option(
    "--moodle-id",
    type=click.Choice(["idnumber", "username", "email"]),
    help="moodle: the identifier column (default: the first the roster has, in this order).",
)
def export_command(
    db: Path,
    fmt: str,
    output: Path,
    html: bool,
    disclose_hidden: bool,
    roster: Path | None,
    roster_key: str,
    moodle_id: str | None,
) -> None:
    """Export the latest grade of every student from the gradebook (overrides and late
    penalties applied once, in every format)."""
    from grader.batch.adjust import class_results
    from grader.report.exports import ExportOptions, export
    from grader.report.roster import read_roster

    course = current_course()
    options = ExportOptions(
        html=html,
        disclose_hidden=disclose_hidden,
        roster=read_roster(roster, roster_key) if roster else None,
        titles={e.id: e.title for e in course.exercises()},
        moodle_id=moodle_id,
    )
    with Gradebook(db, create=False) as gradebook:
        graded = class_results(gradebook, course.deadlines)
    paths, summary = export(fmt, graded, output, options)
    click.echo(f"wrote {len(paths)} file(s) to {output}: {summary}", err=True)


@click.command("stats")
@click.option("--db", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True)
@click.option("--top", type=int, default=10, show_default=True, help="Most-failed checks shown.")
@click.option(
    "--plot",
    type=click.Path(file_okay=False, path_type=Path),
    help="Also write a PNG histogram per exercise into this folder (needs matplotlib).",
)
@click.option(
    "--timing",
    is_flag=True,
    help="Show instead the --top slowest checks: median and p95 seconds, judge and sandbox side.",
)
def stats_command(db: Path, top: int, plot: Path | None, timing: bool) -> None:
    """Score distribution per exercise (graded students; missing and errored counted
    apart), each check's difficulty, and the most-failed checks; with --timing, where
    the batch's time went."""
    from grader.batch.adjust import class_results
    from grader.batch.stats import exercise_stats, format_stats

    course = current_course()
    with Gradebook(db, create=False) as gradebook:
        if timing:
            from grader.batch.timing import format_timing

            click.echo(format_timing(gradebook.latest_all(), top=top), nl=False)
            return
        graded = class_results(gradebook, course.deadlines, complete_missing=False)
    present = {e.exercise for sub in graded for e in sub.exercises}
    order = [e.id for e in course.exercises() if e.id in present]  # the course's order
    click.echo(format_stats(graded, order, top=top), nl=False)
    if plot is not None:
        from grader.report.stats_plot import write_histograms

        paths = write_histograms(exercise_stats(graded, order), plot)
        click.echo(f"wrote {len(paths)} histogram(s) to {plot}", err=True)


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
