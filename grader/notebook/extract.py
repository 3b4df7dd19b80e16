"""Turn a student's notebook into the code the sandbox runs, cell by cell.

    extracted = extract_notebook(Path("exercises/ex4_5.ipynb"))
    extracted.source          # the code cells, in notebook order, as one text
    extracted.cells           # where each cell's lines are in ``source`` (CellSpan)
    extracted.line_origins    # "cell 3, line 2" for each line of ``source``
    extracted.ignored         # what was not run, in words a student reads
    extracted.answers_toml    # the text of the cell tagged ``answers``, or None

The notebook is read as JSON in the trusted process (:mod:`grader.notebook.reading`
bounds its size and parse cost) and never executed or compiled here: the sandbox runs
each cell in turn (see :mod:`grader.sandbox.child`), so a cell that fails, a syntax
error included, costs that cell only, as in Jupyter. Cells are numbered as a student
counts them: from 1 at the top, over all cells, markdown included.

What is not run, each with a note: IPython magics, shell lines and help lines (see
:mod:`grader.notebook.magics`) and a cell whose first line is ``# grader: skip``. The
answers cell is a cell (raw, ideally) tagged ``answers``, or a raw or code cell that
starts with the answers template's first line (``# Quiz answers for ...``); it is never
run as code. Characters JSON can carry but Python text cannot hold (lone surrogates) are
replaced with U+FFFD, with a note.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.errors import SubmissionError
from grader.notebook import reading
from grader.notebook.magics import strip_ipython

__all__ = [
    "ANSWERS_TAG",
    "MAX_CODE_CHARS",
    "CellSpan",
    "ExtractedNotebook",
    "extract_notebook",
]

ANSWERS_TAG = "answers"
ANSWERS_HEADER = "# Quiz answers for"  # the first line of every answers template
MAX_CODE_CHARS = 1_000_000
MAX_NOTES = 20
_CELL_TYPES = ("code", "markdown", "raw")
_SKIP_LINE = re.compile(r"#\s*grader\s*:\s*skip\b", re.IGNORECASE)
_FENCE = re.compile(r"^\s*```[\w-]*\s*\n(.*?)\n\s*```\s*$", re.DOTALL)
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class CellSpan:
    """One code cell's place in :attr:`ExtractedNotebook.source`: lines ``first``..``last``
    (1-based, inclusive) are cell ``number`` (counted from 1 over all cells)."""

    number: int
    first: int
    last: int


@dataclass(frozen=True)
class ExtractedNotebook:
    """The runnable code of a notebook, cell by cell, and where each of its lines came from.

    ``source``: the code cells' Python, in notebook order; IPython-only lines are
    ``pass`` lines. ``cells``: each code cell's lines in ``source``; the sandbox runs
    them one after the other. ``line_origins[i]`` names the cell and line of ``source``
    line ``i + 1``, e.g. ``"cell 3, line 2"``. ``ignored``: student-readable notes on
    what was not run. ``answers_toml``: the text of the answers cell, or None when the
    notebook has none; ``answers_cell`` its number.
    """

    source: str
    line_origins: tuple[str, ...]
    ignored: tuple[str, ...]
    answers_toml: str | None
    answers_cell: int | None = None
    cells: tuple[CellSpan, ...] = ()

    def cell_text(self, number: int) -> str | None:
        """The code of cell ``number`` as it runs (magics blanked); None if it does not run."""
        span = next((span for span in self.cells if span.number == number), None)
        if span is None:
            return None
        lines = self.source.splitlines(keepends=True)
        return "".join(lines[span.first - 1 : span.last])


def extract_notebook(path: Path) -> ExtractedNotebook:
    """Read the notebook at ``path``; never runs any of it.

    Raises :class:`~grader.errors.SubmissionError` when the file is not a usable
    notebook (unreadable, too big, not UTF-8, not JSON, nested too deep, an unsupported
    format version, no cells, a malformed cell, more than :data:`MAX_CODE_CHARS` of
    code); the message names the file and the problem.
    """
    name = f"{path.parent.name}/{path.name}" if path.parent.name else path.name
    collected = _Collected(name)
    for number, cell in enumerate(reading.read_cells(_read_bytes(path, name), name), 1):
        collected.add(
            number, cell, _cell_type(cell, number, name), _cell_source(cell, number, name)
        )
    return collected.result(name)


class _Collected:
    """What the cells give, in notebook order: code lines and origins, notes, the answers."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.lines: list[str] = []
        self.origins: list[str] = []
        self.spans: list[CellSpan] = []
        self.notes: list[str] = []
        self.answers: str | None = None
        self.answers_cell: int | None = None
        self.skipped: list[int] = []
        self.chars = 0

    def add(self, number: int, cell: dict, kind: str, text: str) -> None:
        if _is_answers_cell(cell, kind, text):
            self._add_answers(number, kind, self._cleaned(number, text))
        elif kind != "code":
            return
        elif _SKIP_LINE.match(text.lstrip()):
            self.skipped.append(number)
        else:
            self._add_code(number, self._cleaned(number, text))

    def _add_code(self, number: int, text: str) -> None:
        self.chars += len(text)
        if self.chars > MAX_CODE_CHARS:  # before any scan of the text
            raise SubmissionError(
                f"{self.name}: the code cells hold more than the {MAX_CODE_CHARS:,} characters "
                "the grader reads: a data literal that big belongs in a file, not in a cell"
            )
        cell = strip_ipython(text, number)
        self.notes += cell.notes
        lines = cell.text.splitlines() if cell.text else []
        if not any(line.strip() for line in lines):  # nothing to run
            return
        first = len(self.lines) + 1
        self.lines += lines
        self.origins += [f"cell {number}, line {index}" for index in range(1, len(lines) + 1)]
        self.spans.append(CellSpan(number, first, len(self.lines)))

    def _add_answers(self, number: int, kind: str, text: str) -> None:
        if len(text) > MAX_CODE_CHARS:
            raise SubmissionError(
                f"{self.name}: the answers cell (cell {number}) holds more than the "
                f"{MAX_CODE_CHARS:,} characters the grader reads"
            )
        if self.answers is not None:
            self.notes.append(f"cell {number}: a second answers cell, ignored (the first is used)")
            return
        self.answers = _unfenced(text) if kind == "markdown" else text
        self.answers_cell = number

    def _cleaned(self, number: int, text: str) -> str:
        if not _SURROGATE.search(text):
            return text
        self.notes.append(
            f"cell {number}: characters that are not valid Unicode (lone surrogates) were "
            "replaced with U+FFFD"
        )
        return _SURROGATE.sub("\ufffd", text)

    def result(self, name: str) -> ExtractedNotebook:
        notes = list(self.notes)
        if self.skipped:
            notes.append(f"{_cells(self.skipped)} not run (marked `# grader: skip`)")
        if not self.lines:
            notes.append(f"{name}: no code was found to run (no code cells, or all were skipped)")
        source = "\n".join(self.lines) + "\n" if self.lines else ""
        return ExtractedNotebook(
            source,
            tuple(self.origins),
            _capped(notes),
            self.answers,
            self.answers_cell,
            tuple(self.spans),
        )


def _read_bytes(path: Path, name: str) -> bytes:
    """At most one byte more than the size limit, so a huge file is never read whole."""
    try:
        with path.open("rb") as stream:
            return stream.read(reading.MAX_NOTEBOOK_BYTES + 1)
    except OSError as exc:
        raise SubmissionError(f"{name}: cannot be read ({exc.strerror or exc})") from None


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


def _cells(numbers: list[int]) -> str:
    head = "cell" if len(numbers) == 1 else "cells"
    return f"{head} {', '.join(str(n) for n in numbers)}"


def _capped(notes: list[str]) -> tuple[str, ...]:
    if len(notes) <= MAX_NOTES:
        return tuple(notes)
    return (*notes[:MAX_NOTES], f"... and {len(notes) - MAX_NOTES} more notes like these")
