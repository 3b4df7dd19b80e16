"""Decide what to grade when a workspace holds a notebook: its code, and its answers.

    prepared = prepare_workspace_source(workspace, exercise, scratch)
    if prepared is None: ...                 # no notebook: grade exercises/ex4_5.py as always
    prepared.source_spec("ex4_5")            # a SourceSpec for the sandbox (None: nothing to grade)
    prepared.answers_path                    # the answers file for the quiz
    prepared.notes                           # sentences for the student

Rules (a handout may ship both ``exercises/<id>.py`` and ``exercises/<id>.ipynb``, so
the file the student worked in must win over the untouched one):

- Code: the notebook is graded when there is no ``.py``, or when the ``.py`` is an
  untouched stub (no function has a body beyond ``raise NotImplementedError``) and
  the notebook is not. Otherwise the ``.py`` is graded; if both hold work, a note
  says the notebook was not graded.
- Answers: the notebook's answers cell wins over ``answers/<id>.toml`` when it
  answers at least one question, because the handout's ``answers/<id>.toml`` is an
  untouched template for a notebook user; a note says which was read when both exist.
- A malformed notebook is a note (when a ``.py`` can be graded instead) or the
  problem that fails every check (when it cannot).

Nothing is executed: the notebook is read as JSON, Python sources are only parsed
(at most :data:`~grader.notebook.names.MAX_PARSED_CHARS` characters of them).
"""

from __future__ import annotations

import ast
import tomllib
from dataclasses import dataclass
from pathlib import Path

from grader.errors import SubmissionError
from grader.exercise import Exercise
from grader.notebook.extract import ExtractedNotebook, extract_notebook
from grader.notebook.names import MAX_PARSED_CHARS
from grader.sandbox import SourceSpec

__all__ = ["PreparedSource", "has_work", "prepare_workspace_source"]


@dataclass(frozen=True)
class PreparedSource:
    """What to hand the sandbox and the quiz for one exercise of one workspace.

    ``source_path`` is the Python file to load (None when nothing can be graded:
    then ``problem`` says why, for every check's message); ``display_name`` is the
    file as the student knows it; ``line_origins`` maps its lines to notebook cells
    (None for a ``.py``); ``notes`` are sentences for the result's notes/errors;
    ``answers_path`` is the answers file for the quiz (it may not exist);
    ``notebook`` the extracted notebook when its code is graded (None for a ``.py``).
    """

    source_path: Path | None
    display_name: str
    line_origins: tuple[str, ...] | None
    notes: tuple[str, ...]
    answers_path: Path
    problem: str | None = None
    notebook: ExtractedNotebook | None = None

    def source_spec(self, module_name: str) -> SourceSpec | None:
        """The sandbox's view of the source, or None when there is nothing to grade.

        A notebook's spec names its cells, so the sandbox runs them one by one.
        """
        if self.source_path is None:
            return None
        cells = None
        if self.notebook is not None:
            cells = tuple((span.number, span.first, span.last) for span in self.notebook.cells)
        return SourceSpec(
            self.source_path.resolve(), module_name, self.display_name, self.line_origins, cells
        )


def prepare_workspace_source(
    workspace: Path, exercise: Exercise, scratch: Path
) -> PreparedSource | None:
    """Choose source and answers for ``exercise``; None when there is no notebook.

    Writes the notebook's extracted code (and answers cell) under ``scratch``, an
    existing private folder the caller removes after grading. Never raises for
    anything the student wrote.
    """
    nb_name, py_name = exercise.notebook_path, exercise.source_path
    python, notebook = workspace / py_name, workspace / nb_name
    answers = workspace / exercise.answers_path
    if not notebook.is_file():
        return None
    try:
        extracted = extract_notebook(notebook)
    except SubmissionError as exc:
        if not python.is_file():
            return PreparedSource(None, nb_name, None, (str(exc),), answers, problem=str(exc))
        note = f"{exc} ({py_name} is graded instead)"
        return PreparedSource(python, py_name, None, (note,), answers)
    if python.is_file() and not _notebook_wins(python, extracted):
        answers_path, notes = _answers(extracted, answers, scratch, nb_name, notebook_graded=False)
        if has_work(extracted.source):
            notes = (f"{nb_name} was not graded: {py_name} holds your work and is graded", *notes)
        return PreparedSource(python, py_name, None, notes, answers_path)
    code = scratch / f"{exercise.id}.py"
    code.write_text(extracted.source, encoding="utf-8")
    answers_path, notes = _answers(extracted, answers, scratch, nb_name, notebook_graded=True)
    notes = (*extracted.ignored, *notes)
    return PreparedSource(
        code, nb_name, extracted.line_origins, notes, answers_path, notebook=extracted
    )


def _notebook_wins(python: Path, extracted: ExtractedNotebook) -> bool:
    """True when the notebook holds work and the ``.py`` beside it is an untouched stub."""
    try:
        text = python.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    return has_work(extracted.source) and not has_work(text)


def has_work(source: str) -> bool:
    """True if some function of ``source`` has a body beyond a stub's.

    A stub's body (after an optional docstring) is ``raise NotImplementedError``,
    ``pass`` or ``...``. Source that does not parse counts as work (someone edited it),
    and so does source longer than :data:`MAX_PARSED_CHARS` (a stub is a few thousand
    characters; parsing is not worth its memory then).
    """
    if len(source) > MAX_PARSED_CHARS:
        return True
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return True
    functions = [
        node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    ]
    return any(not _is_stub_body(function.body) for function in functions)


def _is_stub_body(body: list[ast.stmt]) -> bool:
    body = [statement for statement in body if not _is_super_init(statement)]
    if not body:
        return True
    first = body[0]
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and len(body) > 1:
        body = body[1:]
    if len(body) != 1:
        return False
    statement = body[0]
    if isinstance(statement, ast.Pass):
        return True
    if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
        return statement.value.value is Ellipsis or isinstance(statement.value.value, str)
    if isinstance(statement, ast.Raise) and statement.exc is not None:
        exc = statement.exc.func if isinstance(statement.exc, ast.Call) else statement.exc
        return isinstance(exc, ast.Name) and exc.id == "NotImplementedError"
    return False


def _is_super_init(statement: ast.stmt) -> bool:
    """``super().__init__(...)``: a stub's ``__init__`` may call it before raising."""
    call = statement.value if isinstance(statement, ast.Expr) else None
    if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Attribute):
        return False
    inner = call.func.value
    return (
        call.func.attr == "__init__"
        and isinstance(inner, ast.Call)
        and isinstance(inner.func, ast.Name)
        and inner.func.id == "super"
    )


def _answers(
    extracted: ExtractedNotebook, toml: Path, scratch: Path, nb_name: str, notebook_graded: bool
) -> tuple[Path, tuple[str, ...]]:
    """The answers file to grade, and a note when the notebook and the TOML file compete.

    An answers cell that answers nothing gives way to ``answers/<id>.toml``: silently when
    the ``.py`` is graded (the student never used the notebook), with a note when the
    notebook is graded and the TOML file exists; a notebook user without a TOML file
    gets messages naming the cell.
    """
    text = extracted.answers_toml
    if text is None:
        return toml, ()
    if not _answers_something(text):
        if not notebook_graded:
            return toml, ()
        if toml.is_file():
            return toml, (f"the answers cell of {nb_name} is empty: answers/{toml.name} is read",)
    cell = f"answers cell {extracted.answers_cell}" if extracted.answers_cell else "answers cell"
    folder = scratch / "exercises"
    folder.mkdir(exist_ok=True)
    path = folder / f"{Path(nb_name).name} ({cell})"  # messages read "exercises/ex4_5.ipynb (...)"
    path.write_text(text, encoding="utf-8")
    if toml.is_file():
        return path, (
            f"quiz answers are read from the {cell} of {nb_name}; answers/{toml.name} is not "
            "read (the notebook's answers cell wins when both exist)",
        )
    return path, ()


def _answers_something(text: str) -> bool:
    """False for a template (every answer empty); True otherwise, unreadable TOML included."""
    try:
        table = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError, ValueError):
        return True
    return any(not _unanswered(value) for value in table.values())


def _unanswered(value: object) -> bool:
    return value is None or value == [] or (isinstance(value, str) and not value.strip())
