"""Fixtures of the adversarial suite: one grading session per isolation level, baselines.

``level_session`` is parametrized over the two levels: ``namespaces`` (bubblewrap,
skipped only when ``bwrap`` is not installed) and ``process`` (forced, so the
fallback is tested on every machine). Both run with the seccomp layer where
libseccomp exists, as in production; tests that need it off make their own session.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from security_support import LEVELS, start_session

from grader.api import Session
from grader.batch.gradebook import Gradebook
from grader.model import ExerciseResult


@pytest.fixture(scope="session", params=LEVELS)
def level_session(request) -> Iterator[Session]:
    """A grading session at each isolation level in turn."""
    session = start_session(request.param)
    try:
        yield session
    finally:
        session.close()


@pytest.fixture(scope="session")
def baselines() -> dict:
    """(isolation label, exercise id) -> ExerciseResult of the reference solution."""
    return {}


@pytest.fixture(scope="session")
def gradebook(tmp_path_factory) -> Path:
    """A gradebook holding one graded submission, as a batch would have left it."""
    path = tmp_path_factory.mktemp("gradebook") / "gradebook.sqlite"
    result = ExerciseResult(exercise="ex4_5", results=(), isolation="test")
    with Gradebook(path) as book:
        book.record("alice", "hash-1", "1.0", [result], [], device="cpu", isolation="test")
    return path
