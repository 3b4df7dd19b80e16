"""What crosses to a Dask worker, as bytes: the course once per worker, each submission's files.

    bundle = course_bundle(course, trusted=False)   # {"course.toml": b"...", "checks/...": ...}
    root = unpack(bundle, Path(tempfile.mkdtemp()))  # on the worker: a course folder again
    files = folder_files(sub.workspace)              # {"exercises/ex4_5.py": b"..."}

For workers not marked trusted a bundle holds what the handout gives students of the
course: ``course.toml``, of each exercise's ``checks/<id>/`` exactly the files
``grade release`` ships (:func:`grader.release.shipped.released_files`: the standard
parts and what they import or name; a stray note or copy in the folder stays here), and
``checks/hidden_manifest.json`` (how many hidden checks each exercise has). It passes
the release's leak audit (:mod:`grader.release.audit`) or nothing is sent. With
``trusted=True`` it holds every course file of ``checks/`` (hidden checks may import
helpers no public file does), ``hidden/`` and ``solutions/``; a worker without them
grades the public checks only (see docs/scale.md). Workers therefore need the engine
installed (the same version: see :func:`grader.version.engine_digest`), never a copy of
the course.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from grader.catalog import CHECKS_DIR, COURSE_FILE, HIDDEN_MANIFEST, Course
from grader.errors import InternalError, ReleaseRefused
from grader.release.audit import scan
from grader.release.secrets import collect_secrets
from grader.release.shipped import released_files

#: The kinds of course file grading reads (no caches, editor files or data dumps): what
#: trusted workers get of ``checks/``.
COURSE_SUFFIXES = (".py", ".toml", ".md", ".json")
#: Instructor-only folders: shipped to trusted workers only, kept private (0700) there.
INSTRUCTOR_DIRS = ("hidden", "solutions")
MAX_SUBMISSION_BYTES = 64 * 1024**2  # more than any archive limit lets through
_LEAKS_SHOWN = 30


def course_bundle(course: Course, *, trusted: bool) -> dict[str, bytes]:
    """The course files a worker grades with, by POSIX path relative to the course root.

    Raises:
        ReleaseRefused: (``trusted=False``) a file of the bundle holds instructor-only
            material (a solution body, a reference answer, a hidden check's name or
            value); the message names each file. Nothing is sent.
    """
    files = {COURSE_FILE: (course.root / COURSE_FILE).read_bytes()}
    files.update(_tree(course.root, CHECKS_DIR) if trusted else _public_checks(course))
    counts = {e.id: course.hidden_count(e) for e in course.exercises()}
    files[f"{CHECKS_DIR}/{HIDDEN_MANIFEST}"] = json.dumps(counts, sort_keys=True).encode()
    if trusted:
        for folder in INSTRUCTOR_DIRS:
            files.update(_tree(course.root, folder))
    else:
        _audit(course, files)
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


def _public_checks(course: Course) -> dict[str, bytes]:
    """Of each exercise's ``checks/<id>/``, the files a handout ships."""
    files = {}
    for exercise in course.exercises():
        folder = exercise.folder or course.checks_dir / exercise.id
        shipped, _ = released_files(folder, exercise.id)
        for relative in shipped:
            name = f"{CHECKS_DIR}/{exercise.id}/{relative.as_posix()}"
            files[name] = (folder / relative).read_bytes()
    return files


def _audit(course: Course, files: dict[str, bytes]) -> None:
    """The release's leak audit on ``files``: ReleaseRefused naming each leaking file."""
    secrets = collect_secrets(course, list(course.exercises()))
    if not secrets:
        return
    with tempfile.TemporaryDirectory(prefix="grader-bundle-") as tmp:
        leaks = scan(unpack(files, Path(tmp)), secrets)
    if leaks:
        lines = [
            "--cluster: the course for workers not marked trusted would carry "
            f"instructor-only material ({len(leaks)} matches):"
        ]
        lines += [f"  {leak.describe()}" for leak in leaks[:_LEAKS_SHOWN]]
        if len(leaks) > _LEAKS_SHOWN:
            lines.append(f"  ... and {len(leaks) - _LEAKS_SHOWN} more")
        lines.append(
            "Nothing was sent. Move that material to solutions/ or hidden/ (`grade release` "
            "refuses it too), or pass --trusted-workers if the workers may hold the answers."
        )
        raise ReleaseRefused("\n".join(lines))


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
