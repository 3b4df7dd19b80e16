"""What every export and report shows: recorded grades with the instructor's rules applied.

    graded = class_results(gradebook, course.deadlines)     # the latest grade of everyone

One function, :func:`adjust`, applies an instructor's overrides (their points for one check,
replacing the check's result: a free-text answer gets its points this way) and then the late
policy (:mod:`grader.deadlines`: a fraction of the exercise's points, after overrides). Each
change is recorded once as an :class:`~grader.batch.gradebook.Adjustment` with a line for
people; a submission already adjusted is refused, so no penalty is ever taken twice. Every
export (CSV, Canvas, Moodle, Gradescope, feedback pages), ``grade students`` and ``grade
stats`` read grades through here.

:func:`complete` gives a submission that could not be graded (an unreadable zip) or lacks an
exercise every check of that exercise at 0 points with the reason, so that its tests add up
to the same full marks as everyone else's (:func:`class_template`: the checks of the latest
grading of each exercise).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from grader.batch.gradebook import (
    Adjustment,
    Gradebook,
    GradedSubmission,
    Override,
    current_overrides,
)
from grader.deadlines import NO_DEADLINES, Deadlines, parse_time
from grader.errors import UsageError
from grader.model import CheckResult, ExerciseResult, Status


def class_results(
    gradebook: Gradebook, deadlines: Deadlines = NO_DEADLINES, *, complete_missing: bool = True
) -> list[GradedSubmission]:
    """The latest submission of every student, completed and adjusted, sorted by student id."""
    latest = gradebook.latest_all()
    by_student = overrides_by_student(gradebook.overrides())
    template = class_template(latest) if complete_missing else {}
    return [
        adjust(complete(sub, template), by_student.get(sub.student_id, ()), deadlines)
        for sub in latest
    ]


def overrides_by_student(overrides: Sequence[Override]) -> dict[str, list[Override]]:
    """The overrides in force, grouped by student id."""
    grouped: dict[str, list[Override]] = {}
    for override in current_overrides(overrides):
        grouped.setdefault(override.student_id, []).append(override)
    return grouped


def adjust(
    sub: GradedSubmission, overrides: Sequence[Override], deadlines: Deadlines = NO_DEADLINES
) -> GradedSubmission:
    """``sub`` with its overrides in its checks' results and its late penalties, each once.

    Raises:
        ValueError: ``sub`` was adjusted already.
    """
    if sub.adjustments:
        raise ValueError(f"the grade of {sub.student_id!r} is adjusted already")
    adjustments: list[Adjustment] = []
    exercises = []
    for result in sub.exercises:
        mine = [o for o in current_overrides(overrides) if o.exercise == result.exercise]
        result, lines = _with_overrides(result, mine)
        adjustments += lines
        late = _late_penalty(result, sub.submitted_at, deadlines)
        adjustments += [late] if late else []
        exercises.append(result)
    graded = {r.exercise for r in sub.exercises}
    adjustments += [_not_applied(o, "the exercise was not graded") for o in overrides
                    if o.exercise not in graded]  # fmt: skip
    return dataclasses.replace(sub, exercises=tuple(exercises), adjustments=tuple(adjustments))


def _with_overrides(
    result: ExerciseResult, overrides: list[Override]
) -> tuple[ExerciseResult, list[Adjustment]]:
    checks = {check.name: check for check in result.results}
    unknown = [o for o in overrides if o.check_name not in checks]
    lines = [_not_applied(o, "no such check in this grading") for o in unknown]
    replaced = {o.check_name: o for o in overrides if o.check_name in checks}
    if not replaced:
        return result, lines
    results = tuple(
        _overridden(check, replaced[check.name]) if check.name in replaced else check
        for check in result.results
    )
    lines += [_override_line(checks[o.check_name], o) for o in replaced.values()]
    return dataclasses.replace(result, results=results), lines


def _overridden(check: CheckResult, override: Override) -> CheckResult:
    """The check with the instructor's points: scored now (a free-text answer too)."""
    status = Status.PASSED if override.points >= check.max_points else Status.FAILED
    note = f"instructor: {_num(override.points)}/{_num(check.max_points)} ({override.reason})"
    message = f"{note}\n{check.message}" if check.message else note
    return dataclasses.replace(check, points=override.points, status=status, message=message)


def _override_line(check: CheckResult, override: Override) -> Adjustment:
    before = "not scored" if not check.status.scored else _num(check.points)
    text = (
        f"{check.title or check.name}: {_num(override.points)}/{_num(check.max_points)} "
        f"points set by {override.author} on {override.created_at[:10]} (was {before}): "
        f"{override.reason}"
    )
    return Adjustment(override.exercise, "override", text)


def _not_applied(override: Override, why: str) -> Adjustment:
    text = f"override of {override.check_name} ({_num(override.points)} points) not applied: {why}"
    return Adjustment(override.exercise, "override", text)


def _late_penalty(
    result: ExerciseResult, submitted_at: str, deadlines: Deadlines
) -> Adjustment | None:
    """The late penalty of one exercise, or None (no deadline, unknown time, on time)."""
    policy = deadlines.of(result.exercise)
    submitted = parse_time(submitted_at, policy.due) if policy else None
    if policy is None or submitted is None or not policy.days_late(submitted):
        return None
    days, fraction = policy.days_late(submitted), policy.fraction(submitted)
    penalty = round(result.score * fraction, 6)
    text = (
        f"late: handed in {submitted.isoformat()}, {days} day{'s' * (days != 1)} after the "
        f"due time {policy.due.isoformat()}: -{fraction:.0%} of {_num(result.score)} = "
        f"-{_num(penalty)} points"
    )
    return Adjustment(result.exercise, "late", text, penalty)


def class_template(submissions: Sequence[GradedSubmission]) -> dict[str, ExerciseResult]:
    """Per exercise, its result in the most recent grading that has it (the current checks)."""
    template: dict[str, tuple[int, ExerciseResult]] = {}
    for sub in submissions:
        for result in sub.exercises:
            if result.exercise not in template or sub.id > template[result.exercise][0]:
                template[result.exercise] = (sub.id, result)
    return {exercise: result for exercise, (_, result) in template.items()}


def complete(sub: GradedSubmission, template: dict[str, ExerciseResult]) -> GradedSubmission:
    """``sub`` with every exercise of ``template`` it lacks: each check 0 points, the reason
    as its message (a submission that could not be graded gets all of them)."""
    missing = [e for e in template if sub.exercise(e) is None]
    if not missing:
        return sub
    why = "; ".join(sub.problems) or "this exercise was not part of the grading"
    errors = () if sub.problems else (f"not graded: {why}",)  # else said once, above
    added = tuple(_not_graded(template[e], why, errors) for e in missing)
    return dataclasses.replace(sub, exercises=sub.exercises + added)


def _not_graded(template: ExerciseResult, why: str, errors: tuple[str, ...]) -> ExerciseResult:
    checks = tuple(
        dataclasses.replace(
            check,
            points=0.0,
            status=Status.FAILED if check.status.scored else check.status,
            message=f"not graded: {why}",
            duration_s=0.0,
            sandbox_s=0.0,
            output="",
            figures=(),
        )
        for check in template.results
    )
    return ExerciseResult(template.exercise, checks, errors=errors)


def _num(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def find_check(
    sub: GradedSubmission, name: str, exercise: str | None = None
) -> tuple[str, CheckResult]:
    """(exercise id, check) that an override of ``name`` in ``sub`` is about.

    ``name`` is a check's name, or ``EXERCISE:NAME``; without an exercise it must name one
    check of the whole submission.

    Raises:
        UsageError: no such check, or a name several exercises use.
    """
    if exercise is None and ":" in name:
        exercise, name = name.split(":", 1)
    found = [(r.exercise, c) for r in sub.exercises for c in r.results
             if c.name == name and exercise in (None, r.exercise)]  # fmt: skip
    if len(found) == 1:
        return found[0]
    if found:
        where = ", ".join(f"{e}:{c.name}" for e, c in found)
        raise UsageError(f"check {name!r} is in several exercises ({where}): say which, EX:NAME")
    known = ", ".join(f"{r.exercise}:{c.name}" for r in sub.exercises for c in r.results
                      if exercise in (None, r.exercise))  # fmt: skip
    raise UsageError(
        f"{sub.student_id!r}'s latest grading has no check {name!r}"
        + (f" in {exercise}" if exercise else "")
        + (f"; its checks: {known}" if known else " (it could not be graded)")
    )


def check_points(check: CheckResult, points: float) -> float:
    """``points`` if an override may give them to ``check`` (0 to its max points).

    Raises:
        UsageError: negative, not finite, or more than the check is worth.
    """
    if not 0 <= points <= check.max_points:
        raise UsageError(
            f"--points {points:g}: {check.name} is worth 0 to {check.max_points:g} points"
        )
    return points
