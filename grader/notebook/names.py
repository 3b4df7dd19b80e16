"""The names a notebook cell binds at its top level, found by reading it (nothing runs).

    bound_names("import d2l\\ndef f(x):\\n    y = 1\\n")   # frozenset({"d2l", "f"})

Used to explain a failure: when cell 1 failed and a function of cell 5 finds ``d2l``
undefined, the name links the two. Parsed with :mod:`ast` when the cell parses and is
small enough (:data:`MAX_PARSED_CHARS`); otherwise (a syntax error, a huge cell) the
unindented ``def``/``class``/``import``/assignment lines are read with patterns.
"""

from __future__ import annotations

import ast
import re
import warnings

__all__ = ["MAX_PARSED_CHARS", "bound_names"]

MAX_PARSED_CHARS = 100_000
_LINE_PATTERNS = (
    re.compile(r"(?:async\s+)?def\s+([A-Za-z_]\w*)"),
    re.compile(r"class\s+([A-Za-z_]\w*)"),
    re.compile(r"([A-Za-z_]\w*)\s*(?::[^=]*)?=(?!=)"),
)
_IMPORT = re.compile(r"(?:from\s+\S+\s+)?import\s+(.+)")
_NESTED = (ast.If, ast.Try, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith)


def bound_names(code: str) -> frozenset[str]:
    """The names ``code`` would bind at module level if it ran to the end."""
    if len(code) <= MAX_PARSED_CHARS:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                tree = ast.parse(code)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            tree = None
        if tree is not None:
            return frozenset(_from_statements(tree.body))
    return frozenset(_from_lines(code))


def _from_statements(body: list[ast.stmt]) -> set[str]:
    names: set[str] = set()
    for node in body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names if a.name != "*"}
        names |= _stored(_targets(node))
        if isinstance(node, _NESTED):
            for field in ("body", "orelse", "finalbody"):
                names |= _from_statements(getattr(node, field, []))
            for handler in getattr(node, "handlers", []):
                names |= _from_statements(handler.body)
    return names


def _targets(node: ast.stmt) -> list[ast.AST]:
    """What a statement assigns to (before looking inside): assignment, loop, ``with`` targets."""
    if isinstance(node, ast.Assign):
        return list(node.targets)
    if isinstance(node, ast.AnnAssign | ast.AugAssign | ast.For | ast.AsyncFor):
        return [node.target]
    if isinstance(node, ast.With | ast.AsyncWith):
        return [item.optional_vars for item in node.items if item.optional_vars is not None]
    return []


def _stored(targets: list[ast.AST]) -> set[str]:
    """The plain names among ``targets`` (``a``, ``a, b``; not ``a[i]`` or ``a.b``)."""
    return {
        node.id
        for target in targets
        for node in ast.walk(target)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)
    }


def _from_lines(code: str) -> set[str]:
    names: set[str] = set()
    for line in code.splitlines():
        if not line or line[0].isspace():
            continue
        if match := _IMPORT.match(line):
            parts = match.group(1).strip("() \\").split(",")
            names |= {part.split(" as ")[-1].strip().split(".")[0] for part in parts}
            continue
        for pattern in _LINE_PATTERNS:
            if match := pattern.match(line):
                names.add(match.group(1))
                break
    return {name for name in names if name.isidentifier()}
