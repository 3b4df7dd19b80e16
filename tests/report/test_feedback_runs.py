"""Feedback pages from real runs: a demo-class student graded into a gradebook and exported,
and a student's own ``grade ID --report`` (public checks only), with the plots the training
checks attach; a plain ``grade ID`` never imports matplotlib."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

from support import COURSE, REPO

from grader.batch.demo_class import MANIFEST, make_demo_class
from grader.batch.gradebook import Gradebook
from grader.batch.submissions import discover
from grader.report.feedback import HIDDEN_NOTE, write_feedback

CURVES_TITLE = "with your train_neuron, inputs in [4, 6] need clearly more steps than when centred"
HIDDEN_TITLE = "on hidden data (float32 tensors), loss curves match the reference"


def check_item(page: str, title: str) -> str:
    """The ``<li>`` of the check titled ``title`` in an HTML feedback page."""
    for item in re.findall(r'<li class="check .*?</li>', page, flags=re.DOTALL):
        if f'class="title">{title}' in item:
            return item
    raise AssertionError(f"no check titled {title!r}")


def graded_demo_student(session, tmp_path: Path):
    """A demo class for ex4_1; its first correct student graded (hidden checks too),
    recorded in a gradebook and read back: what ``grade export`` reads."""
    out = tmp_path / "class"
    make_demo_class(out, 4, seed=3, course=COURSE, exercise_ids=["ex4_1"])
    kinds = {s["student_id"]: s["kind"] for s in json.loads((out / MANIFEST).read_text())}
    student = next(s for s in discover(out, ["ex4_1"], tmp_path / "staging")
                   if kinds[s.student_id] == "correct")  # fmt: skip
    results = session.grade([COURSE.find("ex4_1")], student.workspace, include_hidden=True)
    with Gradebook(tmp_path / "class.db") as book:
        book.record(student.student_id, student.content_hash, "v", results)
        [graded] = book.latest_all()
    return graded


def test_a_demo_class_students_page_shows_their_curves_and_no_hidden_data(session, tmp_path):
    graded = graded_demo_student(session, tmp_path)
    hidden = [r for e in graded.exercises for r in e.results if r.visibility.value == "hidden"]
    hidden_figures = [f for r in hidden for f in r.figures]
    assert hidden_figures, "the hidden training check attaches its curves"
    [path] = write_feedback([graded], tmp_path / "pages", fmt="html")
    page = path.read_text(encoding="utf-8")

    curves = check_item(page, CURVES_TITLE)
    assert "<svg" in curves and "PASS" in curves
    for label in ("your run, inputs in [4, 6]", "your run, centred inputs", "reference"):
        assert label in curves

    assert HIDDEN_NOTE in check_item(page, HIDDEN_TITLE)  # title and points stay
    assert page.count("<svg") == 1  # the public check's figure only
    for figure in hidden_figures:
        assert figure.title not in page
    for result in hidden:
        assert not result.message or result.message not in page

    [disclosed] = write_feedback([graded], tmp_path / "all", fmt="html", disclose_hidden=True)
    text = disclosed.read_text(encoding="utf-8")
    assert all(figure.title in text for figure in hidden_figures)
    assert "<svg" in check_item(text, HIDDEN_TITLE)

    [md] = write_feedback([graded], tmp_path / "md", fmt="md")
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", md.read_text(encoding="utf-8"))
    assert len(links) == 1 and (md.parent / links[0]).read_text().startswith("<svg")


def grade_cli(*args: str, cwd: Path, importtime: bool = False) -> subprocess.CompletedProcess:
    flags = ["-X", "importtime"] if importtime else []
    return subprocess.run(
        [sys.executable, *flags, "-m", "grader.cli", "--course", str(REPO), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )


def solved_workspace(root: Path) -> Path:
    """A student's folder holding the reference solution of ex4_1 and its answers."""
    for folder in ("exercises", "answers"):
        (root / folder).mkdir()
    shutil.copy(REPO / "solutions" / "ex4_1.py", root / "exercises" / "ex4_1.py")
    shutil.copy(REPO / "solutions" / "ex4_1.toml", root / "answers" / "ex4_1.toml")
    return root


def test_grade_report_writes_the_students_own_page_with_their_plots(tmp_path):
    solved_workspace(tmp_path)
    done = grade_cli("ex4_1", "--report", "report.html", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "wrote your feedback page to report.html" in done.stderr
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "Feedback for your work" in page
    assert "<svg" in check_item(page, CURVES_TITLE)
    assert '<span class="tag">hidden check</span>' not in page  # not run on a student's machine
    assert re.search(r"\d+ hidden checks? (is|are) graded when you submit", page)


def test_a_plain_grade_never_imports_matplotlib(tmp_path):
    solved_workspace(tmp_path)
    done = grade_cli("ex4_1", cwd=tmp_path, importtime=True)
    assert done.returncode == 0, done.stderr
    imported = {
        line.rsplit("|", 1)[1].strip()
        for line in done.stderr.splitlines()
        if line.startswith("import time:")
    }
    assert {"grader.api", "grader.report.terminal"} <= imported  # the log is complete
    assert not [m for m in imported if m == "matplotlib" or m.startswith("matplotlib.")]
