"""Due dates and the late policy of a course: ``[deadlines]`` in ``course.toml``.

    [deadlines]                        # the policy for every exercise (each key optional)
    penalty_per_day = 0.1              # fraction of the points taken off per day late
    max_penalty = 0.5                  # the most late work ever loses (a cap; 1 = all)
    grace_minutes = 15                 # this soon after the due time is still on time
    [deadlines.ex4_5]
    due = 2025-03-14T23:59:00+08:00    # a TOML date-time with its UTC offset (or Z)
    penalty_per_day = 0.2              # any policy key again: this exercise's own

An exercise without ``due`` has no deadline. Work handed in after the due time plus the
grace period is late by whole days counted from the due time, a started day counting as a
day (20 minutes late with 15 minutes' grace is one day late). The penalty is a fraction of
the points the exercise earned (after an instructor's overrides):
``min(days * penalty_per_day, max_penalty)``, applied once per exercise by
:func:`grader.batch.adjust.adjust`.

When work was handed in comes from :attr:`GradedSubmission.submitted_at` (ISO 8601). A
time without a UTC offset (a zip entry's date, which records none) is read in the time
zone of the exercise's due date.

Everything is checked when the course loads (:attr:`grader.catalog.Course.deadlines`): a
mistake is a :class:`~grader.errors.CourseError` naming ``course.toml`` and the key.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from grader.errors import CourseError

TABLE = "deadlines"
_POLICY_KEYS = ("penalty_per_day", "max_penalty", "grace_minutes")
_DAY = timedelta(days=1)


@dataclass(frozen=True)
class LatePolicy:
    """One exercise's due time (timezone-aware) and how late work loses points."""

    due: datetime
    penalty_per_day: float = 0.0
    max_penalty: float = 1.0
    grace: timedelta = timedelta(0)

    def days_late(self, submitted: datetime) -> int:
        """Whole days late, a started day counting as one; 0 when on time or within grace."""
        late_by = submitted - self.due
        if late_by <= self.grace:
            return 0
        return math.ceil(late_by / _DAY)

    def fraction(self, submitted: datetime) -> float:
        """The fraction of the earned points taken off (0 when on time)."""
        return min(self.days_late(submitted) * self.penalty_per_day, self.max_penalty)


@dataclass(frozen=True)
class Deadlines:
    """The late policy of each exercise that has a due date."""

    policies: dict[str, LatePolicy]

    def of(self, exercise_id: str) -> LatePolicy | None:
        return self.policies.get(exercise_id)

    def __bool__(self) -> bool:
        return bool(self.policies)


NO_DEADLINES = Deadlines({})


def parse_deadlines(table: object, exercise_ids: set[str], path: Path) -> Deadlines:
    """The ``[deadlines]`` table of ``course.toml`` (``path``), checked.

    Raises:
        CourseError: not a table, an unknown key or exercise, a due time without a UTC
            offset, a penalty outside [0, 1], a negative grace period.
    """
    if table is None:
        return NO_DEADLINES
    where = f"{path}: [{TABLE}]"
    if not isinstance(table, dict):
        raise CourseError(f"{where} must be a table (see docs/instructors.md)")
    defaults = _policy_keys(table, where, for_exercise=False)
    policies = {}
    for exercise_id, own in sorted(table.items()):
        if not isinstance(own, dict):
            continue
        if exercise_id not in exercise_ids:
            known = ", ".join(sorted(exercise_ids)) or "none"
            raise CourseError(f"{where}: no exercise {exercise_id!r} (known: {known})")
        inner = f"{path}: [{TABLE}.{exercise_id}]"
        settings = {**defaults, **_policy_keys(own, inner, for_exercise=True)}
        if "due" in settings:
            policies[exercise_id] = LatePolicy(**settings)
    return Deadlines(policies)


def _policy_keys(table: dict, where: str, *, for_exercise: bool) -> dict:
    """The policy keys of one table as LatePolicy arguments (``due`` only in an exercise's
    own table); the top table's sub-tables are exercises, read by the caller."""
    settings: dict = {}
    for key, value in table.items():
        if isinstance(value, dict) and not for_exercise:
            continue
        if key == "due" and for_exercise:
            settings["due"] = _due(value, f"{where} due")
        elif key in ("penalty_per_day", "max_penalty"):
            settings[key] = _fraction(value, f"{where} {key}")
        elif key == "grace_minutes":
            settings["grace"] = timedelta(minutes=_non_negative(value, f"{where} {key}"))
        else:
            allowed = ("due", *_POLICY_KEYS) if for_exercise else _POLICY_KEYS
            raise CourseError(f"{where}: unknown key {key!r} (allowed: {', '.join(allowed)})")
    return settings


def _due(value: object, where: str) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise CourseError(f"{where}: {value!r} is not an ISO 8601 date-time") from None
    if not isinstance(value, datetime):
        raise CourseError(f"{where}: give a date-time such as 2025-03-14T23:59:00+08:00")
    if value.tzinfo is None:
        raise CourseError(f"{where}: {value.isoformat()} needs a UTC offset, e.g. +08:00 or Z")
    return value


def _fraction(value: object, where: str) -> float:
    number = _non_negative(value, where)
    if number > 1:
        raise CourseError(f"{where}: {value!r} is a fraction of the points, at most 1")
    return number


def _non_negative(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
        raise CourseError(f"{where}: {value!r} must be a number >= 0")
    if not math.isfinite(value):
        raise CourseError(f"{where}: {value!r} must be finite")
    return float(value)


def parse_time(text: str, zone_of: datetime | None = None) -> datetime | None:
    """An ISO 8601 time, timezone-aware (a naive one taken in ``zone_of``'s zone); None
    when ``text`` is empty, unreadable, or naive with no zone to read it in."""
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    if when.tzinfo is None:
        if zone_of is None or zone_of.tzinfo is None:
            return None
        when = when.replace(tzinfo=zone_of.tzinfo)
    return when
