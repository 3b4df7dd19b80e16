"""Gradescope's ``results.json``: the one serializer of that format.

Used by ``grade export --format gradescope`` (``OUT/<student_id>/results.json``), by the
Gradescope autograder (:mod:`grader.autograder`) and by ``grade ID --json`` /
``grade all --json`` (their ``tests``), so the three never disagree.

Follows Gradescope's autograder specification,
https://gradescope-autograders.readthedocs.io/en/latest/specs/ ("Output format",
"Controlling Test Case Visibility", "Test case status", "Output String Formatting"): top-level
``score`` (it overrides the tests' total, so it is written and equals their sum),
``execution_time`` (seconds), ``output``, ``output_format``, ``visibility``,
``stdout_visibility``, ``extra_data`` and ``tests``; each test has ``name``, ``name_format``,
``number``, ``score``, ``max_score``, ``status`` (``"passed"``/``"failed"``), ``output``,
``output_format``, ``tags``, ``visibility`` and ``extra_data`` (ours: exercise, check name,
outcome, timings). Nothing else is written at either level.

One test per check. Visibility: a public check is ``"visible"``; a hidden check gets
``hidden_visibility`` (default ``"after_published"``: shown once the instructor publishes
grades; ``"hidden"``, ``"after_due_date"`` or ``"visible"`` by the instructor's choice) and,
unless ``disclose_hidden``, only its title and points (redaction by
:func:`grader.report.feedback.student_view`). A result that is not scored has no ``status``:
a ``needs_person`` one (a free-text answer, for a person to read until an instructor's
override gives it points) keeps its ``max_score``, as it is part of the exercise's full marks
(:attr:`ExerciseResult.full_marks`, the "out of" of every export); a ``deferred`` one (a quiz
answer scored at submission, in a student's own run) has ``max_score`` 0. So the tests'
``max_score`` add up to the full marks, the same before and after an override. A late
penalty (:mod:`grader.batch.adjust`) is one more test with a negative ``score``, so the tests'
scores still add up to ``score``, and each override is a line of the overall ``output``.

Folder names come from :func:`~grader.batch.naming.export_names` (any student id gives a
valid, distinct folder); the JSON is valid UTF-8 whatever a message holds (a lone
surrogate is written as its ``\\udcNN`` escape, which reads back as the same string).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path

from grader.batch.gradebook import Adjustment, GradedSubmission
from grader.batch.naming import export_names
from grader.model import CheckResult, ExerciseResult, Status, Visibility
from grader.report.feedback import student_view
from grader.report.text import json_text

logger = logging.getLogger(__name__)

#: The visibility values Gradescope accepts, for tests and for the whole result.
VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")
#: The output formats Gradescope renders ("Output String Formatting").
FORMATS = ("text", "html", "simple_format", "md", "ansi")


def gradescope_results(
    sub: GradedSubmission,
    hidden_visibility: str = "after_published",
    disclose_hidden: bool = False,
) -> dict:
    """The ``results.json`` object for one student (grades as adjusted, if they are).

    Raises:
        ValueError: ``hidden_visibility`` is not one of :data:`VISIBILITIES`.
    """
    extra = {
        "student_id": sub.student_id,
        "max_score": sub.max_score,
        "grader_version": sub.grader_version,
        "content_hash": sub.content_hash,
        "graded_at": sub.graded_at,
        "submitted_at": sub.submitted_at,
        "isolation": sub.isolation,
    }
    return results_json(
        sub.exercises,
        problems=sub.general_problems,
        adjustments=sub.adjustments,
        extra=extra,
        hidden_visibility=hidden_visibility,
        disclose_hidden=disclose_hidden,
    )


def results_json(
    exercises: Sequence[ExerciseResult],
    *,
    problems: Sequence[str] = (),
    adjustments: Sequence[Adjustment] = (),
    extra: dict | None = None,
    hidden_visibility: str = "after_published",
    disclose_hidden: bool = False,
) -> dict:
    """A valid ``results.json`` for these exercise results (one test per check).

    Raises:
        ValueError: ``hidden_visibility`` is not one of :data:`VISIBILITIES`.
    """
    if hidden_visibility not in VISIBILITIES:
        raise ValueError(f"unknown Gradescope visibility {hidden_visibility!r}")
    tests = []
    for index, result in enumerate(exercises, start=1):
        tests += exercise_tests(result, index, hidden_visibility, disclose_hidden)
        late = [a for a in adjustments if a.exercise == result.exercise and a.penalty]
        tests += [_penalty_test(a, f"{index}.{len(result.results) + 1}") for a in late]
    return {
        "score": round(sum(t["score"] for t in tests), 6),
        "execution_time": round(sum(e.execution_time for e in exercises), 3),
        "output": _overall_output(exercises, problems, adjustments),
        "output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
        "extra_data": extra or {},
    }


def exercise_tests(
    result: ExerciseResult,
    index: int = 1,
    hidden_visibility: str = "after_published",
    disclose_hidden: bool = False,
) -> list[dict]:
    """One Gradescope test per check of ``result``, numbered ``index.1``, ``index.2``..."""
    return [
        gradescope_test(result.exercise, check, f"{index}.{position}", hidden_visibility,
                        disclose_hidden)
        for position, check in enumerate(result.results, start=1)
    ]  # fmt: skip


def gradescope_test(
    exercise: str,
    raw: CheckResult,
    number: str,
    hidden_visibility: str = "after_published",
    disclose_hidden: bool = False,
) -> dict:
    """One entry of ``tests``: documented fields only, ours in its ``extra_data``."""
    check = student_view(raw, disclose_hidden)
    scored = check.status.scored
    test = {
        "name": f"{exercise}: {check.title or check.name}",
        "name_format": "text",
        "number": number,
        "score": check.points,
        "max_score": 0.0 if check.status is Status.DEFERRED else check.max_points,
        "output": _test_output(check),
        "output_format": "text",
        "tags": [exercise],
        "visibility": "visible" if check.visibility is Visibility.PUBLIC else hidden_visibility,
        "extra_data": {
            "exercise": exercise,
            "check": check.name,
            "outcome": check.status.value,
            "duration_s": round(check.duration_s, 4),
            "sandbox_s": round(check.sandbox_s, 4),
        },
    }
    if scored:
        test["status"] = "passed" if check.status is Status.PASSED else "failed"
    return test


def _penalty_test(adjustment: Adjustment, number: str) -> dict:
    return {
        "name": f"{adjustment.exercise}: late penalty",
        "name_format": "text",
        "number": number,
        "score": -adjustment.penalty,
        "max_score": 0.0,
        "status": "failed",
        "output": adjustment.text,
        "output_format": "text",
        "tags": [adjustment.exercise],
        "visibility": "visible",
        "extra_data": {"exercise": adjustment.exercise, "adjustment": adjustment.kind},
    }


def _test_output(check: CheckResult) -> str:
    text = check.message
    if check.status is Status.NEEDS_PERSON:
        text = f"{text}\n(to be read by an instructor)".strip()
    if check.output:
        text = f"{text}\n--- your program printed ---\n{check.output}".strip()
    return text


def _overall_output(
    exercises: Sequence[ExerciseResult], problems: Sequence[str], adjustments: Sequence[Adjustment]
) -> str:
    penalties = sum(a.penalty for a in adjustments)
    score = sum(e.score for e in exercises) - penalties
    lines = [f"Total: {score:g}/{sum(e.full_marks for e in exercises):g}"]
    lines += [f"Problem: {problem}" for problem in problems]
    for result in exercises:
        own = [a for a in adjustments if a.exercise == result.exercise]
        final = result.score - sum(a.penalty for a in own)
        lines.append(f"{result.exercise}: {final:g}/{result.full_marks:g}")
        lines += [f"  {error}" for error in result.errors]
        lines += [f"  note: {note}" for note in result.notes]
        lines += [f"  {a.text}" for a in own]
    return "\n".join(lines)


def write_gradescope(
    submissions: Sequence[GradedSubmission],
    out_dir: Path,
    hidden_visibility: str = "after_published",
    disclose_hidden: bool = False,
) -> list[Path]:
    """Write ``out_dir/<student_id>/results.json`` for each submission; return the paths.

    Each file is written atomically (a temporary file, then a rename).
    """
    names = export_names(sub.student_id for sub in submissions)
    paths = []
    for sub in submissions:
        results = gradescope_results(sub, hidden_visibility, disclose_hidden)
        folder = out_dir / names[sub.student_id]
        folder.mkdir(parents=True, exist_ok=True)
        partial = folder / ".results.json.partial"
        partial.write_text(json_text(results), encoding="utf-8")
        os.replace(partial, folder / "results.json")
        paths.append(folder / "results.json")
    logger.info("wrote %d results.json files under %s", len(paths), out_dir)
    return paths
