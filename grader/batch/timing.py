"""Where a batch's time goes: the slowest checks, with their median and 95th percentile.

Pure functions over results (``Gradebook.latest_all()`` for ``grade stats --timing``, or
the :class:`~grader.model.ExerciseResult` list a benchmark collects): nothing here reads
files or the database. Each check's time is split as the results record it: ``sandbox``
is the time spent waiting for the sandbox (starting it, the student's code, probes),
``judge`` the rest (the trusted process's own work: references, comparisons, statistics).

Only results of checks that ran count: a SKIPPED check took no time and would only pull
its median down. Percentiles use the nearest rank (the 95th of 10 runs is the largest),
so every number shown is a time some run actually took.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from grader.batch.gradebook import GradedSubmission
from grader.model import CheckResult, ExerciseResult, Status


@dataclass(frozen=True)
class Spread:
    """The median and the 95th percentile (nearest rank) of some seconds."""

    median: float
    p95: float

    @classmethod
    def of(cls, seconds: Sequence[float]) -> Spread:
        """The spread of ``seconds`` (at least one value)."""
        return cls(statistics.median(seconds), percentile(seconds, 95))


@dataclass(frozen=True)
class CheckTiming:
    """How long one check (or quiz question) took over ``n`` runs, as a whole and split."""

    exercise: str
    name: str
    title: str
    n: int
    total: Spread
    judge: Spread
    sandbox: Spread


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile of ``values`` by nearest rank: the smallest value with at
    least ``q`` percent of the values at or below it (``q`` in (0, 100])."""
    if not values:
        raise ValueError("percentile of no values")
    ordered = sorted(values)
    rank = max(math.ceil(q / 100 * len(ordered)), 1)
    return ordered[min(rank, len(ordered)) - 1]


def check_timings(results: Iterable[ExerciseResult]) -> list[CheckTiming]:
    """One :class:`CheckTiming` per (exercise, check) that ran, slowest median first."""
    runs: dict[tuple[str, str], list[CheckResult]] = {}
    for result in results:
        for check in result.results:
            if check.status is not Status.SKIPPED:
                runs.setdefault((result.exercise, check.name), []).append(check)
    timings = [_timing(exercise, name, checks) for (exercise, name), checks in runs.items()]
    return sorted(timings, key=lambda t: (-t.total.median, -t.total.p95, t.exercise, t.name))


def _timing(exercise: str, name: str, checks: list[CheckResult]) -> CheckTiming:
    return CheckTiming(
        exercise=exercise,
        name=name,
        title=checks[0].title,
        n=len(checks),
        total=Spread.of([c.duration_s for c in checks]),
        judge=Spread.of([c.judge_s for c in checks]),
        sandbox=Spread.of([c.sandbox_s for c in checks]),
    )


def slowest_checks(submissions: Sequence[GradedSubmission], top: int = 10) -> list[CheckTiming]:
    """The ``top`` checks of a batch with the largest median time, slowest first."""
    return check_timings(e for sub in submissions for e in sub.exercises)[: max(top, 0)]


def format_timing(submissions: Sequence[GradedSubmission], top: int = 10) -> str:
    """A plain-text table of the slowest checks (milliseconds; median and p95 of the whole
    check, of its judge side and of its sandbox side), with the time per submission."""
    if not submissions:
        return "no graded submissions yet\n"
    timings = slowest_checks(submissions, top)
    per_submission = [sum(e.execution_time for e in sub.exercises) for sub in submissions]
    spread = Spread.of(per_submission)
    width = max([len(f"{t.exercise}:{t.name}") for t in timings] + [len("check")])
    lines = [
        f"time per submission (all exercises): median {spread.median:.3f} s, "
        f"p95 {spread.p95:.3f} s over {len(submissions)} submissions",
        "",
        f"slowest checks (ms; median/p95 over the submissions that ran them; top {top}):",
        f"  {'check':<{width}} {'n':>5} {'total':>13} {'judge':>13} {'sandbox':>13}",
    ]
    lines += [_row(t, width) for t in timings] or ["  no check ran"]
    return "\n".join(lines) + "\n"


def _row(timing: CheckTiming, width: int) -> str:
    name = f"{timing.exercise}:{timing.name}"
    cells = " ".join(_ms(s) for s in (timing.total, timing.judge, timing.sandbox))
    return f"  {name:<{width}} {timing.n:>5} {cells}"


def _ms(spread: Spread) -> str:
    return f"{spread.median * 1000:>6.0f}/{spread.p95 * 1000:<6.0f}"
