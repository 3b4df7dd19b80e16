"""Notebooks run cell by cell in the sandbox, at both isolation levels: a failing cell (a
missing `d2l`, as D2L students write) costs that cell, not the notebook; what depends on it
fails with a pointer to it; a .py is imported whole and says which line stopped it."""

from __future__ import annotations

import ast
import shutil
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from support import COURSE, by_name, solution_text

from grader.api import Session
from grader.model import ExerciseResult, Status
from grader.sandbox import Limits

EX4_5 = COURSE.find("ex4_5")
CHECKS = [check.name for check in COURSE.checks(EX4_5, include_hidden=True)]
PARAM_COUNT = [name for name in CHECKS if name.startswith("param_count")]
BUILD_MLP = [name for name in CHECKS if name.startswith("build_mlp")]
LEVELS = ("namespaces", "process")


@pytest.fixture(scope="module", params=LEVELS)
def level_session(request) -> Iterator[Session]:
    """A session per isolation level (the namespaces level needs bubblewrap)."""
    if request.param == "namespaces" and shutil.which("bwrap") is None:
        pytest.skip("bubblewrap (bwrap) is not installed: the namespace level is not tested")
    isolation = "strict" if request.param == "namespaces" else "process"
    limits = Limits(call_timeout_s=5.0, import_timeout_s=8.0)  # a cell: 2 s at most
    with Session.start(device="cpu", limits=limits, isolation=isolation) as session:
        yield session


def solution_cells() -> list[str]:
    """The reference solution as a student splits it: the imports, then one cell per
    top-level definition (the `if __name__` try-out left out)."""
    source = solution_text("ex4_5")
    tree = ast.parse(source)
    imports = [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
    definitions = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
    return [
        "\n".join(ast.get_source_segment(source, n) for n in imports),
        *(ast.get_source_segment(source, n) for n in definitions),
    ]


def grade_notebook(session: Session, root: Path, cells: list[str]) -> ExerciseResult:
    """Grade a notebook whose cell 1 is markdown and cells 2... are ``cells``."""
    (root / "exercises").mkdir(parents=True)
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_markdown_cell("# ex4_5")]
        + [nbformat.v4.new_code_cell(text) for text in cells]
    )
    nbformat.write(notebook, root / "exercises" / "ex4_5.ipynb")
    return session.grade([EX4_5], root, include_hidden=True)[0]


def statuses(result: ExerciseResult, names: list[str]) -> dict[str, Status]:
    checks = by_name(result)
    return {name: checks[name].status for name in names}


def test_a_failing_import_d2l_cell_costs_nothing_but_one_clear_note(level_session, tmp_path):
    cells = ["from d2l import torch as d2l", *solution_cells()]
    result = grade_notebook(level_session, tmp_path / "nb", cells)
    assert statuses(result, CHECKS) == dict.fromkeys(CHECKS, Status.PASSED), [
        (r.name, r.message) for r in result.results if r.status is not Status.PASSED
    ]
    about_d2l = [note for note in result.errors if "d2l" in note]
    assert about_d2l == [
        "cell 2, line 1: ModuleNotFoundError: No module named 'd2l', so the rest of cell 2 did "
        "not run; the cells after it did. The module `d2l` is not available where grading runs "
        "(the grader installs nothing): remove the import and what uses it, or ask your "
        "instructor to provide it"
    ]


def test_what_a_failed_cell_would_have_defined_fails_with_a_pointer_to_it(level_session, tmp_path):
    prelude, validate, param_count, param_count_expr, build_mlp = solution_cells()
    helper = "import d2l\n\n\ndef hidden_width(N, L):\n    return N // L"
    uses_helper = build_mlp.replace("width = N // L", "width = hidden_width(N, L)")
    assert uses_helper != build_mlp
    cells = [prelude, helper, validate, param_count, param_count_expr, uses_helper]
    result = grade_notebook(level_session, tmp_path / "nb", cells)
    assert statuses(result, PARAM_COUNT) == dict.fromkeys(PARAM_COUNT, Status.PASSED)
    checks = by_name(result)
    needing_helper = [n for n in BUILD_MLP if checks[n].status is Status.FAILED]
    assert "build_mlp_small" in needing_helper
    for name in needing_helper:
        assert checks[name].message.endswith(
            "cell 3 failed: ModuleNotFoundError: No module named 'd2l'; `hidden_width` used in "
            "cell 7 is undefined"
        ), checks[name].message
        assert "NameError: name 'hidden_width' is not defined" in checks[name].message
    assert all(checks[n].status is not Status.ERRORED for n in BUILD_MLP)


def test_a_function_defined_in_a_failed_cell_is_missing_with_a_pointer(level_session, tmp_path):
    prelude, validate, param_count, *rest = solution_cells()
    cells = [prelude, validate, "import d2l\n\n" + param_count, *rest]
    result = grade_notebook(level_session, tmp_path / "nb", cells)
    message = by_name(result)["param_count_small"].message
    assert "your file defines no function named 'param_count'" in message
    assert message.endswith(
        "cell 4 failed: ModuleNotFoundError: No module named 'd2l'; `param_count`, which it "
        "defines, is undefined"
    )
    assert statuses(result, BUILD_MLP) == dict.fromkeys(BUILD_MLP, Status.PASSED)


def test_magics_shell_lines_and_pip_install_are_reported_and_not_run(level_session, tmp_path):
    prelude, *rest = solution_cells()
    first = "%pip install d2l\n!pip install d2l\n%matplotlib inline\n" + prelude
    result = grade_notebook(level_session, tmp_path / "nb", [first, *rest])
    assert statuses(result, CHECKS) == dict.fromkeys(CHECKS, Status.PASSED)
    assert result.notes[:3] == (
        "cell 2, line 1: `%pip install d2l` (IPython magic) was not run",
        "cell 2, line 2: `!pip install d2l` (shell command) was not run",
        "cell 2, line 3: `%matplotlib inline` (IPython magic) was not run",
    )


def test_a_cell_that_runs_too_long_is_stopped_and_the_rest_still_graded(level_session, tmp_path):
    prelude, *rest = solution_cells()
    cells = [prelude, "import time\ntime.sleep(60)", *rest]
    result = grade_notebook(level_session, tmp_path / "nb", cells)
    assert statuses(result, CHECKS) == dict.fromkeys(CHECKS, Status.PASSED)
    assert "cell 3, line 2: stopped after 2 s, the most one cell may run" in "\n".join(
        result.errors
    )


def grade_py(session: Session, root: Path, code: str) -> ExerciseResult:
    (root / "exercises").mkdir(parents=True)
    (root / "exercises" / "ex4_5.py").write_text(code, encoding="utf-8")
    return session.grade([EX4_5], root, include_hidden=True)[0]


def test_a_py_is_imported_whole_and_the_message_names_the_line_that_stopped_it(
    level_session, tmp_path
):
    result = grade_py(level_session, tmp_path / "py", "import d2l\n" + solution_text("ex4_5"))
    checks = by_name(result)
    assert all(checks[n].status in (Status.FAILED, Status.SKIPPED) for n in CHECKS)
    assert all(checks[n].points == 0 for n in CHECKS)
    assert checks["param_count_small"].message == (
        "exercises/ex4_5.py could not be imported: line 1 (`import d2l`) raised "
        "ModuleNotFoundError: No module named 'd2l'. A .py file is imported whole, as Python "
        "does, so none of its functions can be graded until this import works: the module "
        "`d2l` is not available where grading runs (the grader installs nothing): remove the "
        "import and what uses it, or ask your instructor to provide it"
    )


def test_a_py_whose_top_level_call_raises_names_that_line_and_the_frame(level_session, tmp_path):
    code = solution_text("ex4_5") + "\n\ndef try_it():\n    return 1 / 0\n\n\ntry_it()\n"
    line = code.count("\n")  # the last line
    result = grade_py(level_session, tmp_path / "py", code)
    message = by_name(result)["build_mlp_small"].message
    assert message.startswith(
        f"exercises/ex4_5.py could not be imported: line {line} (`try_it()`) raised "
        f"ZeroDivisionError: division by zero (exercises/ex4_5.py, line {line - 3}, in try_it: "
        "return 1 / 0). A .py file is imported whole"
    )
    assert "until its top level runs without error" in message
