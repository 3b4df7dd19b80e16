"""Class statistics from gradebook data: score distributions and the checks most failed.

Pure functions over :class:`~grader.batch.gradebook.GradedSubmission` (normally
``Gradebook.latest_all()``): nothing here reads files or the database. A student
without a result for an exercise (not submitted, or a submission that could not be
graded) counts as 0 points for it and is counted in ``missing``.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from grader.batch.gradebook import GradedSubmission
from grader.model import Status

_BAR_WIDTH = 30


@dataclass(frozen=True)
class ExerciseStats:
    """The score distribution of one exercise over a class.

    ``histogram[i]`` counts the scores in bin ``i`` of ``bins`` equal bins over
    ``[0, max_score]`` (the last bin includes ``max_score``).
    """

    exercise: str
    n: int
    missing: int
    max_score: float
    mean: float
    median: float
    minimum: float
    maximum: float
    histogram: tuple[int, ...]


@dataclass(frozen=True)
class FailedCheck:
    """How often one check failed: ``failed`` out of ``graded`` students who ran it.

    ``errored`` counts runs where the grader's own check broke (not the students').
    """

    exercise: str
    name: str
    title: str
    failed: int
    errored: int
    graded: int

    @property
    def rate(self) -> float:
        return self.failed / self.graded if self.graded else 0.0


def exercise_columns(
    submissions: Sequence[GradedSubmission], order: Sequence[str] | None = None
) -> list[str]:
    """Exercise ids: those in ``order`` first (in that order), then any others, sorted."""
    seen = {e.exercise for sub in submissions for e in sub.exercises}
    first = list(order or ())
    return first + sorted(seen - set(first))


def course_max_scores(submissions: Sequence[GradedSubmission]) -> dict[str, float]:
    """The largest ``max_score`` recorded for each exercise (the exercise's full marks)."""
    best: dict[str, float] = {}
    for sub in submissions:
        for result in sub.exercises:
            best[result.exercise] = max(best.get(result.exercise, 0.0), result.max_score)
    return best


def exercise_stats(
    submissions: Sequence[GradedSubmission],
    exercise_ids: Sequence[str] | None = None,
    bins: int = 10,
) -> list[ExerciseStats]:
    """One :class:`ExerciseStats` per exercise column (empty class: empty list)."""
    if not submissions:
        return []
    maxima = course_max_scores(submissions)
    return [
        _one_exercise(submissions, exercise, maxima.get(exercise, 0.0), bins)
        for exercise in exercise_columns(submissions, exercise_ids)
    ]


def _one_exercise(
    submissions: Sequence[GradedSubmission], exercise: str, max_score: float, bins: int
) -> ExerciseStats:
    results = [sub.exercise(exercise) for sub in submissions]
    scores = [r.score if r is not None else 0.0 for r in results]
    return ExerciseStats(
        exercise=exercise,
        n=len(scores),
        missing=sum(r is None for r in results),
        max_score=max_score,
        mean=round(statistics.fmean(scores), 4),
        median=statistics.median(scores),
        minimum=min(scores),
        maximum=max(scores),
        histogram=histogram(scores, max_score, bins),
    )


def histogram(scores: Sequence[float], max_score: float, bins: int = 10) -> tuple[int, ...]:
    """Counts of ``scores`` in ``bins`` equal bins over ``[0, max_score]``.

    Scores outside the range land in the first or last bin; with ``max_score`` 0
    everything is in the first bin.
    """
    counts = [0] * bins
    for score in scores:
        index = int(score / max_score * bins) if max_score > 0 else 0
        counts[min(max(index, 0), bins - 1)] += 1
    return tuple(counts)


def most_failed_checks(submissions: Sequence[GradedSubmission], top: int = 10) -> list[FailedCheck]:
    """The ``top`` checks with the most failures, most failed first.

    Only ``FAILED`` counts as a failure: a skipped check already shows up as the
    failure of the check it depends on. Checks nobody failed are left out.
    """
    failed: Counter[tuple[str, str]] = Counter()
    errored: Counter[tuple[str, str]] = Counter()
    graded: Counter[tuple[str, str]] = Counter()
    titles: dict[tuple[str, str], str] = {}
    for sub in submissions:
        for result in sub.exercises:
            for check in result.results:
                key = (result.exercise, check.name)
                titles.setdefault(key, check.title)
                graded[key] += 1
                failed[key] += int(check.status is Status.FAILED)
                errored[key] += int(check.status is Status.ERRORED)
    ranked = sorted((k for k in graded if failed[k]), key=lambda k: (-failed[k], k))
    return [
        FailedCheck(key[0], key[1], titles[key], failed[key], errored[key], graded[key])
        for key in ranked[:top]
    ]


def format_stats(
    submissions: Sequence[GradedSubmission],
    exercise_ids: Sequence[str] | None = None,
    top: int = 10,
) -> str:
    """A plain-text report: one distribution block per exercise, then the most-failed checks."""
    if not submissions:
        return "no graded submissions yet\n"
    blocks = [_format_exercise(s) for s in exercise_stats(submissions, exercise_ids)]
    blocks.append(_format_failed(most_failed_checks(submissions, top)))
    return "\n\n".join(blocks) + "\n"


def _format_exercise(stats: ExerciseStats) -> str:
    head = (
        f"{stats.exercise} (out of {_num(stats.max_score)})  n={stats.n} (missing {stats.missing}):"
        f"  mean {_num(stats.mean)}  median {_num(stats.median)}"
        f"  min {_num(stats.minimum)}  max {_num(stats.maximum)}"
    )
    peak = max(stats.histogram) or 1
    width = stats.max_score / len(stats.histogram)
    lines = [head]
    for i, count in enumerate(stats.histogram):
        low, high = _num(i * width), _num((i + 1) * width)
        bar = "#" * round(count / peak * _BAR_WIDTH)
        lines.append(f"  {low:>6} - {high:<6} | {bar} {count}")
    return "\n".join(lines)


def _format_failed(checks: list[FailedCheck]) -> str:
    if not checks:
        return "most-failed checks: none failed"
    lines = ["most-failed checks:"]
    for c in checks:
        grader_errors = f", {c.errored} grader errors" if c.errored else ""
        lines.append(
            f"  {c.failed:>4}/{c.graded:<4} {c.rate:>4.0%}  {c.exercise}:{c.name}"
            f"  {c.title}{grader_errors}"
        )
    return "\n".join(lines)


def _num(value: float) -> str:
    """A score for people: at most two decimals, no trailing zeros."""
    return f"{value:.2f}".rstrip("0").rstrip(".")
