"""The handout installs with pip in a fresh virtual environment and `grade ex4_5` works there:
public checks only, hidden checks announced; the stub scores zero and a correct answer gets
every public check.

HANDOUT_VENV (marker ``handout_venv``, about 15 s, runs in CI): the venv is made
``--without-pip`` and *without* system site packages (those would be the base interpreter's,
which on a fresh machine has neither torch nor a setuptools that builds wheels). A ``.pth``
file in its site-packages lists the package folders of the environment running pytest, so
torch, numpy, sympy, click and nbformat (and pip and setuptools, declared in the ``test``
extra, to build) come from there, after the venv's own site-packages. A path line in a
``.pth`` is not a site dir: the editable install of this repository there stays inactive.
The handout is installed with ``pip install --no-deps --no-build-isolation --no-index`` (no
network). The test checks that `grade` there imports the *installed* handout, not this
repository."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from support import COURSE, REPO, solution_text

pytestmark = pytest.mark.handout_venv

#: Every public code check of ex4_5 (the course's own list, not a copy that goes stale).
PUBLIC_CODE_CHECKS = {check.name for check in COURSE.find("ex4_5").public_checks()}


@pytest.fixture(scope="module")
def installed(handout: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(venv bin folder, a student's copy of the handout) with the handout pip-installed."""
    root = tmp_path_factory.mktemp("venv")
    student = root / "student"
    shutil.copytree(handout, student)
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    _borrow_packages(python)
    pip = [str(python), "-m", "pip", "install", "--no-deps", "--no-build-isolation"]
    subprocess.run([*pip, "--no-index", "-q", str(student)], check=True, env=_env(venv))
    return venv / "bin", student


def _borrow_packages(python: Path) -> None:
    """Make this environment's packages importable in the venv, after the venv's own."""
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    paths = dict.fromkeys(sysconfig.get_paths()[key] for key in ("purelib", "platlib"))
    (Path(site) / "_test_environment.pth").write_text("\n".join(paths) + "\n", "utf-8")


def _env(venv: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "GRADER_"))}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def grade(bin_dir: Path, student: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(bin_dir / "grade"), *args],
        cwd=student,
        env=_env(bin_dir.parent),
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_grade_in_the_venv_uses_the_installed_handout(installed):
    bin_dir, student = installed
    where = subprocess.run(
        [str(bin_dir / "python"), "-c", "import grader; print(grader.__file__)"],
        cwd=student.parent,
        env=_env(bin_dir.parent),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert where.startswith(str(bin_dir.parent)), where  # site-packages of the venv
    assert not where.startswith(str(REPO))


def test_the_stub_scores_zero_with_public_checks_listed(installed):
    bin_dir, student = installed
    run = grade(bin_dir, student, "ex4_5", "--json")
    assert run.returncode == 1, run.stderr
    result = json.loads(run.stdout)
    checks = {t["extra_data"]["check"]: t for t in result["tests"]}
    assert set(checks) >= PUBLIC_CODE_CHECKS
    assert all(t["visibility"] == "visible" for t in result["tests"])  # public checks only
    assert result["score"] == 0
    assert result["hidden_not_run"] >= 5
    assert "not implemented yet" in checks["param_count_small"]["output"]
    assert not [t for t in result["tests"] if t["extra_data"]["outcome"] == "errored"]


def test_a_correct_student_gets_exit_0_and_is_told_what_is_graded_later(installed):
    bin_dir, student = installed
    (student / "exercises" / "ex4_5.py").write_text(solution_text("ex4_5"), "utf-8")
    answers = (REPO / "solutions" / "ex4_5.toml").read_text("utf-8")
    (student / "answers" / "ex4_5.toml").write_text(answers, "utf-8")
    run = grade(bin_dir, student, "ex4_5")
    assert run.returncode == 0, run.stdout + run.stderr
    heads = [re.match(r"  (\S+) +\S+/\S+  ", line) for line in run.stdout.splitlines()]
    marks = [head.group(1) for head in heads if head]
    assert set(marks) == {"pass", "later"}, run.stdout  # quiz: scored at submission
    assert "FAIL" not in run.stdout and "ERR!" not in run.stdout and "skip" not in run.stdout
    said = " ".join(run.stdout.split())  # wrapped to the terminal's width
    assert "answer read and parses; it is scored when your submission is graded" in said
    public = json.loads(grade(bin_dir, student, "ex4_5", "--json").stdout)
    tests = {t["extra_data"]["check"]: t for t in public["tests"]}
    code = {name: t for name, t in tests.items() if name in PUBLIC_CODE_CHECKS}
    assert all(t["extra_data"]["outcome"] == "passed" for t in code.values()), code
    full = sum(t["max_score"] for t in code.values())
    assert public["score"] == public["max_score"] == full  # nothing counted as lost
    quiz = sum(q.points for q in COURSE.find("ex4_5").questions())
    assert public["deferred_points"] == quiz
    hidden = public["hidden_not_run"]
    assert (
        f"Score: {full:g}/{full:g} on what runs here; {quiz:g} quiz points and {hidden} hidden "
        "checks are graded when you submit" in said
    )


def test_a_missing_quiz_answer_is_a_failure_here_already(installed):
    bin_dir, student = installed
    (student / "exercises" / "ex4_5.py").write_text(solution_text("ex4_5"), "utf-8")
    answers = (REPO / "solutions" / "ex4_5.toml").read_text("utf-8")
    answers = answers.replace('L_star = "2*N/(M0 + N + 1)"', 'L_star = ""')
    (student / "answers" / "ex4_5.toml").write_text(answers, "utf-8")
    run = grade(bin_dir, student, "ex4_5")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "key 'L_star' (line " in run.stdout and "not answered" in run.stdout
