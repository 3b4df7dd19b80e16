"""Which checks are statistical: found by reading the exercise's code, never by running it.

A check is *statistical* when its code reaches one of the statistical helpers of
:mod:`grader.judge.stats` (``binomial_acceptance`` and friends): directly, or through
functions, classes and module-level values of the exercise's own modules (its
``checks/<id>/`` folder and ``hidden/<id>.py``). Names are followed, not types: the
result can include a check that merely shares a helper's name with a statistical one,
never miss one that calls a helper through the exercise's code. Such a check declares
``false_failure=`` (``0`` where it is exact after all).

Reading, not running, because helpers' results are often cached (a statistical check
run second may never call the helper again).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

from grader.judge import stats
from grader.registry import Check

__all__ = ["HELPERS", "statistical_checks"]

#: The statistical helpers of the author API.
HELPERS = frozenset(stats.__all__)


def statistical_checks(checks: Iterable[Check], files: Iterable[Path]) -> set[str]:
    """The names of ``checks`` whose code reaches a statistical helper.

    ``files`` are the exercise's Python files (its public folder and hidden file).
    """
    graph, bodies = _reference_graph(files)
    return {c.name for c in checks if _reaches(bodies.get((c.source, c.name), set()), graph)}


def _reference_graph(files: Iterable[Path]) -> tuple[dict[str, set[str]], dict]:
    """(top-level name -> the names its definition uses; (file, function) -> names used)."""
    graph: dict[str, set[str]] = {}
    bodies: dict[tuple[str, str], set[str]] = {}
    for path in files:
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
            continue
        for node in tree.body:
            for name in _defined_names(node):
                used = _used_names(node)
                graph.setdefault(name, set()).update(used)
                bodies[str(path), name] = used
    return graph, bodies


def _defined_names(node: ast.stmt) -> list[str]:
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return [node.name]
    if isinstance(node, ast.Assign | ast.AnnAssign):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return [t.id for t in targets if isinstance(t, ast.Name)]
    return []


def _used_names(node: ast.AST) -> set[str]:
    """The names a definition uses; a function's decorators (``depends=``) are not its code."""
    parts = [node]
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        parts = [*node.body, *getattr(node, "bases", ()), *_defaults(node)]
    used = set()
    for child in (n for part in parts for n in ast.walk(part)):
        if isinstance(child, ast.Name):
            used.add(child.id)
        elif isinstance(child, ast.Attribute):
            used.add(child.attr)
    return used


def _defaults(node: ast.AST) -> list[ast.expr]:
    args = getattr(node, "args", None)
    return [*args.defaults, *(d for d in args.kw_defaults if d is not None)] if args else []


def _reaches(start: set[str], graph: dict[str, set[str]]) -> bool:
    seen, todo = set(), list(start)
    while todo:
        name = todo.pop()
        if name in HELPERS:
            return True
        if name not in seen:
            seen.add(name)
            todo.extend(graph.get(name, ()))
    return False
