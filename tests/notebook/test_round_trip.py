"""`grade notebook ex4_5`, fill its cells with the reference solution and answers the way a
student would, grade the workspace (the runner reads exercises/ex4_5.ipynb): full marks,
the same result as the .py. A notebook with magics, shell lines and a broken cell gets the
messages a student needs, and a traceback from notebook code points at the cell and line."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import nbformat
from click.testing import CliRunner
from support import COURSE, REPO, by_name, solution_text

from grader.cli import cli
from grader.model import ExerciseResult, Status


def new_notebook_workspace(tmp_path: Path) -> Path:
    """A handout-like workspace whose notebook comes from `grade notebook ex4_5`."""
    workspace = tmp_path / "student"
    (workspace / "answers").mkdir(parents=True)
    target = workspace / "exercises" / "ex4_5.ipynb"
    result = CliRunner().invoke(cli, ["notebook", "ex4_5", "--out", str(target)])
    assert result.exit_code == 0, result.output
    return workspace


def fill_with_solution(notebook_path: Path, exercise_id: str) -> None:
    """Put the reference solution into the stub's cells and its answers into the answers cell."""
    notebook = nbformat.read(notebook_path, as_version=4)
    source = solution_text(exercise_id)
    definitions, prelude = _solution_parts(source)
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    for cell in code_cells:
        name = _defined_name(cell.source)
        if name in definitions:
            cell.source = definitions.pop(name)
    code_cells[0].source = "\n\n".join([prelude, *definitions.values()])  # imports and helpers
    answers = next(c for c in notebook.cells if "answers" in c.metadata.get("tags", []))
    answers.source = (REPO / "solutions" / f"{exercise_id}.toml").read_text("utf-8")
    nbformat.write(notebook, notebook_path)


def _solution_parts(source: str) -> tuple[dict[str, str], str]:
    tree = ast.parse(source)
    definitions, prelude = {}, []
    for node in tree.body[1:]:  # after the module docstring
        segment = ast.get_source_segment(source, node, padded=True) or ""
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            decorators = "".join(f"@{ast.unparse(d)}\n" for d in node.decorator_list)
            definitions[node.name] = decorators + segment
        elif not (isinstance(node, ast.If) and "__main__" in ast.unparse(node.test)):
            prelude.append(segment)
    return definitions, "\n".join(prelude)


def _defined_name(cell: str) -> str | None:
    try:
        body = ast.parse(cell).body
    except SyntaxError:
        return None
    names = [n.name for n in body if isinstance(n, ast.FunctionDef | ast.ClassDef)]
    return names[0] if names else None


def grade_workspace(session, workspace: Path, hidden: bool = True) -> ExerciseResult:
    return session.grade([COURSE.find("ex4_5")], workspace, include_hidden=hidden)[0]


def outcome(result: ExerciseResult) -> dict[str, tuple[Status, float]]:
    return {r.name: (r.status, r.points) for r in result.results}


def filled_workspace(tmp_path: Path) -> Path:
    workspace = new_notebook_workspace(tmp_path)
    fill_with_solution(workspace / "exercises" / "ex4_5.ipynb", "ex4_5")
    return workspace


def test_filled_notebook_scores_full_marks(session, tmp_path):
    result = grade_workspace(session, filled_workspace(tmp_path))
    assert result.score == result.max_score, [
        (r.name, r.status, r.message) for r in result.results if r.status is not Status.PASSED
    ]
    assert result.errors == result.notes == ()  # no magic, broken cell, competing answers


def test_filled_notebook_grades_like_the_solution_file(session, grade_source, tmp_path):
    result = grade_workspace(session, filled_workspace(tmp_path))
    answers = (REPO / "solutions" / "ex4_5.toml").read_text("utf-8")
    expected = grade_source("ex4_5", solution_text("ex4_5"), answers=answers)
    assert outcome(result) == outcome(expected)


def test_grade_cli_grades_the_notebook_beside_the_untouched_stub(tmp_path):
    workspace = filled_workspace(tmp_path)
    shutil.copy(REPO / "exercises" / "ex4_5.py", workspace / "exercises")  # as in the handout
    shutil.copy(REPO / "answers" / "ex4_5.toml", workspace / "answers")  # the untouched template
    run = CliRunner().invoke(cli, ["ex4_5", "--submission", str(workspace), "--public-only"])
    assert run.exit_code == 0, run.output
    assert "quiz answers are read from the answers cell 9 of exercises/ex4_5.ipynb" in run.output


MESSY_CELLS = [
    "%matplotlib inline\n!pip install torch\nimport numbers",
    # a correct param_count, with a line magic inside
    "def param_count(M0, N, L):\n"
    "    %time 1 + 1\n"
    "    for v in (M0, N, L):\n"
    "        if isinstance(v, bool) or not isinstance(v, numbers.Integral):\n"
    "            raise TypeError('not an integer')\n"
    "        if v <= 0:\n"
    "            raise ValueError('must be positive')\n"
    "    if N % L:\n"
    "        raise ValueError(f'L={L} does not divide N={N}')\n"
    "    n = N // L\n"
    "    return int((M0 + 1) * n + (L - 1) * (n * n + n) + n + 1)",
    # the student's build_mlp cell does not parse
    "def build_mlp(M0, N, L):\n    layers = [nn.Linear(M0, N // L)\n    return layers",
]


def messy_workspace(tmp_path: Path, cells: list[str]) -> Path:
    workspace = tmp_path / "messy"
    (workspace / "exercises").mkdir(parents=True)
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_markdown_cell("# ex4_5")]
        + [nbformat.v4.new_code_cell(text) for text in cells]
    )
    nbformat.write(notebook, workspace / "exercises" / "ex4_5.ipynb")
    return workspace


def test_magics_shell_lines_and_a_broken_cell_get_the_messages_a_student_needs(session, tmp_path):
    result = grade_workspace(session, messy_workspace(tmp_path, MESSY_CELLS))
    assert result.notes[:3] == (
        "cell 2, line 1: `%matplotlib inline` (IPython magic) was not run",
        "cell 2, line 2: `!pip install torch` (shell command) was not run",
        "cell 3, line 2: `%time 1 + 1` (IPython magic) was not run",
    )
    # a failed cell costs points: an error, not a note
    assert result.errors[0].startswith("cell 4, line 2: SyntaxError: '[' was never closed")
    assert "This cell was not run, so what it defines is missing" in result.errors[0]
    checks = by_name(result)
    # the cells that are fine still count: param_count is graded and right
    assert checks["param_count_small"].status is Status.PASSED
    assert checks["param_count_large"].status is Status.PASSED
    # the broken cell's function is missing, and the check says so
    assert checks["build_mlp_small"].status is Status.FAILED
    assert "has no attribute 'build_mlp'" in checks["build_mlp_small"].message
    rejects = checks["build_mlp_rejects_bad_arguments"]
    assert "your file defines no function named 'build_mlp'" in rejects.message
    assert not [r for r in result.results if r.status is Status.ERRORED]


def test_a_traceback_from_notebook_code_points_at_the_cell_and_line(session, tmp_path):
    cells = ["%who", "def param_count(M0, N, L):\n    width = N // L\n    return M0 / 0"]
    result = grade_workspace(session, messy_workspace(tmp_path, cells), hidden=False)
    assert "cell 2, line 1: `%who` (IPython magic) was not run" in result.notes
    message = by_name(result)["param_count_small"].message
    assert "raised ZeroDivisionError: division by zero" in message
    assert "(exercises/ex4_5.ipynb, cell 3, line 3, in param_count: return M0 / 0)" in message
