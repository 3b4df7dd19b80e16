"""Class statistics from gradebook data: score distributions, check difficulty, most failed.

Pure functions over :class:`~grader.batch.gradebook.GradedSubmission` (normally the latest
grades as :func:`grader.batch.adjust.class_results` gives them, not completed): nothing here
reads files or the database. For each exercise every student of the class is exactly one of:

- **graded**: the exercise was graded (scores as adjusted: overrides in, late penalties off);
- **missing**: the submission was read but has no work for it (not submitted, or not part of
  that grading);
- **errored**: the submission could not be graded at all (an unreadable zip, a worker that
  died): an error row with no results.

Means, medians, histograms, the difficulty table and the most-failed list are all over the
graded students of the exercise, so every rate of one exercise has the same denominator; the
missing and errored students are counted next to them, never as zeros.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from grader.batch.gradebook import GradedSubmission
from grader.batch.validate import not_submitted
from grader.model import ExerciseResult, Status

_BAR_WIDTH = 30


@dataclass(frozen=True)
class ExerciseStats:
    """The score distribution of one exercise over a class of ``students``.

    ``n`` students were graded (the distribution is theirs), ``missing`` handed nothing in
    for it, ``errored`` could not be graded at all. ``histogram[i]`` counts the graded
    scores in bin ``i`` of equal bins over ``[0, max_score]`` (the last includes it).
    """

    exercise: str
    n: int
    missing: int
    errored: int
    students: int
    max_score: float
    mean: float
    median: float
    minimum: float
    maximum: float
    histogram: tuple[int, ...]


@dataclass(frozen=True)
class CheckDifficulty:
    """How the ``graded`` students of an exercise did on one check.

    ``errored`` counts runs where the grader's own check broke (not the students'), and
    ``unscored`` results left for a person (a free-text answer without an override).
    """

    exercise: str
    name: str
    title: str
    graded: int
    passed: int
    failed: int
    skipped: int
    errored: int
    unscored: int

    @property
    def rate(self) -> float:
        """The failure rate over the graded students."""
        return self.failed / self.graded if self.graded else 0.0

    @property
    def pass_rate(self) -> float:
        return self.passed / self.graded if self.graded else 0.0


#: The most-failed list is the difficulty table ranked by failures.
FailedCheck = CheckDifficulty


def exercise_columns(
    submissions: Sequence[GradedSubmission], order: Sequence[str] | None = None
) -> list[str]:
    """Exercise ids: those in ``order`` first (in that order), then any others, sorted."""
    seen = {e.exercise for sub in submissions for e in sub.exercises}
    first = list(order or ())
    return first + sorted(seen - set(first))


def full_marks(submissions: Sequence[GradedSubmission]) -> dict[str, float]:
    """Each exercise's full marks: :attr:`ExerciseResult.full_marks` of its most recent
    grading (the course's current checks and questions: :func:`.adjust.class_template`).

    The one "out of" of every export (Canvas's Points Possible, the CSV's ``max_total``,
    Moodle's feedback, Gradescope's tests) and of ``grade stats``. It counts a free-text
    answer waiting for an instructor, so an override changes a score, never the full
    marks: the same before and after, in every export.
    """
    from grader.batch.adjust import class_template

    return {e: result.full_marks for e, result in class_template(submissions).items()}


def is_error_row(sub: GradedSubmission) -> bool:
    """True for a submission that could not be graded at all (no result, a problem)."""
    return not sub.exercises and bool(sub.problems)


def graded_result(sub: GradedSubmission, exercise: str) -> ExerciseResult | None:
    """The student's result for ``exercise`` if they handed work in for it, else None."""
    result = sub.exercise(exercise)
    if result is None or not_submitted(exercise) in result.errors:
        return None
    return result


def exercise_stats(
    submissions: Sequence[GradedSubmission],
    exercise_ids: Sequence[str] | None = None,
    bins: int = 10,
) -> list[ExerciseStats]:
    """One :class:`ExerciseStats` per exercise column (empty class: empty list)."""
    if not submissions:
        return []
    maxima = full_marks(submissions)
    return [
        _one_exercise(submissions, exercise, maxima.get(exercise, 0.0), bins)
        for exercise in exercise_columns(submissions, exercise_ids)
    ]


def _one_exercise(
    submissions: Sequence[GradedSubmission], exercise: str, max_score: float, bins: int
) -> ExerciseStats:
    scores = [
        sub.exercise_score(exercise) or 0.0
        for sub in submissions
        if graded_result(sub, exercise) is not None
    ]
    errored = sum(is_error_row(sub) for sub in submissions)
    return ExerciseStats(
        exercise=exercise,
        n=len(scores),
        missing=len(submissions) - len(scores) - errored,
        errored=errored,
        students=len(submissions),
        max_score=max_score,
        mean=round(statistics.fmean(scores), 4) if scores else 0.0,
        median=statistics.median(scores) if scores else 0.0,
        minimum=min(scores, default=0.0),
        maximum=max(scores, default=0.0),
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


def check_difficulty(submissions: Sequence[GradedSubmission]) -> list[CheckDifficulty]:
    """One row per check, in exercise then check order, over each exercise's graded
    students (a student who missed the exercise is not counted as failing its checks)."""
    outcomes: dict[tuple[str, str], Counter[Status]] = {}
    titles: dict[tuple[str, str], str] = {}
    graded: Counter[str] = Counter()
    for sub in submissions:
        for exercise in (e.exercise for e in sub.exercises):
            result = graded_result(sub, exercise)
            if result is None:
                continue
            graded[exercise] += 1
            for check in result.results:
                key = (exercise, check.name)
                titles.setdefault(key, check.title)
                outcomes.setdefault(key, Counter())[check.status] += 1
    return [_difficulty(key, titles[key], graded[key[0]], counts)
            for key, counts in outcomes.items()]  # fmt: skip


def _difficulty(
    key: tuple[str, str], title: str, graded: int, counts: Counter[Status]
) -> CheckDifficulty:
    unscored = counts[Status.NEEDS_PERSON] + counts[Status.DEFERRED]
    return CheckDifficulty(
        *key, title, graded, counts[Status.PASSED], counts[Status.FAILED],
        counts[Status.SKIPPED], counts[Status.ERRORED], unscored,
    )  # fmt: skip


def most_failed_checks(submissions: Sequence[GradedSubmission], top: int = 10) -> list[FailedCheck]:
    """The ``top`` checks with the most failures, most failed first.

    Only ``FAILED`` counts as a failure: a skipped check already shows up as the
    failure of the check it depends on. Checks nobody failed are left out. The
    denominator is the exercise's graded students, as everywhere in this module.
    """
    ranked = sorted(
        (c for c in check_difficulty(submissions) if c.failed),
        key=lambda c: (-c.failed, c.exercise, c.name),
    )
    return ranked[:top]


def format_stats(
    submissions: Sequence[GradedSubmission],
    exercise_ids: Sequence[str] | None = None,
    top: int = 10,
) -> str:
    """A plain-text report: the class, one distribution block and difficulty table per
    exercise, then the most-failed checks."""
    if not submissions:
        return "no graded submissions yet\n"
    errored = sum(is_error_row(sub) for sub in submissions)
    head = (
        f"class: {len(submissions)} students; {len(submissions) - errored} graded, "
        f"{errored} could not be graded (error rows)"
    )
    table = check_difficulty(submissions)
    blocks = [head]
    for stats in exercise_stats(submissions, exercise_ids):
        rows = [c for c in table if c.exercise == stats.exercise]
        blocks.append(_format_exercise(stats) + "\n" + _format_difficulty(rows, stats.n))
    blocks.append(_format_failed(most_failed_checks(submissions, top)))
    return "\n\n".join(blocks) + "\n"


def _format_exercise(stats: ExerciseStats) -> str:
    head = (
        f"{stats.exercise} (out of {_num(stats.max_score)}): {stats.n} graded of "
        f"{stats.students} (missing {stats.missing}, errored {stats.errored}):"
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


def _format_difficulty(rows: list[CheckDifficulty], graded: int) -> str:
    if not rows:
        return "  checks: none graded"
    lines = [
        f"  checks, each over the {graded} graded:",
        "    pass%  passed  failed  skipped  grader-errors  check",
    ]
    for c in rows:
        unscored = f"  ({c.unscored} not scored yet)" if c.unscored else ""
        lines.append(
            f"    {c.pass_rate:>5.0%}  {c.passed:>6}  {c.failed:>6}  {c.skipped:>7}  "
            f"{c.errored:>13}  {c.name}: {c.title}{unscored}"
        )
    return "\n".join(lines)


def _format_failed(checks: list[FailedCheck]) -> str:
    if not checks:
        return "most-failed checks: none failed"
    lines = ["most-failed checks (failed/graded):"]
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
