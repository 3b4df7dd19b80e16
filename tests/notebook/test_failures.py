"""What failed cells and failed imports tell a student, without a sandbox: the names each cell
binds, the pointer from an undefined name to the cell that failed, one note per failed
cell, the advice for a missing module, and the message of a .py that could not be imported.
Also the sandbox's cell runner itself (run in this process on harmless test code)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest

from grader.loading import import_failure_message, missing_module_advice
from grader.notebook.extract import extract_notebook
from grader.notebook.failures import CellFailures
from grader.notebook.names import bound_names
from grader.outcomes import Frame, StudentImportFailed, StudentRaised
from grader.sandbox import child

NB = "exercises/ex4_5.ipynb"


def test_bound_names_are_what_a_cell_defines_at_its_top_level():
    code = (
        "import d2l\nfrom torch import nn as tnn\nimport os.path\n"
        "def f(x):\n    inner = 1\nclass C: pass\na, (b, c) = 1, (2, 3)\nz[0] = 1\n"
        "w: int = 3\nfor i in range(3): pass\nwith open(p) as fh: pass\n"
        "try:\n    import numpy as np\nexcept ImportError:\n    np = None\n"
    )
    assert bound_names(code) == {"d2l", "tnn", "os", "f", "C", "a", "b", "c", "w", "i", "fh", "np"}


def test_bound_names_of_a_cell_that_does_not_parse_come_from_its_lines():
    code = "import d2l\ndef build(:\n    pass\nx = 3\nfrom a import (b as c, d)\nclass K(object):\n"
    assert bound_names(code) == {"d2l", "build", "x", "c", "d", "K"}


class Reporter:
    """Stands in for a Sandbox: what its last load reported."""

    def __init__(self, failed):
        self.failed_cells = failed


def extracted(tmp_path: Path, *cells: str):
    notebook = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {},
        "cells": [{"cell_type": "code", "metadata": {}, "source": c} for c in cells],
    }
    path = tmp_path / "exercises" / "ex4_5.ipynb"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(notebook), "utf-8")
    return extract_notebook(path)


def raised(exc_type: str, message: str, *frames: tuple[str, int, str, str]) -> StudentRaised:
    return StudentRaised(
        "",
        exc_type,
        message,
        tuple(Frame(NB, 0, fn, text, origin) for origin, _, fn, text in frames),
    )


D2L = raised(
    "ModuleNotFoundError", "No module named 'd2l'", ("cell 1, line 1", 1, "<module>", "import d2l")
)


def failures(tmp_path: Path, failed, modules=()) -> CellFailures:
    notebook = extracted(tmp_path, "import d2l\nWIDTH = 3", "def f():\n    return d2l.x + WIDTH")
    cells = CellFailures(notebook, modules)
    cells.watch(Reporter(failed))
    return cells


def test_an_undefined_name_points_to_the_failed_cell_that_defines_it(tmp_path):
    cells = failures(tmp_path, ((1, D2L),))
    use = raised("NameError", "name 'WIDTH' is not defined", ("cell 2, line 2", 4, "f", "..."))
    assert cells.explain(use) == (
        "cell 1 failed: ModuleNotFoundError: No module named 'd2l'; `WIDTH` used in cell 2 is "
        "undefined"
    )
    by_the_grader = raised("AttributeError", "your file defines no function named 'WIDTH'")
    assert cells.explain(by_the_grader).endswith("`WIDTH`, which it defines, is undefined")


def test_no_pointer_for_names_no_failed_cell_defines_or_without_failures(tmp_path):
    use = raised("NameError", "name 'other' is not defined", ("cell 2, line 2", 4, "f", "..."))
    assert failures(tmp_path, ((1, D2L),)).explain(use) is None
    plain = raised("NameError", "name 'WIDTH' is not defined", ("cell 2, line 2", 4, "f", "..."))
    assert failures(tmp_path, ()).explain(plain) is None
    value_error = raised("ValueError", "name 'WIDTH' is not defined")
    assert failures(tmp_path, ((1, D2L),)).explain(value_error) is None


def test_one_note_per_failed_cell_with_its_line_exception_and_advice(tmp_path):
    later = raised(
        "NameError",
        "name 'd2l' is not defined",
        ("cell 2, line 1", 3, "<module>", "f()"),
        ("cell 2, line 2", 4, "f", "return d2l.x + WIDTH"),
    )
    cells = failures(tmp_path, ((1, D2L), (2, later), (1, D2L)), modules=("torchvision",))
    first, second = cells.notes()
    assert first == (
        "cell 1, line 1: ModuleNotFoundError: No module named 'd2l', so the rest of cell 1 did "
        "not run; the cells after it did. The module `d2l` is not available where grading runs "
        "(the grader installs nothing): remove the import and what uses it, or ask your "
        "instructor to provide it"
    )
    assert second.startswith("cell 2, line 1: NameError: name 'd2l' is not defined ")
    assert second.endswith(
        "Cell 1 failed: ModuleNotFoundError: No module named 'd2l'; `d2l` used in cell 2 is "
        "undefined"
    )


def test_notes_for_syntax_errors_and_time_limits(tmp_path):
    syntax = raised(
        "SyntaxError", "'[' was never closed", ("cell 2, line 1", 3, "<module>", "x = [")
    )
    slow = raised("CellTimeout", "stopped after 5 s, the most one cell may run")
    skipped = raised("CellTimeout", "not run: the cells above it used all the time")
    cells = failures(tmp_path, ((2, syntax), (1, slow), (3, skipped)))
    assert cells.notes() == (
        "cell 1: stopped after 5 s, the most one cell may run; the cells after it still ran. "
        'Long runs (training, plots) belong under `if __name__ == "__main__":` or in a cell '
        "whose first line is `# grader: skip`",
        "cell 2, line 1: SyntaxError: '[' was never closed: `x = [`. This cell was not run, so "
        "what it defines is missing: fix it, run it in Jupyter, save, and grade again",
        "cell 3: not run: the cells above it used all the time",
    )


def test_notes_never_carry_lone_surrogates(tmp_path):
    odd = raised("ValueError", "bad \udcff", ("cell 1, line 1", 1, "<module>", "raise"))
    (note,) = failures(tmp_path, ((1, odd),)).notes()
    assert "\udcff" not in note and "bad \\udcff" in note


def test_missing_module_advice_tells_a_declared_module_from_an_unknown_one():
    declared = missing_module_advice("ModuleNotFoundError", "No module named 'd2l.torch'", ["d2l"])
    assert declared == (
        "`d2l` is one of the modules your course provides, but it is not installed where "
        "grading runs: tell your instructor"
    )
    unknown = missing_module_advice("ModuleNotFoundError", "No module named 'd2l'", ())
    assert "remove the import and what uses it, or ask your instructor to provide it" in unknown
    assert missing_module_advice("ImportError", "No module named 'd2l'", ()) is None


def test_a_py_that_cannot_be_imported_names_the_line_and_what_it_prevents():
    top = ("line 1", 1, "<module>", "import d2l")
    failed = StudentImportFailed(
        "importing ...", raised("ModuleNotFoundError", "No module named 'd2l'", top)
    )
    assert import_failure_message(failed, "exercises/ex4_5.py", ()) == (
        "exercises/ex4_5.py could not be imported: line 1 (`import d2l`) raised "
        "ModuleNotFoundError: No module named 'd2l'. A .py file is imported whole, as Python "
        "does, so none of its functions can be graded until this import works: the module "
        "`d2l` is not available where grading runs (the grader installs nothing): remove the "
        "import and what uses it, or ask your instructor to provide it"
    )
    deep = raised(
        "ZeroDivisionError",
        "division by zero",
        ("line 9", 9, "<module>", "f()"),
        ("line 5", 5, "f", "return 1 / 0"),
    )
    message = import_failure_message(StudentImportFailed("x", deep), "exercises/ex4_5.py", ())
    assert message.startswith(
        "exercises/ex4_5.py could not be imported: line 9 (`f()`) raised ZeroDivisionError: "
        "division by zero (exercises/ex4_5.ipynb, line 5, in f: return 1 / 0). A .py file is "
        "imported whole"
    )
    assert message.endswith('try-out code belongs under `if __name__ == "__main__":`)')
    timed_out = StudentImportFailed("importing exercises/ex4_5.py did not finish within 20 s")
    assert import_failure_message(timed_out, "exercises/ex4_5.py", ()) == str(timed_out)


# ------------------------------------------------------------------ the sandbox's cell runner


@pytest.fixture
def student(tmp_path):
    """Run cells as the sandbox does, on test code, in a throwaway module."""

    def run(cells: list[str], budget: float | None = None):
        source = "".join(c if c.endswith("\n") else c + "\n" for c in cells)
        spans, line = [], 1
        for number, cell in enumerate(cells, 1):
            count = len(cell.rstrip("\n").split("\n"))
            spans.append((number, line, line + count - 1))
            line += count
        spec = {"module_name": "nb_test_module", "display_name": NB}
        module, error, failed = child._load_student(
            spec, source.encode(), str(tmp_path), spans, budget
        )
        assert error is None
        return module, {f["cell"]: f["error"] for f in failed}

    yield run
    sys.modules.pop("nb_test_module", None)


def test_cells_run_in_turn_and_a_failing_cell_costs_only_itself(student):
    module, failed = student(
        ["a = 1", "b = 2\nraise KeyError('x')\nc = 3", "import sys\nsys.exit(4)", "d = a + b"]
    )
    assert (module.a, module.b, module.d) == (1, 2, 3) and not hasattr(module, "c")
    assert failed[2]["type"] == "KeyError"
    assert failed[2]["frames"][-1]["line"] == 3  # the line in the whole source
    assert failed[3]["type"] == "SystemExit"
    assert set(failed) == {2, 3}


def test_a_syntax_error_is_reported_at_its_line_in_the_whole_source(student):
    module, failed = student(["a = 1", "x = [\n", "b = 2"])
    assert failed[2]["type"] == "SyntaxError"
    assert failed[2]["frames"][-1]["line"] == 2
    assert module.b == 2


def test_a_cell_past_its_time_is_stopped_and_the_next_still_runs(student):
    started = time.monotonic()
    module, failed = student(["while True:\n    pass", "after = 1"], budget=2.0)
    assert failed[1]["type"] == "CellTimeout"
    assert failed[1]["message"] == "stopped after 1 s, the most one cell may run"
    assert module.after == 1
    assert time.monotonic() - started < 1.9


def test_cells_after_the_notebook_budget_is_spent_are_not_run(student):
    cells = ["import time\ntime.sleep(0.3)"] * 4 + ["late = 1"]
    module, failed = student(cells, budget=1.0)  # 0.8 s for all cells, 1 s for one
    assert sorted(failed) == [3, 4, 5]
    assert failed[3]["type"] == "CellTimeout" and failed[3]["message"].startswith("stopped")
    for number in (4, 5):
        assert failed[number]["message"] == (
            "not run: the cells above it used all the time for this notebook"
        )
    assert not hasattr(module, "late")
