"""The instructor's commands end to end: an override survives a regrade and appears in every
export; a late penalty is taken once, per the course's policy, in every export; students,
history and stats read the same adjusted grades.

The gradebook is written directly (no grading needed for what is tested here), for a small
course whose course.toml sets a due date; the commands run as ``python -m grader``.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from gradescope_spec import validate
from support import REPO

from grader.batch.gradebook import Gradebook
from grader.model import CheckResult, ExerciseResult, Status, Visibility

DUE = "2025-03-14T23:59:00+08:00"
COURSE_TOML = f"""title = "t"
[deadlines]
penalty_per_day = 0.1
max_penalty = 0.5
grace_minutes = 10
[deadlines.ex4_5]
due = {DUE}
"""
REASON = "clear derivation, one step skipped"


def grade(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "grader", *args], capture_output=True, text=True, cwd=cwd,
        timeout=120,
    )  # fmt: skip


def check(name, status, points, max_points, visibility=Visibility.PUBLIC, message=""):
    return CheckResult(name, f"{name} title", points, max_points, status, visibility, message)


def results(counts_passed: bool) -> list[ExerciseResult]:
    if counts_passed:
        counts = check("counts", Status.PASSED, 6, 6)
    else:
        counts = check("counts", Status.FAILED, 0, 6, message="got 5")
    hidden = check("hidden_counts", Status.PASSED, 4, 4, Visibility.HIDDEN)
    quiz = (check("reason", Status.PASSED, 1, 1), check("essay", Status.NEEDS_PERSON, 0, 2))
    return [ExerciseResult("ex4_5", (counts, hidden)), ExerciseResult("ex4_7", quiz)]


@pytest.fixture
def course(tmp_path: Path) -> Path:
    root = tmp_path / "course"
    for exercise in ("ex4_5", "ex4_7"):
        (root / "checks" / exercise).mkdir(parents=True)
        metadata = (REPO / "checks" / exercise / "exercise.toml").read_text("utf-8")
        (root / "checks" / exercise / "exercise.toml").write_text(metadata, "utf-8")
    (root / "course.toml").write_text(COURSE_TOML, encoding="utf-8")
    (root / "roster.csv").write_text(
        "student_id,name,canvas_id,idnumber\nalice,Alice,11,A-1\nbob,Bob,12,B-2\n", "utf-8"
    )
    return root


@pytest.fixture
def db(course: Path) -> Path:
    """alice: on time, her essay waiting for a person; bob: 2 days late on ex4_5."""
    path = course / "course.db"
    with Gradebook(path) as book:
        book.record("alice", "a1", "1", results(False), submitted_at="2025-03-14T20:00:00+08:00")
        book.record("bob", "b1", "1", results(True), submitted_at="2025-03-16T10:00:00+08:00")
    return path


def override_then_regrade(course: Path, db: Path) -> subprocess.CompletedProcess:
    done = grade("override", "--db", str(db), "--student", "alice", "--check", "essay",
                 "--points", "1.5", "--reason", REASON, "--author", "prof", cwd=course)  # fmt: skip
    with Gradebook(db) as book:  # alice resubmits; her regrade passes every check
        book.record("alice", "a2", "1", results(True), submitted_at="2025-03-14T21:00:00+08:00")
    return done


def exports(course: Path, db: Path) -> dict[str, str]:
    """Every export format's text, by format (gradescope: alice's results.json)."""
    texts = {}
    for fmt, out in (("csv", "g.csv"), ("canvas", "c.csv"), ("moodle", "m.csv")):
        done = grade("export", "--db", str(db), "--format", fmt, "-o", out,
                     "--roster", "roster.csv", cwd=course)  # fmt: skip
        assert done.returncode == 0, done.stderr
        texts[fmt] = (course / out).read_text("utf-8-sig")
    for fmt, extra in (("gradescope", ()), ("feedback", ()), ("feedback", ("--html",))):
        done = grade("export", "--db", str(db), "--format", fmt, "-o", fmt, *extra, cwd=course)
        assert done.returncode == 0, done.stderr
    texts["gradescope"] = (course / "gradescope" / "alice" / "results.json").read_text("utf-8")
    texts["gradescope_bob"] = (course / "gradescope" / "bob" / "results.json").read_text("utf-8")
    texts["md"] = (course / "feedback" / "alice.md").read_text("utf-8")
    texts["md_bob"] = (course / "feedback" / "bob.md").read_text("utf-8")
    texts["html_bob"] = (course / "feedback" / "bob.html").read_text("utf-8")
    return texts


def table(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def test_an_override_survives_a_regrade_and_appears_in_every_export(course, db):
    done = override_then_regrade(course, db)
    assert done.returncode == 0, done.stderr
    assert "alice: ex4_7:essay = 1.5/2 (by prof); total now 6.5/13" in done.stdout
    texts = exports(course, db)
    rows = {r["student_id"]: r for r in csv.DictReader(io.StringIO(texts["csv"]))}
    assert (rows["alice"]["ex4_7"], rows["alice"]["total"]) == ("2.5", "12.5")
    assert rows["alice"]["adjustments"].count(REASON) == 1
    canvas = table(texts["canvas"])
    assert canvas[1][-1] == "3" and canvas[2][:2] == ["Alice", "11"] and canvas[2][-1] == "2.5"
    moodle = table(texts["moodle"])
    assert moodle[1][0] == "A-1" and moodle[1][3] == "2.5" and moodle[1][4].count(REASON) == 1
    gradescope = json.loads(texts["gradescope"])
    validate(gradescope)
    essay = next(t for t in gradescope["tests"] if t["extra_data"]["check"] == "essay")
    assert (essay["score"], essay["max_score"], essay["status"]) == (1.5, 2, "failed")
    assert gradescope["score"] == 12.5 and gradescope["output"].count(REASON) == 1
    assert REASON in texts["md"] and "points set by prof" in texts["md"]


def test_a_late_penalty_is_taken_once_per_the_policy_in_every_export(course, db):
    texts = exports(course, db)  # bob: 2 days late on ex4_5 -> 20% of his 10 points
    rows = {r["student_id"]: r for r in csv.DictReader(io.StringIO(texts["csv"]))}
    assert (rows["bob"]["ex4_5"], rows["bob"]["ex4_7"], rows["bob"]["total"]) == ("8", "1", "9")
    assert rows["alice"]["ex4_5"] == "4"  # on time: her own 4 points, untouched
    assert table(texts["canvas"])[3][-2:] == ["8", "1"]
    assert table(texts["moodle"])[2][1] == "8"
    bob = json.loads(texts["gradescope_bob"])
    validate(bob)
    assert bob["score"] == 9 == sum(t["score"] for t in bob["tests"])
    assert [t["score"] for t in bob["tests"] if t["score"] < 0] == [-2]
    for text in (rows["bob"]["adjustments"], texts["md_bob"], texts["html_bob"], bob["output"]):
        assert text.count("2 days after the due time") == 1, text
    assert "Total: 9/13 points" in texts["md_bob"]  # out of the full marks, essay unscored


def test_students_and_history_show_the_adjusted_grades_and_what_changed(course, db):
    override_then_regrade(course, db)
    listed = grade("students", "--db", str(db), cwd=course)
    assert listed.returncode == 0, listed.stderr
    alice, bob = listed.stdout.splitlines()[1:]
    assert alice.split()[:2] == ["alice", "12.5/13"] and "1 override" in alice
    assert bob.split()[:2] == ["bob", "9/13"] and "late -2" in bob  # same full marks as alice
    history = grade("history", "--db", str(db), "--student", "ALICE", cwd=course)
    assert history.returncode == 0, history.stderr
    assert "alice: 2 grading(s)" in history.stdout
    assert "ex4_5:counts  0/6 failed -> 6/6 passed" in history.stdout
    assert f"ex4_7:essay = 1.5 by prof: {REASON}" in history.stdout
    stats = grade("stats", "--db", str(db), cwd=course)
    assert stats.returncode == 0, stats.stderr
    assert "ex4_5 (out of 10): 2 graded of 2" in stats.stdout


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--student", "zed", "--check", "essay", "--points", "1"), "no student 'zed'"),
        (("--student", "alice", "--check", "essay", "--points", "3"), "worth 0 to 2 points"),
        (("--student", "alice", "--check", "nope", "--points", "1"), "no check 'nope'"),
    ],
)
def test_a_wrong_override_is_one_line_and_exit_code_2(course, db, args, says):
    done = grade("override", "--db", str(db), *args, "--reason", "r", cwd=course)
    assert done.returncode == 2 and says in done.stderr and len(done.stderr.splitlines()) == 1
    with Gradebook(db) as book:
        assert book.overrides() == []


def test_an_lms_export_without_a_roster_is_a_usage_error(course, db):
    done = grade("export", "--db", str(db), "--format", "canvas", "-o", "c.csv", cwd=course)
    assert done.returncode == 2 and "needs --roster" in done.stderr
