"""What ``run_autograder`` runs on Gradescope: grade one submission, write ``results.json``.

    python -m grader.autograder --root /autograder

Reads ``ROOT/source/autograder.json`` and the course in ``ROOT/source/course``; loads
``ROOT/submission`` with the loader ``grade batch`` uses (a folder laid out like the
handout, the flat ``<id>.py`` / ``<id>.toml`` files Gradescope's upload gives, or a zip);
grades every configured exercise with hidden checks in the sandbox (namespaces where the
image allows them, else the process level, which the output says); applies the course's
late policy with Gradescope's submission time (``ROOT/submission_metadata.json``,
``created_at``); writes ``ROOT/results/results.json`` through the one Gradescope serializer
(:mod:`grader.report.gradescope`). A submission that cannot be read still gets every test,
each at 0 with the reason. Whatever goes wrong, a ``results.json`` is written (Gradescope's
best practice): a grader failure says so to the student, scores nothing, and exits 1 so the
instructor sees it in the autograder's stdout.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from grader.autograder.build import CONFIG

log = logging.getLogger(__name__)

DEFAULT_ROOT = "/autograder"


@dataclass(frozen=True)
class Layout:
    """Where Gradescope puts things, under ``root`` (``/autograder`` there, a temporary
    folder in tests)."""

    root: Path

    @property
    def config(self) -> Path:
        return self.root / "source" / CONFIG

    @property
    def course(self) -> Path:
        return self.root / "source" / "course"

    @property
    def submission(self) -> Path:
        return self.root / "submission"

    @property
    def metadata(self) -> Path:
        return self.root / "submission_metadata.json"

    @property
    def results(self) -> Path:
        return self.root / "results" / "results.json"


def main(argv: list[str] | None = None) -> int:
    """Grade the submission under ``--root``; 0 when results were written for it, 1 when
    the grader itself failed (a results.json saying so is still written)."""
    parser = argparse.ArgumentParser(prog="python -m grader.autograder")
    parser.add_argument("--root", default=os.environ.get("AUTOGRADER_ROOT", DEFAULT_ROOT))
    layout = Layout(Path(parser.parse_args(argv).root))
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        results, code = grade(layout), 0
    except Exception as exc:  # the grader's own failure: still a results.json, never a crash
        log.exception("the autograder failed")
        results, code = failure_results(exc), 1
    _write(layout.results, results)
    sandbox = results["extra_data"].get("isolation") or "not started"
    sys.stdout.write(f"{results['output']}\nsandbox: {sandbox}\n")  # the instructor's view
    return code


def grade(layout: Layout) -> dict:
    """The ``results.json`` object for the submission under ``layout``."""
    from grader.batch.adjust import adjust
    from grader.catalog import Course
    from grader.report.gradescope import gradescope_results

    config = json.loads(layout.config.read_text(encoding="utf-8"))
    course = Course.at(layout.course).mount()
    exercises = [course.find(e) for e in config["exercises"]]
    course.validate(tuple(exercises))
    graded = _graded(course, exercises, layout, config.get("isolation", "auto"))
    graded = adjust(graded, (), course.deadlines)
    return gradescope_results(
        graded,
        config.get("hidden_visibility", "after_published"),
        bool(config.get("disclose_hidden", False)),
    )


def _graded(course, exercises, layout: Layout, isolation: str):
    """The submission graded, as a GradedSubmission (nothing is stored)."""
    from grader.batch.gradebook import GradedSubmission
    from grader.batch.submissions import load_one
    from grader.version import grader_version

    ids = [e.id for e in exercises]
    quizzes = [e.id for e in exercises if e.questions()]
    staging = Path(tempfile.mkdtemp(prefix="grader-autograder-"))
    try:
        sub = load_one(_submitted_path(layout), ids, staging, answers_expected=quizzes)
        results, device, label = _results(course, exercises, sub, staging, isolation)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return GradedSubmission(
        id=0,
        student_id=_student(layout),
        content_hash=sub.content_hash,
        grader_version=grader_version(course),
        graded_at=datetime.now(UTC).isoformat(timespec="seconds"),
        device=device,
        isolation=label,
        problems=sub.problems,
        exercises=tuple(results),
        submitted_at=_submitted_at(layout),
    )


def _results(course, exercises, sub, staging: Path, isolation: str):
    """(exercise results, device, isolation label): in the sandbox when the submission
    could be read; otherwise every check fails with the reason, without running anything."""
    from grader.api import Session
    from grader.runner import RunOptions, run_exercise

    if not sub.gradable:
        empty = staging / "nothing-readable"
        empty.mkdir()
        options = RunOptions(include_hidden=True)
        return [run_exercise(e, empty, None, course, options) for e in exercises], "-", ""
    with Session.start(device="auto", isolation=isolation, course=course) as session:
        results = session.grade(exercises, sub.workspace, include_hidden=True)
        return sub.with_problems(results), session.device, session.isolation


def _submitted_path(layout: Layout) -> Path:
    """The submission folder, or the one zip it holds (an upload Gradescope did not unpack)."""
    try:
        entries = [p for p in layout.submission.iterdir() if not p.name.startswith(".")]
    except OSError:
        return layout.submission
    lone = entries[0] if len(entries) == 1 else None
    if lone is not None and lone.suffix.lower() == ".zip" and not lone.is_symlink():
        return lone
    return layout.submission


def _submitted_at(layout: Layout) -> str:
    """Gradescope's ``created_at`` from submission_metadata.json ("" when absent)."""
    try:
        data = json.loads(layout.metadata.read_text(encoding="utf-8"))
        return str(data.get("created_at") or "")
    except (OSError, ValueError, AttributeError):
        return ""


def _student(layout: Layout) -> str:
    """The submitter's email(s) from submission_metadata.json, else ``submission``."""
    try:
        users = json.loads(layout.metadata.read_text(encoding="utf-8")).get("users") or []
        return ", ".join(str(u.get("email") or u.get("name") or "") for u in users) or "submission"
    except (OSError, ValueError, AttributeError):
        return "submission"


def failure_results(exc: BaseException) -> dict:
    """A valid results.json saying the grader (not the student) failed."""
    return {
        "score": 0.0,
        "output": (
            "The autograder itself failed, not your work: "
            f"{type(exc).__name__}: {exc}. Your instructor can see the details and regrade."
        ),
        "output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": [],
        "extra_data": {"grader_error": f"{type(exc).__name__}: {exc}"},
    }


def _write(path: Path, results: dict) -> None:
    from grader.report.text import json_text

    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(json_text(results), encoding="utf-8")
    os.replace(partial, path)


if __name__ == "__main__":
    sys.exit(main())
