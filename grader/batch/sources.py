"""Which entries of a submissions folder belong to which student.

Each top-level entry is looked at with ``lstat`` only (nothing is opened here): a folder or a
``.zip`` starts one student's source; ``<student>_<id>.<ext>`` files join their student's
single-file source. A symbolic link, a hard link, a named pipe, a socket or a device file
whose name still names a student becomes a *refused* source (that student's error row);
anything that names no student is logged and skipped. Sources are grouped by
:func:`~grader.batch.naming.collision_key`, so that names differing only by case or Unicode
compatibility forms land in one group, which the loader reports as a collision.
"""

from __future__ import annotations

import logging
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from grader.batch.folder import why_refused
from grader.batch.layout import handout_path, is_noise
from grader.batch.naming import collision_key, display, student_id_from_name, unnamed_id

logger = logging.getLogger(__name__)
NO_ID_IN_NAME = (
    "its name has no letter or digit to make a student id from: rename it to the student's id"
)


@dataclass
class Source:
    """Where one student's work was found, before it is read.

    ``files`` maps handout paths to single files; ``refused`` is why a top-level link or
    special file is never read ("" for a source that may be read).
    """

    student_id: str
    key: str
    paths: list[Path]
    files: dict[str, Path] = field(default_factory=dict)
    refused: str = ""


def find_sources(root: Path, ids: list[str], staging: Path) -> dict[str, list[Source]]:
    """Every source under ``root`` grouped by collision key, in name order."""
    groups: dict[str, list[Source]] = {}
    singles: dict[str, Source] = {}
    for entry in sorted(root.iterdir()):
        if is_noise(entry.name) or _same_path(entry, staging):
            continue
        source = _source_of(entry, ids, singles)
        if source is not None:
            groups.setdefault(source.key, []).append(source)
    return groups


def source_at(path: Path, ids: list[str]) -> Source | None:
    """The one source at ``path`` (a folder, a zip or a single file named like a handout
    file), following ``path`` itself if it is a link (whoever named it chose it); None when
    ``path`` is none of those."""
    student = student_id_from_name(path.stem if path.is_file() else path.name) or "submission"
    key = collision_key(student) or student
    real = Path(os.path.realpath(path))
    if real.is_dir() or (real.is_file() and real.suffix.lower() == ".zip"):
        return Source(student, key, [real])
    target = handout_path(path.name, ids) if real.is_file() else None
    return Source(student, key, [real], {target: real}) if target else None


def _source_of(entry: Path, ids: list[str], singles: dict[str, Source]) -> Source | None:
    """The source ``entry`` starts, or None (a single file joining another, or junk)."""
    try:
        info = entry.lstat()
    except OSError as exc:
        logger.warning("skipping %s: %s", display(str(entry)), exc.strerror or exc)
        return None
    refused = why_refused(info.st_mode, info.st_nlink)
    if stat.S_ISDIR(info.st_mode):
        return _new_source(entry, entry.name)
    if entry.suffix.lower() == ".zip":
        return _new_source(entry, entry.stem, refused)
    if refused:
        parsed = split_single(entry.name, ids)
        return _new_source(entry, parsed[0] if parsed else entry.name, refused)
    return _single_file(entry, ids, singles)


def _new_source(entry: Path, name: str, refused: str = "") -> Source:
    """A folder's, zip's or refused entry's source; a name with no letter or digit (only
    symbols, emoji or punctuation) still gets a row, ``unnamed-<hash of the name>``,
    refused with a message that says to rename it."""
    student, key = student_id_from_name(name), collision_key(name)
    if student is None or key is None:
        student = key = unnamed_id(name)
        refused = NO_ID_IN_NAME
    return Source(student, key, [entry], refused=refused)


def _single_file(entry: Path, ids: list[str], singles: dict[str, Source]) -> Source | None:
    """Group ``<student>_<exercise>.<ext>`` files; a new student returns a new source."""
    parsed = split_single(entry.name, ids)
    if parsed is None:
        logger.warning(
            "skipping %s: not a submission folder, zip or <student>_<id> file", display(str(entry))
        )
        return None
    head, target = parsed
    student = student_id_from_name(head) or head
    source = singles.get(student)
    if source is not None:
        source.paths.append(entry)
        source.files[target] = entry
        return None
    singles[student] = Source(student, collision_key(head) or student, [entry], {target: entry})
    return singles[student]


def split_single(name: str, ids: list[str]) -> tuple[str, str] | None:
    """(the student part of the name, handout path) for ``<student>_<id>.<ext>``.

    The longest matching exercise id wins; None when no id matches or the student part
    makes no student id.
    """
    stem, dot, suffix = name.rpartition(".")
    for exercise in sorted(ids, key=len, reverse=True):
        head = stem.removesuffix(f"_{exercise}")
        target = handout_path(f"{exercise}.{suffix}", ids) if dot else None
        if head != stem and target is not None and student_id_from_name(head):
            return head, target
    return None


def _same_path(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False
