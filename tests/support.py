"""Helpers for tests (importable as `support`: pyproject puts tests/ on the path)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Collection, Iterable
from pathlib import Path

from grader.catalog import Course
from grader.model import CheckResult, ExerciseResult, Status

REPO = Path(__file__).resolve().parents[1]
#: The example course (this repository), mounted: what the tests grade with.
COURSE = Course.at(REPO).mount()


def solution_text(exercise_id: str) -> str:
    return (REPO / "solutions" / f"{exercise_id}.py").read_text(encoding="utf-8")


def stub_text(exercise_id: str) -> str:
    return (REPO / "exercises" / f"{exercise_id}.py").read_text(encoding="utf-8")


def fake_course(root: Path, stub: str) -> Course:
    """A copy of the course where only ex4_5 has a stub (and it is ``stub``)."""
    for folder in ("exercises", "answers", "solutions", "hidden"):
        (root / folder).mkdir(parents=True)
    shutil.copy(REPO / "course.toml", root)
    shutil.copytree(REPO / "checks", root / "checks")
    (root / "exercises" / "ex4_5.py").write_text(stub, "utf-8")
    shutil.copy(REPO / "answers" / "ex4_5.toml", root / "answers")
    shutil.copy(REPO / "solutions" / "ex4_5.py", root / "solutions")
    shutil.copy(REPO / "hidden" / "ex4_5.py", root / "hidden")
    return Course.at(root)


def reference_answers(exercise_id: str) -> str:
    """The reference quiz answers, ``solutions/<id>.toml``."""
    return (REPO / "solutions" / f"{exercise_id}.toml").read_text(encoding="utf-8")


def apply_edits(exercise_id: str, edits: Iterable[tuple[str, str]]) -> str:
    """The reference solution with each ``(old, new)`` replacement made, in order.

    Asserts that each ``old`` text is present when its turn comes, so an edit that no
    longer matches the solution fails the test instead of silently testing the reference.
    """
    source = solution_text(exercise_id)
    for old, new in edits:
        assert old in source, old
        source = source.replace(old, new)
    return source


def by_name(result: ExerciseResult) -> dict[str, CheckResult]:
    """Results of one exercise keyed by check name."""
    return {r.name: r for r in result.results}


def only_checks(result: ExerciseResult, names: Collection[str]) -> dict[str, CheckResult]:
    """The results of the checks named in ``names`` (e.g. the code checks, not the quiz)."""
    return {name: r for name, r in by_name(result).items() if name in names}


def not_passed(results: Iterable[CheckResult]) -> list[tuple[str, str]]:
    """(name, message) of each result that did not pass: ``[]`` means all passed."""
    return [(r.name, r.message) for r in results if r.status is not Status.PASSED]


def assert_no_errored(result: ExerciseResult) -> None:
    """No check is ERRORED (a grader bug); a failure lists (name, message) of those that are."""
    errored = [(r.name, r.message) for r in result.results if r.status is Status.ERRORED]
    assert errored == [], errored


def cli_solution_report(exercise_id: str, *options: str, timeout: float = 120) -> dict:
    """The JSON report of ``grade <id> --solution --json [options]`` run from the repository.

    Asserts that the command exits with status 0 (its stderr is the failure message).
    """
    done = subprocess.run(
        [sys.executable, "-m", "grader.cli", exercise_id, "--solution", "--json", *options],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)
