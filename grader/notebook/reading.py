"""Read a notebook file's JSON with every cost bounded before a parser sees it.

    cells = read_cells(data, "exercises/ex4_5.ipynb")   # list of cell dicts (format 4)
    notebook = load_json(text)                          # NotebookJSONError when unusable

The file is student-controlled bytes, read in the trusted process; nothing here runs
any of it. Each step is bounded, in this order, so that no input costs the judge more
than a few times its size in memory or a recursion it cannot afford:

- size: at most :data:`MAX_NOTEBOOK_BYTES` (the outputs of plots make notebooks big;
  the message says to clear them);
- UTF-8 text (a BOM is allowed);
- JSON values: at most :data:`MAX_JSON_VALUES`, counted from the text (an upper bound:
  every value but the first follows a ``,``, ``:``, ``[`` or ``{``), so that millions of
  tiny values cannot cost gigabytes once parsed;
- JSON nesting: at most :data:`MAX_JSON_DEPTH` levels (Jupyter writes fewer than ten),
  checked after parsing without recursion; the parser's own recursion error is caught;
- format: 4 is used as plain dicts; 3 is converted by :mod:`nbformat` (only now, when
  the depth is known to be small).

Every problem is a :class:`~grader.errors.SubmissionError` naming the file. Measured
peak cost to the judge of reading one notebook (tests/notebook/test_hostile_notebooks.py
asserts under 128 MiB): about 86 MiB for a million tiny JSON items, 54 MiB for a 19 MB
code literal (refused by :data:`~grader.notebook.extract.MAX_CODE_CHARS` after parsing),
3 MiB for JSON nested 400 000 levels deep; a larger file is never read past the limit.
"""

from __future__ import annotations

import json
import warnings
from typing import Any

import nbformat

from grader.errors import SubmissionError

__all__ = [
    "MAX_JSON_DEPTH",
    "MAX_JSON_VALUES",
    "MAX_NOTEBOOK_BYTES",
    "NotebookJSONError",
    "load_json",
    "read_cells",
]

MAX_NOTEBOOK_BYTES = 20_000_000
MAX_JSON_VALUES = 1_000_000
MAX_JSON_DEPTH = 100
_CLEAR_OUTPUTS = "clear the outputs (Edit > Clear Outputs of All Cells), save, and hand it in again"


class NotebookJSONError(ValueError):
    """The text is not JSON a notebook can be read from; ``str()`` says why, briefly."""


def read_cells(data: bytes, name: str) -> list[Any]:
    """The cells of the notebook whose file holds ``data`` (format 3 is converted).

    ``name`` is how messages name the file. Raises SubmissionError when the bytes are
    not a usable notebook.
    """
    if len(data) > MAX_NOTEBOOK_BYTES:
        raise SubmissionError(
            f"{name}: larger than {MAX_NOTEBOOK_BYTES // 1_000_000} MB: {_CLEAR_OUTPUTS}"
        )
    try:
        notebook = load_json(decode(data, name))
    except NotebookJSONError as exc:
        raise SubmissionError(f"{name}: not a notebook: {exc}") from None
    return _cells(_as_version_4(notebook, name), name)


def decode(data: bytes, name: str) -> str:
    """The text of ``data`` (UTF-8, an optional BOM dropped); SubmissionError otherwise."""
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise SubmissionError(
            f"{name}: not a notebook: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset "
            f"{exc.start}); save it from Jupyter, which writes UTF-8 JSON"
        ) from None


def load_json(text: str) -> Any:
    """``text`` parsed as JSON within the value and depth bounds; NotebookJSONError if not."""
    values = 1 + sum(text.count(mark) for mark in ",:[{")
    if values > MAX_JSON_VALUES:
        raise NotebookJSONError(
            f"too large to read: more than {MAX_JSON_VALUES:,} JSON items (counting every "
            f"`,` `:` `[` `{{`, text included; outputs, most often): {_CLEAR_OUTPUTS}"
        )
    too_deep = NotebookJSONError(
        f"the JSON is nested more than {MAX_JSON_DEPTH} levels deep; Jupyter never writes "
        "that: open the notebook in Jupyter and save it again"
    )
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise NotebookJSONError(
            f"the file is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}); "
            "was it cut short or edited by hand? Open it in Jupyter and save it again"
        ) from None
    except RecursionError:  # the parser's own depth limit
        raise too_deep from None
    except MemoryError:
        raise NotebookJSONError(f"the file is too large to read: {_CLEAR_OUTPUTS}") from None
    if _deeper_than(data, MAX_JSON_DEPTH):
        raise too_deep
    return data


def _deeper_than(data: Any, limit: int) -> bool:
    """True if ``data`` nests lists and dicts more than ``limit`` levels (no recursion)."""
    stack = [(data, 1)] if isinstance(data, dict | list) else []
    while stack:
        node, depth = stack.pop()
        children = node.values() if isinstance(node, dict) else node
        for child in children:
            if isinstance(child, dict | list):
                if depth + 1 > limit:
                    return True
                stack.append((child, depth + 1))
    return False


def _as_version_4(data: Any, name: str) -> dict:
    """Format 4 as a plain dict; format 3 converted by nbformat; SubmissionError otherwise."""
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
    return data if version == 4 else _converted(data, name)


def _converted(data: dict, name: str) -> dict:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return nbformat.convert(nbformat.from_dict(data), 4)
        except Exception as exc:  # nbformat raises many kinds for odd old files
            raise SubmissionError(
                f"{name}: notebook format 3 could not be converted to format 4 "
                f"({type(exc).__name__}: {str(exc)[:200]}): open it in Jupyter and save it again"
            ) from None


def _cells(notebook: dict, name: str) -> list[Any]:
    cells = notebook.get("cells")
    if not isinstance(cells, list):
        raise SubmissionError(
            f"{name}: the notebook has no list of cells ('cells' is missing or not a list): "
            "the file is incomplete or was not saved by Jupyter"
        )
    return cells
