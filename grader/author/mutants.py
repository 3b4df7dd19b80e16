"""First-order mutants of a reference solution: one small change each, as source text.

    for mutant in generate(source):                    # every mutant, in source order
        print(mutant.fingerprint, mutant.description)
    chosen = sample(generate(source), 60, seed=0)      # deterministic

The operators (:mod:`grader.author.mutation_sites`) are those of mutation-testing
tools (operator swaps, comparison swaps, constant changes, dropped statements, swapped
arguments) plus one that matters for array code: a changed ``dim=``/``axis=`` (and
``keepdim``/``keepdims`` flipped). A mutant is a text edit of the original, so its diff
shows just the change; the edit is checked against the intended change of the syntax
tree (and parenthesized where operator precedence would otherwise change its meaning).
Mutants that do not compile, or whose tree equals the original's, are left out.
Docstrings, annotations, imports, decorators, f-strings and the ``if __name__ ==
"__main__":`` block are never mutated.

A mutant's :attr:`Mutant.fingerprint` depends on what changed and in which function,
not on line numbers, so an instructor's list of equivalent mutants survives edits
elsewhere in the solution.
"""

from __future__ import annotations

import ast
import copy
import difflib
import hashlib
import random
from dataclasses import dataclass

from grader.author.mutation_sites import MUT_ID, Site, Text, edited, edited_end, sites

__all__ = ["Mutant", "generate", "sample"]


@dataclass(frozen=True)
class Mutant:
    """One first-order mutant: what changed, where, and the mutated module's source."""

    operator: str  # arithmetic, comparison, boolean, unary, constant, statement, arguments, dim
    function: str  # the enclosing function ("<module>" at top level)
    line: int
    before: str  # the changed expression or statement, as written
    after: str  # what it became
    source: str  # the whole mutated module
    fingerprint: str
    line_before: str = ""  # the source line where the change starts, as written
    line_after: str = ""  # that line in the mutant

    @property
    def description(self) -> str:
        """``function, line N: the line as written -> the line mutated`` (first lines)."""
        return f"{self.function}, line {self.line}: {_short(self.line_before)} -> " + _short(
            self.line_after
        )

    def diff(self, original: str, name: str = "solution.py") -> str:
        """The unified diff from ``original`` to this mutant (one line of context)."""
        lines = difflib.unified_diff(
            original.splitlines(keepends=True),
            self.source.splitlines(keepends=True),
            f"{name} (reference)",
            f"{name} (mutant {self.fingerprint})",
            n=1,
        )
        return "".join(lines)


def generate(source: str) -> list[Mutant]:
    """Every first-order mutant of ``source`` that compiles and differs from it, in order.

    Returns [] when ``source`` does not parse.
    """
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return []
    nodes = list(ast.walk(tree))
    for number, node in enumerate(nodes):
        setattr(node, MUT_ID, number)
    text = Text(source)
    original = ast.dump(tree)
    mutants: list[Mutant] = []
    seen = {source}
    counts: dict[tuple[str, ...], int] = {}
    for site in sites(tree, text):
        mutant_source = _apply(site, tree, text)
        if mutant_source is None or mutant_source in seen:
            continue
        if ast.dump(ast.parse(mutant_source)) == original:
            continue
        seen.add(mutant_source)
        key = (site.operator, site.function, site.before, site.after)
        counts[key] = counts.get(key, -1) + 1
        mutants.append(_mutant(site, source, mutant_source, counts[key]))
    return mutants


def sample(mutants: list[Mutant], limit: int, seed: int = 0) -> list[Mutant]:
    """At most ``limit`` of ``mutants``, drawn with ``seed``, in their original order."""
    if len(mutants) <= limit:
        return list(mutants)
    chosen = random.Random(seed).sample(range(len(mutants)), limit)
    return [mutants[i] for i in sorted(chosen)]


# ----------------------------------------------------------------------------- applying


def _apply(site: Site, tree: ast.Module, text: Text) -> str | None:
    """The mutant's source, or None when no text edit gives the intended tree."""
    expected = ast.dump(_changed_tree(tree, site))
    mutated = edited(text.source, site.edits)
    if _dump(mutated) == expected:
        return mutated
    start, end = text.start(site.node), edited_end(text, site.node, site.edits)
    wrapped = f"{mutated[:start]}({mutated[start:end]}){mutated[end:]}"
    return wrapped if _dump(wrapped) == expected else None


def _changed_tree(tree: ast.Module, site: Site) -> ast.Module:
    target = getattr(site.node, MUT_ID)

    class Change(ast.NodeTransformer):
        def generic_visit(self, node: ast.AST) -> ast.AST:
            if getattr(node, MUT_ID, None) == target:
                return site.change(node)
            return super().generic_visit(node)

    return Change().visit(copy.deepcopy(tree))


def _dump(source: str) -> str | None:
    try:
        tree = ast.parse(source)
        compile(tree, "<mutant>", "exec")
    except (SyntaxError, ValueError):
        return None
    return ast.dump(tree)


def _mutant(site: Site, original: str, source: str, occurrence: int) -> Mutant:
    key = f"{site.operator}|{site.function}|{site.before}|{site.after}|{occurrence}"
    fingerprint = hashlib.sha1(key.encode("utf-8")).hexdigest()[:12]
    line = getattr(site.node, "lineno", 0)
    before, after = (_line(text, line) for text in (original, source))
    return Mutant(
        site.operator,
        site.function,
        line,
        site.before,
        site.after,
        source,
        fingerprint,
        before,
        after,
    )


def _line(text: str, number: int) -> str:
    lines = text.splitlines()
    return lines[number - 1].strip() if 0 < number <= len(lines) else ""


def _short(text: str, limit: int = 70) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
