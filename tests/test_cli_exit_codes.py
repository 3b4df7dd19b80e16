"""The exit codes README states, for every command: 0 all passed, 1 some check failed,
2 usage or input error (one line ``grade: <message>``, never "internal error"), 3 only for
a grader bug, 130 for Ctrl-C during ``grade batch`` (one line, no traceback, resumable).

Each case runs ``python -m grader`` (the real entry point, :func:`grader.cli.main`) in a
subprocess, except the grader-bug case, which plants a bug in-process."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support import REPO, fake_course, solution_text, stub_text

from grader import cli as grade_cli
from grader.batch.gradebook import SCHEMA_VERSION, Gradebook
from grader.catalog import Course
from grader.errors import SandboxStartError

INTERRUPTED = "interrupted: every finished submission is saved; run again to resume"


def grade(*args: str, cwd: Path = REPO, env: dict[str, str] | None = None, timeout: float = 300):
    return subprocess.run(
        [sys.executable, "-m", "grader", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=timeout,
    )


def assert_input_error(run: subprocess.CompletedProcess, says: str) -> None:
    """Exit code 2 and exactly one line on stderr: ``grade: ...`` containing ``says``."""
    assert run.returncode == 2, (run.returncode, run.stderr)
    lines = run.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("grade: "), run.stderr
    assert says in lines[0] and "internal error" not in lines[0]


def make_class(root: Path, students: dict[str, str]) -> Path:
    """``root/<student>/exercises/ex4_5.py`` holding each student's code."""
    for student, code in students.items():
        (root / student / "exercises").mkdir(parents=True)
        (root / student / "exercises" / "ex4_5.py").write_text(code, "utf-8")
    return root


# -- 0 and 1 ------------------------------------------------------------------------


def test_exit_0_when_every_check_passed():
    assert grade("ex4_5", "--solution").returncode == 0


def test_exit_1_when_some_check_failed(tmp_path):
    workspace = tmp_path / "work"
    (workspace / "exercises").mkdir(parents=True)
    (workspace / "exercises" / "ex4_5.py").write_text(stub_text("ex4_5"), "utf-8")
    run = grade("ex4_5", "--submission", workspace)
    assert run.returncode == 1, run.stderr
    assert "FAIL" in run.stdout


# -- 2: an unknown exercise id in any command ----------------------------------------

UNKNOWN_ID_COMMANDS = {
    "grade ID": ["nosuch"],
    "grade check": ["check", "nosuch"],
    "grade ID --solution": ["nosuch", "--solution"],
    "grade show": ["show", "nosuch"],
    "grade notebook": ["notebook", "nosuch", "--out", "{tmp}/n.ipynb"],
    "grade release -e": ["release", "{tmp}/handout", "-e", "nosuch"],
    "grade batch --exercise": ["batch", "{tmp}", "--db", "{tmp}/course.db", "--exercise", "nosuch"],
    "grade quiz-template": ["quiz-template", "nosuch"],
    "grade gradescope-autograder --exercise": [
        "gradescope-autograder", "{tmp}/autograder.zip", "--exercise", "nosuch",
    ],
}  # fmt: skip


@pytest.mark.parametrize("args", UNKNOWN_ID_COMMANDS.values(), ids=UNKNOWN_ID_COMMANDS)
def test_exit_2_for_an_unknown_exercise_id(tmp_path, args):
    run = grade(*(a.format(tmp=tmp_path) for a in args))
    assert_input_error(run, "no exercise named 'nosuch'")
    assert list(tmp_path.iterdir()) == []  # nothing written: no notebook, handout or gradebook


# -- 2: a --db that is not a gradebook -----------------------------------------------


def _text(path: Path) -> None:
    path.write_text("student,score\nalice,3\n", "utf-8")


def _random_bytes(path: Path) -> None:
    path.write_bytes(os.urandom(4096))


def _empty(path: Path) -> None:
    path.write_bytes(b"")


def _other_sqlite(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE grades (student TEXT, score REAL)")
    conn.close()


def _newer_gradebook(path: Path) -> None:
    Gradebook(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION + 1,))
    conn.close()


NOT_GRADEBOOKS = {
    "text": (_text, "not a gradebook"),
    "random-bytes": (_random_bytes, "not a gradebook"),
    "empty": (_empty, "not a gradebook (an empty file)"),
    "other-sqlite": (_other_sqlite, "an SQLite file, but not a gradebook"),
    "newer-gradebook": (_newer_gradebook, "newer than this grader reads"),
}
DB_COMMANDS = {
    "batch": ["batch", "{subs}", "--db", "{db}", "--exercise", "ex4_5"],
    "stats": ["stats", "--db", "{db}"],
    "export": ["export", "--db", "{db}", "--format", "csv", "-o", "{tmp}/grades.csv"],
    "students": ["students", "--db", "{db}"],
    "history": ["history", "--db", "{db}", "--student", "alice"],
    "override": ["override", "--db", "{db}", "--student", "alice", "--check", "counts",
                 "--points", "1", "--reason", "read it"],
}  # fmt: skip


CASES = [
    pytest.param(kind, command, id=f"{command_id}-{kind_id}")
    for kind_id, kind in NOT_GRADEBOOKS.items()
    for command_id, command in DB_COMMANDS.items()
    if (kind_id, command_id) != ("empty", "batch")  # batch starts a new gradebook there
]


@pytest.mark.parametrize(("kind", "command"), CASES)
def test_exit_2_for_a_db_that_is_not_a_gradebook(tmp_path, kind, command):
    make, says = kind
    db = tmp_path / "course.db"
    make(db)
    before = db.read_bytes()
    subs = make_class(tmp_path / "subs", {"alice": solution_text("ex4_5")})
    run = grade(*(a.format(tmp=tmp_path, subs=subs, db=db) for a in command))
    assert_input_error(run, says)
    assert db.read_bytes() == before  # refused before anything was written to it
    assert not (tmp_path / "grades.csv").exists()


# -- 2: demo-class into a non-empty folder; release refused by its leak audit ---------


def test_exit_2_for_demo_class_into_a_non_empty_folder(tmp_path):
    (tmp_path / "class").mkdir()
    (tmp_path / "class" / "notes.txt").write_text("mine", "utf-8")
    run = grade("demo-class", tmp_path / "class", "--students", "3")
    assert_input_error(run, "folder is not empty")
    assert [p.name for p in (tmp_path / "class").iterdir()] == ["notes.txt"]


def test_exit_2_for_a_release_refused_by_its_leak_audit(tmp_path):
    fake_course(tmp_path / "course", solution_text("ex4_5"))  # the stub IS the solution
    env = {**os.environ, "GRADER_COURSE": str(tmp_path / "course")}
    run = grade("release", tmp_path / "handout", env=env)
    assert run.returncode == 2, run.stderr
    assert run.stderr.startswith("grade: the handout would leak instructor-only material")
    assert "exercises/ex4_5.py: contains a solution body of ex4_5" in run.stderr
    assert "internal error" not in run.stderr and "Traceback" not in run.stderr
    assert not (tmp_path / "handout").exists()


# -- 3: only a grader bug --------------------------------------------------------------


@pytest.mark.parametrize(
    ("bug", "line"),
    [
        (
            RuntimeError("boom"),
            "grade: internal error: RuntimeError: boom (a bug in the grader, not in your work;"
            " run with GRADER_DEBUG=1 for details)",
        ),
        (SandboxStartError("the sandbox did not start"), "grade: the sandbox did not start"),
    ],
    ids=["an-exception-outside-the-tree", "an-internal-grader-error"],
)
def test_exit_3_only_for_a_grader_bug(monkeypatch, capsys, bug, line):
    def broken(name: str):
        raise bug

    monkeypatch.setattr(Course, "find", lambda self, name: broken(name))
    monkeypatch.setattr(sys, "argv", ["grade", "show", "ex4_5"])
    monkeypatch.delenv("GRADER_DEBUG", raising=False)
    with pytest.raises(SystemExit) as done:
        grade_cli._run_cli()
    assert done.value.code == 3
    assert capsys.readouterr().err.splitlines() == [line]


# -- 130: Ctrl-C during grade batch -j 2 ------------------------------------------------

SLOW = "import time\n\ntime.sleep(6)  # a slow import: the batch is mid-work when Ctrl-C comes\n"


def recorded(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db) as conn:
            count = conn.execute("SELECT COUNT(*) FROM submissions").fetchone()[0]
        conn.close()
        return count
    except sqlite3.Error:  # not created yet
        return 0


def test_exit_130_and_one_line_for_ctrl_c_during_batch_and_a_rerun_resumes(tmp_path):
    # s0 is graded at once; the others import slowly, so Ctrl-C finds the batch mid-work
    # however loaded the machine is (the test polls for the first recorded row).
    students = {f"s{i}": (SLOW if i else "") + solution_text("ex4_5") for i in range(4)}
    subs = make_class(tmp_path / "subs", students)
    db = tmp_path / "course.db"
    command = ["batch", subs, "--db", db, "-j", "2", "--exercise", "ex4_5"]
    batch = subprocess.Popen(
        [sys.executable, "-m", "grader", *map(str, command)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a terminal's foreground job
        preexec_fn=_default_sigint,  # as from a shell: Ctrl-C not ignored
    )
    deadline = time.monotonic() + 120
    while recorded(db) < 1 and time.monotonic() < deadline and batch.poll() is None:
        time.sleep(0.1)
    os.killpg(batch.pid, signal.SIGINT)  # what Ctrl-C does: the whole foreground group
    _, stderr = batch.communicate(timeout=60)
    assert batch.returncode == 130, stderr
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr, stderr
    assert stderr.splitlines()[-1] == INTERRUPTED
    assert stderr.count("interrupted") == 1
    saved = recorded(db)
    assert 1 <= saved < len(students)
    rerun = grade(*command)
    assert rerun.returncode == 0, rerun.stderr
    assert f"{saved} already graded" in rerun.stderr
    with Gradebook(db) as book:
        latest = book.latest_all()
    assert sorted(g.student_id for g in latest) == sorted(students)
    assert recorded(db) == len(students)  # each submission graded once
    assert len({g.score for g in latest}) == 1  # the same work, graded alike before and after
    assert not any(g.problems for g in latest)


def _default_sigint() -> None:
    """In the child before it runs: SIGINT's default action, as a shell starts a command."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
