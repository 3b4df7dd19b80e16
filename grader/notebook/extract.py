"""Turn a student's notebook into the Python module the sandbox imports.

    extracted = extract_notebook(Path("exercises/ex4_5.ipynb"))
    extracted.source          # the code cells, in notebook order, as one module
    extracted.line_origins    # "cell 3, line 2" for each line of ``source``
    extracted.ignored         # what was not run, in words a student reads
    extracted.answers_toml    # the text of the cell tagged ``answers``, or None

The notebook is read as JSON with :mod:`nbformat` in the trusted process and never
executed here (a cell is only *compiled*, to find syntax errors). Cells are numbered
as a student counts them: from 1 at the top, over all cells, markdown included.

What is not run, each with a note: IPython magics, shell lines and help lines (see
:mod:`grader.notebook.magics`), a cell whose first line is ``# grader: skip``, and a
cell with a syntax error. Skipping a broken cell, rather than failing the whole
module on it, matches what the student saw in Jupyter: the other cells still ran
and defined their functions. The answers cell is a cell (raw, ideally) tagged
``answers``, or a raw or code cell that starts with the answers template's first line
(``# Quiz answers for ...``); it is never run as code.
"""

from __future__ import annotations

import json
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

from grader.errors import SubmissionError
from grader.notebook.magics import strip_ipython

__all__ = ["ANSWERS_TAG", "MAX_NOTEBOOK_BYTES", "ExtractedNotebook", "extract_notebook"]

ANSWERS_TAG = "answers"
ANSWERS_HEADER = "# Quiz answers for"  # the first line of every answers template
MAX_NOTEBOOK_BYTES = 50_000_000
MAX_NOTES = 20
_CELL_TYPES = ("code", "markdown", "raw")
_SKIP_LINE = re.compile(r"#\s*grader\s*:\s*skip\b", re.IGNORECASE)
_FENCE = re.compile(r"^\s*```[\w-]*\s*\n(.*?)\n\s*```\s*$", re.DOTALL)


@dataclass(frozen=True)
class ExtractedNotebook:
    """The runnable code of a notebook and where each of its lines came from.

    ``source``: the code cells' Python, in notebook order; IPython-only lines are
    ``pass`` lines. ``line_origins[i]`` names the cell and line of ``source`` line
    ``i + 1``, e.g. ``"cell 3, line 2"`` (cells counted from 1 over all cells).
    ``ignored``: student-readable notes on what was not run. ``answers_toml``: the
    text of the answers cell, or None when the notebook has none; ``answers_cell`` its
    number.
    """

    source: str
    line_origins: tuple[str, ...]
    ignored: tuple[str, ...]
    answers_toml: str | None
    answers_cell: int | None = None


def extract_notebook(path: Path) -> ExtractedNotebook:
    """Read the notebook at ``path``; never runs any of it.

    Raises :class:`~grader.errors.SubmissionError` when the file is not a usable
    notebook (unreadable, not UTF-8, not JSON, an unsupported format version, no
    cells, a malformed cell); the message names the file and the problem.
    """
    name = f"{path.parent.name}/{path.name}" if path.parent.name else path.name
    collected = _Collected()
    for number, cell in enumerate(_read_cells(path, name), 1):
        collected.add(
            number, cell, _cell_type(cell, number, name), _cell_source(cell, number, name)
        )
    return collected.result(name)


class _Collected:
    """What the cells give, in notebook order: code lines and origins, notes, the answers."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.origins: list[str] = []
        self.notes: list[str] = []
        self.answers: str | None = None
        self.answers_cell: int | None = None
        self.skipped: list[int] = []

    def add(self, number: int, cell: dict, kind: str, text: str) -> None:
        if _is_answers_cell(cell, kind, text):
            self._add_answers(number, kind, text)
        elif kind != "code":
            return
        elif _SKIP_LINE.match(text.lstrip()):
            self.skipped.append(number)
        else:
            code, notes = _runnable(text, number)
            self.notes += notes
            for index, line in enumerate(code.splitlines(), 1):
                self.lines.append(line)
                self.origins.append(f"cell {number}, line {index}")

    def _add_answers(self, number: int, kind: str, text: str) -> None:
        if self.answers is not None:
            self.notes.append(f"cell {number}: a second answers cell, ignored (the first is used)")
            return
        self.answers = _unfenced(text) if kind == "markdown" else text
        self.answers_cell = number

    def result(self, name: str) -> ExtractedNotebook:
        notes = list(self.notes)
        if self.skipped:
            notes.append(f"{_cells(self.skipped)} not run (marked `# grader: skip`)")
        if not self.lines:
            notes.append(f"{name}: no code was found to run (no code cells, or all were skipped)")
        source = "\n".join(self.lines) + "\n" if self.lines else ""
        return ExtractedNotebook(
            source, tuple(self.origins), _capped(notes), self.answers, self.answers_cell
        )


def _read_cells(path: Path, name: str) -> list[Any]:
    """The notebook's cells (format 4; format 3 is converted); SubmissionError otherwise."""
    data = _parse_json(_read_text(path, name), name)
    if not isinstance(data, dict):
        raise SubmissionError(f"{name}: this JSON is not a notebook (no 'cells', no 'nbformat')")
    version = data.get("nbformat")
    if type(version) is not int:
        raise SubmissionError(
            f"{name}: not a notebook: it has no 'nbformat' version number "
            "(save it from Jupyter as a .ipynb notebook)"
        )
    if version > 4:
        raise SubmissionError(
            f"{name}: notebook format {version} is newer than this grader reads (format 4): "
            "save it as format 4 (Jupyter: File > Save and Export Notebook As... > Notebook)"
        )
    if version < 3:
        raise SubmissionError(
            f"{name}: notebook format {version} is too old: open it in Jupyter and save it again"
        )
    notebook = _as_version_4(data, version, name)
    cells = notebook.get("cells")
    if not isinstance(cells, list):
        raise SubmissionError(
            f"{name}: the notebook has no list of cells ('cells' is missing or not a list): "
            "the file is incomplete or was not saved by Jupyter"
        )
    return cells


def _read_text(path: Path, name: str) -> str:
    try:
        with path.open("rb") as stream:
            data = stream.read(MAX_NOTEBOOK_BYTES + 1)
    except OSError as exc:
        raise SubmissionError(f"{name}: cannot be read ({exc.strerror or exc})") from None
    if len(data) > MAX_NOTEBOOK_BYTES:
        raise SubmissionError(
            f"{name}: larger than {MAX_NOTEBOOK_BYTES // 1_000_000} MB: clear the outputs "
            "(Edit > Clear Outputs of All Cells), save, and hand it in again"
        )
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise SubmissionError(
            f"{name}: not a notebook: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset "
            f"{exc.start}); save it from Jupyter, which writes UTF-8 JSON"
        ) from None


def _parse_json(text: str, name: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise SubmissionError(
            f"{name}: not a notebook: the file is not valid JSON ({exc.msg} at line "
            f"{exc.lineno}, column {exc.colno}); was it cut short or edited by hand? "
            "Open it in Jupyter and save it again"
        ) from None
    except (RecursionError, MemoryError):
        raise SubmissionError(f"{name}: not a notebook: the JSON is nested too deeply") from None


def _as_version_4(data: dict, version: int, name: str) -> Any:
    """An nbformat node of format 4, without strict validation (extra keys are harmless)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        notebook = nbformat.from_dict(data)
        if version == 4:
            return notebook
        try:
            return nbformat.convert(notebook, 4)
        except Exception as exc:  # nbformat raises many kinds for odd old files
            raise SubmissionError(
                f"{name}: notebook format 3 could not be converted to format 4 ({exc}): "
                "open it in Jupyter and save it again"
            ) from None


def _cell_type(cell: Any, number: int, name: str) -> str:
    kind = cell.get("cell_type") if isinstance(cell, dict) else None
    if kind not in _CELL_TYPES:
        raise SubmissionError(
            f"{name}: cell {number} is malformed: its type is {kind!r}, "
            f"not one of {', '.join(_CELL_TYPES)}"
        )
    return kind


def _cell_source(cell: dict, number: int, name: str) -> str:
    source = cell.get("source")
    if isinstance(source, list) and all(isinstance(part, str) for part in source):
        return "".join(source)
    if isinstance(source, str):
        return source
    raise SubmissionError(f"{name}: cell {number} is malformed: it has no text ('source')")


def _is_answers_cell(cell: dict, kind: str, text: str) -> bool:
    metadata = cell.get("metadata")
    tags = metadata.get("tags") if isinstance(metadata, dict) else None
    if isinstance(tags, list) and any(str(tag).lower() == ANSWERS_TAG for tag in tags):
        return True
    # tags get lost (some notebook tools drop them, or turn raw cells into code cells):
    # the template's first line still says what the cell is
    return kind in ("raw", "code") and text.lstrip().startswith(ANSWERS_HEADER)


def _unfenced(text: str) -> str:
    """The TOML inside a markdown cell's ```toml fence (the text itself when unfenced)."""
    match = _FENCE.match(text)
    return match.group(1) + "\n" if match else text


def _runnable(text: str, number: int) -> tuple[str, list[str]]:
    """The cell's code with IPython lines blanked, or "" with a note if it does not compile."""
    cell = strip_ipython(text, number)
    if cell.text is None:
        return "", list(cell.notes)
    problem = _compile_problem(cell.text, number)
    if problem:
        return "", [*cell.notes, problem]
    return cell.text, list(cell.notes)


def _compile_problem(code: str, number: int) -> str | None:
    """A student-readable note if ``code`` does not compile (compiled only, never run)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarnings are the sandbox's to show
            compile(code, f"cell {number}", "exec", dont_inherit=True)
    except SyntaxError as exc:
        where = f"cell {number}, line {exc.lineno}" if exc.lineno else f"cell {number}"
        shown = f": `{exc.text.strip()}`" if exc.text and exc.text.strip() else ""
        return (
            f"{where}: {type(exc).__name__}: {exc.msg}{shown}. This cell was not run, so "
            "what it defines is missing: fix it, run it in Jupyter, save, and grade again"
        )
    except (ValueError, RecursionError, MemoryError, OverflowError) as exc:
        return f"cell {number}: cannot be compiled ({type(exc).__name__}: {exc}); it was not run"
    return None


def _cells(numbers: list[int]) -> str:
    head = "cell" if len(numbers) == 1 else "cells"
    return f"{head} {', '.join(str(n) for n in numbers)}"


def _capped(notes: list[str]) -> tuple[str, ...]:
    if len(notes) <= MAX_NOTES:
        return tuple(notes)
    return (*notes[:MAX_NOTES], f"... and {len(notes) - MAX_NOTES} more notes like these")
