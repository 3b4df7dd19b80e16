"""The SQLite gradebook: round trips, resume, crash safety and concurrent readers."""

from __future__ import annotations

import dataclasses
import math
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from grader.batch.gradebook import SCHEMA_VERSION, Gradebook
from grader.errors import GradebookError, NotAGradebook, UsageError
from grader.model import CheckResult, ExerciseResult, Status, Visibility

REPO = Path(__file__).resolve().parents[2]


def exercise(name: str = "ex4_5", n_checks: int = 3, score: float = 1.0) -> ExerciseResult:
    checks = tuple(
        CheckResult(
            name=f"check_{i}",
            title=f"Check number {i} 检查",
            points=score if i % 2 == 0 else 0.0,
            max_points=1.0,
            status=Status.PASSED if i % 2 == 0 else Status.FAILED,
            visibility=Visibility.HIDDEN if i == 2 else Visibility.PUBLIC,
            message="" if i % 2 == 0 else f"param_count(784, 120, {i}): expected 1, got 2",
            duration_s=0.123456789,
            output="printed\nlines" if i == 1 else "",
        )
        for i in range(n_checks)
    )
    return ExerciseResult(
        exercise=name,
        results=checks,
        execution_time=1.5,
        device="cuda",
        isolation="bubblewrap",
        hidden_not_run=1,
        errors=("answers/ex4_5.toml: missing",),
        notes=("cell 2, line 1: `%matplotlib inline` (IPython magic) was not run",),  # kept apart
    )


@pytest.fixture
def book(tmp_path: Path):
    with Gradebook(tmp_path / "course.db") as gradebook:
        yield gradebook


def test_recorded_results_read_back_equal(book):
    results = (exercise("ex4_5"), exercise("ex4_1", n_checks=0))
    sub_id = book.record("alice", "h1", "1.0", results, ["late"], device="cpu", isolation="rl")
    latest = book.latest("alice")
    assert latest.id == sub_id
    assert latest.exercises == results
    assert (latest.student_id, latest.content_hash, latest.grader_version) == ("alice", "h1", "1.0")
    assert (latest.device, latest.isolation, latest.problems) == ("cpu", "rl", ("late",))
    assert latest.score == 2.0 and latest.max_score == 3.0
    assert latest.exercise("ex4_1").results == () and latest.exercise("nope") is None
    assert latest.general_problems == ("late",)
    book.record("bob", "h", "1.0", results, ["answers/ex4_5.toml: missing", "other"])
    assert book.latest("bob").general_problems == ("other",)  # the first is under ex4_5
    assert book.results(sub_id) == results


def test_already_graded_needs_the_same_content_and_grader_version(book):
    assert not book.already_graded("alice", "h1", "1.0")
    book.record("alice", "h1", "1.0", [exercise()])
    assert book.already_graded("alice", "h1", "1.0")
    assert not book.already_graded("alice", "h2", "1.0")
    assert not book.already_graded("alice", "h1", "1.1")
    assert not book.already_graded("bob", "h1", "1.0")


def test_going_back_to_older_content_is_graded_again(book):
    book.record("alice", "h1", "1.0", [exercise(score=1.0)])
    book.record("alice", "h2", "1.0", [exercise(score=0.0)])
    assert not book.already_graded("alice", "h1", "1.0")  # latest row must describe h1
    assert [s.content_hash for s in book.history("alice")] == ["h1", "h2"]


def test_latest_all_has_the_newest_row_per_student_sorted(book):
    book.record("carol", "c1", "1.0", [exercise()])
    book.record("alice", "a1", "1.0", [exercise()])
    book.record("alice", "a2", "1.0", [exercise()])  # a regrade adds a row, never overwrites
    latest = book.latest_all()
    assert [(s.student_id, s.content_hash) for s in latest] == [("alice", "a2"), ("carol", "c1")]
    assert book.students() == ["alice", "carol"]
    assert book.latest("nobody") is None


def test_a_submission_that_could_not_be_graded_is_recorded_with_its_problem(book):
    book.record("dave", "broken", "1.0", [], ["dave.zip: not a readable zip\narchive"])
    dave = book.latest("dave")
    assert dave.exercises == () and dave.problems == ("dave.zip: not a readable zip archive",)
    assert book.already_graded("dave", "broken", "1.0")


def test_two_results_for_one_exercise_are_refused(book):
    with pytest.raises(ValueError, match="ex4_5 twice"):
        book.record("erin", "h", "1.0", [exercise(), exercise()])
    assert book.students() == []


def test_a_failed_record_stores_nothing_and_the_book_stays_usable(book):
    bad = ExerciseResult("ex4_5", results=("not a CheckResult",))  # type: ignore[arg-type]
    with pytest.raises(AttributeError):
        book.record("erin", "h", "1.0", [exercise("ex4_1"), bad])
    assert book.students() == [] and book.latest("erin") is None
    book.record("erin", "h", "1.0", [exercise()])
    assert book.already_graded("erin", "h", "1.0")


def test_the_db_uses_wal_and_its_parent_folder_is_created(tmp_path):
    path = tmp_path / "deep" / "er" / "course.db"
    with Gradebook(path) as book:
        book.record("alice", "h", "1.0", [exercise()])
    connection = sqlite3.connect(path)
    try:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        version = connection.execute("SELECT version FROM schema_version").fetchone()[0]
        assert version == SCHEMA_VERSION
    finally:
        connection.close()
    with Gradebook(path) as again:  # reopening keeps the data
        assert again.already_graded("alice", "h", "1.0")


def test_a_newer_schema_is_a_clear_error(tmp_path):
    path = tmp_path / "course.db"
    Gradebook(path).close()
    connection = sqlite3.connect(path)
    with connection:
        connection.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION + 1,))
    connection.close()
    with pytest.raises(UsageError, match="newer than this grader reads"):
        Gradebook(path)


def test_a_file_that_is_not_a_gradebook_is_a_clear_error(tmp_path):
    (tmp_path / "garbage.db").write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(UsageError, match="not a gradebook"):
        Gradebook(tmp_path / "garbage.db")
    other = sqlite3.connect(tmp_path / "other.db")
    with other:
        other.execute("CREATE TABLE t (x)")
    other.close()
    with pytest.raises(UsageError, match="not a gradebook"):
        Gradebook(tmp_path / "other.db")
    with pytest.raises(UsageError, match="cannot open the gradebook"):
        Gradebook(tmp_path)  # a folder


def test_another_sqlite_file_is_refused_without_being_changed(tmp_path):
    other = sqlite3.connect(tmp_path / "other.db")
    with other:
        other.execute("CREATE TABLE t (x)")
    other.close()
    before = (tmp_path / "other.db").read_bytes()
    with pytest.raises(NotAGradebook, match="an SQLite file, but not a gradebook"):
        Gradebook(tmp_path / "other.db")
    assert (tmp_path / "other.db").read_bytes() == before  # not even switched to WAL
    assert not (tmp_path / "other.db-wal").exists()


def test_an_empty_file_becomes_a_gradebook_only_where_creating_is_allowed(tmp_path):
    (tmp_path / "empty.db").write_bytes(b"")
    with pytest.raises(NotAGradebook, match="an empty file"):
        Gradebook(tmp_path / "empty.db", create=False)
    assert (tmp_path / "empty.db").read_bytes() == b""
    with Gradebook(tmp_path / "empty.db") as book:
        assert book.students() == []
    with Gradebook(tmp_path / "empty.db", create=False) as book:
        assert book.students() == []


_KILLED_WRITER = """
import sys, time
from pathlib import Path
from grader.batch.gradebook import Gradebook
from grader.model import CheckResult, ExerciseResult, Status, Visibility

check = CheckResult("c", "C", 1.0, 1.0, Status.PASSED, Visibility.PUBLIC)
result = ExerciseResult("ex4_5", (check,) * 5)
book = Gradebook(Path(sys.argv[1]))
for i in range(int(sys.argv[2])):
    book.record(f"s{i}", f"h{i}", "1.0", [result])
insert = Gradebook._insert_exercise
def stall(self, *args):
    insert(self, *args)
    print("IN_TRANSACTION", flush=True)
    time.sleep(60)
Gradebook._insert_exercise = stall
book.record("victim", "hv", "1.0", [result, ExerciseResult("ex4_1", (check,))])
"""


def test_sigkill_mid_transaction_loses_only_the_submission_in_flight(tmp_path):
    db, k = tmp_path / "course.db", 4
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-c", _KILLED_WRITER, str(db), str(k)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env) as writer:
        line = writer.stdout.readline()
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=10)
    assert line.strip() == "IN_TRANSACTION"
    assert writer.returncode == -signal.SIGKILL
    with Gradebook(db) as book:
        assert book._conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert book.students() == [f"s{i}" for i in range(k)]
        assert all(book.already_graded(f"s{i}", f"h{i}", "1.0") for i in range(k))
        assert all(len(s.exercises[0].results) == 5 for s in book.latest_all())
        assert not book.already_graded("victim", "hv", "1.0")  # a rerun grades it again
        book.record("victim", "hv", "1.0", [])
        assert book.already_graded("victim", "hv", "1.0")


def test_a_reader_during_an_open_write_sees_the_last_commit_never_half_of_it(tmp_path):
    db = tmp_path / "course.db"
    with Gradebook(db) as book:
        book.record("alice", "a", "1.0", [exercise()])
    in_transaction, release = threading.Event(), threading.Event()

    class StallingGradebook(Gradebook):
        def _insert_exercise(self, *args):
            super()._insert_exercise(*args)
            in_transaction.set()
            release.wait(10)

    def write():
        with StallingGradebook(db) as writer:
            writer.record("bob", "b", "1.0", [exercise(), exercise("ex4_1")])

    thread = threading.Thread(target=write)
    thread.start()
    try:
        assert in_transaction.wait(10)
        with Gradebook(db, busy_timeout_s=0.5) as reader:
            assert [s.student_id for s in reader.latest_all()] == ["alice"]
            release.set()
            thread.join(10)
            assert [s.student_id for s in reader.latest_all()] == ["alice", "bob"]
            assert len(reader.latest("bob").exercises) == 2
    finally:
        release.set()
        thread.join(10)


_BUSY_WRITER = """
import sys
from pathlib import Path
from grader.batch.gradebook import Gradebook
from grader.model import CheckResult, ExerciseResult, Status, Visibility

check = CheckResult("c", "C", 1.0, 1.0, Status.PASSED, Visibility.PUBLIC)
with Gradebook(Path(sys.argv[1])) as book:
    for i in range(int(sys.argv[2])):
        results = [ExerciseResult(f"ex{j}", (check,) * 20) for j in range(3)]
        book.record(f"s{i:03d}", f"h{i}", "1.0", results)
"""


def test_concurrent_reader_sees_only_whole_submissions_while_another_process_writes(tmp_path):
    db, n = tmp_path / "course.db", 60
    Gradebook(db).close()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-c", textwrap.dedent(_BUSY_WRITER), str(db), str(n)]
    seen = []
    with subprocess.Popen(command, env=env) as writer, Gradebook(db) as reader:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            latest = reader.latest_all()
            assert all(len(s.exercises) == 3 for s in latest)
            assert all(len(e.results) == 20 for s in latest for e in s.exercises)
            seen.append(len(latest))
            if writer.poll() is not None and (len(latest) == n or writer.returncode):
                break
    assert writer.returncode == 0
    assert seen == sorted(seen) and seen[-1] == n


# -- issue 13: private, lossless, and a failed write stops cleanly ------------------------

LONE = "\udcff"  # a lone surrogate: text that cannot be UTF-8 (a byte of a non-UTF-8 name)


def surrogate_exercise() -> ExerciseResult:
    check = CheckResult(
        name=f"check{LONE}",
        title=f"title {LONE}",
        points=1.0,
        max_points=2.0,
        status=Status.FAILED,
        visibility=Visibility.PUBLIC,
        message=f"got ValueError: bad {LONE} value\r\n# not a heading",
        duration_s=0.5,
        output=f"printed {LONE}\x00\x1b[2J",
    )
    return ExerciseResult(
        "ex4_5",
        (check,),
        device=f"cpu{LONE}",
        isolation=LONE,
        errors=(f"cell 2, line 1: `%time x = '{LONE}'` (IPython magic) was not run",),
    )


def test_text_that_is_not_utf8_is_stored_losslessly_and_other_rows_are_untouched(book):
    book.record("alice", "a", "1.0", [exercise()])
    results = (surrogate_exercise(),)
    book.record("eve", "e", "1.0", results, [f"ignored unexpected files: {LONE}.txt"])
    book.record("zoe", "z", "1.0", [exercise()])
    eve = book.latest("eve")
    assert eve.exercises == results
    assert eve.problems == (f"ignored unexpected files: {LONE}.txt",)
    assert [s.student_id for s in book.latest_all()] == ["alice", "eve", "zoe"]
    assert book.latest("alice").exercises == (exercise(),)
    assert book.already_graded("eve", "e", "1.0")


def test_text_that_is_utf8_stays_plain_text_for_other_sqlite_readers(tmp_path):
    with Gradebook(tmp_path / "g.db") as book:
        book.record("张三", "h", "1.0", [exercise()])
    connection = sqlite3.connect(tmp_path / "g.db")
    try:
        kinds = connection.execute("SELECT DISTINCT typeof(title) FROM check_results").fetchall()
        student = connection.execute("SELECT student_id FROM submissions").fetchone()[0]
    finally:
        connection.close()
    assert kinds == [("text",)] and student == "张三"


def test_a_new_gradebook_and_its_wal_and_shm_files_are_private(tmp_path):
    path = tmp_path / "course.db"
    with Gradebook(path) as book:
        book.record("alice", "h", "1.0", [exercise()])
        files = [path, path.with_name("course.db-wal"), path.with_name("course.db-shm")]
        assert all(f.exists() for f in files)
        assert {f: oct(f.stat().st_mode & 0o777) for f in files} == dict.fromkeys(files, "0o600")


def test_a_writer_makes_an_existing_readable_gradebook_private(tmp_path, caplog):
    path = tmp_path / "course.db"
    with Gradebook(path) as book:
        book.record("alice", "h", "1.0", [exercise()])
    path.chmod(0o644)
    with Gradebook(path, create=False) as reader:  # a reader changes nothing
        assert reader.students() == ["alice"]
    assert path.stat().st_mode & 0o777 == 0o644
    with Gradebook(path):
        pass
    assert path.stat().st_mode & 0o777 == 0o600
    assert "made it private" in caplog.text


def fill_up(book: Gradebook) -> None:
    """Let the database grow no more: SQLite then fails writes with SQLITE_FULL, exactly as
    on a full disk ("database or disk is full")."""
    pages = book._conn.execute("PRAGMA page_count").fetchone()[0]
    book._conn.execute(f"PRAGMA max_page_count = {pages}")


def test_a_full_disk_stops_with_a_clear_error_and_no_partial_row(book):
    book.record("alice", "a", "1.0", [exercise()])
    fill_up(book)
    big = exercise(n_checks=50)
    with pytest.raises(GradebookError) as raised:
        book.record("bob", "b", "1.0", [big], ["x" * 100_000])
    message = str(raised.value)
    assert "cannot record student 'bob'" in message and "database or disk is full" in message
    assert "every submission recorded before is intact" in message
    assert raised.value.exit_code == 4
    assert book.students() == ["alice"] and book.latest("bob") is None
    counts = book._conn.execute(
        "SELECT (SELECT COUNT(*) FROM submissions), (SELECT COUNT(*) FROM exercise_results),"
        " (SELECT COUNT(*) FROM check_results)"
    ).fetchone()
    assert counts == (1, 1, 3)  # alice's rows only: nothing of bob's half-written
    assert book._conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    book._conn.execute("PRAGMA max_page_count = 1073741823")  # space is back: a rerun goes on
    book.record("bob", "b", "1.0", [big], ["x" * 100_000])
    assert book.latest("bob").exercises == (big,)


# -- schema version 2: timings, figures, submission time, overrides -----------------

V1_SCHEMA = """
CREATE TABLE schema_version (version INTEGER NOT NULL);
CREATE TABLE students (student_id TEXT PRIMARY KEY, first_seen TEXT NOT NULL);
CREATE TABLE submissions (id INTEGER PRIMARY KEY AUTOINCREMENT, student_id TEXT NOT NULL
    REFERENCES students(student_id), content_hash TEXT NOT NULL, grader_version TEXT NOT NULL,
    graded_at TEXT NOT NULL, device TEXT NOT NULL, isolation TEXT NOT NULL,
    error TEXT NOT NULL DEFAULT '');
CREATE INDEX submissions_by_student ON submissions(student_id, id);
CREATE TABLE exercise_results (submission_id INTEGER NOT NULL REFERENCES submissions(id),
    exercise TEXT NOT NULL, position INTEGER NOT NULL, execution_time REAL NOT NULL,
    device TEXT NOT NULL, isolation TEXT NOT NULL, hidden_not_run INTEGER NOT NULL,
    errors TEXT NOT NULL, PRIMARY KEY (submission_id, exercise));
CREATE TABLE check_results (submission_id INTEGER NOT NULL REFERENCES submissions(id),
    exercise TEXT NOT NULL, position INTEGER NOT NULL, name TEXT NOT NULL, title TEXT NOT NULL,
    points REAL NOT NULL, max_points REAL NOT NULL, status TEXT NOT NULL,
    visibility TEXT NOT NULL, message TEXT NOT NULL, duration_s REAL NOT NULL,
    output TEXT NOT NULL, PRIMARY KEY (submission_id, exercise, position));
INSERT INTO schema_version (version) VALUES (1);
INSERT INTO students VALUES ('alice', '2026-01-01T00:00:00+00:00');
INSERT INTO submissions (student_id, content_hash, grader_version, graded_at, device,
    isolation, error) VALUES ('alice', 'h1', '0.1', '2026-01-01T00:00:00+00:00', 'cpu', 'p', '');
INSERT INTO exercise_results VALUES (1, 'ex4_5', 0, 1.0, 'cpu', 'p', 0, '[]');
INSERT INTO check_results VALUES (1, 'ex4_5', 0, 'counts', 'counts right', 2, 2, 'passed',
    'public', '', 0.5, '');
"""


def test_a_version_1_gradebook_is_upgraded_in_place_and_keeps_its_rows(tmp_path):
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:
        conn.executescript(V1_SCHEMA)
    conn.close()
    with Gradebook(path) as book:
        old = book.latest("alice")
        assert old is not None and old.score == 2 and old.submitted_at == ""
        check = old.exercises[0].results[0]
        assert (check.name, check.duration_s, check.sandbox_s, check.figures) == (
            "counts",
            0.5,
            0.0,
            (),
        )
        book.record("bob", "h2", "0.2", [exercise()], submitted_at="2026-02-01T10:00:00+00:00")
    with sqlite3.connect(path) as conn:
        versions = [row[0] for row in conn.execute("SELECT version FROM schema_version")]
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    conn.close()
    assert versions == [1, SCHEMA_VERSION] and SCHEMA_VERSION == 2
    assert "overrides" in tables
    with Gradebook(path, create=False) as book:
        assert book.latest("bob").submitted_at == "2026-02-01T10:00:00+00:00"


def test_sandbox_time_and_figures_read_back_equal(book):
    from grader.model import Figure, Series

    figure = Figure(
        "loss per step",
        (Series("your run", (0.0, 1.0), (0.7, float("nan"))), Series("reference", (0.0,), (1.5,))),
        x_label="step",
        y_label="loss",
        log_y=True,
    )
    check = CheckResult("train", "trains", 2, 2, Status.PASSED, Visibility.PUBLIC)
    check = dataclasses.replace(check, duration_s=0.25, sandbox_s=0.125, figures=(figure,))
    result = ExerciseResult("ex4_1", (check,))
    book.record("carol", "h3", "1.0", [result])
    back = book.latest("carol").exercises[0].results[0]
    assert back.sandbox_s == 0.125 and back.duration_s == 0.25
    assert back.figures[0].title == "loss per step" and back.figures[0].log_y
    assert back.figures[0].series[0].y[0] == 0.7 and math.isnan(back.figures[0].series[0].y[1])
    assert back.figures[0].series[1] == figure.series[1]
    via_json = CheckResult.from_dict(check.to_dict())  # the --json and worker path
    assert via_json.sandbox_s == 0.125 and via_json.figures[0].series[1] == figure.series[1]
