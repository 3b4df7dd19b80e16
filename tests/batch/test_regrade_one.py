"""`grade batch SUBS --student ID` grades that one student again and leaves every other row
exactly as it was; `grade history` then shows what the regrade changed, check by check."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from support import REPO, solution_text


def grade(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "grader", *args], capture_output=True, text=True, cwd=REPO,
        timeout=300,
    )  # fmt: skip


def rows(db: Path) -> tuple[set[tuple], set[tuple]]:
    """(every submission row, every check result row), whole."""
    with sqlite3.connect(db) as conn:
        submissions = set(conn.execute("SELECT * FROM submissions"))
        checks = set(conn.execute("SELECT * FROM check_results"))
    conn.close()
    return submissions, checks


def write(root: Path, student: str, code: str) -> None:
    folder = root / student / "exercises"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "ex4_5.py").write_text(code, encoding="utf-8")


def test_regrading_one_student_leaves_every_other_row_untouched(tmp_path):
    right = solution_text("ex4_5")
    wrong = right.replace("last = width + 1", "last = width")
    assert wrong != right
    subs, db = tmp_path / "subs", tmp_path / "course.db"
    for student, code in (("ann", right), ("bob", wrong), ("cy", right)):
        write(subs, student, code)
    first = grade("batch", str(subs), "--db", str(db), "-j", "2", "--exercise", "ex4_5")
    assert first.returncode == 0, first.stderr
    before = rows(db)

    write(subs, "bob", right)  # bob fixes his work; ann changes hers but is not regraded
    write(subs, "ann", wrong)
    again = grade("batch", str(subs), "--db", str(db), "--exercise", "ex4_5", "--student", "BOB")
    assert again.returncode == 0, again.stderr
    assert "1 submissions, 0 already graded" in again.stderr
    after = rows(db)
    assert before[0] <= after[0] and before[1] <= after[1]  # every row as it was
    [added] = after[0] - before[0]
    assert added[1] == "bob"  # (id, student_id, ...): one new row, bob's
    assert {row[0] for row in after[1] - before[1]} == {added[0]}  # its checks only
    with sqlite3.connect(db) as conn:
        counts = dict(conn.execute("SELECT student_id, COUNT(*) FROM submissions GROUP BY 1"))
    conn.close()
    assert counts == {"ann": 1, "bob": 2, "cy": 1}

    history = grade("history", "--db", str(db), "--student", "bob")
    assert history.returncode == 0, history.stderr
    assert "bob: 2 grading(s)" in history.stdout
    assert "ex4_5:param_count_small  0/2 failed -> 2/2 passed" in history.stdout

    unknown = grade("batch", str(subs), "--db", str(db), "--student", "zed")
    assert unknown.returncode == 2 and "no submission of 'zed'" in unknown.stderr
