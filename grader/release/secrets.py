"""What a handout must not contain, read from the instructor's files (parsed, never run).

    secrets = collect_secrets(course, course.exercises())
    secrets += value_secrets(course, exercise, recorded_values, "expected value")

- ``solutions/<id>.py``: every function body (beyond a stub's), as a syntax tree
  (``ast.dump``), so reformatting or renaming the function does not hide a copy; as the
  same tree with every identifier renamed in order of first use (:func:`renamed_dump`),
  so renaming its variables, arguments and helpers does not either; as the sorted
  multiset of its statements, each renamed on its own (:func:`unordered_dump`), so
  reordering independent statements does not either; and as text, for copies in
  markdown. A solution may declare ``PUBLIC_BODIES = ("name", ...)``: functions whose
  bodies are public facts (a formula the statement gives, a helper the probes share),
  with a comment saying why; those are not secrets.
- ``solutions/<id>.toml``: every reference answer, normalized the way people write
  formulas (spaces, ``*``, ``**`` vs ``^``, ``²``), and its md5/sha1/sha256 digests.
- ``hidden/<id>.py``: the hidden checks' names and titles, and the literal values the
  file holds (input tuples, folded constants such as ``2**20``, strings).
- :func:`value_secrets`: values a caller recorded (e.g. what the reference returned
  while the hidden checks ran: the expected values).

A value the exercise's public files also state is a public fact, not a secret. A
round number (below 1000, a power of 2, a multiple of 100) is searched only in the
exercise's own files (``checks/<id>/``, ``exercises/<id>.*``, ``answers/<id>.*``).
"""

from __future__ import annotations

import ast
import copy
import hashlib
import re
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from grader.catalog import Course
from grader.exercise import Exercise
from grader.release.shipped import released_files

__all__ = [
    "Secret",
    "body_dump",
    "collect_secrets",
    "functions",
    "normalize_formula",
    "renamed_dump",
    "unordered_dump",
    "value_secrets",
]

MIN_BODY_CHARS = 25  # shorter function bodies (``return x``) are not distinctive
MIN_NORMALIZED_NODES = 20  # renamed forms of smaller bodies match ordinary code (s * (1 - s))
MIN_ANSWER_CHARS = 5  # shorter formulas ("N/L") would match ordinary text
MIN_HIDDEN_INT = 100  # smaller integers (seeds, sizes) appear everywhere
MIN_HIDDEN_TEXT = 12
_SUPERSCRIPTS = str.maketrans({"²": "^2", "³": "^3", "⁴": "^4", "·": "", "×": "", "−": "-"})
WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Secret:
    """One thing no handout file may contain.

    ``kind`` says what it is ("solution body", "reference answer", ...); ``exercise``
    its exercise; ``needle`` what is searched (its form depends on ``match``: "ast"
    compares function bodies as ``ast.dump`` text, "ast-renamed" and "ast-unordered" as
    :func:`renamed_dump` and :func:`unordered_dump` text, "text" normalized text, "formula"
    formula-normalized text, "word" a whole number or identifier); ``origin`` where it
    comes from, for the report; ``local`` limits the search to the exercise's files.
    """

    kind: str
    exercise: str
    needle: str
    match: str
    origin: str
    local: bool = False  # search only the exercise's own files (checks/<id>/, <id>.*)

    def applies_to(self, relative: str) -> bool:
        """Whether the handout file at ``relative`` (POSIX path) is searched for this secret."""
        if not self.local:
            return True
        own_folder = relative.startswith(f"checks/{self.exercise}/")
        return own_folder or Path(relative).stem == self.exercise


def collect_secrets(course: Course, exercises: Iterable[Exercise]) -> list[Secret]:
    """The secrets of each exercise, from the course's ``solutions/`` and ``hidden/``."""
    secrets: list[Secret] = []
    for exercise in exercises:
        public = _public_facts(course, exercise)
        solution = course.solution(exercise)
        if solution.is_file():
            secrets += _solution_secrets(exercise.id, solution)
        answers = course.reference_answers(exercise)
        if answers is not None:
            secrets += _answer_secrets(exercise.id, answers)
        hidden = course.hidden_file(exercise)
        if hidden.is_file():
            secrets += _hidden_secrets(exercise.id, hidden, public)
    return secrets


def value_secrets(
    course: Course, exercise: Exercise, values: Iterable[object], kind: str
) -> list[Secret]:
    """Secrets for recorded plain values (numbers, strings, sympy expressions, arrays).

    Integers count from 1000 (rounder ones only in the exercise's files), floats with 4
    or more significant digits (searched as written by ``repr`` and by ``:.6g``),
    strings of 12 characters or more, expressions as formulas. Public facts are skipped.
    """
    public = _public_facts(course, exercise)
    exercise_id = exercise.id
    found: dict[tuple[str, str], Secret] = {}
    for value in _flat(values):
        for needle, match, local in _value_needles(value):
            if (needle, match) not in found and not public.state(needle):
                origin = f"{kind} {needle[:40]}"
                found[needle, match] = Secret(kind, exercise_id, needle, match, origin, local)
    return list(found.values())


def _flat(values: Iterable[object], limit: int = 10_000) -> Iterator[object]:
    """Scalars inside nested lists, tuples, dicts and arrays (at most ``limit``)."""
    stack, seen = list(values), 0
    while stack and seen < limit:
        value = stack.pop()
        seen += 1
        if isinstance(value, list | tuple | set | frozenset):
            stack.extend(value)
        elif isinstance(value, dict):
            stack.extend(value.values())
        elif hasattr(value, "tolist") and callable(value.tolist):  # numpy arrays and scalars
            item = value.tolist()
            stack.extend(item if isinstance(item, list) else [item])
        else:
            yield value


def _value_needles(value: object) -> Iterator[tuple[str, str, bool]]:
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, int) and abs(value) >= 1000:
        yield str(value), "word", not _distinctive(value)
    elif isinstance(value, float) and _significant_digits(value) >= 4:
        yield repr(value), "word", False
        yield f"{value:.6g}", "word", False
    elif isinstance(value, str) and len(value) >= MIN_HIDDEN_TEXT:
        yield WHITESPACE.sub("", value), "text", False
    elif type(value).__module__.startswith("sympy"):
        formula = normalize_formula(str(value))
        if len(formula) >= MIN_ANSWER_CHARS:
            yield formula, "formula", False


def normalize_formula(text: str) -> str:
    """A formula as compared: no spaces, no ``*``, powers as ``^``, superscripts spelled out."""
    text = WHITESPACE.sub("", text.translate(_SUPERSCRIPTS))
    return text.replace("**", "^").replace("*", "")


def functions(tree: ast.AST) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node


def _body(function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.stmt]:
    body = function.body
    if ast.get_docstring(function) is not None and len(body) > 1:
        return body[1:]
    return body


def body_dump(function: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
    return ast.dump(ast.Module(body=_body(function), type_ignores=[]))


def renamed_dump(function: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
    """The body's ``ast.dump`` with every identifier it binds or reads (variables,
    arguments, nested functions and classes, import aliases, exception names) renamed
    ``_0, _1, ...`` in order of first use; attribute and keyword names are kept."""
    return ast.dump(ast.Module(body=_Renamer().renamed(_body(function)), type_ignores=[]))


def unordered_dump(function: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
    """The body's top-level statements, each renamed on its own, sorted: equal for a
    body whose independent statements were reordered (and its identifiers renamed)."""
    parts = sorted(ast.dump(_Renamer().renamed([s])[0]) for s in _body(function))
    return "\n".join(parts)


def node_count(function: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """How many syntax-tree nodes the body has (how distinctive its renamed forms are)."""
    return sum(1 for statement in _body(function) for _ in ast.walk(statement))


class _Renamer(ast.NodeTransformer):
    """Renames identifiers canonically, in the order the tree is visited (source order)."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}

    def renamed(self, body: list[ast.stmt]) -> list[ast.stmt]:
        return [self.visit(statement) for statement in copy.deepcopy(body)]

    def canon(self, name: str) -> str:
        return self.names.setdefault(name, f"_{len(self.names)}")

    def visit_Name(self, node: ast.Name) -> ast.AST:
        node.id = self.canon(node.id)
        return node

    def visit_arg(self, node: ast.arg) -> ast.AST:
        node.arg = self.canon(node.arg)
        return self.generic_visit(node)

    def visit_FunctionDef(self, node: ast.AST) -> ast.AST:
        node.name = self.canon(node.name)
        return self.generic_visit(node)

    visit_AsyncFunctionDef = visit_ClassDef = visit_FunctionDef

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> ast.AST:
        if node.name:
            node.name = self.canon(node.name)
        return self.generic_visit(node)

    def visit_alias(self, node: ast.alias) -> ast.AST:
        if node.asname:
            node.asname = self.canon(node.asname)
        return node

    def visit_Global(self, node: ast.Global | ast.Nonlocal) -> ast.AST:
        node.names = [self.canon(name) for name in node.names]
        return node

    visit_Nonlocal = visit_Global


def _solution_secrets(exercise_id: str, path: Path) -> list[Secret]:
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    public = _declared_public_bodies(tree)
    secrets = []
    for function in functions(tree):
        if function.name in public:
            continue
        body = _body(function)
        text = "\n".join(ast.get_source_segment(source, statement) or "" for statement in body)
        if len(WHITESPACE.sub("", text)) < MIN_BODY_CHARS or _is_stub(body):
            continue
        origin = f"solutions/{path.name}: body of {function.name}()"
        kind = "a solution body"
        secrets.append(Secret(kind, exercise_id, body_dump(function), "ast", origin))
        secrets.append(Secret(kind, exercise_id, WHITESPACE.sub("", text), "text", origin))
        if node_count(function) >= MIN_NORMALIZED_NODES:
            secrets.append(Secret(kind, exercise_id, renamed_dump(function), "ast-renamed", origin))
            if len(body) >= 2:
                needle = unordered_dump(function)
                secrets.append(Secret(kind, exercise_id, needle, "ast-unordered", origin))
    return secrets


def _declared_public_bodies(tree: ast.Module) -> set[str]:
    """The names in a top-level ``PUBLIC_BODIES = (...)`` of a solution, read without running it."""
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else []
        if any(isinstance(t, ast.Name) and t.id == "PUBLIC_BODIES" for t in targets):
            try:
                return {str(name) for name in ast.literal_eval(node.value)}
            except (ValueError, TypeError, SyntaxError):
                return set()
    return set()


def _is_stub(body: list[ast.stmt]) -> bool:
    return len(body) == 1 and isinstance(body[0], ast.Raise | ast.Pass)


def _answer_secrets(exercise_id: str, path: Path) -> list[Secret]:
    table = tomllib.loads(path.read_text(encoding="utf-8"))
    secrets = []
    for key, value in table.items():
        origin = f"solutions/{path.name}: {key}"
        if isinstance(value, str) and len(normalize_formula(value)) >= MIN_ANSWER_CHARS:
            needle = normalize_formula(value)
            secrets.append(Secret("a reference answer", exercise_id, needle, "formula", origin))
        if isinstance(value, int | float) and not isinstance(value, bool) and abs(value) >= 100:
            secrets.append(Secret("a reference answer", exercise_id, repr(value), "word", origin))
        for text in {str(value), normalize_formula(str(value))}:
            for digest in _digests(text):
                secrets.append(
                    Secret("a hash of a reference answer", exercise_id, digest, "text", origin)
                )
    return secrets


def _digests(text: str) -> list[str]:
    data = text.encode("utf-8")
    return [hashlib.new(name, data).hexdigest() for name in ("md5", "sha1", "sha256")]


def _hidden_secrets(exercise_id: str, path: Path, public: _PublicFacts) -> list[Secret]:
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    where = f"hidden/{path.name}"
    secrets = []
    for function in functions(tree):
        if not any(_is_check_decorator(d) for d in function.decorator_list):
            continue
        origin = f"{where}: check {function.name}"
        secrets.append(Secret("a hidden check's name", exercise_id, function.name, "word", origin))
        title = (ast.get_docstring(function) or "").strip().splitlines()
        if title and len(title[0]) >= MIN_HIDDEN_TEXT:
            needle = WHITESPACE.sub("", title[0])
            secrets.append(Secret("a hidden check's title", exercise_id, needle, "text", origin))
    for needle, match, local in _hidden_values(tree):
        if not public.state(needle):
            origin = f"{where}: value {needle}"
            kind = "a hidden input or value"
            secrets.append(Secret(kind, exercise_id, needle, match, origin, local))
    return secrets


def _is_check_decorator(node: ast.expr) -> bool:
    func = node.func if isinstance(node, ast.Call) else node
    return isinstance(func, ast.Attribute) and func.attr == "check"


def _hidden_values(tree: ast.Module) -> Iterator[tuple[str, str, bool]]:
    """(needle, match, local) for the distinctive literal values of a hidden checks file."""
    docstrings = {id(n.body[0].value) for n in ast.walk(tree) if _has_docstring(n)}
    for node in ast.walk(tree):
        value = _folded(node)
        if _is_number(value) and _worth_searching(value):
            yield repr(value), "word", not _distinctive(value)
        elif (
            isinstance(value, str) and len(value) >= MIN_HIDDEN_TEXT and id(node) not in docstrings
        ):
            yield WHITESPACE.sub("", value), "text", False
        elif isinstance(node, ast.Tuple) and len(node.elts) >= 2:
            items = [_folded(e) for e in node.elts]
            if all(_is_number(i) for i in items) and any(_worth_searching(i) for i in items):
                yield ",".join(repr(i) for i in items), "text", False


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _worth_searching(value: float) -> bool:
    if isinstance(value, int):
        return abs(value) >= MIN_HIDDEN_INT
    return _significant_digits(value) >= 3


def _distinctive(value: float) -> bool:
    """False for numbers that turn up everywhere: below 1000, powers of 2, multiples of 100."""
    if isinstance(value, float):
        return True
    magnitude = abs(value)
    round_number = magnitude % 100 == 0 or magnitude & (magnitude - 1) == 0
    return magnitude >= 1000 and not round_number


def _significant_digits(value: float) -> int:
    mantissa = repr(abs(value)).split("e")[0].replace(".", "")
    return len(mantissa.strip("0"))


def _has_docstring(node: ast.AST) -> bool:
    body = getattr(node, "body", None)
    return (
        isinstance(body, list)
        and bool(body)
        and isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
        and isinstance(body[0].value.value, str)
    )


_FOLD = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Pow: lambda a, b: a**b if abs(b) <= 64 else None,
}


def _folded(node: ast.AST) -> object:
    """The value of a literal or of simple arithmetic on literals (``2**20``); else None."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        value = _folded(node.operand)
        return -value if isinstance(value, int | float) and not isinstance(value, bool) else None
    if isinstance(node, ast.BinOp) and type(node.op) in _FOLD:
        left, right = _folded(node.left), _folded(node.right)
        numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (left, right))
        return _FOLD[type(node.op)](left, right) if numbers else None
    return None


@dataclass(frozen=True)
class _PublicFacts:
    """What the exercise's public files state: a hidden value they also state is no secret."""

    numbers: frozenset[str]
    texts: tuple[str, ...]  # each public file, whitespace removed

    def state(self, needle: str) -> bool:
        return needle in self.numbers or any(needle in text for text in self.texts)


def _public_facts(course: Course, exercise: Exercise) -> _PublicFacts:
    """What the files a handout ships of the exercise (its released public files, stub and
    answers template) state; a stray file in its folder that is not shipped states nothing."""
    folder = exercise.folder or course.checks_dir / exercise.id
    shipped = released_files(folder, exercise.id)[0] if folder.is_dir() else []
    files = [
        *(folder / relative for relative in shipped),
        course.stub(exercise),
        course.answers_template(exercise),
    ]
    numbers: set[str] = set()
    texts = []
    for path in files:
        if path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            numbers |= set(re.findall(r"\d+(?:\.\d+)?", text))
            texts.append(WHITESPACE.sub("", text))
    return _PublicFacts(frozenset(numbers), tuple(texts))
