"""Which file is graded when a workspace holds a notebook, and which answers are read.

The handout may ship both exercises/<id>.py and exercises/<id>.ipynb: the one holding the
student's work must win; the notebook's answers cell wins over answers/<id>.toml when it
answers something (the TOML is then an untouched template)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from support import REPO, solution_text, stub_text

from grader.catalog import Course
from grader.notebook import prepare_workspace_source
from grader.notebook.workspace import has_work

EX4_5 = Course.at(REPO).find("ex4_5")
TEMPLATE = (REPO / "answers" / "ex4_5.toml").read_text(encoding="utf-8")
FILLED = 'L_star = "2*N/(M0 + N + 1)"\n'


def workspace(
    tmp_path: Path,
    *,
    py: str | None = None,
    notebook: str | bytes | None = None,
    answers_cell: str | None = None,
    toml: str | None = None,
) -> Path:
    root = tmp_path / "ws"
    (root / "exercises").mkdir(parents=True)
    (root / "answers").mkdir()
    if py is not None:
        (root / "exercises" / "ex4_5.py").write_text(py, "utf-8")
    if isinstance(notebook, bytes):
        (root / "exercises" / "ex4_5.ipynb").write_bytes(notebook)
    elif notebook is not None:
        cells = [nbformat.v4.new_markdown_cell("# ex4_5"), nbformat.v4.new_code_cell(notebook)]
        if answers_cell is not None:
            cell = nbformat.v4.new_raw_cell(answers_cell)
            cell.metadata["tags"] = ["answers"]
            cells.append(cell)
        text = nbformat.writes(nbformat.v4.new_notebook(cells=cells))
        (root / "exercises" / "ex4_5.ipynb").write_text(text, "utf-8")
    if toml is not None:
        (root / "answers" / "ex4_5.toml").write_text(toml, "utf-8")
    return root


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    path = tmp_path / "scratch"
    path.mkdir()
    return path


def test_no_notebook_means_the_usual_path(tmp_path, scratch):
    assert prepare_workspace_source(workspace(tmp_path, py="x = 1"), EX4_5, scratch) is None


def test_a_notebook_alone_is_graded_with_cell_origins(tmp_path, scratch):
    ws = workspace(
        tmp_path, notebook="%matplotlib inline\ndef param_count(M0, N, L):\n    return 1"
    )
    prepared = prepare_workspace_source(ws, EX4_5, scratch)
    assert prepared.display_name == "exercises/ex4_5.ipynb"
    assert prepared.source_path.parent == scratch
    assert "def param_count" in prepared.source_path.read_text("utf-8")
    assert prepared.line_origins == ("cell 2, line 1", "cell 2, line 2", "cell 2, line 3")
    assert prepared.notes == ("cell 2, line 1: `%matplotlib inline` (IPython magic) was not run",)
    spec = prepared.source_spec("ex4_5")
    assert spec.origin(3) == "cell 2, line 3" and spec.display_name == "exercises/ex4_5.ipynb"
    assert prepared.answers_path == ws / "answers" / "ex4_5.toml"


def test_worked_notebook_beats_the_untouched_stub(tmp_path, scratch):
    ws = workspace(tmp_path, py=stub_text("ex4_5"), notebook=solution_text("ex4_5"))
    prepared = prepare_workspace_source(ws, EX4_5, scratch)
    assert prepared.display_name == "exercises/ex4_5.ipynb"


def test_worked_py_beats_the_untouched_notebook(tmp_path, scratch):
    ws = workspace(tmp_path, py=solution_text("ex4_5"), notebook=stub_text("ex4_5"))
    prepared = prepare_workspace_source(ws, EX4_5, scratch)
    assert prepared.source_path == ws / "exercises" / "ex4_5.py"
    assert prepared.display_name == "exercises/ex4_5.py"
    assert prepared.line_origins is None and prepared.notes == ()


def test_when_both_hold_work_the_py_is_graded_and_the_student_is_told(tmp_path, scratch):
    ws = workspace(tmp_path, py=solution_text("ex4_5"), notebook=solution_text("ex4_5"))
    prepared = prepare_workspace_source(ws, EX4_5, scratch)
    assert prepared.display_name == "exercises/ex4_5.py"
    assert prepared.notes == (
        "exercises/ex4_5.ipynb was not graded: exercises/ex4_5.py holds your work and is graded",
    )


def test_a_malformed_notebook_beside_a_py_is_a_note(tmp_path, scratch):
    ws = workspace(tmp_path, py=stub_text("ex4_5"), notebook=b"{not json")
    prepared = prepare_workspace_source(ws, EX4_5, scratch)
    assert prepared.display_name == "exercises/ex4_5.py"
    (note,) = prepared.notes
    assert note.startswith("exercises/ex4_5.ipynb: not a notebook: the file is not valid JSON")
    assert note.endswith("(exercises/ex4_5.py is graded instead)")


def test_a_malformed_notebook_alone_is_the_problem_of_every_check(tmp_path, scratch):
    ws = workspace(tmp_path, notebook=b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {}}')
    prepared = prepare_workspace_source(ws, EX4_5, scratch)
    assert prepared.source_path is None and prepared.source_spec("ex4_5") is None
    assert "the notebook has no list of cells" in prepared.problem
    assert prepared.notes == (prepared.problem,)


def test_the_answers_cell_wins_over_the_toml_and_says_so(tmp_path, scratch):
    ws = workspace(tmp_path, notebook="x = 1", answers_cell=FILLED, toml=TEMPLATE)
    prepared = prepare_workspace_source(ws, EX4_5, scratch)
    assert prepared.answers_path.read_text("utf-8") == FILLED
    # the quiz names the file by its folder and name: "exercises/ex4_5.ipynb (answers cell 3)"
    path = prepared.answers_path
    assert f"{path.parent.name}/{path.name}" == "exercises/ex4_5.ipynb (answers cell 3)"
    assert prepared.notes == (
        "quiz answers are read from the answers cell 3 of exercises/ex4_5.ipynb; "
        "answers/ex4_5.toml is not read (the notebook's answers cell wins when both exist)",
    )


def test_an_untouched_answers_cell_leaves_the_toml_in_charge(tmp_path, scratch):
    ws = workspace(tmp_path, notebook="x = 1", answers_cell=TEMPLATE, toml=FILLED)
    prepared = prepare_workspace_source(ws, EX4_5, scratch)
    assert prepared.answers_path == ws / "answers" / "ex4_5.toml"
    assert prepared.notes[-1] == (
        "the answers cell of exercises/ex4_5.ipynb is empty: answers/ex4_5.toml is read"
    )


def test_a_py_user_never_hears_about_the_untouched_notebook(tmp_path, scratch):
    ws = workspace(
        tmp_path, py=solution_text("ex4_5"), notebook=stub_text("ex4_5"), answers_cell=TEMPLATE
    )
    prepared = prepare_workspace_source(ws, EX4_5, scratch)
    assert prepared.display_name == "exercises/ex4_5.py"
    assert prepared.answers_path == ws / "answers" / "ex4_5.toml"  # even before it exists
    assert prepared.notes == ()


def test_answers_cell_is_used_even_when_the_py_is_graded(tmp_path, scratch):
    ws = workspace(tmp_path, py=solution_text("ex4_5"), notebook="x = 1", answers_cell=FILLED)
    prepared = prepare_workspace_source(ws, EX4_5, scratch)
    assert prepared.display_name == "exercises/ex4_5.py"
    assert prepared.answers_path.read_text("utf-8") == FILLED


def test_has_work_tells_a_stub_from_an_attempt():
    assert not has_work(stub_text("ex4_5"))
    assert has_work(solution_text("ex4_5"))
    assert not has_work("def f():\n    '''doc'''\n    ...\n\ndef g():\n    pass\n")
    assert has_work("def f(:\n")  # a file that does not parse was edited


def test_every_course_stub_counts_as_untouched_and_every_solution_as_work():
    from support import REPO

    from grader.notebook.workspace import has_work

    for stub in sorted((REPO / "exercises").glob("*.py")):
        assert not has_work(stub.read_text(encoding="utf-8")), stub.name
    for solution in sorted((REPO / "solutions").glob("*.py")):
        assert has_work(solution.read_text(encoding="utf-8")), solution.name
