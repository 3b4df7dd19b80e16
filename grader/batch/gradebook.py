"""The gradebook: every graded submission and every check result, in SQLite.

Crash safety comes from SQLite itself: each finished submission is written by
:meth:`Gradebook.record` in one ``BEGIN IMMEDIATE ... COMMIT`` transaction, so a
crash, Ctrl-C or ``kill -9`` loses at most the submission being written, and the
file stays consistent. The journal is in WAL mode, so readers (an export while a
batch runs) never block the writer and never see half a submission;
``busy_timeout`` makes a second writer wait instead of failing.

Nothing is overwritten: regrading adds a new submission row, and readers use the
latest row per student. Open one :class:`Gradebook` per process (or thread).

Schema (version 1)::

    schema_version(version)
    students(student_id PK, first_seen)
    submissions(id PK, student_id, content_hash, grader_version, graded_at, device,
                isolation, error)                 error: the problems, one per line
    exercise_results(submission_id, exercise, position, execution_time, device,
                     isolation, hidden_not_run, errors)      errors: JSON list (a note,
                                                             which costs nothing, as
                                                             {"note": text})
    check_results(submission_id, exercise, position, name, title, points, max_points,
                  status, visibility, message, duration_s, output)
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from grader.errors import NotAGradebook, UsageError
from grader.model import CheckResult, ExerciseResult

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 1

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
    error TEXT NOT NULL DEFAULT ''
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
    PRIMARY KEY (submission_id, exercise, position)
);
"""

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
)
_SUBMISSION_COLUMNS = (
    "id, student_id, content_hash, grader_version, graded_at, device, isolation, error"
)


@dataclass(frozen=True)
class GradedSubmission:
    """One recorded submission with its results, as read back from the gradebook.

    ``problems`` are the submission-level problems given to :meth:`Gradebook.record`;
    ``graded_at`` is an ISO 8601 UTC timestamp.
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

    @property
    def score(self) -> float:
        return round(sum(e.score for e in self.exercises), 6)

    @property
    def max_score(self) -> float:
        return round(sum(e.max_score for e in self.exercises), 6)

    @property
    def general_problems(self) -> tuple[str, ...]:
        """The problems not repeated in some exercise's ``errors`` (reports show each once)."""
        repeated = {error for e in self.exercises for error in e.errors}
        return tuple(p for p in self.problems if p not in repeated)

    def exercise(self, exercise_id: str) -> ExerciseResult | None:
        """The result of one exercise, or None when it was not graded."""
        return next((e for e in self.exercises if e.exercise == exercise_id), None)


class Gradebook:
    """A SQLite gradebook file; use as a context manager or call :meth:`close`.

    A new gradebook is made where ``path`` is absent or an empty file, unless
    ``create`` is false (readers: ``grade stats``, ``grade export``). A file that is
    not a gradebook is refused before anything is written to it.

    Raises (on opening):
        NotAGradebook: the file is not a gradebook (not SQLite, another schema, empty
            while ``create`` is false), or was written by a newer grader.
        UsageError: the file cannot be opened at all.
    """

    def __init__(
        self, path: Path | str, *, busy_timeout_s: float = 30.0, create: bool = True
    ) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._conn = sqlite3.connect(self.path, isolation_level=None, timeout=busy_timeout_s)
        except sqlite3.Error as exc:
            raise UsageError(f"{self.path}: cannot open the gradebook ({exc})") from exc
        try:
            self._open(busy_timeout_s, create)
        except sqlite3.DatabaseError as exc:
            self._conn.close()
            raise NotAGradebook(f"{self.path}: not a gradebook ({exc})") from exc
        except BaseException:
            self._conn.close()
            raise

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
    ) -> int:
        """Store one finished submission in one transaction; return its row id.

        Either everything about the submission is stored or nothing is.
        ``problems`` are submission-level problems (a newline inside one becomes
        a space).

        Raises:
            ValueError: two results for the same exercise.
        """
        exercises = [r.exercise for r in results]
        if len(set(exercises)) != len(exercises):
            twice = sorted({e for e in exercises if exercises.count(e) > 1})
            raise ValueError(f"results name exercise {', '.join(twice)} twice")
        now = datetime.now(UTC).isoformat(timespec="seconds")
        error = "\n".join(" ".join(p.splitlines()) for p in problems)
        with self._transaction() as cur:
            cur.execute(
                "INSERT OR IGNORE INTO students (student_id, first_seen) VALUES (?, ?)",
                (student_id, now),
            )
            cur.execute(
                "INSERT INTO submissions (student_id, content_hash, grader_version, graded_at,"
                " device, isolation, error) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (student_id, content_hash, grader_version, now, device, isolation, error),
            )
            submission_id = int(cur.lastrowid)
            for position, exercise in enumerate(results):
                self._insert_exercise(cur, submission_id, position, exercise)
        logger.debug("recorded submission %d of %s", submission_id, student_id)
        return submission_id

    def already_graded(self, student_id: str, content_hash: str, grader_version: str) -> bool:
        """True when the student's latest submission has this content and grader version.

        Only the latest row counts: a student who goes back to older content is
        graded again, so that the latest row always describes the current work.
        """
        row = self._conn.execute(
            "SELECT content_hash, grader_version FROM submissions WHERE student_id = ?"
            " ORDER BY id DESC LIMIT 1",
            (student_id,),
        ).fetchone()
        return row is not None and tuple(row) == (content_hash, grader_version)

    def students(self) -> list[str]:
        """Every student id ever recorded, sorted."""
        rows = self._conn.execute("SELECT student_id FROM students ORDER BY student_id")
        return [row[0] for row in rows]

    def latest(self, student_id: str) -> GradedSubmission | None:
        """The student's most recently recorded submission, or None."""
        with self._snapshot():
            row = self._conn.execute(
                f"SELECT {_SUBMISSION_COLUMNS} FROM submissions WHERE student_id = ?"
                " ORDER BY id DESC LIMIT 1",
                (student_id,),
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
                (student_id,),
            ).fetchall()
            return [self._graded(row) for row in rows]

    def results(self, submission_id: int) -> tuple[ExerciseResult, ...]:
        """The exercise results of one submission, in the order they were recorded."""
        exercises = self._conn.execute(
            "SELECT exercise, execution_time, device, isolation, hidden_not_run, errors"
            " FROM exercise_results WHERE submission_id = ? ORDER BY position",
            (submission_id,),
        ).fetchall()
        return tuple(self._exercise(submission_id, row) for row in exercises)

    # -- internals ---------------------------------------------------------------

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
        version = self._conn.execute("SELECT MAX(version) FROM schema_version").fetchone()[0]
        if version is None or version > SCHEMA_VERSION:
            raise NotAGradebook(
                f"{self.path}: gradebook schema version {version} is newer than this grader"
                f" reads ({SCHEMA_VERSION}); upgrade the grader"
            )

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
        except BaseException:
            cur.execute("ROLLBACK")
            raise
        else:
            cur.execute("COMMIT")
        finally:
            cur.close()

    @contextmanager
    def _snapshot(self) -> Iterator[None]:
        """A read transaction: every query inside sees the same committed state."""
        self._conn.execute("BEGIN")
        try:
            yield
        finally:
            self._conn.execute("COMMIT")

    def _insert_exercise(
        self, cur: sqlite3.Cursor, submission_id: int, position: int, result: ExerciseResult
    ) -> None:
        cur.execute(
            "INSERT INTO exercise_results (submission_id, exercise, position, execution_time,"
            " device, isolation, hidden_not_run, errors) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                submission_id,
                result.exercise,
                position,
                result.execution_time,
                result.device,
                result.isolation,
                result.hidden_not_run,
                json.dumps(
                    [*result.errors, *({"note": n} for n in result.notes)], ensure_ascii=False
                ),
            ),
        )
        cur.executemany(
            "INSERT INTO check_results (submission_id, exercise, position, name, title, points,"
            " max_points, status, visibility, message, duration_s, output)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (submission_id, result.exercise, i, *_check_row(check))
                for i, check in enumerate(result.results)
            ],
        )

    def _graded(self, row: tuple) -> GradedSubmission:
        sub_id, student, content, version, graded_at, device, isolation, error = row
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
        )

    def _exercise(self, submission_id: int, row: tuple) -> ExerciseResult:
        exercise, execution_time, device, isolation, hidden_not_run, errors = row
        checks = self._conn.execute(
            f"SELECT {', '.join(_CHECK_KEYS)} FROM check_results"
            " WHERE submission_id = ? AND exercise = ? ORDER BY position",
            (submission_id, exercise),
        )
        return ExerciseResult(
            exercise=exercise,
            results=tuple(
                CheckResult.from_dict(dict(zip(_CHECK_KEYS, check, strict=True)))
                for check in checks
            ),
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
    data["duration_s"] = check.duration_s  # to_dict rounds it; keep full precision
    return tuple(data[key] for key in _CHECK_KEYS)
