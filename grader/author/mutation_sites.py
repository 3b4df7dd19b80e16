"""Where a solution can be mutated, and how: the mutation operators of :mod:`.mutants`.

Each :class:`Site` is one possible first-order change: the text edits that make it
(character offsets into the source) and the change of the syntax tree they must amount
to. Operators: arithmetic (``+``/``-``, ``*``/``/``, ``//``, ``%``, ``**``, ``@``, bit
and shift operators, also in ``+=``), comparison (``<``/``<=``/``>``, ``==``/``!=``,
``is``, ``in``), boolean (``and``/``or``), unary (``-x``, ``not x``, ``~x`` lose their
operator), constant (numbers +-1, floats to 0 or +1, booleans flipped), statement (a
simple statement, or an ``if`` without ``else``, in a function becomes ``pass``),
arguments (two neighbouring positional arguments swapped) and dim (``dim=``/``axis=``
to another of 0, 1, -1; ``keepdim``/``keepdims`` flipped).
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from dataclasses import dataclass

__all__ = ["MUT_ID", "Site", "Text", "edited", "edited_end", "sites"]

MUT_ID = "_grader_mutation_id"
AXIS_KEYWORDS = ("dim", "axis")
FLAG_KEYWORDS = ("keepdim", "keepdims")
_BINARY = {
    ast.Add: (ast.Sub,),
    ast.Sub: (ast.Add,),
    ast.Mult: (ast.Div,),
    ast.Div: (ast.Mult,),
    ast.FloorDiv: (ast.Div,),
    ast.Mod: (ast.FloorDiv,),
    ast.Pow: (ast.Mult,),
    ast.MatMult: (ast.Mult,),
    ast.BitAnd: (ast.BitOr,),
    ast.BitOr: (ast.BitAnd,),
    ast.LShift: (ast.RShift,),
    ast.RShift: (ast.LShift,),
}
_COMPARE = {
    ast.Lt: (ast.LtE, ast.Gt),
    ast.LtE: (ast.Lt, ast.GtE),
    ast.Gt: (ast.GtE, ast.Lt),
    ast.GtE: (ast.Gt, ast.LtE),
    ast.Eq: (ast.NotEq,),
    ast.NotEq: (ast.Eq,),
    ast.Is: (ast.IsNot,),
    ast.IsNot: (ast.Is,),
    ast.In: (ast.NotIn,),
    ast.NotIn: (ast.In,),
}
_BOOLEAN = {ast.And: ast.Or, ast.Or: ast.And}
_SYMBOLS = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.Pow: "**",
    ast.MatMult: "@",
    ast.BitAnd: "&",
    ast.BitOr: "|",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Is: "is",
    ast.IsNot: "is not",
    ast.In: "in",
    ast.NotIn: "not in",
    ast.And: "and",
    ast.Or: "or",
}
_DROPPABLE = (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Expr, ast.Raise, ast.Assert, ast.If)


@dataclass(frozen=True)
class Site:
    """One possible mutation: text edits, and the tree change they must amount to."""

    operator: str
    function: str
    node: ast.AST
    edits: tuple[tuple[int, int, str], ...]  # (start, end, new text) in characters
    change: Callable[[ast.AST], ast.AST]  # applied to a copy of ``node``
    before: str
    after: str


def sites(tree: ast.Module, text: Text) -> Iterator[Site]:
    skipped = _skipped_ids(tree)
    for function, node in _walk_with_function(tree):
        if getattr(node, MUT_ID) in skipped:
            continue
        yield from _node_sites(node, function, text)


def _node_sites(node: ast.AST, function: str, text: Text) -> Iterator[Site]:
    if isinstance(node, ast.BinOp):
        yield from _binary_sites(node, function, text)
    elif isinstance(node, ast.AugAssign):
        yield from _augmented_sites(node, function, text)
    elif isinstance(node, ast.Compare):
        yield from _compare_sites(node, function, text)
    elif isinstance(node, ast.BoolOp):
        yield from _boolean_sites(node, function, text)
    elif isinstance(node, ast.UnaryOp) and not isinstance(node.op, ast.UAdd):
        yield _unary_site(node, function, text)
    elif isinstance(node, ast.Constant):
        yield from _constant_sites(node, function, text)
    elif isinstance(node, ast.Call):
        yield from _argument_sites(node, function, text)
        yield from _keyword_sites(node, function, text)
    if function != "<module>" and isinstance(node, _DROPPABLE) and _droppable(node):
        yield _statement_site(node, function, text)


def _binary_sites(node: ast.BinOp, function: str, text: Text) -> Iterator[Site]:
    gap = (text.end(node.left), text.start(node.right))
    for new_op in _BINARY.get(type(node.op), ()):
        yield from _maybe(
            _operator_site("arithmetic", node, function, text, [gap], node.op, new_op)
        )


def _augmented_sites(node: ast.AugAssign, function: str, text: Text) -> Iterator[Site]:
    gap = (text.end(node.target), text.start(node.value))
    for new_op in _BINARY.get(type(node.op), ()):
        yield from _maybe(
            _operator_site("arithmetic", node, function, text, [gap], node.op, new_op)
        )


def _compare_sites(node: ast.Compare, function: str, text: Text) -> Iterator[Site]:
    operands = [node.left, *node.comparators]
    for index, op in enumerate(node.ops):
        gap = (text.end(operands[index]), text.start(operands[index + 1]))
        for new_op in _COMPARE.get(type(op), ()):

            def change(copy_node: ast.Compare, i: int = index, new=new_op) -> ast.AST:
                copy_node.ops[i] = new()
                return copy_node

            edit = _symbol_edit(text, gap, _SYMBOLS[type(op)], _SYMBOLS[new_op])
            if edit is not None:
                yield _site("comparison", node, function, text, (edit,), change)


def _boolean_sites(node: ast.BoolOp, function: str, text: Text) -> Iterator[Site]:
    gaps = [
        (text.end(a), text.start(b)) for a, b in zip(node.values, node.values[1:], strict=False)
    ]
    new_op = _BOOLEAN[type(node.op)]
    yield from _maybe(_operator_site("boolean", node, function, text, gaps, node.op, new_op))


def _operator_site(operator, node, function, text, gaps, old_op, new_op) -> Site | None:
    edits = [_symbol_edit(text, gap, _SYMBOLS[type(old_op)], _SYMBOLS[new_op]) for gap in gaps]
    if any(edit is None for edit in edits):
        return None

    def change(copy_node: ast.AST) -> ast.AST:
        copy_node.op = new_op()
        return copy_node

    return _site(operator, node, function, text, tuple(edits), change)


def _unary_site(node: ast.UnaryOp, function: str, text: Text) -> Site:
    edit = (text.start(node), text.start(node.operand), "")
    return _site("unary", node, function, text, (edit,), lambda copy_node: copy_node.operand)


def _constant_sites(node: ast.Constant, function: str, text: Text) -> Iterator[Site]:
    for value in _constant_alternatives(node.value):
        new_text = repr(value)
        edit = (text.start(node), text.end(node), new_text)
        yield _site("constant", node, function, text, (edit,), _parsed(new_text))


def _constant_alternatives(value: object) -> tuple[object, ...]:
    if isinstance(value, bool):
        return (not value,)
    if isinstance(value, int):
        return (1,) if value == 0 else (value - 1, value + 1)
    if isinstance(value, float):
        return (1.0,) if value == 0 else (0.0, value + 1.0)
    return ()


def _argument_sites(node: ast.Call, function: str, text: Text) -> Iterator[Site]:
    args = node.args
    if any(isinstance(a, ast.Starred) for a in args):
        return
    for index in range(len(args) - 1):
        first, second = args[index], args[index + 1]
        a, b = text.segment(first), text.segment(second)
        if a == b:
            continue
        between = text.source[text.end(first) : text.start(second)]
        edit = (text.start(first), text.end(second), f"{b}{between}{a}")

        def change(copy_node: ast.Call, i: int = index) -> ast.AST:
            copy_node.args[i], copy_node.args[i + 1] = copy_node.args[i + 1], copy_node.args[i]
            return copy_node

        yield _site("arguments", node, function, text, (edit,), change)


def _keyword_sites(node: ast.Call, function: str, text: Text) -> Iterator[Site]:
    for keyword in node.keywords:
        value = keyword.value
        if keyword.arg in AXIS_KEYWORDS:
            current = _literal(value)
            options = [v for v in (0, 1, -1) if v != current] if isinstance(current, int) else []
        elif keyword.arg in FLAG_KEYWORDS and isinstance(_literal(value), bool):
            options = [not _literal(value)]
        else:
            continue
        for option in options[:2]:
            edit = (text.start(value), text.end(value), repr(option))
            yield _site("dim", value, function, text, (edit,), _parsed(repr(option)))


def _statement_site(node: ast.stmt, function: str, text: Text) -> Site:
    edit = (text.start(node), text.end(node), "pass")
    return _site("statement", node, function, text, (edit,), lambda _copy: ast.Pass())


def _site(operator, node, function, text, edits, change) -> Site:
    before = text.segment(node)
    after = edited(text.source, edits)[text.start(node) : edited_end(text, node, edits)]
    return Site(operator, function, node, tuple(edits), change, before, after)


def edited(source: str, edits: tuple[tuple[int, int, str], ...]) -> str:
    for start, end, new in sorted(edits, reverse=True):
        source = source[:start] + new + source[end:]
    return source


def edited_end(text: Text, node: ast.AST, edits) -> int:
    """Where ``node`` ends once ``edits`` (all inside it) are made."""
    return text.end(node) + sum(len(new) - (end - start) for start, end, new in edits)


def _symbol_edit(text: Text, gap: tuple[int, int], old: str, new: str):
    """The edit replacing the operator ``old`` in the text between two operands."""
    between = text.source[gap[0] : gap[1]]
    index = _token_index(between, old)
    if index < 0:
        return None
    return (gap[0] + index, gap[0] + index + len(old), new)


def _token_index(between: str, symbol: str) -> int:
    """Index of ``symbol`` as a whole token in ``between`` (outside a comment), or -1."""
    code = between.split("#", 1)[0]
    start = 0
    while (index := code.find(symbol, start)) >= 0:
        before = code[index - 1] if index else " "
        after = code[index + len(symbol)] if index + len(symbol) < len(code) else " "
        word = symbol[0].isalpha()
        clash = (before.isalnum() or after.isalnum()) if word else (after in "*/=<>")
        if not clash:
            return index
        start = index + 1
    return -1


def _parsed(new_text: str) -> Callable[[ast.AST], ast.AST]:
    return lambda _copy: ast.parse(new_text, mode="eval").body


# ----------------------------------------------------------------------------- what not to touch


def _skipped_ids(tree: ast.Module) -> set[int]:
    """Ids of nodes never mutated: docstrings, annotations, imports, decorators, f-strings,
    the ``__main__`` block, ``__all__`` and ``PUBLIC_BODIES``."""
    roots: list[ast.AST] = []
    for node in ast.walk(tree):
        if _has_docstring(node):
            roots.append(node.body[0])
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            roots += node.decorator_list
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            roots += [node.returns] if node.returns else []
        if isinstance(node, ast.arg) and node.annotation is not None:
            roots.append(node.annotation)
        if isinstance(node, ast.AnnAssign):
            roots.append(node.annotation)
        if isinstance(node, ast.Import | ast.ImportFrom | ast.JoinedStr) or _is_main_block(node):
            roots.append(node)
        if isinstance(node, ast.Assign) and _assigns(node, ("__all__", "PUBLIC_BODIES")):
            roots.append(node)
    return {getattr(n, MUT_ID) for root in roots for n in ast.walk(root)}


def _walk_with_function(tree: ast.Module) -> Iterator[tuple[str, ast.AST]]:
    """Every node with the name of the function (or class.method) it is in."""
    stack: list[tuple[str, ast.AST]] = [("<module>", tree)]
    while stack:
        scope, node = stack.pop()
        yield scope, node
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            scope = node.name if scope == "<module>" else f"{scope}.{node.name}"
        stack.extend((scope, child) for child in reversed(list(ast.iter_child_nodes(node))))


def _droppable(node: ast.stmt) -> bool:
    if isinstance(node, ast.If):
        return not node.orelse
    if isinstance(node, ast.AnnAssign):
        return node.value is not None
    return not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))


def _has_docstring(node: ast.AST) -> bool:
    body = getattr(node, "body", None)
    return (
        isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        and bool(body)
        and isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
        and isinstance(body[0].value.value, str)
    )


def _is_main_block(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.If)
        and isinstance(node.test, ast.Compare)
        and isinstance(node.test.left, ast.Name)
        and node.test.left.id == "__name__"
    )


def _assigns(node: ast.Assign, names: tuple[str, ...]) -> bool:
    return any(isinstance(t, ast.Name) and t.id in names for t in node.targets)


def _literal(node: ast.AST) -> object:
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None


def _maybe(site: Site | None) -> Iterator[Site]:
    if site is not None:
        yield site


class Text:
    """The source, with node positions (UTF-8 byte columns) as character offsets."""

    def __init__(self, source: str) -> None:
        self.source = source
        self._lines = source.splitlines(keepends=True)
        self._starts = [0]
        for line in self._lines:
            self._starts.append(self._starts[-1] + len(line))

    def offset(self, line: int, byte_col: int) -> int:
        text = self._lines[line - 1] if line - 1 < len(self._lines) else ""
        column = len(text.encode("utf-8")[:byte_col].decode("utf-8", errors="ignore"))
        return self._starts[line - 1] + column

    def start(self, node: ast.AST) -> int:
        return self.offset(node.lineno, node.col_offset)

    def end(self, node: ast.AST) -> int:
        return self.offset(node.end_lineno, node.end_col_offset)

    def segment(self, node: ast.AST) -> str:
        return self.source[self.start(node) : self.end(node)]
