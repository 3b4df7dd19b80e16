"""Issue 13's notebooks, through `grade ID --submission` and `grade batch`: JSON or metadata
nested hundreds to thousands of levels deep, millions of JSON items, a code literal of
megabytes, a lone surrogate in a note. Each is that submission's problem, stated in its
result; the command exits 1 (checks failed), never 3; the batch records every other
student's right score. The judge's cost of reading a notebook is bounded and measured."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from support import REPO, solution_text

from grader.batch.gradebook import Gradebook

SOLUTION = solution_text("ex4_5")


def notebook(cells: list[str], metadata: str = "{}", extra: str = "") -> bytes:
    """A format 4 notebook (raw JSON text, so that any nesting can be written)."""
    cell_json = ", ".join(
        json.dumps({"cell_type": "code", "metadata": {}, "source": c, "outputs": []}) for c in cells
    )
    head = f'"nbformat": 4, "nbformat_minor": 5, "metadata": {metadata}'
    return f'{{{head}, "cells": [{cell_json}]{extra}}}'.encode()


def nested_objects(depth: int) -> str:
    return '{"a": ' * depth + "{}" + "}" * depth


HOSTILE = {
    "json_nested_5000_deep": (
        notebook([SOLUTION], extra=', "junk": ' + "[" * 5000 + "]" * 5000),
        "the JSON is nested more than 100 levels deep",
    ),
    "metadata_nested_700_deep": (
        notebook([SOLUTION], metadata=nested_objects(700)),
        "the JSON is nested more than 100 levels deep",
    ),
    "metadata_nested_5000_deep": (
        notebook([SOLUTION], metadata=nested_objects(5000)),
        "the JSON is nested more than 100 levels deep",
    ),
    "a_million_json_items": (
        notebook([SOLUTION, "x = [" + "1," * 1_100_000 + "]"]),
        "more than 1,000,000 JSON items",
    ),
    "megabyte_code_literal": (
        notebook([SOLUTION, 'DATA = "' + "0" * 1_200_000 + '"']),
        "the code cells hold more than the 1,000,000 characters the grader reads",
    ),
}
SURROGATE_NOTE = "cell 1, line 1: `%time f('\ufffd')` (IPython magic) was not run"
WITH_SURROGATE = notebook(["%time f('\udcff')\n" + SOLUTION])


def run_grade(*args: str, cwd: Path = REPO, timeout: float = 300) -> subprocess.CompletedProcess:
    """``grade ARGS`` with a strict UTF-8 stdout (bytes that are not UTF-8 would fail)."""
    env = {**os.environ, "PYTHONIOENCODING": "utf-8:strict"}
    return subprocess.run(
        [sys.executable, "-m", "grader", *args],
        capture_output=True,
        cwd=cwd,
        env=env,
        timeout=timeout,
    )


def submission(root: Path, data: bytes) -> Path:
    (root / "exercises").mkdir(parents=True)
    (root / "exercises" / "ex4_5.ipynb").write_bytes(data)
    return root


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_grade_submission_reports_the_notebook_problem_and_exits_1(tmp_path, case):
    data, expected = HOSTILE[case]
    done = run_grade("ex4_5", "--submission", str(submission(tmp_path / case, data)), "--json")
    assert done.returncode == 1, done.stderr.decode(errors="replace")
    result = json.loads(done.stdout.decode("utf-8"))
    assert result["score"] == 0
    assert any(expected in error for error in result["errors"]), result["errors"]


def test_grade_submission_prints_a_lone_surrogate_note_as_valid_utf8(tmp_path):
    done = run_grade("ex4_5", "--submission", str(submission(tmp_path / "s", WITH_SURROGATE)))
    assert done.returncode == 1, done.stderr.decode(errors="replace")
    json_run = run_grade("ex4_5", "--submission", str(tmp_path / "s"), "--json")
    result = json.loads(json_run.stdout.decode("utf-8"))  # strict: raises on bad bytes
    assert SURROGATE_NOTE in result["notes"]  # a magic not run costs nothing: a note
    code = [c for c in result["checks"] if c["name"].startswith(("param_count", "build_mlp"))]
    assert code and all(c["status"] == "passed" for c in code)


def test_batch_records_every_hostile_notebook_and_every_other_students_score(
    tmp_path, grade_source
):
    wrong = SOLUTION.replace("last = width + 1", "last = width")
    assert wrong != SOLUTION
    good = {"ann": SOLUTION, "bob": wrong}
    subs = tmp_path / "subs"
    for student, code in good.items():
        (subs / student / "exercises").mkdir(parents=True)
        (subs / student / "exercises" / "ex4_5.py").write_text(code, encoding="utf-8")
    for case, (data, _) in HOSTILE.items():
        submission(subs / case, data)
    submission(subs / "surrogate", WITH_SURROGATE)
    db = tmp_path / "grades.db"
    done = run_grade("batch", str(subs), "--db", str(db), "-j", "1", "--exercise", "ex4_5")
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    with Gradebook(db) as book:
        rows = {g.student_id: g for g in book.latest_all()}
    assert set(rows) == {*good, *HOSTILE, "surrogate"}
    for student, code in good.items():
        assert rows[student].score == grade_source("ex4_5", code).score, student
    for case, (_, expected) in HOSTILE.items():
        said = [
            *rows[case].problems,
            *(e for r in rows[case].exercises for e in r.errors + r.notes),
        ]
        assert rows[case].score == 0 and any(expected in text for text in said), (case, said)
    (surrogate,) = rows["surrogate"].exercises
    assert SURROGATE_NOTE in surrogate.notes


MEASURE = """
import json, sys
from pathlib import Path
from grader.batch import validate
from grader.catalog import Course
from grader.notebook.workspace import prepare_workspace_source

def status_kib(field):
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(field + ":"))

root, data_file = Path(sys.argv[1]), Path(sys.argv[2])
exercise = Course.at(Path(sys.argv[3])).find("ex4_5")
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")  # the peak (VmHWM) starts again from the current size
before = status_kib("VmRSS")
with data_file.open("rb") as f:
    data = f.read(5 * 2**20)  # the batch loader reads at most this much of a file
validate.check_file("exercises/ex4_5.ipynb", data)
del data
prepared = prepare_workspace_source(root, exercise, root / "scratch")
grown = status_kib("VmHWM") - before
print(json.dumps({"grown_mib": grown / 1024, "notes": prepared.notes}))
"""
#: The judge's documented bound on reading one notebook (grader/notebook/reading.py).
READING_BOUND_MIB = 128


def many_items(count: int) -> bytes:
    stream = {"output_type": "stream", "name": "stdout", "text": ["ab"] * count}
    cell = {"cell_type": "code", "metadata": {}, "source": "x = 1", "outputs": [stream]}
    return json.dumps(
        {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [cell]}
    ).encode()


@pytest.mark.parametrize(
    "case",
    ["code_literal_19_mb", "code_literal_50_mb", "a_million_items", "json_nested_deep"],
)
def test_reading_a_notebook_costs_the_judge_a_bounded_amount_of_memory(tmp_path, case):
    data = {
        "code_literal_19_mb": lambda: notebook(['x = "' + "a" * 19_000_000 + '"']),
        "code_literal_50_mb": lambda: notebook(['x = "' + "a" * 50_000_000 + '"']),
        "a_million_items": lambda: many_items(990_000),
        "json_nested_deep": lambda: notebook(
            ["x = 1"], extra=', "j": ' + "[" * 400_000 + "]" * 400_000
        ),
    }[case]()
    root = submission(tmp_path / "ws", data)
    (root / "scratch").mkdir()
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            MEASURE,
            str(root),
            str(root / "exercises" / "ex4_5.ipynb"),
            str(REPO),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    measured = json.loads(done.stdout)
    assert measured["grown_mib"] < READING_BOUND_MIB, measured
