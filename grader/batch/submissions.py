"""Find every student's submission in a folder and normalize it into a workspace.

Accepted shapes, one per student, directly under the submissions folder:

    <student_id>/                 a folder laid out like the handout
                                  (exercises/<id>.py|.ipynb, answers/<id>.toml; the flat
                                  <id>.py / <id>.toml and one wrapping folder also work)
    <student_id>.zip              a zip of such a folder
    <student_id>_<id>.py          single files, one per exercise (also .ipynb), and
    <student_id>_<id>.toml        <student_id>_<id>.toml for the answers

``<id>`` is one of the exercise ids being graded; the student id is made from what is left
of the name (:func:`~grader.batch.naming.student_id_from_name`). Dot files are skipped; any
other top-level file that fits none of the shapes is logged and skipped.

The loader is total: whatever bytes, names, links, special files, depth or size a
submission holds, reading it never raises. Every problem becomes a student-readable
sentence in :attr:`Submission.problems`; a problem about one file starts with that file's
handout path (``exercises/ex4_5.py: ...``). A submission that cannot be graded at all
(corrupt, unsafe or oversized zip, a limit of :mod:`grader.input_limits` passed, an empty
folder, no exercise file, a top-level link, a student id shared with another entry) has
``workspace = None``. Names that differ only by case or Unicode compatibility forms
(``ALICE_ex4_5.py`` and ``alice/``) are one id collision: each of those entries gets its own
error row naming all of them, and no other student is touched. Nothing here runs student
code: Python sources are only parsed (``ast.parse``); links are never followed and nothing
but regular files is ever opened.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import lzma
import shutil
import zipfile
import zlib
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

from grader.batch import archive, times, validate
from grader.batch.folder import Refused, list_folder, open_regular, read_regular
from grader.batch.layout import handout_path, select
from grader.batch.naming import display, safe_file_name
from grader.batch.naming import student_id_from_name as student_id_from_name
from grader.batch.sources import Source, find_sources, source_at
from grader.errors import StorageError, SubmissionError
from grader.input_limits import Limits
from grader.model import ExerciseResult

logger = logging.getLogger(__name__)

#: What reading a source gives: handout path -> bytes, notes about ignored files, and the
#: newest date of the files read (ISO 8601, see grader.batch.times; "" when unknown).
_Read = tuple[dict[str, bytes], list[str], str]
_MAX_REFUSALS_LISTED = 5
_BROKEN_HASH_BYTES = 64 * 2**20
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class Submission:
    """One student's submission, ready to grade (or the reason it cannot be).

    ``source`` is what was found under the submissions folder (for single files:
    the first of them); ``workspace`` a fresh folder in the handout layout holding
    only the files that matter, or None when nothing can be graded.
    ``content_hash`` is a sha256 hex digest over the handout paths and bytes of
    those files: renaming the zip or touching mtimes leaves it unchanged. For a
    submission that cannot be graded it hashes the problems and the raw input.
    ``submitted_at`` is the newest date of the files read (see :mod:`grader.batch.times`:
    only as good as whoever made the files); ``grade batch --submitted-at`` replaces it.
    """

    student_id: str
    source: Path
    workspace: Path | None
    content_hash: str
    problems: tuple[str, ...] = ()
    submitted_at: str = ""

    @property
    def gradable(self) -> bool:
        """True when there is a workspace to grade."""
        return self.workspace is not None

    def problems_for(self, exercise_id: str) -> tuple[str, ...]:
        """The problems about one exercise's files (source or answers)."""
        prefixes = tuple(f"{folder}/{exercise_id}." for folder in ("exercises", "answers"))
        return tuple(p for p in self.problems if p.startswith(prefixes))

    def with_problems(self, results: Sequence[ExerciseResult]) -> list[ExerciseResult]:
        """``results`` with each exercise's file problems (found while loading) attached,
        each once (the quiz may have reported the same answers-file problem itself)."""
        return [
            dataclasses.replace(
                r,
                errors=tuple(p for p in self.problems_for(r.exercise) if p not in r.errors)
                + r.errors,
            )
            for r in results
        ]


def discover(
    root: Path,
    exercise_ids: Sequence[str],
    staging: Path,
    limits: Limits | None = None,
    answers_expected: Collection[str] | None = None,
) -> list[Submission]:
    """Every submission under ``root``, sorted by student id.

    ``answers_expected`` names the exercises that have a quiz (an
    ``answers/<id>.toml`` whose absence is a problem); default: all of them.
    Each gradable submission gets a fresh workspace under ``staging`` (an older one
    there is replaced), named after the student id where that is a safe file name.
    ``staging`` may not be ``root`` itself; when it lies inside ``root`` it is skipped.
    Never raises for what a submission holds: the problem is recorded on that
    student's :class:`Submission`.

    Raises:
        SubmissionError: ``root`` is not a folder.
        StorageError: a workspace cannot be written to ``staging`` (the grader's disk).
    """
    if not root.is_dir():
        raise SubmissionError(f"{root}: not a folder of submissions")
    if root.resolve() == staging.resolve():
        raise SubmissionError(f"{staging}: the staging folder must differ from {root}")
    limits = limits or Limits()
    ids = list(exercise_ids)
    quizzes = set(ids if answers_expected is None else answers_expected)
    submissions: list[Submission] = []
    for sources in find_sources(root, ids, staging).values():
        if len(sources) > 1:
            submissions.extend(_collision(sources))
        else:
            submissions.append(_load(sources[0], ids, quizzes, staging, limits))
    return sorted(submissions, key=lambda s: s.student_id)


def load_one(
    path: Path,
    exercise_ids: Sequence[str],
    staging: Path,
    limits: Limits | None = None,
    answers_expected: Collection[str] | None = None,
) -> Submission:
    """One submission at ``path``, read by the same rules as :func:`discover`.

    ``path`` is a folder (any layout :func:`discover` accepts for one student), a ``.zip``
    of one, or a single ``<id>.py`` / ``<id>.ipynb`` / ``<id>.toml`` file; if ``path``
    itself is a link it is followed (links inside are not). Never raises for what the
    submission holds: problems are on the returned :class:`Submission`.

    Raises:
        SubmissionError: ``path`` does not exist, or is a file of no accepted kind.
    """
    ids = list(exercise_ids)
    source = source_at(path, ids)
    if source is None:
        expected = ", ".join(f"{i}.py" for i in ids)
        raise SubmissionError(
            f"{path}: not a submission (a folder, a .zip, or a single file such as {expected})"
        )
    quizzes = set(ids if answers_expected is None else answers_expected)
    return _load(source, ids, quizzes, staging, limits or Limits())


def _collision(sources: list[Source]) -> list[Submission]:
    """One error row per distinct student id among sources that share a collision key."""
    names = ", ".join(display(source.paths[0].name, 60) for source in sources)
    rows: dict[str, Source] = {}
    for source in sources:
        rows.setdefault(source.student_id, source)
    why = " (ids that differ only in case or Unicode form are one student)" if len(rows) > 1 else ""
    return [
        _broken(
            source,
            f"several submissions map to student id {student!r}: {names}{why}; "
            "keep one per student",
        )
        for student, source in sorted(rows.items())
    ]


def _load(
    source: Source, ids: list[str], quizzes: set[str], staging: Path, limits: Limits
) -> Submission:
    """One student's submission; a problem reading it is that submission's error row."""
    try:
        files, notes, submitted_at = _read_source(source, ids, limits)
        problems = _validate(files, notes, ids, quizzes)
    except SubmissionError as exc:
        return _broken(source, str(exc))
    except Exception as exc:  # a loader bug costs this one row, never the batch
        logger.exception("reading %s failed", display(str(source.paths[0])))
        return _broken(
            source,
            f"internal grader error while reading this submission ({type(exc).__name__}); "
            "please report it",
        )
    workspace = staging / safe_file_name(source.student_id, 120)
    try:
        _write_workspace(workspace, files)
    except OSError as exc:  # the grader's disk, not the student's work: stop, lose nothing
        raise StorageError(
            f"{workspace}: cannot write {source.student_id}'s files to the staging folder "
            f"({exc.strerror or exc}); free space there and run the batch again"
        ) from exc
    return Submission(
        student_id=source.student_id,
        source=source.paths[0],
        workspace=workspace,
        content_hash=content_hash(files),
        problems=tuple(problems),
        submitted_at=submitted_at,
    )


def _read_source(source: Source, ids: list[str], limits: Limits) -> _Read:
    """The handout files of one source (handout path -> bytes) and notes about the rest."""
    path = source.paths[0]
    if source.refused:
        raise SubmissionError(f"{display(path.name)}: refused, {source.refused}")
    if source.files:
        data, notes = _read_files(source.files, limits)
        return data, notes, times.newest_mtime(source.files[t] for t in data)
    if path.is_dir():
        return _read_folder(path, ids, limits)
    return _read_zip(path, ids, limits)


def _read_files(files: dict[str, Path], limits: Limits) -> tuple[dict[str, bytes], list[str]]:
    """Read the regular files ``files`` maps handout paths to; the others are noted."""
    data: dict[str, bytes] = {}
    notes: list[str] = []
    for target, path in sorted(files.items()):
        try:
            data[target] = read_regular(path, limits.max_file_bytes)
        except Refused as why:
            notes.append(f"{target}: ignored, {why}")
    return data, notes


def _read_folder(folder: Path, ids: list[str], limits: Limits) -> _Read:
    """Read a student folder: regular files only, no link followed (see grader.batch.folder)."""
    listing = list_folder(folder, limits)
    if not listing.files and not listing.refused:
        raise SubmissionError("empty submission: the folder has no files")
    layout = select(listing.files, ids)
    paths = {t: folder / n for t, n in layout.files.items()}
    data, unread = _read_files(paths, limits)
    notes = [*layout.notes, *_refusal_notes(listing.refused, ids), *unread]
    return data, notes, times.newest_mtime(paths[t] for t in data)


def _read_zip(path: Path, ids: list[str], limits: Limits) -> _Read:
    """Read the handout files of a zip; any corruption or limit becomes a SubmissionError."""
    name = display(path.name)
    try:
        with open_regular(path) as stream:
            archive.check_directory(path, stream, limits)
            with zipfile.ZipFile(stream) as zf:
                listing = archive.list_members(zf, limits)
                if not listing.files and not listing.refused:
                    raise SubmissionError(f"{name}: the zip archive is empty")
                layout = select(listing.files, ids)
                data = {
                    t: archive.read_member(zf, listing.files[n], limits)
                    for t, n in layout.files.items()
                }
                stamp = times.newest_zip_time(listing.files[n] for n in layout.files.values())
    except Refused as why:
        raise SubmissionError(f"{name}: refused, {why}") from None
    except archive.open_errors() as exc:
        raise SubmissionError(f"{name}: not a readable zip archive ({_zip_error(exc)})") from None
    return data, [*layout.notes, *_refusal_notes(list(listing.refused), ids)], stamp


def _zip_error(exc: BaseException) -> str:
    """What went wrong, in words (exception texts may quote member names: displayed)."""
    if isinstance(exc, UnicodeDecodeError):
        return "a file name marked as UTF-8 is not valid UTF-8"
    text = display(str(exc), 200) or type(exc).__name__
    if isinstance(exc, zlib.error | lzma.LZMAError | EOFError):
        return f"damaged compressed data: {text}"
    return text


def _refusal_notes(refused: list[tuple[str, str]], ids: list[str]) -> list[str]:
    """``<handout path or name>: ignored, <reason>`` for the first few refused entries."""
    notes = []
    for name, reason in refused[:_MAX_REFUSALS_LISTED]:
        unwrapped = name.partition("/")[2]
        target = handout_path(name, ids) or (unwrapped and handout_path(unwrapped, ids))
        notes.append(f"{target or display(name)}: ignored, {reason}")
    if len(refused) > _MAX_REFUSALS_LISTED:
        more = len(refused) - _MAX_REFUSALS_LISTED
        notes.append(f"and {more} more links or special files ignored")
    return notes


def _validate(files: dict[str, bytes], notes: list[str], ids: list[str], quizzes: set[str]):
    """Every problem of the files read (no exercise file at all: a SubmissionError)."""
    if not files:
        expected = ", ".join(f"exercises/{i}.py" for i in ids)
        problem = f"no exercise files found (expected {expected} and answers/<id>.toml)"
        raise SubmissionError("; ".join([problem, *notes]))
    problems = validate.missing(files, ids, quizzes)
    for target, data in sorted(files.items()):
        problems.extend(validate.check_file(target, data))
    return [*problems, *notes]


def content_hash(files: dict[str, bytes]) -> str:
    """sha256 hex digest over sorted (handout path, bytes) pairs, length-prefixed."""
    digest = hashlib.sha256(b"grader-submission-v1\0")
    for rel in sorted(files):
        data = files[rel]
        digest.update(rel.encode("utf-8", "surrogatepass") + b"\0" + len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


def _write_workspace(workspace: Path, files: dict[str, bytes]) -> None:
    if workspace.exists():
        shutil.rmtree(workspace)
    for rel, data in files.items():
        target = workspace / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def _broken(source: Source, problem: str) -> Submission:
    """A submission that cannot be graded.

    Its hash covers the raw bytes of a regular file source (a corrupt zip hashes the
    same under any name; at most the first 64 MiB are read) and the problem text
    otherwise; links and special files are never opened.
    """
    logger.info("%s: %s", source.student_id, problem)
    path = source.paths[0]
    digest = hashlib.sha256(b"grader-broken-v1\0")
    try:
        with open_regular(path) as raw:
            for _ in range(_BROKEN_HASH_BYTES // _CHUNK):
                if not (chunk := raw.read(_CHUNK)):
                    break
                digest.update(chunk)
    except (Refused, OSError):
        digest.update(problem.encode("utf-8", "backslashreplace"))
    return Submission(source.student_id, path, None, digest.hexdigest(), (problem,))
