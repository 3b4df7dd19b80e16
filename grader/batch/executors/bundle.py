"""What crosses to a Dask worker, as bytes: the course once per worker, each submission's files.

    bundle = course_bundle(course, trusted=False)   # {"course.toml": b"...", "checks/...": ...}
    root = unpack(bundle, Path(tempfile.mkdtemp()))  # on the worker: a course folder again
    files = folder_files(sub.workspace)              # {"exercises/ex4_5.py": b"..."}

A bundle holds ``course.toml`` and the public ``checks/`` (what students also get),
plus ``checks/hidden_manifest.json`` (how many hidden checks each exercise has, as a
handout does). Only with ``trusted=True`` does it also hold ``hidden/`` and
``solutions/``: a worker without them grades the public checks only (see
docs/scale.md). Workers therefore need the engine installed (the same version: see
:func:`grader.version.engine_digest`), never a copy of the course.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from grader.catalog import CHECKS_DIR, COURSE_FILE, HIDDEN_MANIFEST, Course
from grader.errors import InternalError

#: The kinds of course file grading reads (no caches, editor files or data dumps).
COURSE_SUFFIXES = (".py", ".toml", ".md", ".json")
#: Instructor-only folders: shipped to trusted workers only, kept private (0700) there.
INSTRUCTOR_DIRS = ("hidden", "solutions")
MAX_SUBMISSION_BYTES = 64 * 1024**2  # more than any archive limit lets through


def course_bundle(course: Course, *, trusted: bool) -> dict[str, bytes]:
    """The course files a worker grades with, by POSIX path relative to the course root."""
    files = {COURSE_FILE: (course.root / COURSE_FILE).read_bytes()}
    files.update(_tree(course.root, CHECKS_DIR))
    counts = {e.id: course.hidden_count(e) for e in course.exercises()}
    files[f"{CHECKS_DIR}/{HIDDEN_MANIFEST}"] = json.dumps(counts, sort_keys=True).encode()
    if trusted:
        for folder in INSTRUCTOR_DIRS:
            files.update(_tree(course.root, folder))
    return files


def folder_files(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (a submission's workspace) by POSIX relative path.

    Raises:
        InternalError: the workspace holds more than :data:`MAX_SUBMISSION_BYTES`
            (the loader's archive limits make that impossible for a real submission).
    """
    files, total = {}, 0
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        data = path.read_bytes()
        total += len(data)
        if total > MAX_SUBMISSION_BYTES:
            raise InternalError(f"{folder}: over {MAX_SUBMISSION_BYTES} bytes to ship")
        files[path.relative_to(folder).as_posix()] = data
    return files


def unpack(files: dict[str, bytes], root: Path) -> Path:
    """Write ``files`` under ``root`` (an existing, empty folder) and return ``root``.

    Course files are readable by every user (a sandbox at the process level runs as
    a uid of its own and imports probes from ``checks/``); the instructor folders are
    the owner's only. A path that is absolute or climbs out of ``root`` is refused.
    """
    root.chmod(0o755)
    for name, data in files.items():
        target = root / safe_relative(name)
        private = target.relative_to(root).parts[0] in INSTRUCTOR_DIRS
        _make_parents(root, target.parent, 0o700 if private else 0o755)
        target.write_bytes(data)
        target.chmod(0o600 if private else 0o644)
    return root


def safe_relative(name: str) -> PurePosixPath:
    """``name`` as a relative path inside its folder; InternalError for anything else."""
    path = PurePosixPath(name)
    if path.is_absolute() or not path.parts or ".." in path.parts or "\\" in name:
        raise InternalError(f"refusing to write {name!r}: not a plain relative path")
    return path


def _tree(root: Path, folder: str) -> dict[str, bytes]:
    base = root / folder
    if not base.is_dir():
        return {}
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(_course_files(base.rglob("*")))
    }


def _course_files(paths: Iterable[Path]) -> Iterable[Path]:
    for path in paths:
        if path.is_file() and path.suffix in COURSE_SUFFIXES and "__pycache__" not in path.parts:
            yield path


def _make_parents(root: Path, folder: Path, mode: int) -> None:
    missing = []
    while folder != root and not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for path in reversed(missing):
        os.mkdir(path, mode)
        path.chmod(mode)  # whatever the umask
