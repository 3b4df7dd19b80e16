"""The per-check timing record: judge and sandbox time are measured where they are spent,
kept in --json and in the gradebook for every check, and `grade stats --timing` ranks a
batch's slowest checks by median with their p95."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from grader.batch.gradebook import Gradebook, GradedSubmission
from grader.batch.timing import check_timings, format_timing, percentile, slowest_checks
from grader.model import CheckResult, ExerciseResult, Status, Visibility

SLEEP_S = 0.4  # each slow part; the other part of the same check takes milliseconds

TIMED_CHECKS = f'''\
import time

from grader import CheckSet, Visibility, expect_close

checks = CheckSet("timed", Visibility.PUBLIC)


@checks.check(points=1)
def starts_the_sandbox(sub):
    """fast() is 1 (the sandbox starts here)"""
    expect_close(sub.call("fast"), 1.0, where="fast()")


@checks.check(points=1, budget=5)
def slow_in_the_judge(sub):
    """the judge thinks for a while, then asks fast()"""
    time.sleep({SLEEP_S})
    expect_close(sub.call("fast"), 1.0, where="fast()")


@checks.check(points=1, budget=5)
def slow_in_the_sandbox(sub):
    """slow() takes its time in the sandbox"""
    expect_close(sub.call("slow"), 2.0, where="slow()")
'''
SOLUTION = f"""\
import time


def fast():
    return 1.0


def slow():
    time.sleep({SLEEP_S})
    return 2.0
"""


STUB = (
    "def fast():\n    raise NotImplementedError\n\n\ndef slow():\n    raise NotImplementedError\n"
)


def grade(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """``grade ARGS`` run in ``cwd`` (the course found from there, not $GRADER_COURSE)."""
    env = {k: v for k, v in os.environ.items() if k != "GRADER_COURSE"}
    return subprocess.run(
        [sys.executable, "-m", "grader", *args],
        capture_output=True, text=True, cwd=cwd, env=env, timeout=300,
    )  # fmt: skip


def timed_course(root: Path) -> Path:
    files = {
        "course.toml": 'title = "timed"\n',
        "checks/timed/exercise.toml": 'title = "timing"\nfunctions = ["fast", "slow"]\n',
        "checks/timed/__init__.py": "",
        "checks/timed/statement.md": "# timed\n\nImplement fast() and slow().\n",
        "checks/timed/public.py": TIMED_CHECKS,
        "exercises/timed.py": STUB,
        "solutions/timed.py": SOLUTION,
    }
    for relative, text in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text, encoding="utf-8")
    return root


def expect_split(checks: dict[str, dict]) -> None:
    """Each slow part is counted on its own side, and only there."""
    judge, sandbox = checks["slow_in_the_judge"], checks["slow_in_the_sandbox"]
    assert judge["judge_s"] >= SLEEP_S > judge["sandbox_s"], judge
    assert sandbox["sandbox_s"] >= SLEEP_S > sandbox["judge_s"], sandbox
    for check in checks.values():
        assert check["judge_s"] == pytest.approx(check["duration_s"] - check["sandbox_s"], abs=2e-4)


def test_judge_and_sandbox_time_are_where_they_were_spent_in_json_gradebook_and_stats(tmp_path):
    course = timed_course(tmp_path / "course")
    done = grade("timed", "--solution", "--json", cwd=course)
    assert done.returncode == 0, done.stdout + done.stderr
    checks = {c["name"]: c for c in json.loads(done.stdout)["checks"]}
    assert set(checks) == {"starts_the_sandbox", "slow_in_the_judge", "slow_in_the_sandbox"}
    expect_split(checks)

    student = tmp_path / "class" / "s1" / "exercises"
    student.mkdir(parents=True)
    (student / "timed.py").write_text(SOLUTION, encoding="utf-8")
    db = tmp_path / "book.db"
    batch = grade("batch", str(tmp_path / "class"), "--db", str(db), "-j", "1", cwd=course)
    assert batch.returncode == 0, batch.stdout + batch.stderr
    with Gradebook(db, create=False) as book:
        (graded,) = book.latest_all()
    stored = {c.name: c for c in graded.exercises[0].results}
    expect_split({name: {**c.to_dict(), "judge_s": c.judge_s} for name, c in stored.items()})
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT duration_s, sandbox_s FROM check_results").fetchall()
    assert len(rows) == 3 and all(d is not None and s is not None and d >= s for d, s in rows)

    stats = grade("stats", "--db", str(db), "--timing", cwd=course)
    assert stats.returncode == 0, stats.stderr
    rows = {line.split()[0]: line.split()[1:] for line in stats.stdout.splitlines()[4:]}
    judge_ms = [int(x) for x in rows["timed:slow_in_the_judge"][2].split("/")]
    sandbox_ms = [int(x) for x in rows["timed:slow_in_the_sandbox"][3].split("/")]
    assert min(judge_ms + sandbox_ms) >= SLEEP_S * 1000, stats.stdout


# ---------------------------------------------------------------- the summaries, in memory


def result(name: str, duration: float, sandbox: float, status=Status.PASSED) -> CheckResult:
    return CheckResult(
        name, f"{name} works", 1.0, 1.0, status, Visibility.PUBLIC, "", duration, "", sandbox
    )


def submission(student: str, *checks: CheckResult, exercise="ex") -> GradedSubmission:
    total = sum(c.duration_s for c in checks)
    return GradedSubmission(
        1, student, "h", "1", "2024-01-01T00:00:00+00:00", "cpu", "", (),
        (ExerciseResult(exercise, checks, execution_time=total + 0.01),),
    )  # fmt: skip


def test_percentile_is_the_nearest_rank_so_every_value_shown_was_measured():
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0
    assert percentile([float(i) for i in range(1, 21)], 95) == 19.0
    assert percentile([float(i) for i in range(1, 11)], 95) == 10.0
    assert percentile([0.5], 95) == 0.5
    with pytest.raises(ValueError):
        percentile([], 95)


def test_judge_time_is_the_rest_of_the_check_and_never_negative():
    assert result("a", 0.5, 0.125).judge_s == 0.375
    assert result("a", 0.1, 0.1000001).judge_s == 0.0
    assert result("a", 0.5, 0.125).to_dict()["judge_s"] == 0.375


def test_slowest_checks_rank_by_median_split_by_side_and_leave_out_skipped_runs():
    batch = [
        submission("a", result("quick", 0.01, 0.005), result("heavy", 0.3, 0.1)),
        submission("b", result("quick", 0.03, 0.02), result("heavy", 0.5, 0.4)),
        submission("c", result("quick", 0.02, 0.01), result("heavy", 0.0, 0.0, Status.SKIPPED)),
    ]
    heavy, quick = slowest_checks(batch, top=5)
    assert (heavy.name, heavy.n, quick.name, quick.n) == ("heavy", 2, "quick", 3)
    assert (heavy.total.median, heavy.total.p95) == (0.4, 0.5)
    assert (heavy.sandbox.median, heavy.sandbox.p95) == (0.25, 0.4)
    assert heavy.judge.median == pytest.approx(0.15) and heavy.judge.p95 == pytest.approx(0.2)
    assert quick.total.median == 0.02 and quick.sandbox.p95 == 0.02
    assert [t.name for t in slowest_checks(batch, top=1)] == ["heavy"]
    assert check_timings([]) == []


def test_the_timing_table_shows_milliseconds_per_side_and_the_time_per_submission():
    batch = [submission(s, result("heavy", 0.3, 0.1)) for s in "abc"]
    text = format_timing(batch, top=3)
    assert "time per submission (all exercises): median 0.310 s, p95 0.310 s over 3" in text
    row = next(line for line in text.splitlines() if "ex:heavy" in line)
    assert row.split() == ["ex:heavy", "3", "300/300", "200/200", "100/100"]
    assert format_timing([]) == "no graded submissions yet\n"
