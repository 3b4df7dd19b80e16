"""Plain data that describes checks and their results.

Everything here is immutable and JSON-friendly: results travel to reports, the
gradebook and Gradescope without carrying any live object.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass, field


class Status(enum.Enum):
    """How one check ended."""

    PASSED = "passed"
    FAILED = "failed"  # the student's work is wrong (or crashed, or timed out)
    SKIPPED = "skipped"  # a check it depends on did not pass
    ERRORED = "errored"  # the grader's own check code broke: never the student's fault
    NEEDS_PERSON = "needs_person"  # recorded for an instructor to read, not scored
    DEFERRED = "deferred"  # read and valid here, scored when the submission is graded

    @property
    def scored(self) -> bool:
        """Whether a result's points count in the score now: not NEEDS_PERSON or DEFERRED."""
        return self not in (Status.NEEDS_PERSON, Status.DEFERRED)


class Visibility(enum.Enum):
    """Who may see a check: hidden checks are absent from student handouts."""

    PUBLIC = "public"
    HIDDEN = "hidden"


def _finite(values: tuple[float, ...]) -> list[float | None]:
    return [v if math.isfinite(v) else None for v in values]


def _number(value: object) -> float:
    return math.nan if value is None else float(value)


@dataclass(frozen=True)
class Series:
    """One line of a :class:`Figure`: ``label`` ("your run", "reference") and its points."""

    label: str
    x: tuple[float, ...]
    y: tuple[float, ...]

    def to_dict(self) -> dict:
        """Non-finite values become None: the result stays strict JSON."""
        return {"label": self.label, "x": _finite(self.x), "y": _finite(self.y)}

    @classmethod
    def from_dict(cls, data: dict) -> Series:
        x = tuple(_number(v) for v in data.get("x", ()))
        return cls(str(data.get("label", "")), x, tuple(_number(v) for v in data.get("y", ())))


@dataclass(frozen=True)
class Figure:
    """A plot a check attaches to its result: plain data, drawn by the reports.

    Made in the trusted process from data the check judged (a student's loss curve next
    to the reference's, per-layer gradient norms); a figure of a hidden check is hidden
    with it. ``log_y`` asks for a logarithmic y axis.
    """

    title: str
    series: tuple[Series, ...]
    x_label: str = ""
    y_label: str = ""
    log_y: bool = False

    def to_dict(self) -> dict:
        return {
            "title": self.title,
            "x_label": self.x_label,
            "y_label": self.y_label,
            "log_y": self.log_y,
            "series": [s.to_dict() for s in self.series],
        }

    @classmethod
    def from_dict(cls, data: dict) -> Figure:
        return cls(
            title=str(data.get("title", "")),
            series=tuple(Series.from_dict(s) for s in data.get("series", ())),
            x_label=str(data.get("x_label", "")),
            y_label=str(data.get("y_label", "")),
            log_y=bool(data.get("log_y", False)),
        )


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check or quiz question.

    ``name`` is a stable identifier (the check function's name or the quiz key),
    ``title`` the sentence students read. ``output`` holds captured student
    stdout/stderr, trimmed; it is shown, never parsed. ``duration_s`` is the check's
    whole wall time, ``sandbox_s`` the part spent waiting for the sandbox (starting it,
    running the student's code and probes); the rest, :attr:`judge_s`, is the judge's own
    work. ``figures`` are the plots the check attached (see :class:`Figure`).
    """

    name: str
    title: str
    points: float
    max_points: float
    status: Status
    visibility: Visibility
    message: str = ""
    duration_s: float = 0.0
    output: str = ""
    sandbox_s: float = 0.0
    figures: tuple[Figure, ...] = ()

    @property
    def judge_s(self) -> float:
        """Seconds of the check's own work in the trusted process: ``duration_s - sandbox_s``."""
        return max(self.duration_s - self.sandbox_s, 0.0)

    def to_dict(self) -> dict:
        """A JSON-ready dict (enums as their values; ``judge_s`` derived, for readers)."""
        return {
            "name": self.name,
            "title": self.title,
            "points": self.points,
            "max_points": self.max_points,
            "status": self.status.value,
            "visibility": self.visibility.value,
            "message": self.message,
            "duration_s": round(self.duration_s, 4),
            "sandbox_s": round(self.sandbox_s, 4),
            "judge_s": round(self.judge_s, 4),
            "output": self.output,
            "figures": [f.to_dict() for f in self.figures],
        }

    @classmethod
    def from_dict(cls, data: dict) -> CheckResult:
        """Inverse of :meth:`to_dict`."""
        return cls(
            name=data["name"],
            title=data["title"],
            points=float(data["points"]),
            max_points=float(data["max_points"]),
            status=Status(data["status"]),
            visibility=Visibility(data["visibility"]),
            message=data.get("message", ""),
            duration_s=float(data.get("duration_s", 0.0)),
            output=data.get("output", ""),
            sandbox_s=float(data.get("sandbox_s", 0.0)),
            figures=tuple(Figure.from_dict(f) for f in data.get("figures", ())),
        )


@dataclass(frozen=True)
class ExerciseResult:
    """Every check result of one exercise for one submission.

    ``hidden_not_run`` counts hidden checks that exist but were not run (a
    student's local run); ``errors`` lists submission-level problems (a missing
    file, an unreadable answers file) that cost the checks depending on them;
    ``notes`` lists what a student should know but costs nothing (a notebook's
    ``%matplotlib inline`` not run, which of two answer files was read).

    Only results whose status is :attr:`Status.scored` count in ``max_score``: a
    DEFERRED result (a quiz answer scored only at submission) is neither earned nor
    lost here; its points are ``deferred_points``. ``full_marks`` is what the exercise
    is out of in a gradebook and every export: ``max_score`` plus a free-text answer left
    for a person (NEEDS_PERSON), so it is the same before and after an instructor's
    override gives that answer points.
    """

    exercise: str
    results: tuple[CheckResult, ...]
    execution_time: float = 0.0
    device: str = "cpu"
    isolation: str = ""
    hidden_not_run: int = 0
    errors: tuple[str, ...] = field(default_factory=tuple)
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def score(self) -> float:
        return round(sum(r.points for r in self.results), 6)

    @property
    def max_score(self) -> float:
        return round(sum(r.max_points for r in self.results if r.status.scored), 6)

    @property
    def full_marks(self) -> float:
        """Every check's and question's points in this grading, scored now or waiting for
        a person (a free-text answer): the exercise's full marks as the course defines
        them. Left out: quiz answers DEFERRED to submission grading (a student's own run)
        and hidden checks not run (``hidden_not_run``), neither of which a trusted batch
        grading has. The one source of every export's "out of" (see
        :func:`grader.batch.stats.full_marks`)."""
        return round(sum(r.max_points for r in self.results if r.status is not Status.DEFERRED), 6)

    @property
    def deferred_points(self) -> float:
        """The points of DEFERRED results: scored when the submission is graded."""
        return round(sum(r.max_points for r in self.results if r.status is Status.DEFERRED), 6)

    @property
    def all_passed(self) -> bool:
        """Every scored result passed (results not scored here cannot fail)."""
        return all(r.status is Status.PASSED or not r.status.scored for r in self.results)

    @property
    def has_internal_error(self) -> bool:
        return any(r.status is Status.ERRORED for r in self.results)

    @classmethod
    def from_dict(cls, data: dict) -> ExerciseResult:
        """Inverse of :meth:`to_dict` (used between trusted processes only)."""
        return cls(
            exercise=data["exercise"],
            results=tuple(CheckResult.from_dict(r) for r in data["checks"]),
            execution_time=float(data.get("execution_time", 0.0)),
            device=data.get("device", "cpu"),
            isolation=data.get("isolation", ""),
            hidden_not_run=int(data.get("hidden_not_run", 0)),
            errors=tuple(data.get("errors", ())),
            notes=tuple(data.get("notes", ())),
        )

    def to_dict(self) -> dict:
        """A JSON object using Gradescope's field names where they overlap (``score``,
        ``max_score``, ``execution_time``); its checks in Gradescope's own format come from
        :func:`grader.report.gradescope.exercise_tests`."""
        return {
            "exercise": self.exercise,
            "score": self.score,
            "max_score": self.max_score,
            "full_marks": self.full_marks,
            "deferred_points": self.deferred_points,
            "execution_time": round(self.execution_time, 3),
            "device": self.device,
            "isolation": self.isolation,
            "hidden_not_run": self.hidden_not_run,
            "errors": list(self.errors),
            "notes": list(self.notes),
            "checks": [r.to_dict() for r in self.results],
        }
