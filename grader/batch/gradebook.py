"""The gradebook: every graded submission and every check result, in SQLite.

Crash safety comes from SQLite itself: each finished submission is written by
:meth:`Gradebook.record` in one ``BEGIN IMMEDIATE ... COMMIT`` transaction, so a
crash, Ctrl-C or ``kill -9`` loses at most the submission being written, and the
file stays consistent. The journal is in WAL mode, so readers (an export while a
batch runs) never block the writer and never see half a submission;
``busy_timeout`` makes a second writer wait instead of failing.

Nothing is overwritten: regrading adds a new submission row, and readers use the
latest row per student. Open one :class:`Gradebook` per process (or thread).

The file is private: a new gradebook is created mode 0600 (SQLite gives its ``-wal`` and
``-shm`` files the same mode), and a writer tightens an existing one that others could read.
Text is stored losslessly: a string that is not valid UTF-8 (a lone surrogate, e.g. from a
student's notebook or output) is stored as a BLOB of its ``surrogatepass`` encoding and read
back as the same string; every other string is plain TEXT. A write or read that fails
(disk full, I/O error, read-only, locked past the timeout) raises
:class:`~grader.errors.GradebookError` naming the file and the student; the transaction is
rolled back, so there is never a partial row, and everything committed before is intact.

Schema (version 2; a version-1 gradebook is upgraded in place when opened, its rows
kept: the new columns take their defaults)::

    schema_version(version)
    students(student_id PK, first_seen)
    submissions(id PK, student_id, content_hash, grader_version, graded_at, device,
                isolation, error, submitted_at)   error: the problems, one per line;
                                                  submitted_at: ISO 8601, or empty
    exercise_results(submission_id, exercise, position, execution_time, device,
                     isolation, hidden_not_run, errors)      errors: JSON list (a note,
                                                             which costs nothing, as
                                                             {"note": text})
    check_results(submission_id, exercise, position, name, title, points, max_points,
                  status, visibility, message, duration_s, output, sandbox_s,
                  figures)                        figures: JSON list of Figure dicts
    overrides(id PK, student_id, exercise, check_name, points, reason, author,
              created_at)                         an instructor's points for one check

Overrides (:meth:`Gradebook.add_override`, :meth:`Gradebook.overrides`) belong to a student,
an exercise and a check name, never to one submission row: a regrade adds a submission and
leaves them in force. Nothing is deleted: a newer override of the same check supersedes the
older one (:func:`current_overrides`), and both stay in the table with who, when and why.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from grader.errors import GradebookError, NotAGradebook, UsageError
from grader.model import CheckResult, ExerciseResult

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 2

_SCHEMA = """
CREATE TABLE schema_version (version INTEGER NOT NULL);
CREATE TABLE students (
    student_id TEXT PRIMARY KEY,
    first_seen TEXT NOT NULL
);
CREATE TABLE submissions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    student_id TEXT NOT NULL REFERENCES students(student_id),
    content_hash TEXT NOT NULL,
    grader_version TEXT NOT NULL,
    graded_at TEXT NOT NULL,
    device TEXT NOT NULL,
    isolation TEXT NOT NULL,
    error TEXT NOT NULL DEFAULT '',
    submitted_at TEXT NOT NULL DEFAULT ''
);
CREATE INDEX submissions_by_student ON submissions(student_id, id);
CREATE TABLE exercise_results (
    submission_id INTEGER NOT NULL REFERENCES submissions(id),
    exercise TEXT NOT NULL,
    position INTEGER NOT NULL,
    execution_time REAL NOT NULL,
    device TEXT NOT NULL,
    isolation TEXT NOT NULL,
    hidden_not_run INTEGER NOT NULL,
    errors TEXT NOT NULL,
    PRIMARY KEY (submission_id, exercise)
);
CREATE TABLE check_results (
    submission_id INTEGER NOT NULL REFERENCES submissions(id),
    exercise TEXT NOT NULL,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    title TEXT NOT NULL,
    points REAL NOT NULL,
    max_points REAL NOT NULL,
    status TEXT NOT NULL,
    visibility TEXT NOT NULL,
    message TEXT NOT NULL,
    duration_s REAL NOT NULL,
    output TEXT NOT NULL,
    sandbox_s REAL NOT NULL DEFAULT 0,
    figures TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (submission_id, exercise, position)
);
CREATE TABLE overrides (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    student_id TEXT NOT NULL,
    exercise TEXT NOT NULL,
    check_name TEXT NOT NULL,
    points REAL NOT NULL,
    reason TEXT NOT NULL,
    author TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX overrides_by_student ON overrides(student_id, id);
"""

#: Statements that bring a gradebook of version N to N + 1, in order.
_MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: (
        "ALTER TABLE submissions ADD COLUMN submitted_at TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE check_results ADD COLUMN sandbox_s REAL NOT NULL DEFAULT 0",
        "ALTER TABLE check_results ADD COLUMN figures TEXT NOT NULL DEFAULT '[]'",
        "CREATE TABLE overrides (id INTEGER PRIMARY KEY AUTOINCREMENT, student_id TEXT NOT"
        " NULL, exercise TEXT NOT NULL, check_name TEXT NOT NULL, points REAL NOT NULL,"
        " reason TEXT NOT NULL, author TEXT NOT NULL, created_at TEXT NOT NULL)",
        "CREATE INDEX overrides_by_student ON overrides(student_id, id)",
    ),
}

_CHECK_KEYS = (
    "name",
    "title",
    "points",
    "max_points",
    "status",
    "visibility",
    "message",
    "duration_s",
    "output",
    "sandbox_s",
    "figures",
)
_SUBMISSION_COLUMNS = (
    "id, student_id, content_hash, grader_version, graded_at, device, isolation, error,"
    " submitted_at"
)
#: SQLite's primary result codes that mean "the storage failed", not "not a gradebook".
_STORAGE_FAILURES = frozenset(
    {"SQLITE_FULL", "SQLITE_IOERR", "SQLITE_READONLY", "SQLITE_BUSY", "SQLITE_LOCKED"}
)
_PRIVATE_MODE = 0o600


@dataclass(frozen=True)
class Adjustment:
    """What an instructor's rules changed in one exercise of a graded submission.

    ``kind`` is ``"override"`` (an instructor's points for one check: already in that
    check's result, ``penalty`` 0) or ``"late"`` (``penalty`` points off the exercise's
    score for late work). ``text`` is one line for people (feedback pages, exports).
    Made by :func:`grader.batch.adjust.adjust`, never stored.
    """

    exercise: str
    kind: str
    text: str
    penalty: float = 0.0


@dataclass(frozen=True)
class GradedSubmission:
    """One recorded submission with its results, as read back from the gradebook.

    ``problems`` are the submission-level problems given to :meth:`Gradebook.record`;
    ``graded_at`` is an ISO 8601 UTC timestamp. ``adjustments`` are empty as read; the
    exports get them from :func:`grader.batch.adjust.adjust` (overrides already replace
    their checks' results there; late penalties count in :attr:`score` and
    :meth:`exercise_score`, once).
    """

    id: int
    student_id: str
    content_hash: str
    grader_version: str
    graded_at: str
    device: str
    isolation: str
    problems: tuple[str, ...]
    exercises: tuple[ExerciseResult, ...]
    submitted_at: str = ""  # ISO 8601 when known (see Gradebook.record)
    adjustments: tuple[Adjustment, ...] = ()

    @property
    def score(self) -> float:
        """The total, late penalties taken off."""
        penalties = sum(a.penalty for a in self.adjustments)
        return round(sum(e.score for e in self.exercises) - penalties, 6)

    @property
    def max_score(self) -> float:
        """What the submission is out of: each exercise's :attr:`ExerciseResult.full_marks`
        (a free-text answer waiting for an instructor included)."""
        return round(sum(e.full_marks for e in self.exercises), 6)

    def exercise_score(self, exercise_id: str) -> float | None:
        """One exercise's score, its late penalty taken off; None when it was not graded."""
        result = self.exercise(exercise_id)
        if result is None:
            return None
        penalty = sum(a.penalty for a in self.adjustments if a.exercise == exercise_id)
        return round(result.score - penalty, 6)

    @property
    def general_problems(self) -> tuple[str, ...]:
        """The problems not repeated in some exercise's ``errors`` (reports show each once)."""
        repeated = {error for e in self.exercises for error in e.errors}
        return tuple(p for p in self.problems if p not in repeated)

    def exercise(self, exercise_id: str) -> ExerciseResult | None:
        """The result of one exercise, or None when it was not graded."""
        return next((e for e in self.exercises if e.exercise == exercise_id), None)


@dataclass(frozen=True)
class Override:
    """An instructor's points for one check of one student: who set them, when and why.

    ``created_at`` is ISO 8601 UTC; ``id`` grows with time (a later override of the same
    check supersedes an earlier one).
    """

    id: int
    student_id: str
    exercise: str
    check_name: str
    points: float
    reason: str
    author: str
    created_at: str

    @property
    def key(self) -> tuple[str, str]:
        """(exercise, check name): what the override applies to."""
        return (self.exercise, self.check_name)


def current_overrides(overrides: Sequence[Override]) -> list[Override]:
    """The override in force for each (student, exercise, check): the newest, in id order."""
    newest: dict[tuple[str, str, str], Override] = {}
    for override in sorted(overrides, key=lambda o: o.id):
        newest[(override.student_id, *override.key)] = override
    return sorted(newest.values(), key=lambda o: o.id)


class Gradebook:
    """A SQLite gradebook file; use as a context manager or call :meth:`close`.

    A new gradebook is made where ``path`` is absent or an empty file, unless
    ``create`` is false (readers: ``grade stats``, ``grade export``). A file that is
    not a gradebook is refused before anything is written to it.

    Raises (on opening):
        NotAGradebook: the file is not a gradebook (not SQLite, another schema, empty
            while ``create`` is false), or was written by a newer grader.
        GradebookError: the file cannot be created, the disk is full, an I/O error, the
            file is read-only or locked.
        UsageError: the file cannot be opened at all.
    """

    def __init__(
        self, path: Path | str, *, busy_timeout_s: float = 30.0, create: bool = True
    ) -> None:
        self.path = Path(path)
        if create:
            _create_private(self.path)
        try:
            self._conn = sqlite3.connect(self.path, isolation_level=None, timeout=busy_timeout_s)
        except sqlite3.Error as exc:
            raise UsageError(f"{self.path}: cannot open the gradebook ({exc})") from exc
        try:
            self._open(busy_timeout_s, create)
        except sqlite3.DatabaseError as exc:
            self._conn.close()
            if _is_storage_failure(exc):
                raise self._failure("cannot open the gradebook", exc) from exc
            raise NotAGradebook(f"{self.path}: not a gradebook ({exc})") from exc
        except BaseException:
            self._conn.close()
            raise
        if create:
            _tighten(self.path)

    def __enter__(self) -> Gradebook:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection (idempotent)."""
        self._conn.close()

    def record(
        self,
        student_id: str,
        content_hash: str,
        grader_version: str,
        results: Sequence[ExerciseResult],
        problems: Sequence[str] = (),
        device: str = "cpu",
        isolation: str = "",
        submitted_at: str = "",
    ) -> int:
        """Store one finished submission in one transaction; return its row id.

        Either everything about the submission is stored or nothing is.
        ``problems`` are submission-level problems (a newline inside one becomes
        a space). Any text is stored losslessly, lone surrogates included.
        ``submitted_at`` is when the student handed the work in (ISO 8601), if known.

        Raises:
            ValueError: two results for the same exercise.
            GradebookError: the write failed (disk full, I/O error...); nothing of this
                submission was stored, everything committed before is intact.
        """
        exercises = [r.exercise for r in results]
        if len(set(exercises)) != len(exercises):
            twice = sorted({e for e in exercises if exercises.count(e) > 1})
            raise ValueError(f"results name exercise {', '.join(twice)} twice")
        now = datetime.now(UTC).isoformat(timespec="seconds")
        error = "\n".join(" ".join(p.splitlines()) for p in problems)
        row = (
            student_id, content_hash, grader_version, now, device, isolation, error, submitted_at
        )  # fmt: skip
        try:
            with self._transaction() as cur:
                cur.execute(
                    "INSERT OR IGNORE INTO students (student_id, first_seen) VALUES (?, ?)",
                    (_stored(student_id), now),
                )
                cur.execute(
                    "INSERT INTO submissions (student_id, content_hash, grader_version,"
                    " graded_at, device, isolation, error, submitted_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    tuple(map(_stored, row)),
                )
                submission_id = int(cur.lastrowid)
                for position, exercise in enumerate(results):
                    self._insert_exercise(cur, submission_id, position, exercise)
        except sqlite3.Error as exc:
            raise self._failure(f"cannot record student {student_id!r}", exc) from exc
        logger.debug("recorded submission %d of %s", submission_id, student_id)
        return submission_id

    def already_graded(
        self,
        student_id: str,
        content_hash: str,
        grader_version: str,
        submitted_at: str | None = None,
    ) -> bool:
        """True when the student's latest submission has this content and grader version
        (and, if ``submitted_at`` is given, was recorded with that submission time).

        Only the latest row counts: a student who goes back to older content is
        graded again, so that the latest row always describes the current work.

        Raises:
            GradebookError: the gradebook cannot be read (I/O error).
        """
        try:
            row = self._conn.execute(
                "SELECT content_hash, grader_version, submitted_at FROM submissions"
                " WHERE student_id = ? ORDER BY id DESC LIMIT 1",
                (_stored(student_id),),
            ).fetchone()
        except sqlite3.Error as exc:
            raise self._failure(f"cannot read student {student_id!r}", exc) from exc
        if row is None:
            return False
        content, version, recorded_at = map(_text, row)
        same_time = submitted_at is None or recorded_at == submitted_at
        return (content, version) == (content_hash, grader_version) and same_time

    def students(self) -> list[str]:
        """Every student id ever recorded, sorted."""
        rows = self._conn.execute("SELECT student_id FROM students ORDER BY student_id")
        return [_text(row[0]) for row in rows]

    def latest(self, student_id: str) -> GradedSubmission | None:
        """The student's most recently recorded submission, or None."""
        with self._snapshot():
            row = self._conn.execute(
                f"SELECT {_SUBMISSION_COLUMNS} FROM submissions WHERE student_id = ?"
                " ORDER BY id DESC LIMIT 1",
                (_stored(student_id),),
            ).fetchone()
            return None if row is None else self._graded(row)

    def latest_all(self) -> list[GradedSubmission]:
        """The latest submission of every student, sorted by student id.

        Read in one snapshot: a writer committing meanwhile is either fully
        visible or not at all.
        """
        with self._snapshot():
            rows = self._conn.execute(
                f"SELECT {_SUBMISSION_COLUMNS} FROM submissions WHERE id IN"
                " (SELECT MAX(id) FROM submissions GROUP BY student_id) ORDER BY student_id"
            ).fetchall()
            return [self._graded(row) for row in rows]

    def history(self, student_id: str) -> list[GradedSubmission]:
        """Every recorded submission of one student, oldest first."""
        with self._snapshot():
            rows = self._conn.execute(
                f"SELECT {_SUBMISSION_COLUMNS} FROM submissions WHERE student_id = ? ORDER BY id",
                (_stored(student_id),),
            ).fetchall()
            return [self._graded(row) for row in rows]

    def add_override(
        self,
        student_id: str,
        exercise: str,
        check_name: str,
        points: float,
        reason: str,
        author: str,
    ) -> Override:
        """Record an instructor's points for one check, in one transaction; return it.

        The caller checks that the student, exercise and check exist and that ``points``
        fits the check (see :mod:`grader.batch.adjust`); this only stores.

        Raises:
            GradebookError: the write failed; nothing was stored.
        """
        now = datetime.now(UTC).isoformat(timespec="seconds")
        row = (student_id, exercise, check_name, float(points), reason, author, now)
        try:
            with self._transaction() as cur:
                cur.execute(
                    "INSERT INTO overrides (student_id, exercise, check_name, points, reason,"
                    " author, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    tuple(map(_stored, row)),
                )
                override_id = int(cur.lastrowid)
        except sqlite3.Error as exc:
            raise self._failure(f"cannot record an override for {student_id!r}", exc) from exc
        return Override(override_id, *row)

    def overrides(self, student_id: str | None = None) -> list[Override]:
        """Every override recorded (of one student, if given), oldest first; superseded
        ones included (:func:`current_overrides` keeps the ones in force).

        Raises:
            GradebookError: the gradebook cannot be read.
        """
        query = (
            "SELECT id, student_id, exercise, check_name, points, reason, author, created_at"
            " FROM overrides"
        )
        args: tuple = ()
        if student_id is not None:
            query, args = query + " WHERE student_id = ?", (_stored(student_id),)
        with self._snapshot():
            rows = self._conn.execute(query + " ORDER BY id", args).fetchall()
        return [Override(*map(_text, row)) for row in rows]

    def results(self, submission_id: int) -> tuple[ExerciseResult, ...]:
        """The exercise results of one submission, in the order they were recorded."""
        exercises = self._conn.execute(
            "SELECT exercise, execution_time, device, isolation, hidden_not_run, errors"
            " FROM exercise_results WHERE submission_id = ? ORDER BY position",
            (submission_id,),
        ).fetchall()
        return tuple(self._exercise(submission_id, row) for row in exercises)

    # -- internals ---------------------------------------------------------------

    def _failure(self, what: str, exc: sqlite3.Error) -> GradebookError:
        """One clear sentence: which file, what could not be done, why, and what to do."""
        return GradebookError(
            f"{self.path}: {what} ({exc}); every submission recorded before is intact: "
            "fix the disk (free space, permissions) and run the same command again to resume"
        )

    def _open(self, busy_timeout_s: float, create: bool) -> None:
        """Check what the file is (reading only), then configure it and make the schema."""
        self._conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_s * 1000)}")
        tables = self._tables()
        if not tables and not create:
            raise NotAGradebook(f"{self.path}: not a gradebook (an empty file)")
        if tables and "schema_version" not in tables:
            raise NotAGradebook(f"{self.path}: an SQLite file, but not a gradebook")
        self._configure()
        self._ensure_schema()

    def _tables(self) -> set[str]:
        return {row[0] for row in self._conn.execute("SELECT name FROM sqlite_master")}

    def _configure(self) -> None:
        mode = self._conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if mode.lower() != "wal":
            logger.warning("%s: WAL mode unavailable (%s); readers may wait", self.path, mode)
        self._conn.execute("PRAGMA synchronous = FULL")
        self._conn.execute("PRAGMA foreign_keys = ON")

    def _ensure_schema(self) -> None:
        if not self._tables():
            self._create_schema()
        version = self._version()
        if version is None or version > SCHEMA_VERSION:
            raise NotAGradebook(
                f"{self.path}: gradebook schema version {version} is newer than this grader"
                f" reads ({SCHEMA_VERSION}); upgrade the grader"
            )
        if version < SCHEMA_VERSION:
            self._migrate()

    def _version(self) -> int | None:
        return self._conn.execute("SELECT MAX(version) FROM schema_version").fetchone()[0]

    def _migrate(self) -> None:
        """Bring an older gradebook to :data:`SCHEMA_VERSION`, one version per transaction."""
        while (version := self._version()) < SCHEMA_VERSION:
            with self._transaction() as cur:
                now = cur.execute("SELECT MAX(version) FROM schema_version").fetchone()[0]
                if now != version:
                    continue  # another process upgraded it meanwhile
                for statement in _MIGRATIONS[version]:
                    cur.execute(statement)
                cur.execute("INSERT INTO schema_version (version) VALUES (?)", (version + 1,))
            logger.info("%s: gradebook upgraded to schema version %d", self.path, version + 1)

    def _create_schema(self) -> None:
        with self._transaction() as cur:
            if cur.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0]:
                return  # another process created it between our check and our lock
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    cur.execute(statement)
            cur.execute("INSERT INTO schema_version (version) VALUES (?)", (SCHEMA_VERSION,))

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Cursor]:
        """BEGIN IMMEDIATE ... COMMIT, rolled back on any exception."""
        cur = self._conn.cursor()
        cur.execute("BEGIN IMMEDIATE")
        try:
            yield cur
            cur.execute("COMMIT")
        except BaseException:
            if self._conn.in_transaction:
                try:
                    cur.execute("ROLLBACK")
                except sqlite3.Error:
                    logger.warning("%s: rolling back a failed write failed too", self.path)
            raise
        finally:
            cur.close()

    @contextmanager
    def _snapshot(self) -> Iterator[None]:
        """A read transaction: every query inside sees the same committed state.

        Raises:
            GradebookError: the gradebook cannot be read (I/O error).
        """
        try:
            self._conn.execute("BEGIN")
            try:
                yield
            finally:
                self._conn.execute("COMMIT")
        except sqlite3.Error as exc:
            raise self._failure("cannot read the gradebook", exc) from exc

    def _insert_exercise(
        self, cur: sqlite3.Cursor, submission_id: int, position: int, result: ExerciseResult
    ) -> None:
        cur.execute(
            "INSERT INTO exercise_results (submission_id, exercise, position, execution_time,"
            " device, isolation, hidden_not_run, errors) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                submission_id,
                _stored(result.exercise),
                position,
                result.execution_time,
                _stored(result.device),
                _stored(result.isolation),
                result.hidden_not_run,
                _stored(
                    json.dumps(
                        [*result.errors, *({"note": n} for n in result.notes)],
                        ensure_ascii=False,
                    )
                ),
            ),
        )
        cur.executemany(
            "INSERT INTO check_results (submission_id, exercise, position, name, title, points,"
            " max_points, status, visibility, message, duration_s, output, sandbox_s, figures)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (submission_id, _stored(result.exercise), i, *_check_row(check))
                for i, check in enumerate(result.results)
            ],
        )

    def _graded(self, row: tuple) -> GradedSubmission:
        sub_id, student, content, version, graded_at, device, isolation, error, submitted = map(
            _text, row
        )
        return GradedSubmission(
            id=sub_id,
            student_id=student,
            content_hash=content,
            grader_version=version,
            graded_at=graded_at,
            device=device,
            isolation=isolation,
            problems=tuple(error.splitlines()),
            exercises=self.results(sub_id),
            submitted_at=submitted,
        )

    def _exercise(self, submission_id: int, row: tuple) -> ExerciseResult:
        exercise, execution_time, device, isolation, hidden_not_run, errors = map(_text, row)
        checks = self._conn.execute(
            f"SELECT {', '.join(_CHECK_KEYS)} FROM check_results"
            " WHERE submission_id = ? AND exercise = ? ORDER BY position",
            (submission_id, _stored(exercise)),
        )
        return ExerciseResult(
            exercise=exercise,
            results=tuple(_check_result(check) for check in checks),
            execution_time=execution_time,
            device=device,
            isolation=isolation,
            hidden_not_run=hidden_not_run,
            errors=tuple(e for e in json.loads(errors) if isinstance(e, str)),
            notes=tuple(e["note"] for e in json.loads(errors) if isinstance(e, dict)),
        )


def _check_row(check: CheckResult) -> tuple:
    """The values of :data:`_CHECK_KEYS` for one check, enums as their values."""
    data = check.to_dict()
    data["duration_s"] = check.duration_s  # to_dict rounds them; keep full precision
    data["sandbox_s"] = check.sandbox_s
    data["figures"] = json.dumps(data["figures"], ensure_ascii=False)
    return tuple(_stored(data[key]) for key in _CHECK_KEYS)


def _check_result(row: tuple) -> CheckResult:
    """Inverse of :func:`_check_row`."""
    data = dict(zip(_CHECK_KEYS, map(_text, row), strict=True))
    data["figures"] = json.loads(data["figures"])
    return CheckResult.from_dict(data)


def _stored(value: object) -> object:
    """``value`` as SQLite can store it losslessly: a string that is not valid UTF-8
    (lone surrogates) becomes a BLOB of its ``surrogatepass`` encoding."""
    if isinstance(value, str) and not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return value.encode("utf-8", "surrogatepass")
    return value


def _text(value: object) -> object:
    """Inverse of :func:`_stored` for one column value."""
    return value.decode("utf-8", "surrogatepass") if isinstance(value, bytes) else value


def _is_storage_failure(exc: sqlite3.Error) -> bool:
    """True for a full disk, an I/O error, a read-only or locked file (extended codes too)."""
    name = getattr(exc, "sqlite_errorname", None) or ""
    return any(name == base or name.startswith(base + "_") for base in _STORAGE_FAILURES)


def _create_private(path: Path) -> None:
    """Create ``path`` (and its folder) empty with mode 0600 if absent; SQLite keeps the mode.

    Raises:
        GradebookError: the folder or file cannot be created (read-only, no space...).
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, _PRIVATE_MODE))
    except FileExistsError:
        pass
    except OSError as exc:
        raise GradebookError(
            f"{path}: cannot create the gradebook ({exc.strerror or exc}); "
            "choose a --db in a folder you can write"
        ) from exc


def _tighten(path: Path) -> None:
    """Make the gradebook and its -wal/-shm files private if others could read them."""
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            info = file.stat()
            if info.st_mode & 0o077 and info.st_uid == os.geteuid():
                file.chmod(info.st_mode & 0o700)
                logger.warning("%s: other users could read it; made it private (mode 0600)", file)
        except OSError:
            continue
