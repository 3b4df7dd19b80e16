"""Prove that a handout holds no secret: scan every file for what only instructors have.

    secrets = collect_secrets(course, course.exercises())      # grader.release.secrets
    leaks = scan(handout_dir, secrets)                         # [] for a clean handout

Every file is read as text (never run). Function bodies are compared as syntax trees
(as written, with identifiers renamed canonically, and as a multiset of renamed
statements) in ``.py`` files, in notebooks' cells and in code held by string
constants; other secrets as normalized text (see :mod:`grader.release.secrets`).
"""

from __future__ import annotations

import ast
import json
import re
import textwrap
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from grader.release.secrets import (
    WHITESPACE,
    Secret,
    body_dump,
    functions,
    normalize_formula,
    renamed_dump,
    unordered_dump,
)

_BODY_FORMS = {"ast": body_dump, "ast-renamed": renamed_dump, "ast-unordered": unordered_dump}

__all__ = ["Leak", "scan"]


@dataclass(frozen=True)
class Leak:
    """A handout file (relative path) that contains a secret."""

    file: str
    secret: Secret

    def describe(self) -> str:
        secret = self.secret
        return f"{self.file}: contains {secret.kind} of {secret.exercise} ({secret.origin})"


def scan(handout: Path, secrets: Sequence[Secret]) -> list[Leak]:
    """Every (file, secret) match under ``handout``; files are read, never run."""
    leaks: dict[tuple[str, str, str], Leak] = {}
    for path in sorted(p for p in handout.rglob("*") if p.is_file()):
        relative, view = path.relative_to(handout).as_posix(), _FileView(path)
        for secret in secrets:
            key = (relative, secret.kind, secret.origin)
            if key not in leaks and secret.applies_to(relative) and view.contains(secret):
                leaks[key] = Leak(relative, secret)
    return list(leaks.values())


class _FileView:
    """One handout file, read lazily in each form a secret is compared in."""

    def __init__(self, path: Path) -> None:
        self.raw = path.read_bytes().decode("utf-8", errors="replace")
        self.is_code = path.suffix in (".py", ".ipynb")
        self.path = path
        self._forms: dict[str, object] = {}

    def contains(self, secret: Secret) -> bool:
        if secret.match in _BODY_FORMS:
            return secret.needle in self._form(secret.match, lambda: self._bodies(secret.match))
        if secret.match == "text":
            return secret.needle in self._form("text", lambda: WHITESPACE.sub("", self.raw))
        if secret.match == "formula":
            return secret.needle in self._form("formula", lambda: normalize_formula(self.raw))
        if secret.needle not in self.raw:  # the cheap test first: most needles are absent
            return False
        pattern = rf"(?<![\w.]){re.escape(secret.needle)}(?![\w.])"
        return re.search(pattern, self.raw) is not None

    def _form(self, name: str, make) -> object:
        if name not in self._forms:
            self._forms[name] = make()
        return self._forms[name]

    def _bodies(self, form: str) -> set[str]:
        """Every function body in the file, and in code held by its strings, in ``form``."""
        dump = _BODY_FORMS[form]
        return {dump(f) for f in self._form("functions", self._functions)}

    def _functions(self) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
        sources = list(_code_texts(self.path, self.raw)) if self.is_code else [self.raw]
        return [f for source in sources for tree in _trees(source) for f in functions(tree)]


def _code_texts(path: Path, raw: str) -> Iterator[str]:
    if path.suffix != ".ipynb":
        yield raw
        return
    try:
        cells = json.loads(raw).get("cells", [])
    except (ValueError, AttributeError):
        return
    for cell in cells:
        source = cell.get("source", "") if isinstance(cell, dict) else ""
        yield "".join(source) if isinstance(source, list) else str(source)


def _trees(source: str) -> Iterator[ast.Module]:
    """The module's tree, and the trees of string constants in it that parse as code."""
    tree = _parse(source)
    if tree is None:
        return
    yield tree
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and "def " in node.value:
            inner = _parse(_dedent(node.value))
            if inner is not None:
                yield inner


def _parse(source: str) -> ast.Module | None:
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _dedent(text: str) -> str:
    return textwrap.dedent(text).strip("\n") + "\n"
