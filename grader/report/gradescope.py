"""Gradescope ``results.json``: one file per student at ``OUT/<student_id>/results.json``.

Follows Gradescope's autograder specification: top-level ``score``,
``execution_time``, ``output``, ``visibility``, ``stdout_visibility`` and ``tests``;
each test has ``name``, ``name_format``, ``number``, ``score``, ``max_score``,
``status`` (``"passed"``/``"failed"``), ``output``, ``output_format``, ``tags``,
``visibility`` and ``extra_data`` (our own fields: exercise, check name, outcome).

Visibility mapping: a public check is ``"visible"``; a hidden check gets
``hidden_visibility`` (default ``"after_published"``: shown once the instructor
publishes grades) and, unless ``disclose_hidden``, only its title and points
(redaction by :func:`grader.report.feedback.student_view`). A result that is not
scored (``needs_person``: for a person to read; ``deferred``: scored at submission)
has no ``status`` and ``max_score`` 0, matching :attr:`ExerciseResult.max_score`,
which leaves it out of the total.

Folder names come from :func:`~grader.batch.naming.export_names` (any student id gives a
valid, distinct folder); the JSON is valid UTF-8 whatever a message holds (a lone
surrogate is written as its ``\\udcNN`` escape, which reads back as the same string).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path

from grader.batch.gradebook import GradedSubmission
from grader.batch.naming import export_names
from grader.model import CheckResult, ExerciseResult, Status, Visibility
from grader.report.feedback import student_view
from grader.report.text import json_text

logger = logging.getLogger(__name__)

#: The visibility values Gradescope accepts, for tests and for the whole result.
VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")


def gradescope_results(
    sub: GradedSubmission,
    hidden_visibility: str = "after_published",
    disclose_hidden: bool = False,
) -> dict:
    """The ``results.json`` object for one student.

    Raises:
        ValueError: ``hidden_visibility`` is not one of :data:`VISIBILITIES`.
    """
    if hidden_visibility not in VISIBILITIES:
        raise ValueError(f"unknown Gradescope visibility {hidden_visibility!r}")
    tests = [
        _test(result, index, position, check, hidden_visibility, disclose_hidden)
        for index, result in enumerate(sub.exercises, start=1)
        for position, check in enumerate(result.results, start=1)
    ]
    return {
        "score": sub.score,
        "execution_time": round(sum(e.execution_time for e in sub.exercises), 3),
        "output": _overall_output(sub),
        "output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
        "extra_data": {
            "student_id": sub.student_id,
            "max_score": sub.max_score,
            "grader_version": sub.grader_version,
            "content_hash": sub.content_hash,
            "graded_at": sub.graded_at,
        },
    }


def _test(
    result: ExerciseResult,
    index: int,
    position: int,
    raw: CheckResult,
    hidden_visibility: str,
    disclose_hidden: bool,
) -> dict:
    check = student_view(raw, disclose_hidden)
    scored = check.status.scored
    test = {
        "name": f"{result.exercise}: {check.title or check.name}",
        "name_format": "text",
        "number": f"{index}.{position}",
        "score": check.points,
        "max_score": check.max_points if scored else 0.0,
        "output": _test_output(check),
        "output_format": "text",
        "tags": [result.exercise],
        "visibility": "visible" if check.visibility is Visibility.PUBLIC else hidden_visibility,
        "extra_data": {
            "exercise": result.exercise,
            "check": check.name,
            "outcome": check.status.value,
            "duration_s": round(check.duration_s, 4),
        },
    }
    if scored:
        test["status"] = "passed" if check.status is Status.PASSED else "failed"
    return test


def _test_output(check: CheckResult) -> str:
    text = check.message
    if check.status is Status.NEEDS_PERSON:
        text = f"{text}\n(to be read by an instructor)".strip()
    if check.output:
        text = f"{text}\n--- your program printed ---\n{check.output}".strip()
    return text


def _overall_output(sub: GradedSubmission) -> str:
    lines = [f"Total: {sub.score:g}/{sub.max_score:g}"]
    lines += [f"Problem: {problem}" for problem in sub.general_problems]
    for result in sub.exercises:
        lines.append(f"{result.exercise}: {result.score:g}/{result.max_score:g}")
        lines += [f"  {error}" for error in result.errors]
        lines += [f"  note: {note}" for note in result.notes]
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
