"""Where a batch's submissions are graded: one interface, two executors.

    with open_executor(options, pending=len(subs)) as executor:
        for graded in executor.grade(subs, exercises):
            ...   # one Graded per submission, in the order they finish

``local``  (:mod:`.local`, the default) worker processes on this machine, fed one
           submission at a time; nothing to install.
``dask``   (:mod:`.dask_client`, ``--cluster local:N`` or ``--cluster tcp://HOST:PORT``)
           a Dask distributed cluster; needs ``pip install 'grader[dask]'``.

Both grade with the same trusted process, ``python -m grader.batch.worker``
(:mod:`grader.batch.grading_process`), so a grade does not depend on where it was made.
An executor only grades: it never writes the gradebook (the caller,
:func:`grader.batch.scheduler.run_batch`, records each :class:`Graded` as it comes).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from grader.batch.submissions import Submission
from grader.exercise import Exercise
from grader.model import ExerciseResult

if TYPE_CHECKING:
    from grader.batch.scheduler import BatchOptions


@dataclass(frozen=True)
class Graded:
    """What grading one submission gave: results, or the grader's own error.

    ``device`` and ``isolation`` are those of the process that graded it; ``where``
    names the worker (empty for the local pool).
    """

    submission: Submission
    results: list[ExerciseResult] = field(default_factory=list)
    error: str = ""
    device: str = "?"
    isolation: str = "?"
    where: str = ""


class Executor(Protocol):
    """Grades submissions somewhere; entering starts it, leaving stops everything it started."""

    def __enter__(self) -> Executor: ...

    def __exit__(self, *exc: object) -> None: ...

    def grade(self, subs: Sequence[Submission], exercises: Sequence[Exercise]) -> Iterator[Graded]:
        """Yield one :class:`Graded` per submission as each finishes (any order).

        A submission whose grading failed for the grader's own reasons (a worker that
        died or stalled) is yielded with ``error`` set, never dropped or repeated.
        """


def open_executor(options: BatchOptions, pending: int) -> Executor:
    """The executor ``options`` ask for: a Dask cluster if ``options.cluster``, else the
    local pool of ``min(options.jobs, pending)`` workers.

    Raises:
        UsageError: ``--cluster`` without Dask installed, or a malformed address.
    """
    if options.cluster:
        from grader.batch.executors.dask_client import DaskExecutor

        return DaskExecutor(options)
    from grader.batch.executors.local import LocalPool

    return LocalPool(min(options.jobs, pending), options)
