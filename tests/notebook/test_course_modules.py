"""A course declares the extra modules students may import (course.toml `modules`): the list
is validated, the sandbox template imports them once (so every sandbox has them), a missing
one is reported to the instructor (a warning, `grade doctor`) and to students as the
instructor's problem, never as theirs."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner
from support import COURSE, fake_course, solution_text

from grader.api import Session
from grader.catalog import Course
from grader.cli import cli
from grader.errors import CourseError
from grader.model import Status
from grader.sandbox import Sandbox, SourceSpec

ABSENT = "grader_test_module_nobody_installs"
PRESENT = "nbformat"  # installed with the grader, imported by no sandbox on its own


def course_with_modules(root: Path, line: str) -> Course:
    """A copy of the example course whose course.toml declares ``line`` instead."""
    fake_course(root, solution_text("ex4_5"))
    toml = root / "course.toml"
    text = toml.read_text(encoding="utf-8")
    assert "\nmodules = []\n" in text
    toml.write_text(text.replace("\nmodules = []\n", f"\n{line}\n"), encoding="utf-8")
    return Course.at(root)


def test_modules_must_be_a_list_of_module_names(tmp_path):
    ok = course_with_modules(tmp_path / "ok", 'modules = ["d2l", "d2l.torch", "d2l"]')
    assert ok.modules == ("d2l", "d2l.torch")
    for i, bad in enumerate(['modules = "d2l"', 'modules = ["d2l torch"]', "modules = [3]"]):
        course = course_with_modules(tmp_path / f"bad{i}", bad)
        with pytest.raises(CourseError, match=r"course.toml: `modules` must list module names"):
            course.validate(())


def test_the_example_course_declares_none():
    assert COURSE.modules == ()


@pytest.fixture(scope="module")
def declaring(tmp_path_factory) -> Iterator[tuple[Course, Session]]:
    root = tmp_path_factory.mktemp("course")
    course = course_with_modules(root, f'modules = ["{PRESENT}", "{ABSENT}"]')
    with Session.start(device="cpu", course=course) as session:
        yield course, session
    COURSE.mount()  # the other tests grade with the example course


def preloaded(session: Session, tmp_path: Path, name: str) -> bool:
    """Whether a sandbox of ``session`` has ``name`` imported before student code asks."""
    source = tmp_path / "probe.py"
    source.write_text("import sys\n\ndef preloaded(name):\n    return name in sys.modules\n")
    box = Sandbox(session.zygote, SourceSpec(source, "probe", "probe.py"))
    try:
        return box.call("preloaded", (name,))
    finally:
        box.close()


def test_declared_modules_are_imported_once_by_the_template(declaring, session, tmp_path):
    assert preloaded(declaring[1], tmp_path, PRESENT) is True
    assert preloaded(session, tmp_path, PRESENT) is False  # the example course declares none


def test_a_declared_module_the_sandbox_lacks_is_reported_to_the_instructor(declaring, caplog):
    _course, session = declaring
    assert set(session.missing_modules()) == {ABSENT}
    assert session.missing_modules()[ABSENT].startswith("ModuleNotFoundError")
    session._modules_checked = False
    with caplog.at_level(logging.WARNING, logger="grader.api"):
        session._warn_missing_modules()
    (warning,) = caplog.messages
    assert f"declares the module '{ABSENT}' for student code" in warning
    assert "install it into the Python that runs grade" in warning


def test_students_hear_that_a_declared_module_is_the_instructors_problem(declaring, tmp_path):
    course, session = declaring
    workspace = tmp_path / "nb"
    (workspace / "exercises").mkdir(parents=True)
    cells = [f"import {ABSENT}", solution_text("ex4_5")]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    nbformat.write(notebook, workspace / "exercises" / "ex4_5.ipynb")
    (result,) = session.grade([course.find("ex4_5")], workspace, include_hidden=False)
    code_checks = [r for r in result.results if r.name.startswith(("param_count", "build_mlp"))]
    assert all(r.status is Status.PASSED for r in code_checks)
    (note,) = [e for e in result.errors if ABSENT in e]
    assert note.endswith(
        f"`{ABSENT}` is one of the modules your course provides, but it is not installed "
        "where grading runs: tell your instructor"
    )


def test_doctor_lists_each_declared_module(declaring):
    course, _session = declaring
    run = CliRunner().invoke(cli, ["--course", str(course.root), "doctor"])
    assert run.exit_code == 0, run.output
    assert f"modules        - {PRESENT}: imports in the sandbox" in run.output
    assert f"               - {ABSENT}: MISSING in the sandbox (ModuleNotFoundError" in run.output
