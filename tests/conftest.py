"""Fixtures shared by every test: one grading session (one sandbox template) per run."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from support import COURSE

from grader.api import Session
from grader.model import ExerciseResult


@pytest.fixture(autouse=True)
def default_sigint():
    """Every test starts with Python's own Ctrl-C handler in this process.

    A subprocess inherits an ignored SIGINT (and Python then installs no KeyboardInterrupt
    handler in it), so one in-process test that ignores it (`grade batch`'s last-line
    guard, a Dask worker plugin on the main thread) would make every later Ctrl-C test
    see a child that cannot be interrupted.
    """
    signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(scope="session")
def session() -> Iterator[Session]:
    """A grading session on the CPU; torch is imported once for the whole test run."""
    with Session.start(device="cpu", course=COURSE) as s:
        yield s


@pytest.fixture
def grade_source(session: Session, tmp_path: Path):
    """Grade source text (and optional answers text) as a one-exercise submission.

    ``grade_source("ex4_5", code, answers=None, hidden=True) -> ExerciseResult``
    """

    def grade(
        exercise_id: str, code: str | None, answers: str | None = None, hidden: bool = True
    ) -> ExerciseResult:
        workspace = tmp_path / f"ws-{exercise_id}-{len(list(tmp_path.iterdir()))}"
        (workspace / "exercises").mkdir(parents=True)
        (workspace / "answers").mkdir()
        if code is not None:
            (workspace / "exercises" / f"{exercise_id}.py").write_text(code, encoding="utf-8")
        if answers is not None:
            (workspace / "answers" / f"{exercise_id}.toml").write_text(answers, encoding="utf-8")
        return session.grade([COURSE.find(exercise_id)], workspace, include_hidden=hidden)[0]

    return grade
