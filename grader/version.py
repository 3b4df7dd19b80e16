"""The grader version recorded with every grade: package version plus a course-content hash.

Changing a check, a hidden check, a probe or a reference solution changes the
version, so batch grading re-grades exactly what such a change may affect. The course's
settings count as read, without ``[deadlines]``: due dates and the late policy are applied
when grades are exported, so moving a due date regrades nobody.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from importlib import metadata
from pathlib import Path

from grader.catalog import Course
from grader.deadlines import TABLE as DEADLINES

_PATTERNS = ("*.py", "*.toml", "*.md", "*.json")


@cache
def grader_version(course: Course) -> str:
    """``"0.1.0+1a2b3c4d5e6f"``: the package version and a hash of the grading code.

    The hash covers the engine, the course's settings, public checks, hidden checks and
    solutions: whatever can change a grade.
    """
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent
    graded_settings = {k: v for k, v in course.settings.items() if k != DEADLINES}
    digest.update(json.dumps(graded_settings, sort_keys=True, default=str).encode() + b"\0")
    for folder in (package, course.checks_dir, *course.instructor_dirs()):
        for path in sorted(_files(folder)):
            digest.update(str(path.relative_to(folder)).encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return f"{_package_version()}+{digest.hexdigest()[:12]}"


@cache
def engine_digest() -> str:
    """A hash of the engine's own files (the ``grader`` package, nothing of a course).

    Two machines (the instructor's and a Dask worker) run the same engine exactly when
    their digests are equal.
    """
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent
    for path in sorted(_files(package)):
        digest.update(str(path.relative_to(package)).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return f"{_package_version()}+{digest.hexdigest()[:12]}"


def _files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    found = [p for pattern in _PATTERNS for p in folder.rglob(pattern)]
    return [p for p in found if "__pycache__" not in p.parts]


def _package_version() -> str:
    try:
        return metadata.version("grader")
    except metadata.PackageNotFoundError:
        return "0+unknown"
