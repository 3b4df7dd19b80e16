"""Check the files of a submission without running any of them.

Each function returns student-readable problems, each starting with the file's
handout path. Python sources are parsed with :func:`ast.parse` only (parsing runs no
student code); notebooks are parsed as JSON (within the size, value-count and depth
bounds of :mod:`grader.notebook.reading`) and answers as TOML, both with parsers that
cannot run code, and both within limits (nesting, integer digits: see
:mod:`grader.input_limits`), so that no content raises anything here.
"""

from __future__ import annotations

import ast
import io
import tokenize
import warnings
from collections.abc import Collection, Mapping, Sequence

from grader.input_limits import MAX_ANSWERS_BYTES
from grader.notebook.reading import NotebookJSONError, load_json
from grader.quiz.answers_toml import TomlRefused, load_toml


def not_submitted(exercise: str) -> str:
    """The problem of a submission without the exercise's source (how statistics tell a
    missing exercise from a graded one)."""
    return f"exercises/{exercise}.py: missing, exercise {exercise} not submitted"


def missing(
    files: Mapping[str, bytes], exercise_ids: Sequence[str], quizzes: Collection[str]
) -> list[str]:
    """One problem per absent source, and per absent answers file of an exercise in ``quizzes``."""
    problems = []
    for exercise in exercise_ids:
        if not any(f"exercises/{exercise}{ext}" in files for ext in (".py", ".ipynb")):
            problems.append(not_submitted(exercise))
        if exercise in quizzes and f"answers/{exercise}.toml" not in files:
            problems.append(f"answers/{exercise}.toml: missing, its quiz cannot be graded")
    return problems


def check_file(rel: str, data: bytes) -> list[str]:
    """Problems with one handout file (empty list: it can be graded)."""
    if rel.endswith(".py"):
        return check_python(rel, data)
    text, problem = _decode(rel, data)
    if problem:
        return [problem]
    if rel.endswith(".ipynb"):
        return _check_notebook(rel, text)
    if rel.endswith(".toml"):
        return _check_toml(rel, text)
    return []


def check_python(rel: str, data: bytes) -> list[str]:
    """Encoding and syntax problems of a Python source (PEP 263 cookies honoured)."""
    if _declared_encoding_fails(data):
        _, problem = _decode(rel, data)
        return [problem or f"{rel}: cannot be decoded with the encoding it declares"]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. invalid escape sequences in student code
            ast.parse(data, filename=rel)
    except SyntaxError as exc:
        return [f"{rel}: syntax error on line {exc.lineno}: {exc.msg}"]
    except ValueError as exc:  # null bytes (Python 3.11)
        return [f"{rel}: not a Python source file ({exc})"]
    except (RecursionError, MemoryError):
        return [f"{rel}: too deeply nested to parse"]
    return []


def _declared_encoding_fails(data: bytes) -> bool:
    """True when the bytes do not decode with the encoding Python would use."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        data.decode(encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError):
        return True
    return False


def _decode(rel: str, data: bytes) -> tuple[str, str]:
    """(text, "") for UTF-8 (a BOM is allowed), else ("", problem)."""
    try:
        return data.decode("utf-8-sig"), ""
    except UnicodeDecodeError as exc:
        byte = data[exc.start]
        return "", (
            f"{rel}: not UTF-8 text (byte 0x{byte:02x} at offset {exc.start}); "
            "save the file with UTF-8 encoding"
        )


def _check_notebook(rel: str, text: str) -> list[str]:
    try:
        notebook = load_json(text)
    except NotebookJSONError as exc:
        return [f"{rel}: not a valid notebook: {exc}"]
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        return [f"{rel}: not a valid notebook (no list of cells)"]
    return []


def _check_toml(rel: str, text: str) -> list[str]:
    if len(text.encode("utf-8")) > MAX_ANSWERS_BYTES:
        return [f"{rel}: the file is larger than {MAX_ANSWERS_BYTES} bytes"]
    try:
        load_toml(text)
    except TomlRefused as exc:
        return [f"{rel}: {exc}"]
    return []
