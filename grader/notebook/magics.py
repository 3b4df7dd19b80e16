"""Find the IPython-only lines of a notebook code cell, so they are not run.

    clean, notes = strip_ipython(cell_text, cell_number)

A line is IPython-only when it starts (after indentation) with ``%`` (a line
magic), ``!`` (a shell command), assigns one (``files = !ls``, ``t = %timeit
-o f()``), or asks for help (``f?``, ``??f``); a cell whose first non-blank line
starts with ``%%`` holds a cell magic. Lines inside a triple-quoted string are
text, never magics. Nothing is executed: this is a textual scan.

Each IPython-only line becomes ``pass`` at its own indentation, so that the line
count is unchanged (tracebacks keep pointing at the right cell line) and a block
whose only statement was a magic stays valid Python.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["BODY_KEEPING_CELL_MAGICS", "CellCode", "strip_ipython"]

#: Cell magics whose body IPython runs as ordinary Python: the body is kept.
BODY_KEEPING_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun"})
_NAMES = r"[A-Za-z_][\w.]*(?:\s*,\s*[A-Za-z_][\w.]*)*"
_KINDS = (
    ("IPython magic", re.compile(r"\s*%")),
    ("shell command", re.compile(r"\s*!")),
    ("IPython magic", re.compile(rf"\s*{_NAMES}\s*=\s*%")),
    ("shell command", re.compile(rf"\s*{_NAMES}\s*=\s*!")),
    ("IPython help", re.compile(r"\s*(?:\?{1,2}[\w.]+|[\w.]+\?{1,2})\s*$")),
)
_CELL_MAGIC = re.compile(r"\s*%%(\w*)")
_SHOWN_CHARS = 60


@dataclass(frozen=True)
class CellCode:
    """One code cell made runnable as plain Python.

    ``text`` has exactly as many lines as the cell (``None`` when the whole cell
    must not run: a cell magic such as ``%%bash``); ``notes`` say, in words a
    student reads, which lines were not run and why.
    """

    text: str | None
    notes: tuple[str, ...]


def strip_ipython(cell: str, number: int) -> CellCode:
    """Replace the IPython-only lines of code cell ``number`` (1-based, for the notes)."""
    lines = cell.splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    notes: list[str] = []
    if first is not None and (match := _CELL_MAGIC.match(lines[first])):
        if match.group(1) not in BODY_KEEPING_CELL_MAGICS:
            whole = (
                f"cell {number}: `{_shown(lines[first])}` (cell magic): the whole cell was not run"
            )
            return CellCode(None, (whole,))
        notes.append(_note(number, first, lines[first], "cell magic; the rest of the cell was run"))
        lines[first] = _blank(lines[first])
    index, state = 0, _LineState()
    while index < len(lines):
        kind = _kind(lines[index]) if state.at_statement_start else None
        if kind is None:
            state = state.after(lines[index])
            index += 1
            continue
        notes.append(_note(number, index, lines[index], kind))
        while lines[index].rstrip().endswith("\\") and index + 1 < len(lines):
            lines[index] = _blank(lines[index])
            index += 1
        lines[index] = _blank(lines[index])
        index += 1
    return CellCode("\n".join(lines) + "\n" if lines else "", tuple(notes))


def _kind(line: str) -> str | None:
    return next((kind for kind, pattern in _KINDS if pattern.match(line)), None)


def _blank(line: str) -> str:
    """``pass`` at the line's indentation: valid wherever a statement was."""
    return line[: len(line) - len(line.lstrip())] + "pass"


def _note(number: int, index: int, line: str, kind: str) -> str:
    return f"cell {number}, line {index + 1}: `{_shown(line)}` ({kind}) was not run"


def _shown(line: str) -> str:
    text = line.strip()
    return text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 3] + "..."


@dataclass(frozen=True)
class _LineState:
    """Where a line starts: inside a triple-quoted string, inside brackets, after ``\\``."""

    open_quote: str | None = None
    depth: int = 0
    continued: bool = False

    @property
    def at_statement_start(self) -> bool:
        return self.open_quote is None and self.depth == 0 and not self.continued

    def after(self, line: str) -> _LineState:
        """The state at the start of the next line (a lexical scan, good enough for magics)."""
        quote, depth, i = self.open_quote, self.depth, 0
        while i < len(line):
            if quote is not None:
                end = _find_closing(line, i, quote)
                if end < 0:
                    return _LineState(quote, depth, False)
                i, quote = end + 3, None
            elif line[i] == "#":
                return _LineState(None, depth, False)
            elif line.startswith(('"""', "'''"), i):
                i, quote = i + 3, line[i : i + 3]
            elif line[i] in "\"'":
                i = _skip_short_string(line, i)
            else:
                depth = max(depth + _BRACKETS.get(line[i], 0), 0)
                i += 1
        return _LineState(quote, depth, quote is None and line.endswith("\\"))


_BRACKETS = {"(": 1, "[": 1, "{": 1, ")": -1, "]": -1, "}": -1}


def _find_closing(line: str, start: int, quote: str) -> int:
    i = start
    while i < len(line):
        if line[i] == "\\":
            i += 2
        elif line.startswith(quote, i):
            return i
        else:
            i += 1
    return -1


def _skip_short_string(line: str, start: int) -> int:
    quote, i = line[start], start + 1
    while i < len(line):
        if line[i] == "\\":
            i += 2
        elif line[i] == quote:
            return i + 1
        else:
            i += 1
    return i
