"""Which files of an exercise's public folder ``checks/<id>/`` a handout ships: a whitelist.

Shipped: the parts every exercise has (``__init__.py``, ``exercise.toml``,
``statement.md``, ``public.py``, ``probes.py``, ``quiz.py``), every module of the folder
that a shipped module imports (``from grader.course.<id> import m``,
``from grader.course.<id>.m import x``, ``import grader.course.<id>.m``, relative
imports), transitively, and any other file a shipped file names (``data.json`` read
by a probe, a figure in the statement). Anything else (a scratch copy, an old draft,
notes) is left out, and the build says so. Files are parsed, never run.

:func:`released_files` is that rule with the kinds of file a handout holds
(:data:`SHIPPED_SUFFIXES`): what ``grade release`` copies, and all of ``checks/`` that
``grade batch --cluster`` sends to workers not marked trusted
(:mod:`grader.batch.executors.bundle`).
"""

from __future__ import annotations

import ast
from pathlib import Path

STANDARD = ("__init__.py", "exercise.toml", "statement.md", "public.py", "probes.py", "quiz.py")
#: The kinds of file a handout holds (no caches, backups, editor files or binaries).
SHIPPED_SUFFIXES = (".py", ".md", ".toml", ".json", ".typed")


def released_files(folder: Path, exercise_id: str) -> tuple[list[Path], list[Path]]:
    """(shipped, left out) as a handout ships ``folder`` (``checks/<id>/``): the
    :func:`exercise_files` whitelist, less the files of a kind a handout does not hold."""
    wanted, left_out = exercise_files(folder, exercise_id)
    shipped = [p for p in wanted if p.name.endswith(SHIPPED_SUFFIXES)]
    return shipped, sorted([*left_out, *(p for p in wanted if p not in shipped)])


def exercise_files(folder: Path, exercise_id: str) -> tuple[list[Path], list[Path]]:
    """(shipped, left out): the files under ``folder``, relative to it, split by the rule above.

    Dot files and caches are in neither list.
    """
    candidates = sorted(
        p.relative_to(folder)
        for p in folder.rglob("*")
        if p.is_file() and not _ignored(p.relative_to(folder))
    )
    shipped = {p for p in candidates if p.as_posix() in STANDARD}
    pending = list(shipped)
    while pending:
        path = pending.pop()
        for found in _wanted_by(folder, path, exercise_id, candidates):
            if found not in shipped:
                shipped.add(found)
                pending.append(found)
    return sorted(shipped), [p for p in candidates if p not in shipped]


def _ignored(relative: Path) -> bool:
    return any(part.startswith(".") or part == "__pycache__" for part in relative.parts) or (
        relative.suffix in (".pyc", ".pyo")
    )


def _wanted_by(folder: Path, path: Path, exercise_id: str, candidates: list[Path]) -> set[Path]:
    """The candidates that ``path`` imports (a module) or names (any file)."""
    text = (folder / path).read_text(encoding="utf-8", errors="replace")
    wanted = {c for c in candidates if c != path and _named(c, text)}
    if path.suffix == ".py":
        for dotted in _imported_modules(text, path, exercise_id):
            wanted |= {c for c in candidates if c.as_posix() in _module_files(dotted)}
    return wanted


def _named(candidate: Path, text: str) -> bool:
    """Whether ``text`` names a non-module file (``statement.md`` naming ``figure.png``)."""
    return candidate.suffix != ".py" and (
        candidate.as_posix() in text
        or f'"{candidate.name}"' in text
        or f"({candidate.name})" in text
    )


def _module_files(dotted: str) -> tuple[str, str]:
    base = dotted.replace(".", "/")
    return f"{base}.py", f"{base}/__init__.py"


def _imported_modules(text: str, path: Path, exercise_id: str) -> set[str]:
    """Dotted names, relative to the exercise package, of what the module imports from it."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError):
        return set()
    package = f"grader.course.{exercise_id}"
    here = ".".join(path.with_suffix("").parts[:-1])  # the module's own sub-package
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {_inside(a.name, package) for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = _base(node, package, here)
            if base is None:
                continue
            found.add(base)
            found |= {f"{base}.{a.name}".strip(".") for a in node.names}
    parents = {".".join(n.split(".")[:i]) for n in found for i in range(1, n.count(".") + 1)}
    return {name for name in found | parents if name}  # importing a.b imports a too


def _base(node: ast.ImportFrom, package: str, here: str) -> str | None:
    """The package-relative module an ``import from`` reads, or None if outside it."""
    if node.level == 0:
        name = node.module or ""
        return _inside(name, package) if name.startswith(package) else None
    parts = here.split(".") if here else []
    if node.level - 1 > len(parts):
        return None
    parts = parts[: len(parts) - (node.level - 1)]
    return ".".join([*parts, *(node.module or "").split(".")]).strip(".")


def _inside(name: str, package: str) -> str:
    return name.removeprefix(package).lstrip(".") if name.startswith(package) else ""
