"""Find every student's submission in a folder and normalize it into a workspace.

Accepted shapes, one per student, directly under the submissions folder:

    <student_id>/                 a folder laid out like the handout
                                  (exercises/<id>.py|.ipynb, answers/<id>.toml; the flat
                                  <id>.py / <id>.toml and one wrapping folder also work)
    <student_id>.zip              a zip of such a folder
    <student_id>_<id>.py          single files, one per exercise (also .ipynb), and
    <student_id>_<id>.toml        <student_id>_<id>.toml for the answers

``<id>`` is one of the exercise ids being graded; the student id is what is left of
the name, sanitized (:func:`student_id_from_name`). Dot files are skipped; any other
top-level file that fits none of the shapes is logged and skipped.

Every problem becomes a student-readable sentence in :attr:`Submission.problems`; a
problem about one file starts with that file's handout path (``exercises/ex4_5.py:
...``). A submission that cannot be graded at all (corrupt or unsafe zip, empty
folder, no exercise file, two sources for one student) has ``workspace = None``.
Nothing here runs student code: Python sources are only parsed (``ast.parse``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
import re
import shutil
import unicodedata
import zipfile
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from grader.batch import archive, validate
from grader.batch.layout import handout_path, is_noise, select
from grader.errors import SubmissionError
from grader.model import ExerciseResult

logger = logging.getLogger(__name__)

_UNSAFE_ID_CHARS = re.compile(r"[^\w.@-]+")
_MAX_ID_LENGTH = 100
#: What reading a source gives: handout path -> bytes, and notes about ignored files.
_Read = tuple[dict[str, bytes], list[str]]


@dataclass(frozen=True)
class Submission:
    """One student's submission, ready to grade (or the reason it cannot be).

    ``source`` is what was found under the submissions folder (for single files:
    the first of them); ``workspace`` a fresh folder in the handout layout holding
    only the files that matter, or None when nothing can be graded.
    ``content_hash`` is a sha256 hex digest over the handout paths and bytes of
    those files: renaming the zip or touching mtimes leaves it unchanged. For a
    submission that cannot be graded it hashes the problems and the raw input.
    """

    student_id: str
    source: Path
    workspace: Path | None
    content_hash: str
    problems: tuple[str, ...] = ()

    @property
    def gradable(self) -> bool:
        """True when there is a workspace to grade."""
        return self.workspace is not None

    def problems_for(self, exercise_id: str) -> tuple[str, ...]:
        """The problems about one exercise's files (source or answers)."""
        prefixes = tuple(f"{folder}/{exercise_id}." for folder in ("exercises", "answers"))
        return tuple(p for p in self.problems if p.startswith(prefixes))

    def with_problems(self, results: Sequence[ExerciseResult]) -> list[ExerciseResult]:
        """``results`` with each exercise's file problems (found while loading) attached."""
        return [
            dataclasses.replace(r, errors=tuple(self.problems_for(r.exercise)) + r.errors)
            for r in results
        ]


@dataclass
class _Source:
    """Where one student's work was found, before it is read."""

    student_id: str
    paths: list[Path]
    files: dict[str, Path] = field(default_factory=dict)  # single files: handout path -> file


def student_id_from_name(name: str) -> str | None:
    """A safe student id from a file or folder name, or None if nothing is left.

    Unicode is NFC-normalized, whitespace and anything outside letters, digits,
    ``_ . @ -`` becomes ``_`` (so no path separators survive), leading ``. - @`` are
    dropped (no ``.``/``..``, no hidden folders, nothing a spreadsheet reads as a
    formula) and the result is cut to 100 characters.
    """
    text = unicodedata.normalize("NFC", name).strip()
    text = _UNSAFE_ID_CHARS.sub("_", text).lstrip(".-@")[:_MAX_ID_LENGTH]
    return text if text.strip("_") else None


def discover(
    root: Path,
    exercise_ids: Sequence[str],
    staging: Path,
    limits: archive.Limits | None = None,
    answers_expected: Collection[str] | None = None,
) -> list[Submission]:
    """Every submission under ``root``, sorted by student id.

    ``answers_expected`` names the exercises that have a quiz (an
    ``answers/<id>.toml`` whose absence is a problem); default: all of them.
    Each gradable submission gets a fresh workspace ``staging/<student_id>/``
    (an older one there is replaced). ``staging`` may not be ``root`` itself; when
    it lies inside ``root`` it is skipped. Never raises for a malformed submission:
    the problem is recorded on that student's :class:`Submission`.

    Raises:
        SubmissionError: ``root`` is not a folder.
    """
    if not root.is_dir():
        raise SubmissionError(f"{root}: not a folder of submissions")
    if root.resolve() == staging.resolve():
        raise SubmissionError(f"{staging}: the staging folder must differ from {root}")
    limits = limits or archive.Limits()
    ids = list(exercise_ids)
    quizzes = set(ids if answers_expected is None else answers_expected)
    groups = _find_sources(root, ids, staging)
    submissions = [
        _load_group(sources, ids, quizzes, staging, limits) for sources in groups.values()
    ]
    return sorted(submissions, key=lambda s: s.student_id)


def load_one(
    path: Path,
    exercise_ids: Sequence[str],
    staging: Path,
    limits: archive.Limits | None = None,
    answers_expected: Collection[str] | None = None,
) -> Submission:
    """One submission at ``path``, read by the same rules as :func:`discover`.

    ``path`` is a folder (any layout :func:`discover` accepts for one student), a ``.zip``
    of one, or a single ``<id>.py`` / ``<id>.ipynb`` / ``<id>.toml`` file. Never raises
    for what the submission holds: problems are on the returned :class:`Submission`.

    Raises:
        SubmissionError: ``path`` does not exist, or is a file of no accepted kind.
    """
    ids = list(exercise_ids)
    student = student_id_from_name(path.stem if path.is_file() else path.name) or "submission"
    if path.is_dir() or (path.is_file() and path.suffix.lower() == ".zip"):
        source = _Source(student, [path])
    elif path.is_file() and (target := handout_path(path.name, ids)) is not None:
        source = _Source(student, [path], {target: path})
    else:
        expected = ", ".join(f"{i}.py" for i in ids)
        raise SubmissionError(
            f"{path}: not a submission (a folder, a .zip, or a single file such as {expected})"
        )
    quizzes = set(ids if answers_expected is None else answers_expected)
    return _load_group([source], ids, quizzes, staging, limits or archive.Limits())


def _find_sources(root: Path, ids: list[str], staging: Path) -> dict[str, list[_Source]]:
    """Sources grouped by student id (case-folded, so ``Alice`` and ``alice`` collide)."""
    groups: dict[str, list[_Source]] = {}
    singles: dict[str, _Source] = {}
    for entry in sorted(root.iterdir()):
        if is_noise(entry.name) or _same_path(entry, staging):
            continue
        source = _source_of(entry, ids, singles)
        if source is not None:
            groups.setdefault(source.student_id.casefold(), []).append(source)
    return groups


def _source_of(entry: Path, ids: list[str], singles: dict[str, _Source]) -> _Source | None:
    """The source ``entry`` starts, or None (a single file joining another, or junk)."""
    if entry.is_dir() and not entry.is_symlink():
        student = student_id_from_name(entry.name)
    elif entry.suffix.lower() == ".zip" and entry.is_file():
        student = student_id_from_name(entry.stem)
    else:
        return _single_file(entry, ids, singles)
    if student is None:
        logger.warning("skipping %s: no student id can be made from its name", entry)
        return None
    return _Source(student, [entry])


def _single_file(entry: Path, ids: list[str], singles: dict[str, _Source]) -> _Source | None:
    """Group ``<student>_<exercise>.<ext>`` files; a new student returns a new source."""
    parsed = _split_single(entry.name, ids)
    if parsed is None or not entry.is_file() or entry.is_symlink():
        logger.warning("skipping %s: not a submission folder, zip or <student>_<id> file", entry)
        return None
    student, target = parsed
    source = singles.get(student)
    if source is not None:
        source.paths.append(entry)
        source.files[target] = entry
        return None
    singles[student] = _Source(student, [entry], {target: entry})
    return singles[student]


def _split_single(name: str, ids: list[str]) -> tuple[str, str] | None:
    """(student id, handout path) for ``<student>_<id>.<ext>``, longest id first."""
    stem, dot, suffix = name.rpartition(".")
    for exercise in sorted(ids, key=len, reverse=True):
        head = stem.removesuffix(f"_{exercise}")
        target = handout_path(f"{exercise}.{suffix}", ids) if dot else None
        if head != stem and target is not None and (student := student_id_from_name(head)):
            return student, target
    return None


def _load_group(
    sources: list[_Source],
    ids: list[str],
    quizzes: set[str],
    staging: Path,
    limits: archive.Limits,
) -> Submission:
    """One student's submission from their single source (two sources: an error row)."""
    first = sources[0]
    if len(sources) > 1:
        names = ", ".join(path.name for source in sources for path in source.paths[:1])
        problem = f"several submissions map to student id {first.student_id!r}: {names}"
        return _broken(first, problem)
    try:
        files, notes = _read_source(first, ids, limits)
    except SubmissionError as exc:
        return _broken(first, str(exc))
    return _build(first, files, notes, ids, quizzes, staging)


def _read_source(source: _Source, ids: list[str], limits: archive.Limits) -> _Read:
    """The handout files of one source (handout path -> bytes) and notes about the rest."""
    path = source.paths[0]
    if source.files:
        return _read_files(source.files, limits)
    if path.is_dir():
        return _read_folder(path, ids, limits)
    return _read_zip(path, ids, limits)


def _read_files(files: dict[str, Path], limits: archive.Limits) -> _Read:
    data: dict[str, bytes] = {}
    notes: list[str] = []
    for target, path in sorted(files.items()):
        if path.stat().st_size > limits.max_file_bytes:
            notes.append(f"{target}: ignored, larger than {limits.max_file_bytes} bytes")
        else:
            data[target] = path.read_bytes()
    return data, notes


def _read_folder(folder: Path, ids: list[str], limits: archive.Limits) -> _Read:
    """Read a student folder without following symbolic links."""
    names, links = _walk(folder, limits)
    if not names and not links:
        raise SubmissionError("empty submission: the folder has no files")
    layout = select(names, ids)
    notes = [*layout.notes, *map(_link_note, links)]
    data, too_big = _read_files({t: folder / n for t, n in layout.files.items()}, limits)
    return data, notes + too_big


def _walk(folder: Path, limits: archive.Limits) -> tuple[list[str], list[str]]:
    """Relative POSIX names of the regular files and of the symlinks under ``folder``."""
    names: list[str] = []
    links: list[str] = []
    for dirpath, dirnames, filenames in os.walk(folder):
        here = Path(dirpath)
        for name in [*filenames, *(d for d in dirnames if (here / d).is_symlink())]:
            rel = (here / name).relative_to(folder).as_posix()
            (links if (here / name).is_symlink() else names).append(rel)
        if len(names) + len(links) > limits.max_entries:
            raise SubmissionError(f"the folder has more than {limits.max_entries} files")
    return names, links


def _read_zip(path: Path, ids: list[str], limits: archive.Limits) -> _Read:
    """Read the handout files of a zip; any corruption becomes a SubmissionError."""
    try:
        with zipfile.ZipFile(path) as zf:
            listing = archive.list_members(zf, limits)
            if not listing.files and not listing.symlinks:
                raise SubmissionError(f"{path.name}: the zip archive is empty")
            layout = select(listing.files, ids)
            data = {
                t: archive.read_member(zf, listing.files[n], limits)
                for t, n in layout.files.items()
            }
    except archive.open_errors() as exc:
        raise SubmissionError(f"{path.name}: not a readable zip archive ({exc})") from exc
    return data, [*layout.notes, *map(_link_note, listing.symlinks)]


def _link_note(link: str) -> str:
    return f"{link}: ignored, symbolic links are not followed"


def _build(
    source: _Source,
    files: dict[str, bytes],
    notes: list[str],
    ids: list[str],
    quizzes: set[str],
    staging: Path,
) -> Submission:
    """Validate the files, write the workspace and hash the content."""
    if not files:
        expected = ", ".join(f"exercises/{i}.py" for i in ids)
        problem = f"no exercise files found (expected {expected} and answers/<id>.toml)"
        return _broken(source, "; ".join([problem, *notes]))
    problems = validate.missing(files, ids, quizzes)
    for target, data in sorted(files.items()):
        problems.extend(validate.check_file(target, data))
    workspace = _write_workspace(staging / source.student_id, files)
    return Submission(
        student_id=source.student_id,
        source=source.paths[0],
        workspace=workspace,
        content_hash=content_hash(files),
        problems=(*problems, *notes),
    )


def content_hash(files: dict[str, bytes]) -> str:
    """sha256 hex digest over sorted (handout path, bytes) pairs, length-prefixed."""
    digest = hashlib.sha256(b"grader-submission-v1\0")
    for rel in sorted(files):
        data = files[rel]
        digest.update(rel.encode() + b"\0" + len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


def _write_workspace(workspace: Path, files: dict[str, bytes]) -> Path:
    if workspace.exists():
        shutil.rmtree(workspace)
    for rel, data in files.items():
        target = workspace / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return workspace


def _broken(source: _Source, problem: str) -> Submission:
    """A submission that cannot be graded.

    Its hash covers the raw bytes of a file source (a corrupt zip hashes the same
    under any name) and the problem text otherwise.
    """
    logger.info("%s: %s", source.student_id, problem)
    path = source.paths[0]
    digest = hashlib.sha256(b"grader-broken-v1\0")
    if path.is_file():
        with path.open("rb") as raw:
            digest.update(hashlib.file_digest(raw, "sha256").digest())
    else:
        digest.update(problem.encode())
    return Submission(source.student_id, path, None, digest.hexdigest(), (problem,))


def _same_path(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False
