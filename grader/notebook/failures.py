"""What a notebook's failed cells mean for the student: one note per cell, and pointers.

    failures = CellFailures(extracted, declared_modules)
    failures.watch(sandbox)            # the sandbox reports which cells failed as it loads
    failures.explain(exc)              # "cell 1 failed: ModuleNotFoundError: ...; `d2l`
                                       #  used in cell 5 is undefined", or None
    failures.notes()                   # one sentence per failed cell, for the result's notes

The sandbox runs a notebook cell by cell (:mod:`grader.sandbox.child`): a cell that
raises is reported with its cell number, line and exception, and the later cells still
run. A later function that needs what the failed cell would have defined then fails
its own checks; :meth:`CellFailures.explain` links that failure to the cell, using the
names each cell binds (:func:`grader.notebook.names.bound_names`, read in the judge).

The report comes from the sandbox, so it is untrusted: it only shapes messages (a
student who forges it misleads only themselves); no verdict depends on it.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Protocol

from grader.loading import exception_text, missing_module_advice
from grader.notebook.extract import ExtractedNotebook
from grader.notebook.names import bound_names
from grader.outcomes import StudentRaised
from grader.sandbox.wire import clean_text

__all__ = ["CellFailures"]

MAX_NOTES = 20
_UNDEFINED = (
    re.compile(r"name '([A-Za-z_]\w*)' is not defined"),
    re.compile(r"defines no function named '([A-Za-z_]\w*)'"),
    re.compile(r"has no attribute '([A-Za-z_]\w*)'"),
)
_CELL = re.compile(r"cell (\d+)\b")
_TIMEOUT = "CellTimeout"
_LONG_RUNS = (
    'Long runs (training, plots) belong under `if __name__ == "__main__":` or in a cell '
    "whose first line is `# grader: skip`"
)


class _Reporter(Protocol):
    failed_cells: tuple[tuple[int, StudentRaised], ...]


class CellFailures:
    """The failed cells of one notebook submission, as its sandbox reported them."""

    def __init__(self, notebook: ExtractedNotebook, declared_modules: Collection[str]) -> None:
        self._notebook = notebook
        self._declared = declared_modules
        self._reporters: list[_Reporter] = []
        self._bound: dict[int, frozenset[str]] = {}

    def watch(self, reporter: _Reporter) -> None:
        """Read failed cells from ``reporter`` (a Sandbox) from now on."""
        self._reporters.append(reporter)

    def failed(self) -> dict[int, StudentRaised]:
        """Cell number -> what it raised, in cell order (the first report of a cell wins)."""
        found: dict[int, StudentRaised] = {}
        for reporter in self._reporters:
            for number, raised in reporter.failed_cells:
                found.setdefault(number, raised)
        return dict(sorted(found.items()))

    def notes(self) -> tuple[str, ...]:
        """One sentence per failed cell, in cell order (capped at MAX_NOTES and a count)."""
        notes = [self._note(number, raised) for number, raised in self.failed().items()]
        if len(notes) > MAX_NOTES:
            notes = [*notes[:MAX_NOTES], f"... and {len(notes) - MAX_NOTES} more failed cells"]
        return tuple(notes)

    def explain(self, raised: StudentRaised) -> str | None:
        """``cell N failed: ...; `name` used in cell M is undefined`` when ``raised`` is about
        a name that a failed cell (before cell M) would have defined; None otherwise."""
        failed = self.failed()
        name = _undefined_name(raised)
        if name is None or not failed:
            return None
        used_in = _cell_of(raised)
        culprits = [
            number
            for number in failed
            if (used_in is None or number < used_in) and name in self._names(number)
        ]
        if not culprits:
            return None
        number = culprits[-1]
        usage = f" used in cell {used_in}" if used_in is not None else ", which it defines,"
        text = f"cell {number} failed: {exception_text(failed[number])}; `{name}`{usage}"
        return _clean(f"{text} is undefined")

    def _names(self, number: int) -> frozenset[str]:
        if number not in self._bound:
            self._bound[number] = bound_names(self._notebook.cell_text(number) or "")
        return self._bound[number]

    def _note(self, number: int, raised: StudentRaised) -> str:
        where = _top_origin(raised) or f"cell {number}"
        if raised.exc_type == "SyntaxError":
            line = raised.frames[-1].text if raised.frames else ""
            shown = f": `{line}`" if line else ""
            text = (
                f"{where}: SyntaxError: {raised.exc_message}{shown}. This cell was not run, so "
                "what it defines is missing: fix it, run it in Jupyter, save, and grade again"
            )
        elif raised.exc_type == _TIMEOUT and raised.exc_message.startswith("not run"):
            text = f"{where}: {raised.exc_message}"
        elif raised.exc_type == _TIMEOUT:
            text = f"{where}: {raised.exc_message}; the cells after it still ran. {_LONG_RUNS}"
        else:
            text = f"{where}: {exception_text(raised)}, so the rest of cell {number} did not "
            text += "run; the cells after it did"
            extra = missing_module_advice(raised.exc_type, raised.exc_message, self._declared)
            extra = extra or self.explain(raised)
            text += f". {extra[0].upper()}{extra[1:]}" if extra else ""
        return _clean(text)


def _undefined_name(raised: StudentRaised) -> str | None:
    if raised.exc_type not in ("NameError", "AttributeError", "UnboundLocalError"):
        return None
    for pattern in _UNDEFINED:
        if match := pattern.search(raised.exc_message):
            return match.group(1)
    return None


def _cell_of(raised: StudentRaised) -> int | None:
    """The cell of the innermost student frame (where the name was used), if known."""
    match = _CELL.match(raised.frames[-1].origin) if raised.frames else None
    return int(match.group(1)) if match else None


def _top_origin(raised: StudentRaised) -> str:
    """``cell 2, line 1``: the line of the cell's own code that raised."""
    top = next((f for f in raised.frames if f.function == "<module>"), None)
    return top.origin if top is not None else ""


def _clean(text: str) -> str:
    """Text any store or terminal accepts: lone surrogates become their escape (``\\udcff``)."""
    return clean_text(text)
