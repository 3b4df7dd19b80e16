"""`grade batch` over a hostile class (issue 13), at both isolation levels: every other
student's row exists with the right score, each attacker's row says what was wrong, the exit
code is 1 (some error rows), and nothing hangs. Also: a gradebook whose disk fills up stops
the batch with exit code 4, one line naming the student, what was committed intact and no
partial row, and a rerun continues; ``grade ID`` prints valid UTF-8 whatever a note holds."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import hostile
import pytest
from support import REPO, reference_answers, solution_text

from grader.batch.gradebook import Gradebook, GradedSubmission
from grader.batch.scheduler import BatchOptions, run_batch
from grader.batch.submissions import discover
from grader.errors import GradebookError

SOLUTION = solution_text("ex4_5").encode()
ANSWERS = reference_answers("ex4_5").encode()
GOOD = {"exercises/ex4_5.py": SOLUTION, "answers/ex4_5.toml": ANSWERS}
LONG_ID = "\u0958" * 80  # fits a file name; its NFC form does not
LEVELS = [
    pytest.param(
        "strict",
        marks=pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap missing"),
    ),
    "process",
]


def grade(*args: str, env: dict[str, str] | None = None, timeout: float = 400):
    return subprocess.run(
        [sys.executable, "-m", "grader", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=timeout,
    )


def write_tree(folder: Path, files: dict[str, bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for rel, data in files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(data)
    return folder


def surrogate_notebook() -> bytes:
    """A notebook holding the solution and a magic line with a lone surrogate in it."""
    cells = [
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
         "source": SOLUTION.decode()},
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
         "source": "%time x = '\udcff'\n"},
    ]  # fmt: skip
    notebook = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    return json.dumps(notebook).encode()  # ensure_ascii: the surrogate travels as \udcff


def hostile_class(root: Path) -> Path:
    """Two good students and one of each hostile or careless submission of issue 13."""
    subs = root / "subs"
    write_tree(subs / "good1", GOOD)
    (subs / "good2.zip").write_bytes(hostile.zip_bytes(GOOD))
    write_tree(subs / "deeptoml", {**GOOD, "answers/ex4_5.toml": hostile.deep_toml()})
    write_tree(subs / "bigint", {**GOOD, "answers/ex4_5.toml": hostile.huge_int_toml()})
    (subs / "utf8zip.zip").write_bytes(hostile.zip_with_invalid_utf8_name(GOOD))
    (subs / "lzma.zip").write_bytes(hostile.zip_with_corrupt_lzma(GOOD))
    hostile.nest_folders(write_tree(subs / "deepdir", GOOD) / "deep")
    (write_tree(subs / "badname", GOOD) / os.fsdecode("测试.txt".encode("gbk"))).write_bytes(b"")
    (subs / "gbk.zip").write_bytes(hostile.windows_zip(GOOD, "作业"))
    write_tree(subs / LONG_ID, GOOD)
    fifo = write_tree(subs / "fifo", {"answers/ex4_5.toml": ANSWERS})
    (fifo / "exercises").mkdir()
    os.mkfifo(fifo / "exercises" / "ex4_5.py")
    os.mkfifo(fifo / "pipe")
    linked = write_tree(subs / "linked", {"answers/ex4_5.toml": ANSWERS})
    (linked / "exercises").mkdir()
    (linked / "exercises" / "ex4_5.py").symlink_to(REPO / "solutions" / "ex4_5.py")
    copy = write_tree(root / "instructor", {"ex4_5.py": SOLUTION}) / "ex4_5.py"
    hard = write_tree(subs / "hardlinked", {"answers/ex4_5.toml": ANSWERS})
    (hard / "exercises").mkdir()
    os.link(copy, hard / "exercises" / "ex4_5.py")
    (subs / "ALICE_ex4_5.py").write_bytes(SOLUTION)
    write_tree(subs / "alice", GOOD)
    write_tree(subs / "STRASSE", GOOD)
    write_tree(subs / "straße", GOOD)
    write_tree(subs / "\ufb01ona", GOOD)
    write_tree(subs / "fiona", GOOD)
    write_tree(subs / "nbsur", {"exercises/ex4_5.ipynb": surrogate_notebook(),
                                "answers/ex4_5.toml": ANSWERS})  # fmt: skip
    hostile.write_directory_claim(subs / "bigzip.zip", 94 * 2**20, 2_000_000, 94_000_000)
    return subs


def latest(db: Path) -> dict[str, GradedSubmission]:
    with Gradebook(db, create=False) as book:
        return {g.student_id: g for g in book.latest_all()}


def said(sub: GradedSubmission) -> str:
    return " ".join([*sub.problems, *(e for r in sub.exercises for e in r.errors + r.notes)])


@pytest.mark.parametrize("isolation", LEVELS)
def test_a_hostile_class_is_graded_and_nobody_else_is_affected(tmp_path, isolation):
    subs = hostile_class(tmp_path)
    db = tmp_path / "course.db"
    try:
        started = time.monotonic()
        done = grade("batch", subs, "--db", db, "-j", "2", "--exercise", "ex4_5",
                     "--isolation", isolation)  # fmt: skip
        seconds = time.monotonic() - started
    finally:
        hostile.remove_nested(subs / "deepdir" / "deep")
    assert done.returncode == 1, done.stderr[-3000:]
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr
    assert seconds < 300, seconds  # nothing hangs: a named pipe is never opened
    rows = latest(db)
    long_id = next(s for s in rows if s.startswith("\u0915\u093c"))
    collisions = {"ALICE", "alice", "STRASSE", "straße", "\ufb01ona", "fiona"}
    assert set(rows) == {
        "good1", "good2", "deeptoml", "bigint", "utf8zip", "lzma", "deepdir", "badname", "gbk",
        long_id, "fifo", "linked", "hardlinked", "nbsur", "bigzip", *collisions,
    }  # fmt: skip

    full = rows["good1"]
    assert full.score == full.max_score > 0 and said(full) == ""
    for student in ("good2", "badname", "gbk", long_id, "nbsur"):
        assert rows[student].score == full.score, (student, said(rows[student]))
    assert "ignored unexpected files: \\xb2\\xe2\\xca\\xd4.txt" in said(rows["badname"])
    assert "ignored unexpected files: " in said(rows["gbk"])
    assert "(IPython magic) was not run" in said(rows["nbsur"])

    quiz = {c.name for c in rows["fifo"].exercises[0].results if c.status.value == "passed"}
    assert quiz and rows["fifo"].score < full.score
    for student, says in {
        "fifo": "exercises/ex4_5.py: ignored, a named pipe is not a regular file",
        "linked": "exercises/ex4_5.py: ignored, symbolic links are not followed",
        "hardlinked": "exercises/ex4_5.py: ignored, a hard link",
    }.items():
        assert says in said(rows[student]), said(rows[student])
        code = [c for c in rows[student].exercises[0].results if c.name not in quiz]
        assert code and all(c.points == 0 for c in code), student  # the solution never scored
    for student, says in {"deeptoml": "nested more than 16", "bigint": "100 digits"}.items():
        checks = rows[student].exercises[0].results
        assert says in said(rows[student])
        assert all(c.points == c.max_points for c in checks if c.name not in quiz)
        assert all(c.points == 0 for c in checks if c.name in quiz)
    for student, says in {
        "utf8zip": "a file name marked as UTF-8 is not valid UTF-8",
        "lzma": "damaged compressed data",
        "deepdir": "folders nested more than 32 levels deep",
        "bigzip": "the zip is 94.0 MB (at most 50.0 MB)",
    }.items():
        assert rows[student].score == 0 and says in said(rows[student]), said(rows[student])
    for student in collisions:
        assert rows[student].score == 0 and rows[student].exercises == ()
        assert f"several submissions map to student id {student!r}" in said(rows[student])


def fill(disk: Path) -> Path:
    """Fill the file system at ``disk`` to the last byte; returns the filler file."""
    filler = disk / "filler"
    with filler.open("wb", buffering=0) as out:
        try:
            while True:
                out.write(b"\0" * 4096)
        except OSError:
            pass
    return filler


@pytest.fixture
def small_disk(tmp_path: Path):
    """A 2 MiB tmpfs (mounting needs root: skipped where it is not allowed)."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", str(disk)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"a small tmpfs cannot be mounted here: {mounted.stderr.strip()}")
    try:
        yield disk
    finally:
        subprocess.run(["umount", str(disk)], check=True)


def assert_stopped_cleanly(done: subprocess.CompletedProcess, says: str) -> None:
    """Exit code 4, one last line ``grade: ...`` saying ``says``, no traceback."""
    assert done.returncode == 4, done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("grade: ") and says in last, last
    assert "every submission recorded before is intact" in last and "run the same" in last
    assert "Traceback" not in done.stderr


def rows_and_orphans(db: Path) -> tuple[list[tuple[str]], int]:
    connection = sqlite3.connect(db)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        students = connection.execute("SELECT student_id FROM submissions").fetchall()
        orphans = connection.execute(
            "SELECT COUNT(*) FROM check_results WHERE submission_id NOT IN"
            " (SELECT id FROM submissions)"
        ).fetchone()[0]
    finally:
        connection.close()
    return students, orphans


def test_a_full_disk_stops_the_batch_cleanly_and_a_rerun_continues(tmp_path, small_disk):
    subs = tmp_path / "subs"
    write_tree(subs / "good1", GOOD)
    db = small_disk / "course.db"
    batch = ("batch", subs, "--db", db, "--exercise", "ex4_5")
    assert (first := grade(*batch)).returncode == 0, first.stderr
    (subs / "broken.zip").write_bytes(b"PK\x03\x04 not a zip")
    write_tree(subs / "good2", GOOD)

    filler = fill(small_disk)  # full before the batch starts: it cannot even open the book
    assert_stopped_cleanly(grade(*batch), f"{db}: cannot open the gradebook")
    filler.unlink()

    # Full while the batch records: a reader keeps the -wal and -shm files in place (the WAL
    # emptied), so opening needs no new space and the first write is the one that fails.
    reader = sqlite3.connect(db)
    try:
        reader.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        filler = fill(small_disk)
        stopped = grade(*batch)
        assert_stopped_cleanly(
            stopped, f"{db}: cannot record student 'broken' (database or disk is full)"
        )
        assert rows_and_orphans(db) == ([("good1",)], 0)  # committed rows intact, no partial
        filler.unlink()
        rerun = grade(*batch)
    finally:
        reader.close()
    assert rerun.returncode == 1, rerun.stderr  # 1: broken.zip is an error row
    assert "1 already graded" in rerun.stderr
    rows = latest(db)
    assert set(rows) == {"good1", "good2", "broken"}
    assert rows["good2"].score == rows["good1"].score == rows["good1"].max_score


def test_run_batch_stops_at_a_failed_write_naming_the_student(tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    for name in ("amy", "ben", "cat"):
        (subs / f"{name}.zip").write_bytes(b"not a zip " + name.encode() * 2000)
    found = discover(subs, ["ex4_5"], tmp_path / "staging")
    with Gradebook(tmp_path / "g.db") as book:
        pages = book._conn.execute("PRAGMA page_count").fetchone()[0]
        book._conn.execute(f"PRAGMA max_page_count = {pages + 2}")  # then SQLITE_FULL
        fillers = 0
        with pytest.raises(GradebookError):  # rows smaller than amy's fill every page
            while True:
                book.record(f"f{fillers:05d}", "h", "1", [])
                fillers += 1
        with pytest.raises(GradebookError, match="cannot record student 'amy'"):
            run_batch(found, [], book, BatchOptions(jobs=1, grader_version="1.0"))
        assert len(book.students()) == fillers and book.latest("amy") is None


@pytest.mark.parametrize("isolation", LEVELS)
def test_grade_id_prints_valid_utf8_whatever_a_note_holds(tmp_path, isolation):
    work = write_tree(tmp_path / "nbsur", {"exercises/ex4_5.ipynb": surrogate_notebook(),
                                           "answers/ex4_5.toml": ANSWERS})  # fmt: skip
    strict = {**os.environ, "LC_ALL": "C.UTF-8", "PYTHONIOENCODING": "utf-8:strict"}
    for extra in (["--json"], []):
        done = subprocess.run(
            [sys.executable, "-m", "grader", "ex4_5", "--submission", str(work),
             "--isolation", isolation, *extra],
            capture_output=True, cwd=REPO, env=strict, timeout=300,
        )  # fmt: skip
        assert done.returncode in (0, 1), done.stderr.decode("utf-8", "replace")[-2000:]
        out = done.stdout.decode("utf-8")  # strict: raises if not valid UTF-8
        if extra:
            notes = json.loads(out)["notes"]  # a magic not run costs nothing: a note
            assert any("was not run" in e for e in notes), notes
