"""What a feedback page says, before it is written as HTML or Markdown.

:func:`build_page` turns one graded submission into a :class:`Page`: a summary (the score
of each exercise, what to fix first) and a section per exercise listing each check with
its status label, points, message, captured output and figures. Both renderers
(:mod:`~grader.report.feedback_html`, :mod:`~grader.report.feedback_md`) read only this,
so the two pages always say the same thing.

Redaction happens in :func:`student_view`, the one place that decides what a student may
read about a check: a hidden check keeps its title, points and outcome, and loses its
message, captured output and figures unless the instructor asks for full disclosure. The
Gradescope export uses the same function.

Status is told by words (:data:`LABELS`), never by an emoji alone: a page reads the same
where no emoji font is installed, in black and white, and to a screen reader.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from grader.batch.gradebook import GradedSubmission
from grader.model import CheckResult, ExerciseResult, Figure, Status, Visibility

HIDDEN_NOTE = "hidden check: details are not shown"

#: The word a page shows for each status (CSS draws a shape beside it in HTML).
LABELS = {
    Status.PASSED: "PASS",
    Status.FAILED: "FAIL",
    Status.SKIPPED: "SKIPPED",
    Status.ERRORED: "GRADER ERROR",
    Status.NEEDS_PERSON: "TO BE READ",
    Status.DEFERRED: "LATER",
}
#: How many checks "what to fix first" names at most.
FIX_FIRST_LIMIT = 5


def student_view(check: CheckResult, disclose_hidden: bool = False) -> CheckResult:
    """``check`` as a student may see it.

    Public checks and, with ``disclose_hidden``, hidden ones are returned unchanged;
    otherwise a hidden check keeps name, title, points, status and visibility, its
    output and figures are dropped and its message, if it had one (or output or figures),
    becomes :data:`HIDDEN_NOTE`.
    """
    if disclose_hidden or check.visibility is Visibility.PUBLIC:
        return check
    note = HIDDEN_NOTE if check.message or check.output or check.figures else ""
    return replace(check, message=note, output="", figures=())


@dataclass(frozen=True)
class CheckLine:
    """One check, ready to print: everything already redacted. ``anchor`` is unique on
    the page (an HTML id, a link target of the summary)."""

    status: Status
    label: str
    title: str
    points: str
    message: str
    output: str
    hidden: bool
    figures: tuple[Figure, ...]
    anchor: str

    @property
    def css_class(self) -> str:
        return self.status.value.replace("_", "-")


@dataclass(frozen=True)
class Section:
    """One exercise: its score line, its problems, notes and adjustments, its checks.

    ``adjustments`` are lines about changes to the score made after grading (an
    instructor's override, a late penalty); see :func:`adjustments`.
    """

    exercise: str
    score: str
    share: float  # of the points scored here, 0..1
    later: str
    errors: tuple[str, ...]
    notes: tuple[str, ...]
    adjustments: tuple[str, ...]
    checks: tuple[CheckLine, ...]
    anchor: str
    all_passed: bool

    @property
    def failures(self) -> int:
        """How many checks failed (a grader error is not the student's to fix)."""
        return sum(c.status is Status.FAILED for c in self.checks)

    @property
    def status(self) -> str:
        """The exercise in a few words, for the summary."""
        if self.errors:
            return "problem with the files"
        return "all passed" if self.all_passed else f"{self.failures} to fix"


@dataclass(frozen=True)
class FixItem:
    """A line of "what to fix first": the exercise, the check's title, a link to it."""

    exercise: str
    title: str
    points: str
    anchor: str
    hidden: bool


@dataclass(frozen=True)
class Page:
    """A student's whole feedback page."""

    student_id: str
    total: str
    graded: str
    problems: tuple[str, ...]
    sections: tuple[Section, ...]
    fix_first: tuple[FixItem, ...]
    more_to_fix: int


def build_page(sub: GradedSubmission, disclose_hidden: bool = False) -> Page:
    """The page of ``sub``, hidden checks redacted unless ``disclose_hidden``."""
    sections = tuple(
        _section(sub, result, index, disclose_hidden)
        for index, result in enumerate(sub.exercises, start=1)
    )
    candidates = _fix_candidates(sections)
    return Page(
        student_id=sub.student_id,
        total=f"{num(sub.score)}/{num(sub.max_score)} points",
        graded=f"graded {sub.graded_at}, grader {sub.grader_version}",
        problems=sub.general_problems,
        sections=sections,
        fix_first=tuple(candidates[:FIX_FIRST_LIMIT]),
        more_to_fix=max(0, len(candidates) - FIX_FIRST_LIMIT),
    )


def adjustments(sub: GradedSubmission, result: ExerciseResult) -> tuple[str, ...]:
    """Lines about changes made to ``result``'s score after grading (overrides, late
    penalties), shown under the exercise's heading on both pages."""
    from grader.report.adjustments import adjustment_lines

    return tuple(adjustment_lines(sub).get(result.exercise, ()))


def _section(
    sub: GradedSubmission, result: ExerciseResult, index: int, disclose_hidden: bool
) -> Section:
    anchor = f"ex{index}-{_slug(result.exercise)}"
    checks = tuple(
        _line(student_view(raw, disclose_hidden), f"{anchor}-{number}")
        for number, raw in enumerate(result.results, start=1)
    )
    return Section(
        exercise=result.exercise,
        score=f"{num(result.score)}/{num(result.full_marks)}",
        share=min(max(result.score / result.full_marks, 0.0), 1.0) if result.full_marks else 0.0,
        later=graded_later(result.deferred_points, result.hidden_not_run),
        errors=result.errors,
        notes=result.notes,
        adjustments=adjustments(sub, result),
        checks=checks,
        anchor=anchor,
        all_passed=result.all_passed and not result.errors,
    )


def _line(check: CheckResult, anchor: str) -> CheckLine:
    return CheckLine(
        status=check.status,
        label=LABELS[check.status],
        title=check.title or check.name,
        points=points_text(check),
        message=check.message,
        output=check.output,
        hidden=check.visibility is Visibility.HIDDEN,
        figures=check.figures,
        anchor=anchor,
    )


def _fix_candidates(sections: tuple[Section, ...]) -> list[FixItem]:
    """The checks to fix first: in each exercise the failed checks in the author's order
    (which puts the basics first; a check skipped for want of another is not listed, the
    one it waits for is), public ones before hidden ones; exercises taken in turn."""
    per_exercise = []
    for section in sections:
        failed = [c for c in section.checks if c.status is Status.FAILED]
        failed.sort(key=lambda c: c.hidden)  # stable: the author's order within each group
        per_exercise.append([_fix_item(section, c) for c in failed])
    ordered = []
    for rank in range(max((len(items) for items in per_exercise), default=0)):
        ordered += [items[rank] for items in per_exercise if rank < len(items)]
    return ordered


def _fix_item(section: Section, check: CheckLine) -> FixItem:
    return FixItem(section.exercise, check.title, check.points, check.anchor, check.hidden)


def points_text(check: CheckResult) -> str:
    """``0/2``, or what is not scored yet (read by an instructor, scored at submission)."""
    if check.status is Status.NEEDS_PERSON:
        return f"up to {num(check.max_points)} points, to be read by an instructor"
    if check.status is Status.DEFERRED:
        return f"up to {num(check.max_points)} points, scored when the submission is graded"
    return f"{num(check.points)}/{num(check.max_points)}"


def graded_later(deferred_points: float, hidden_not_run: int) -> str:
    """``7 quiz points and 5 hidden checks are graded when you submit``, or ``""``."""
    counts = [(deferred_points, "quiz point"), (hidden_not_run, "hidden check")]
    parts = [f"{num(n)} {noun}{'' if n == 1 else 's'}" for n, noun in counts if n]
    if not parts:
        return ""
    verb = "is" if len(parts) == 1 and sum(n for n, _ in counts) == 1 else "are"
    return f"{' and '.join(parts)} {verb} graded when you submit"


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text)[:40] or "x"


def num(value: float) -> str:
    """A score as people write it: ``7``, ``7.5``, ``0.33``."""
    return f"{value:.2f}".rstrip("0").rstrip(".")
