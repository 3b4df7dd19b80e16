"""Helpers of the adversarial suite: sessions per isolation level, grading, digests."""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
from pathlib import Path

import pytest
from support import COURSE, REPO

from grader.api import Session
from grader.model import ExerciseResult
from grader.sandbox import Limits

LEVELS = ("namespaces", "process")
NO_BWRAP = "bubblewrap (bwrap) is not installed: the namespace level is not tested here"
FAST = Limits(call_timeout_s=2.0, import_timeout_s=6.0)

# A secret held in the judge's (this process's) memory and environment: no attack may
# ever make it appear in a result.
JUDGE_SECRET = f"JUDGE-SECRET-{secrets.token_hex(12)}"
os.environ["GRADER_TEST_JUDGE_SECRET"] = JUDGE_SECRET


def start_session(level: str, limits: Limits = FAST) -> Session:
    """A CPU session at ``level``; skips the namespace level only when bwrap is absent."""
    if level == "namespaces":
        if shutil.which("bwrap") is None:
            pytest.skip(NO_BWRAP)
        return Session.start(device="cpu", limits=limits, isolation="strict", course=COURSE)
    return Session.start(device="cpu", limits=limits, isolation="process", course=COURSE)


def write_workspace(root: Path, exercise_id: str, code: str, answers: str | None) -> Path:
    (root / "exercises").mkdir(parents=True)
    (root / "answers").mkdir()
    (root / "exercises" / f"{exercise_id}.py").write_text(code, encoding="utf-8")
    reference = REPO / "solutions" / f"{exercise_id}.toml"
    if answers is None and reference.is_file():
        answers = reference.read_text(encoding="utf-8")
    if answers is not None:
        (root / "answers" / f"{exercise_id}.toml").write_text(answers, encoding="utf-8")
    return root


def grade_text(
    session: Session, root: Path, exercise_id: str, code: str, answers: str | None = None
) -> ExerciseResult:
    """Grade ``code`` (and the reference answers unless ``answers``) with hidden checks."""
    workspace = write_workspace(root, exercise_id, code, answers)
    return session.grade([COURSE.find(exercise_id)], workspace, include_hidden=True)[0]


def baseline(session: Session, baselines: dict, tmp_factory, exercise_id: str) -> ExerciseResult:
    """The reference solution's result at this session's level (graded once)."""
    key = (session.isolation, exercise_id)
    if key not in baselines:
        code = (REPO / "solutions" / f"{exercise_id}.py").read_text(encoding="utf-8")
        root = tmp_factory.mktemp(f"baseline-{exercise_id}")
        baselines[key] = grade_text(session, root / "ws", exercise_id, code)
    return baselines[key]


def tree_digest(*folders: Path) -> str:
    """A hash of every file's path and content under ``folders`` (caches excluded)."""
    digest = hashlib.sha256()
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if "__pycache__" in path.parts or not path.is_file():
                continue
            digest.update(str(path).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def grader_files_digest() -> str:
    """The grader's own files: package, exercises, solutions, hidden checks, answers."""
    names = ("grader", "exercises", "solutions", "hidden", "answers")
    return tree_digest(*(REPO / n for n in names if (REPO / n).is_dir()))


def file_digest(path: Path) -> str:
    """Hash of a file and of its SQLite side files (WAL), so any write shows."""
    digest = hashlib.sha256()
    for candidate in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        if candidate.exists():
            digest.update(candidate.read_bytes())
    return digest.hexdigest()
