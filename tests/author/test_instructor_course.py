"""An instructor's own course, outside the engine's source, made with `grade init` and
`grade new`, filled by the test, and used end to end by every command: nothing in the
engine is edited, and the course is found by --course, by $GRADER_COURSE or from its
folder."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
from author_support import grade, square_course, write_files

from grader.batch.gradebook import Gradebook

SOLUTION = {"exercises/square.py": "def square(x):\n    return x * x\n"}
WRONG = {"exercises/square.py": "def square(x):\n    return 2 * x\n"}
ANSWERS = {"answers/square.toml": "slope_at_3 = 6\n"}


def test_a_fresh_scaffold_is_a_valid_course_and_selftest_says_what_is_missing(tmp_path):
    made = grade("init", "course", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    course = tmp_path / "course"
    new = grade("new", "softmax_xent", "--alias", "softmax", cwd=course)
    assert new.returncode == 0, new.stderr
    for name in ("exercise.toml", "statement.md", "public.py", "probes.py", "quiz.py"):
        assert (course / "checks" / "softmax_xent" / name).is_file()
    for name in (
        "exercises/softmax_xent.py",
        "answers/softmax_xent.toml",
        "hidden/softmax_xent.py",
    ):
        assert (course / name).is_file()
    listed = grade("list", cwd=course)
    assert listed.returncode == 0 and "softmax_xent softmax" in " ".join(listed.stdout.split())
    checked = grade("selftest", "softmax", "--max-mutants", "0", cwd=course)
    assert checked.returncode == 1, checked.stderr
    out = " ".join(checked.stdout.split())  # details wrap at 100 columns
    assert "FAIL solution gets full marks" in out
    assert "not implemented yet: softmax_xent raises NotImplementedError" in out
    assert "ok stub gets zero, no check errors" in out
    assert "ok release holds no hidden part" in out
    assert "TODO in checks/softmax_xent/exercise.toml (" in out  # the title was not given
    for name in ("public.py", "probes.py", "quiz.py", "statement.md"):
        assert f"checks/softmax_xent/{name} (" in out
    assert "solutions/softmax_xent.py (1)" in out and "hidden/softmax_xent.py (" in out


def test_grade_new_writes_only_into_a_course(tmp_path):
    outside = grade("new", "stray", cwd=tmp_path)
    assert outside.returncode == 2
    assert "grade init DIR" in outside.stderr
    assert not (tmp_path / "checks").exists()


def test_grade_new_refuses_an_alias_that_is_taken_and_never_overwrites(tmp_path):
    course = tmp_path / "course"
    assert grade("init", str(course), cwd=tmp_path).returncode == 0
    assert grade("new", "first", "--alias", "one", cwd=course).returncode == 0
    clash = grade("new", "second", "--alias", "one", cwd=course)
    assert clash.returncode == 2
    assert "clashes with the exercise first" in clash.stderr
    again = grade("new", "first", cwd=course)
    assert again.returncode == 2
    assert "clashes" in again.stderr or "not overwriting" in again.stderr
    assert not (course / "checks" / "second").exists()


def test_an_instructor_course_grades_end_to_end(tmp_path):
    course = square_course(tmp_path / "course")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    write_files(tmp_path / "alice", {**SOLUTION, **ANSWERS})
    write_files(tmp_path / "class" / "alice", {**SOLUTION, **ANSWERS})
    write_files(tmp_path / "class" / "bob", WRONG)
    by_option = ("--course", str(course))
    by_env = {"GRADER_COURSE": str(course)}

    shown = grade(*by_option, "show", "sq", cwd=elsewhere)
    assert shown.returncode == 0 and "Implement in exercises/square.py: square" in shown.stdout

    single = grade(
        *by_option, "sq", "--submission", str(tmp_path / "alice"), "--json", cwd=elsewhere
    )
    assert single.returncode == 0, single.stderr
    report = json.loads(single.stdout)
    assert report["score"] == report["max_score"] == 4
    assert "note: no course.toml" not in single.stderr

    every = grade("all", "--solution", "--json", cwd=elsewhere, env=by_env)
    assert every.returncode == 0, every.stderr
    assert json.loads(every.stdout)["score"] == 4

    released = grade("release", str(tmp_path / "handout"), "--notebooks", cwd=course)
    assert released.returncode == 0, released.stderr
    handout = tmp_path / "handout"
    assert (handout / "checks" / "square" / "public.py").is_file()
    assert not (handout / "hidden").exists() and not (handout / "solutions").exists()
    assert (handout / "exercises" / "square.ipynb").is_file()
    readme = (handout / "README.md").read_text(encoding="utf-8")
    assert "grade square --watch" in readme and "ex4_5" not in readme  # this course's own id

    notebook = grade("notebook", "square", "--out", str(tmp_path / "sq.ipynb"), cwd=course)
    assert notebook.returncode == 0 and (tmp_path / "sq.ipynb").is_file()

    db = tmp_path / "course.db"
    batch = grade("batch", str(tmp_path / "class"), "--db", str(db), "-j", "1", cwd=course)
    assert batch.returncode == 0, batch.stderr
    with Gradebook(db) as book:
        assert {g.student_id: g.score for g in book.latest_all()} == {"alice": 4.0, "bob": 0.0}
    exported = grade("export", "--db", str(db), "--format", "csv", "-o", "g.csv", cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    grades = (tmp_path / "g.csv").read_text(encoding="utf-8")
    assert "alice" in grades and "bob" in grades
    stats = grade("stats", "--db", str(db), cwd=tmp_path)
    assert stats.returncode == 0 and "square" in stats.stdout

    demo = grade(*by_option, "demo-class", str(tmp_path / "demo"), "--students", "3", cwd=elsewhere)
    assert demo.returncode == 0, demo.stderr
    assert len(list((tmp_path / "demo").iterdir())) >= 3

    selftest = grade("selftest", "--max-mutants", "4", cwd=elsewhere, env=by_env)
    assert selftest.returncode == 0, selftest.stdout + selftest.stderr
    assert "square: selftest PASS" in selftest.stdout
    assert "mutation score: raw" in selftest.stdout


@pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap is not installed")
def test_student_code_cannot_read_the_course_solutions_or_hidden_checks(tmp_path):
    """At the namespaces level the course's public checks are visible (read-only) to the
    sandbox, its solutions/ and hidden/ are not, even by absolute path."""
    course = square_course(tmp_path / "course")
    probe = f"""
import os

ROOT = {str(course)!r}


def square(x):
    seen = {{}}
    for name in ("checks/square/public.py", "solutions/square.py", "hidden/square.py"):
        try:
            with open(os.path.join(ROOT, name)) as f:
                seen[name] = len(f.read()) > 0
        except OSError:
            seen[name] = False
    if seen != {{"checks/square/public.py": True, "solutions/square.py": False,
                 "hidden/square.py": False}}:
        raise RuntimeError(f"the sandbox saw {{seen}}")
    return x * x
"""
    write_files(tmp_path / "peek", {"exercises/square.py": probe, **ANSWERS})
    done = grade(
        "--course",
        str(course),
        "square",
        "--submission",
        str(tmp_path / "peek"),
        "--isolation",
        "strict",
        "--json",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert report["isolation"].startswith("namespaces")
    assert report["score"] == report["max_score"] == 4


def test_an_engine_without_a_course_beside_it_never_falls_back(tmp_path):
    """An engine installed without this repository (its package copied alone) finds no
    course outside one, and uses $GRADER_COURSE when set."""
    import grader

    site = tmp_path / "site"
    shutil.copytree(
        grader.__path__[0], site / "grader", ignore=shutil.ignore_patterns("__pycache__")
    )
    course = square_course(tmp_path / "course")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    run = [
        sys.executable,
        "-c",
        "import sys; sys.path.insert(0, sys.argv.pop(1)); "
        "import grader.cli; print(grader.cli.__file__, file=sys.stderr); grader.cli.main()",
        str(site),
    ]
    env = {k: v for k, v in os.environ.items() if k != "GRADER_COURSE"}
    alone = subprocess.run([*run, "list"], capture_output=True, text=True, cwd=elsewhere, env=env)
    assert str(site) in alone.stderr
    assert alone.returncode == 2, alone.stdout + alone.stderr
    assert "no course found" in alone.stderr
    env["GRADER_COURSE"] = str(course)
    found = subprocess.run([*run, "list"], capture_output=True, text=True, cwd=elsewhere, env=env)
    assert found.returncode == 0, found.stderr
    assert found.stdout.startswith("square")
    assert "ex4_5" not in found.stdout


def test_the_engine_beside_the_example_course_says_when_it_falls_back_to_it(tmp_path):
    listed = grade("list", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    said = " ".join(listed.stderr.split())  # wrapped to the terminal's width
    assert "note: no course.toml in" in said
    assert "using the example course beside the engine" in said
    wrong = grade("list", cwd=tmp_path, env={"GRADER_COURSE": str(tmp_path)})
    assert wrong.returncode == 2
    assert "not a course folder" in wrong.stderr
