"""Grade many submissions in parallel, recording each as it finishes.

    summary = run_batch(submissions, course.exercises(), gradebook, BatchOptions(jobs=2))

Where the grading happens is an executor's business (:mod:`grader.batch.executors`):
local worker processes by default, a Dask cluster with ``cluster``. Either way a
finished submission is written to the gradebook here, by this one trusted process,
in its own transaction as soon as it comes back, so an interrupted batch loses only
what was in flight. A submission whose grading failed for the grader's own reasons
(a worker that died or stalled) is recorded with an error, and the batch goes on.
A Ctrl-C reaches only this process, as a KeyboardInterrupt that stops the executor.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from grader.batch.executors import Graded, open_executor
from grader.batch.gradebook import Gradebook
from grader.batch.submissions import Submission
from grader.exercise import Exercise

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BatchOptions:
    """How to run a batch: where, on which device, and a per-submission watchdog.

    ``cluster``: empty for the local pool of ``jobs`` processes, ``local:N`` for a Dask
    LocalCluster of N workers, or a Dask scheduler's address (``tcp://HOST:8786``).
    ``trusted_workers``: ship hidden checks and solutions to a remote cluster's
    workers (a ``local:N`` cluster is this machine: always trusted); without it they
    grade the public checks only (see docs/scale.md).
    """

    jobs: int = 2
    device: str = "auto"
    isolation: str = "auto"
    submission_timeout_s: float = 600.0
    grader_version: str = ""
    course_root: str = ""  # the course workers grade with (default: the one they find)
    cluster: str = ""
    trusted_workers: bool = False


@dataclass
class BatchSummary:
    """What a batch did. ``check_seconds`` sums time spent inside checks."""

    graded: int = 0
    skipped: int = 0
    errors: int = 0
    wall_seconds: float = 0.0
    check_seconds: float = 0.0
    devices: set[str] = field(default_factory=set)


Progress = Callable[[Submission, str], None]


def run_batch(
    submissions: Sequence[Submission],
    exercises: Sequence[Exercise],
    gradebook: Gradebook,
    options: BatchOptions,
    progress: Progress | None = None,
) -> BatchSummary:
    """Grade every gradable submission and record all of them; returns the summary."""
    started = time.monotonic()
    summary = BatchSummary()
    pending = []
    for sub in submissions:
        if not sub.gradable:
            _record(gradebook, Graded(sub, device="-", isolation=""), options, summary, progress)
        else:
            pending.append(sub)
    if pending:
        with open_executor(options, len(pending)) as executor:
            for graded in executor.grade(pending, exercises):
                _record(gradebook, graded, options, summary, progress)
    summary.wall_seconds = time.monotonic() - started
    return summary


def _record(
    gradebook: Gradebook,
    graded: Graded,
    options: BatchOptions,
    summary: BatchSummary,
    progress: Progress | None,
) -> None:
    """Write one submission's grade in its own transaction, then count and report it."""
    sub, error = graded.submission, graded.error
    results = sub.with_problems(graded.results)
    problems = list(sub.problems) + ([error] if error else [])
    gradebook.record(
        sub.student_id,
        sub.content_hash,
        options.grader_version,
        results,
        problems,
        device=graded.device or "-",
        isolation=graded.isolation,
        submitted_at=sub.submitted_at,
    )
    if sub.gradable:
        summary.devices.add(graded.device)
    summary.graded += 1
    summary.errors += bool(problems and (error or not sub.gradable))
    summary.check_seconds += sum(c.duration_s for r in results for c in r.results)
    if progress:
        progress(sub, "error" if error or not sub.gradable else "graded")
