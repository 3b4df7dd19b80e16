"""Source-to-source breakages that turn a reference solution into a student's mistake.

Used by :mod:`grader.batch.demo_class` to build realistic wrong submissions from
whatever ``solutions/<id>.py`` exist. An exercise's own realistic mistakes live in
the course, ``hidden/<id>.mistakes.toml`` (:func:`course_breakages`); every exercise
also gets the generic ones here (a function that returns None, an endless loop, a crash at
import, a syntax error, a non-UTF-8 file, a stub), found with :mod:`ast` so that
they apply to any solution. Only the reference solution's text is parsed; nothing
is executed.
"""

from __future__ import annotations

import ast
import random
import textwrap
import tomllib
from dataclasses import dataclass
from pathlib import Path

from grader.errors import CourseError


@dataclass(frozen=True)
class Breakage:
    """One realistic mistake in one exercise.

    Either a text substitution (``old`` -> ``new``, first occurrence), or, when
    ``function`` is set, the replacement of that top-level function by
    ``replacement`` (complete source of the wrong function). A breakage whose
    ``old`` text or function is absent from a solution does not apply to it.
    """

    description: str
    old: str = ""
    new: str = ""
    function: str = ""
    replacement: str = ""


def apply(source: str, breakage: Breakage) -> str | None:
    """``source`` with ``breakage`` applied, or None when it does not apply."""
    if breakage.function:
        return replace_function(source, breakage.function, breakage.replacement)
    if breakage.old and breakage.old in source:
        return source.replace(breakage.old, breakage.new, 1)
    return None


def course_breakages(path: Path) -> tuple[Breakage, ...]:
    """The ``[[mistake]]`` entries of a course's ``hidden/<id>.mistakes.toml`` (none if absent).

    Raises CourseError naming the file when it cannot be read or an entry is malformed.
    """
    if not path.is_file():
        return ()
    try:
        entries = tomllib.loads(path.read_text(encoding="utf-8")).get("mistake", [])
        return tuple(Breakage(**entry) for entry in entries)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, TypeError) as exc:
        raise CourseError(f"{path}: not a list of [[mistake]] entries ({exc})") from exc


def applicable(breakages: tuple[Breakage, ...], source: str) -> list[Breakage]:
    """The ``breakages`` that apply to this solution text."""
    return [b for b in breakages if apply(source, b) is not None]


def functions(source: str) -> list[ast.FunctionDef]:
    """The top-level functions of ``source`` whose body (beyond a docstring) starts a line."""
    lines = source.splitlines()
    found = []
    for node in ast.parse(source).body:
        if not isinstance(node, ast.FunctionDef) or _body_start(node) >= len(node.body):
            continue
        first = node.body[_body_start(node)]
        if not lines[first.lineno - 1][: first.col_offset].strip():
            found.append(node)
    return found


def replace_function(source: str, name: str, replacement: str) -> str | None:
    """``source`` with top-level function ``name`` (and its decorators) replaced."""
    node = next((f for f in functions(source) if f.name == name), None)
    if node is None:
        return None
    lines = source.splitlines(keepends=True)
    first = min([node.lineno, *(d.lineno for d in node.decorator_list)]) - 1
    new = textwrap.dedent(replacement).strip("\n") + "\n"
    return "".join([*lines[:first], new, *lines[node.end_lineno :]])


def return_none(source: str, rng: random.Random) -> str:
    """One function's body (after its docstring) replaced by ``return None``."""
    return _rewrite_body(source, rng, "return None  # TODO\n", keep=False)


def endless_loop(source: str, rng: random.Random) -> str:
    """One function starts with a loop that never ends."""
    loop = "step = 0\nwhile step < 10:  # forgot to increment step\n    pass\n"
    return _rewrite_body(source, rng, loop, keep=True)


def stub(source: str) -> str:
    """Every public function's body (after its docstring) becomes ``raise NotImplementedError``."""
    for node in reversed([f for f in functions(source) if not f.name.startswith("_")]):
        source = _replace_body(source, node, "raise NotImplementedError\n", keep=False)
    return source


def crash_at_import(source: str) -> str:
    """A module-level line that raises when the module is imported."""
    return source.rstrip("\n") + '\n\nDATA = open("my_local_copy_of_data.csv").read()\n'


def syntax_error(source: str) -> str:
    """An unclosed parenthesis at the end of the file."""
    return source.rstrip("\n") + '\n\nprint("all done"\n'


def non_utf8(source: str) -> bytes:
    """The source saved as GBK with a Chinese comment (not valid UTF-8)."""
    return ("# 作业:我的答案\n" + source).encode("gbk", errors="replace")


def _rewrite_body(source: str, rng: random.Random, code: str, keep: bool) -> str:
    """Rewrite one function, a public one (no leading ``_``) when there is one."""
    every = functions(source)
    candidates = [f for f in every if not f.name.startswith("_")] or every
    if not candidates:
        return source.rstrip("\n") + "\n\n" + code.replace("return None", "pass")
    return _replace_body(source, rng.choice(candidates), code, keep)


def _replace_body(source: str, node: ast.FunctionDef, code: str, keep: bool) -> str:
    """Insert ``code`` before the body (``keep``) or in place of it, after the docstring."""
    start_stmt = node.body[_body_start(node)]
    lines = source.splitlines(keepends=True)
    start = start_stmt.lineno - 1
    indent = lines[start][: len(lines[start]) - len(lines[start].lstrip())]
    new = textwrap.indent(code, indent)
    end = start if keep else node.body[-1].end_lineno
    return "".join([*lines[:start], new, *lines[end:]])


def _body_start(node: ast.FunctionDef) -> int:
    """Index of the first statement after the docstring."""
    first = node.body[0]
    is_doc = isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
    return 1 if is_doc and isinstance(first.value.value, str) else 0
