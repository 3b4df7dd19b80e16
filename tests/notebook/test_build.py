"""Building an exercise's notebook: statement in both languages, the stub as code cells, the
quiz with its answers cell; valid nbformat, deterministic, and it extracts back to the stub."""

from __future__ import annotations

import ast

import nbformat
import pytest
from click.testing import CliRunner
from support import COURSE, REPO, stub_text

from grader.cli import cli
from grader.notebook import build_notebook, extract_notebook, write_notebook
from grader.notebook.build import split_stub
from grader.release.build import complete_exercises


@pytest.fixture(scope="module")
def ex4_5():
    return COURSE.find("ex4_5")


@pytest.fixture(scope="module")
def template() -> str:
    return (REPO / "answers" / "ex4_5.toml").read_text(encoding="utf-8")


def test_notebook_has_statement_code_quiz_and_answers_cell(ex4_5, template):
    notebook = build_notebook(ex4_5, stub_text("ex4_5"), template)
    nbformat.validate(notebook)
    kinds = [cell.cell_type for cell in notebook.cells]
    assert kinds == ["markdown", "markdown", *["code"] * 5, "markdown", "raw"]
    statement = notebook.cells[0].source
    assert "习题4-5" in statement and "Exercise 4-5." in statement  # zh and en
    assert "grade ex4_5" in notebook.cells[1].source
    quiz = notebook.cells[-2].source
    for question in ex4_5.questions():
        assert f"**{question.key}**" in quiz
        assert question.prompt_zh.split("\n")[0][:10] in quiz
    answers = notebook.cells[-1]
    assert answers.metadata["tags"] == ["answers"]
    assert answers.source == template.rstrip("\n")


def test_code_cells_hold_the_stub_one_definition_each(ex4_5, template):
    notebook = build_notebook(ex4_5, stub_text("ex4_5"), template)
    cells = [cell.source for cell in notebook.cells if cell.cell_type == "code"]
    assert cells[0] == "import sympy\nimport torch\nfrom torch import nn"
    for cell, name in zip(cells[1:4], ex4_5.functions, strict=True):
        assert cell.startswith(f"def {name}(")
        assert cell.rstrip().endswith("raise NotImplementedError")
    assert cells[4].startswith('if __name__ == "__main__":')


def test_the_built_notebook_extracts_back_to_the_stub(tmp_path, ex4_5, template):
    path = tmp_path / "ex4_5.ipynb"
    write_notebook(build_notebook(ex4_5, stub_text("ex4_5"), template), path)
    extracted = extract_notebook(path)
    assert extracted.ignored == ()
    assert extracted.answers_toml == template.rstrip("\n")
    stub_tree = ast.parse(stub_text("ex4_5"))
    stub_tree.body = stub_tree.body[1:]  # the module docstring is not a cell
    assert ast.dump(ast.parse(extracted.source)) == ast.dump(stub_tree)


def test_building_twice_gives_the_same_file(ex4_5, template):
    first = nbformat.writes(build_notebook(ex4_5, stub_text("ex4_5"), template))
    assert first == nbformat.writes(build_notebook(ex4_5, stub_text("ex4_5"), template))


def test_no_quiz_cells_without_an_answers_template(ex4_5):
    notebook = build_notebook(ex4_5, stub_text("ex4_5"), None)
    assert [c.cell_type for c in notebook.cells][-1] == "code"


def test_split_stub_keeps_comments_and_decorators_with_their_definition():
    stub = (
        '"""Doc."""\n'
        "import math\n"
        "\n"
        "RATE = 0.5\n"
        "\n"
        "\n"
        "# a helper\n"
        "@staticmethod\n"
        "def f():\n"
        "    pass\n"
        "\n"
        "class C:\n"
        "    x = 1\n"
    )
    assert split_stub(stub) == [
        "import math\n\nRATE = 0.5",
        "# a helper\n@staticmethod\ndef f():\n    pass",
        "class C:\n    x = 1",
    ]


def test_grade_notebook_writes_the_file_and_keeps_existing_work(tmp_path):
    target = tmp_path / "nb" / "ex4_5.ipynb"
    runner = CliRunner()
    first = runner.invoke(cli, ["notebook", "param-count", "--out", str(target)])
    assert first.exit_code == 0, first.output
    assert f"Wrote {target}" in first.output
    nbformat.validate(nbformat.read(target, as_version=4))
    again = runner.invoke(cli, ["notebook", "ex4_5", "--out", str(target)])
    assert again.exit_code == 2
    assert "already exists (it may hold your work): use --force" in again.output
    forced = runner.invoke(cli, ["notebook", "ex4_5", "--out", str(target), "--force"])
    assert forced.exit_code == 0, forced.output


def test_every_complete_exercise_gets_a_notebook_that_extracts_to_its_stub(tmp_path):
    files = COURSE
    exercises, _ = complete_exercises(files)
    assert "ex4_5" in [e.id for e in exercises]
    for exercise in exercises:
        stub = files.stub(exercise).read_text("utf-8")
        template = files.answers_template(exercise)
        answers = template.read_text("utf-8") if template.is_file() else None
        path = tmp_path / f"{exercise.id}.ipynb"
        write_notebook(build_notebook(exercise, stub, answers), path)
        extracted = extract_notebook(path)
        stub_tree = ast.parse(stub)
        if ast.get_docstring(stub_tree) is not None:
            stub_tree.body = stub_tree.body[1:]
        assert ast.dump(ast.parse(extracted.source)) == ast.dump(stub_tree), exercise.id
        assert extracted.ignored == (), exercise.id
