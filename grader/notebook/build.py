"""Write a student notebook for an exercise: statement, stub code cells, quiz, answers cell.

    notebook = build_notebook(exercise, stub_text, answers_template)
    write_notebook(notebook, Path("exercises/ex4_5.ipynb"))

The notebook holds, in order: the statement (Chinese and English) as markdown; how
the notebook is graded; the stub split into code cells (the imports, then one cell
per top-level function or class, then the ``if __name__ == "__main__":`` try-out);
and, for an exercise with a quiz, the questions as markdown and a raw cell tagged
``answers`` holding the answers template (TOML). Cell ids are derived from the
exercise id, so building twice gives the same file.
"""

from __future__ import annotations

import ast
import itertools
from collections.abc import Sequence
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from grader.exercise import Exercise
from grader.notebook.extract import ANSWERS_TAG

__all__ = ["build_notebook", "split_stub", "write_notebook"]

_HOW_TO = """\
## How this notebook is graded / 本笔记本如何评分

- Write your code in the code cells below. `grade {id}` (in a terminal, in the handout
  folder; save the notebook first) runs **every code cell from top to bottom**, one by
  one, in a sandbox, and checks the functions: {functions}.
- Lines starting with `%` or `!` (IPython magics, shell commands, `%pip install`) are
  **not run** by the grader; start a cell with `# grader: skip` to keep it out too
  (plots, experiments, training runs: a cell may run for a few seconds at most).
- A cell that fails (a syntax error, an exception, a module the grader does not have)
  stops only that cell, as in Jupyter; the result names it as "cell N, line M" (cells
  are counted from the top, markdown cells included), and the cells after it still run.
- If you also edit `exercises/{id}.py`, the grader grades the file that holds your work
  (the `.py` if both do).

- 在下面的代码单元中编写代码。保存笔记本后，在讲义文件夹的终端中运行 `grade {id}`：
  评分器在沙箱中**从上到下逐个运行所有代码单元**，并检查这些函数：{functions}。
- 以 `%` 或 `!` 开头的行（IPython 魔法命令、shell 命令、`%pip install`）**不会被运行**；
  单元第一行写 `# grader: skip` 可让评分器跳过整个单元（绘图、实验、训练：每个单元最多
  运行几秒）。
- 出错的单元（语法错误、异常、评分环境中没有的模块）只停止该单元，与 Jupyter 相同；
  结果中以 "cell N, line M" 指明位置（单元从上往下计数，包括 markdown 单元），
  其后的单元照常运行。
"""
_QUIZ = """\
## Quiz / 测验

Answer in the **raw cell below** (tagged `{tag}`; keep the tag), in TOML, exactly like
`answers/{id}.toml`: `key = "expression"`, `true`/`false` without quotes. When this cell
answers at least one question it is graded and `answers/{id}.toml` is not read.

在**下面的 raw 单元**中作答（带有 `{tag}` 标签，请保留），格式与 `answers/{id}.toml`
相同（TOML）。只要该单元回答了至少一题，就以它为准，不再读取 `answers/{id}.toml`。

{questions}
"""


def build_notebook(exercise: Exercise, stub: str, answers_template: str | None) -> NotebookNode:
    """The student notebook of ``exercise`` (nbformat 4, valid; not yet written).

    ``stub`` is the text of ``exercises/<id>.py``; ``answers_template`` the text of
    ``answers/<id>.toml`` (None: no quiz cells). Raises SyntaxError if the stub does
    not parse (a course bug).
    """
    cells = [
        nbformat.v4.new_markdown_cell(exercise.statement().strip()),
        nbformat.v4.new_markdown_cell(
            _HOW_TO.format(id=exercise.id, functions=_listed(exercise.functions)).strip()
        ),
    ]
    cells += [nbformat.v4.new_code_cell(code) for code in split_stub(stub)]
    if answers_template is not None:
        cells.append(nbformat.v4.new_markdown_cell(_quiz_text(exercise)))
        answers = nbformat.v4.new_raw_cell(answers_template.rstrip("\n"))
        answers.metadata["tags"] = [ANSWERS_TAG]
        cells.append(answers)
    for index, cell in enumerate(cells, 1):
        cell.id = f"{exercise.id.replace('_', '-')}-{index}"
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata.update(
        kernelspec={"name": "python3", "display_name": "Python 3", "language": "python"},
        language_info={"name": "python"},
    )
    nbformat.validate(notebook)
    return notebook


def write_notebook(notebook: NotebookNode, path: Path) -> None:
    """Write ``notebook`` to ``path`` (UTF-8 JSON, as Jupyter writes it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(nbformat.writes(notebook), encoding="utf-8")


def split_stub(stub: str) -> list[str]:
    """The stub as cell texts: the module prelude, then one cell per top-level definition.

    The module docstring is dropped (the statement is in the notebook); comments and
    decorators stay with the definition below them; statements between definitions
    join the next cell (or the last, at the end of the file).
    """
    tree = ast.parse(stub)
    lines = stub.splitlines()
    has_docstring = ast.get_docstring(tree) is not None
    prelude = (tree.body[0].end_lineno or 0) if has_docstring else 0
    starts = [_start(node) for node in tree.body if _is_definition(node)]
    cuts = sorted({prelude, len(lines), *(_comment_start(lines, s - 1) for s in starts)})
    cells = ["\n".join(lines[a:b]).strip("\n") for a, b in itertools.pairwise(cuts)]
    return [cell for cell in cells if cell.strip()]


def _is_definition(node: ast.stmt) -> bool:
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return True
    return isinstance(node, ast.If) and "__main__" in ast.unparse(node.test)


def _start(node: ast.stmt) -> int:
    """The first line of ``node``, decorators included (1-based)."""
    decorators = getattr(node, "decorator_list", [])
    return min([node.lineno, *(d.lineno for d in decorators)])


def _comment_start(lines: Sequence[str], index: int) -> int:
    """Move a cut up over the comment lines directly above line ``index`` (0-based)."""
    while index > 0 and lines[index - 1].lstrip().startswith("#"):
        index -= 1
    return index


def _quiz_text(exercise: Exercise) -> str:
    questions = "\n".join(
        f"{number}. **{q.key}** ({q.points:g} pt): {_one_line(q.prompt_en)}<br>"
        f"{_one_line(q.prompt_zh)}"
        for number, q in enumerate(exercise.questions(), 1)
    )
    return _QUIZ.format(tag=ANSWERS_TAG, id=exercise.id, questions=questions).strip()


def _listed(functions: Sequence[str]) -> str:
    return ", ".join(f"`{name}`" for name in functions)


def _one_line(text: str) -> str:
    return " ".join(text.split())
