"""`grade batch` end to end: resume after SIGKILL, isolation between submissions,
malformed input as error rows, and exports from the resulting gradebook."""

from __future__ import annotations

import csv
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support import REPO, solution_text

from grader.batch.gradebook import Gradebook


def grade_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "grader", *args]


def run(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        grade_cmd(*args), capture_output=True, text=True, cwd=REPO, timeout=timeout
    )


def make_class(root: Path, students: dict[str, str]) -> Path:
    for student_id, code in students.items():
        folder = root / student_id / "exercises"
        folder.mkdir(parents=True)
        (folder / "ex4_5.py").write_text(code)
    return root


def wrong(old: str, new: str) -> str:
    source = solution_text("ex4_5")
    assert old in source
    return source.replace(old, new)


CLASS = {
    "s01": solution_text("ex4_5"),
    "s02": wrong("last = width + 1", "last = width"),
    "s03": wrong("middle = (L - 1) *", "middle = L *"),
    "s04": solution_text("ex4_5"),
    "s05": wrong("nn.Sigmoid()", "nn.ReLU()"),
    "s06": solution_text("ex4_5"),
    "s07": wrong("width = N // L\n    first", "width = N / L\n    first"),
    "s08": solution_text("ex4_5"),
}


def scores(db: Path) -> dict[str, float]:
    with Gradebook(db) as book:
        return {g.student_id: g.score for g in book.latest_all()}


def rows_per_student(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT student_id, COUNT(*) FROM submissions GROUP BY student_id")
        result = dict(rows.fetchall())
    conn.close()
    return result


def rows_so_far(db: Path) -> int:
    """Rows recorded by a batch still running: 0 before the file or its tables exist."""
    try:
        return sum(rows_per_student(db).values()) if db.exists() else 0
    except sqlite3.OperationalError:  # created, schema not yet written
        return 0


def test_batch_killed_with_sigkill_resumes_and_grades_each_submission_once(tmp_path):
    subs = make_class(tmp_path / "subs", CLASS)
    reference_db = tmp_path / "reference.db"
    assert (
        run(
            "batch", str(subs), "--db", str(reference_db), "-j", "2", "--exercise", "ex4_5"
        ).returncode
        == 0
    )
    db = tmp_path / "killed.db"
    proc = subprocess.Popen(
        grade_cmd("batch", str(subs), "--db", str(db), "-j", "1", "--exercise", "ex4_5"),
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and rows_so_far(db) < 2:
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    partial = rows_per_student(db)
    assert 2 <= sum(partial.values()) < len(CLASS)
    resumed = run("batch", str(subs), "--db", str(db), "-j", "2", "--exercise", "ex4_5")
    assert resumed.returncode == 0, resumed.stderr
    assert f"{sum(partial.values())} already graded" in resumed.stderr
    assert rows_per_student(db) == dict.fromkeys(CLASS, 1)
    assert scores(db) == scores(reference_db)
    again = run("batch", str(subs), "--db", str(db), "--exercise", "ex4_5")
    assert f"{len(CLASS)} already graded" in again.stderr
    assert rows_per_student(db) == dict.fromkeys(CLASS, 1)


EVIL = (
    solution_text("ex4_5")
    + """
import os, subprocess, pathlib, tempfile

def _mess():
    for place in (pathlib.Path.cwd(), pathlib.Path(tempfile.gettempdir()),
                  pathlib.Path("/dev/shm")):
        try:
            (place / "grader_cache.json").write_text('{"score": 100}')
        except OSError:
            pass
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            import time
            for _ in range(200):
                time.sleep(0.05)
                try:
                    pathlib.Path(tempfile.gettempdir(), "evil_was_here").write_text("x")
                except OSError:
                    pass
            os._exit(0)
        os._exit(0)

_mess()
_param_count = param_count

def param_count(M0, N, L):
    _mess()
    return _param_count(M0, N, L) + 1
"""
)


def test_a_submission_that_writes_forks_and_lingers_changes_no_other_result(tmp_path):
    alone = make_class(
        tmp_path / "alone", {"a": solution_text("ex4_5"), "c": wrong("nn.Sigmoid()", "nn.ReLU()")}
    )
    between = make_class(
        tmp_path / "between",
        {"a": solution_text("ex4_5"), "b": EVIL, "c": wrong("nn.Sigmoid()", "nn.ReLU()")},
    )
    assert (
        run(
            "batch",
            str(alone),
            "--db",
            str(tmp_path / "alone.db"),
            "-j",
            "1",
            "--exercise",
            "ex4_5",
        ).returncode
        == 0
    )
    assert (
        run(
            "batch",
            str(between),
            "--db",
            str(tmp_path / "between.db"),
            "-j",
            "1",
            "--exercise",
            "ex4_5",
        ).returncode
        == 0
    )
    before, after = scores(tmp_path / "alone.db"), scores(tmp_path / "between.db")
    assert after["a"] == before["a"] and after["c"] == before["c"]
    assert after["b"] < after["a"]
    with Gradebook(tmp_path / "between.db") as book:
        checks = {c.name: c for c in book.latest("c").exercise("ex4_5").results}
    assert checks["build_mlp_small"].points == 0


def test_malformed_submissions_are_error_rows_and_the_exit_code_says_so(tmp_path):
    subs = make_class(tmp_path / "subs", {"good": solution_text("ex4_5")})
    (subs / "empty").mkdir()
    (subs / "badzip.zip").write_bytes(b"PK\x03\x04 not really a zip")
    (subs / "latin1" / "exercises").mkdir(parents=True)
    (subs / "latin1" / "exercises" / "ex4_5.py").write_bytes(b"# caf\xe9\nx = 1\n")
    (subs / "syntax" / "exercises").mkdir(parents=True)
    (subs / "syntax" / "exercises" / "ex4_5.py").write_text("def param_count(:\n")
    done = run("batch", str(subs), "--db", str(tmp_path / "g.db"), "--exercise", "ex4_5")
    assert done.returncode == 1, done.stderr
    with Gradebook(tmp_path / "g.db") as book:
        graded = {g.student_id: g for g in book.latest_all()}
    assert set(graded) == {"good", "empty", "badzip", "latin1", "syntax"}
    assert graded["good"].score > 0 and not graded["good"].problems
    for student, words in {
        "empty": "empty",
        "badzip": "zip",
        "latin1": "UTF-8",
        "syntax": "line 1",
    }.items():
        text = " ".join(graded[student].problems) + " ".join(
            e for r in graded[student].exercises for e in r.errors
        )
        assert words in text, (student, text)
        assert graded[student].score == 0


@pytest.fixture(scope="module")
def real_batch(tmp_path_factory) -> Path:
    """The gradebook of one real batch of two ex4_5 students (right and wrong), shared by
    the export tests: each export only reads it."""
    root = tmp_path_factory.mktemp("real_batch")
    subs = make_class(
        root / "subs",
        {"s1": solution_text("ex4_5"), "s2": wrong("last = width + 1", "last = width")},
    )
    db = root / "g.db"
    assert run("batch", str(subs), "--db", str(db), "--exercise", "ex4_5").returncode == 0
    return db


@pytest.mark.parametrize("fmt", ["csv", "gradescope", "feedback"])
def test_exports_from_a_real_batch(tmp_path, real_batch, fmt):
    db = real_batch
    out = tmp_path / ("grades.csv" if fmt == "csv" else "out")
    assert run("export", "--db", str(db), "--format", fmt, "-o", str(out)).returncode == 0
    expected = scores(db)
    if fmt == "csv":
        with out.open(newline="", encoding="utf-8-sig") as f:
            rows = {r["student_id"]: r for r in csv.DictReader(f)}
        assert {s: float(r["total"]) for s, r in rows.items()} == expected
    elif fmt == "gradescope":
        for student, score in expected.items():
            data = json.loads((out / student / "results.json").read_text())
            assert data["score"] == pytest.approx(score)
    else:
        assert {p.stem for p in out.iterdir()} == set(expected)
