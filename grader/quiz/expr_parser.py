"""A whitelisting parser from a student's text to a sympy expression.

Nothing here runs the student's text as code: no ``eval``, ``exec``, ``sympify`` or
``parse_expr`` (all of them execute code). The text goes through three gates:

1. the text itself: at most :data:`MAX_LENGTH` characters, only digits, letters,
   ``+ - * / ^ ( ) ,``, spaces and a few friendly Unicode forms; parentheses nested at
   most :data:`MAX_PAREN_DEPTH` deep (checked before :func:`ast.parse`, which can blow
   up on deep nesting);
2. Python's syntax tree (``ast.parse(..., mode="eval")``): at most :data:`MAX_NODES`
   nodes and :data:`MAX_TREE_DEPTH` levels, and only the node types, operators,
   declared symbols and declared functions of the allow-list;
3. the sympy objects, built directly from the tree: integer literals up to
   :data:`MAX_LITERAL`, exponents up to :data:`MAX_EXPONENT` in size, numeric powers
   up to :data:`MAX_POWER_BITS` bits, so that ``2**2**2**99`` or ``factorial(10**9)``
   is refused at once instead of computed.

Friendly input: ``^`` means power; ``−`` (Unicode minus) is ``-``; ``·``, ``×`` and
``⋅`` are ``*``; ``²``/``³`` are ``^2``/``^3``; full-width parentheses are ordinary
ones. Implicit multiplication is read in these simple cases only: a number before a
name or ``(`` (``2N``, ``2(N+1)``), ``)`` before a name, a number or ``(``
(``(a)(b)``), and a declared symbol before ``(`` (``N(L+1)``). A run of letters is
never split: ``NL`` is an unknown name, refused with the hint "did you mean N*L?".
Decimal literals are exact: ``0.1`` is ``1/10``.

Every refusal is an :class:`ExpressionError` whose ``token`` is the offending piece of
text and whose message says what is allowed instead.
"""

from __future__ import annotations

import ast
import difflib
import enum
import functools
import keyword
import re
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal, InvalidOperation

import sympy

__all__ = [
    "DEFAULT_FUNCTIONS",
    "FUNCTIONS",
    "Domain",
    "ExpressionError",
    "make_symbol",
    "parse_expression",
]

MAX_LENGTH = 1000
MAX_PAREN_DEPTH = 20
MAX_NODES = 400
MAX_TREE_DEPTH = 100
MAX_LITERAL = 10**30
MAX_DECIMAL_EXPONENT = 30
MAX_EXPONENT = 1000
MAX_POWER_BITS = 10_000
MAX_FACTORIAL_ARGUMENT = 1000


class Domain(enum.Enum):
    """Where a declared symbol lives; it sets sympy assumptions and sample points."""

    POSITIVE_INTEGER = "positive integer"
    POSITIVE_REAL = "positive real"
    REAL = "real"
    PROBABILITY = "probability (0 < p < 1)"


class ExpressionError(ValueError):
    """Student text that is not an allowed expression.

    ``token`` is the offending piece of text (a character, a name, an operator);
    ``str(error)`` is a complete sentence a student can act on.
    """

    def __init__(self, message: str, token: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.token = token


def make_symbol(name: str, domain: Domain) -> sympy.Symbol:
    """The sympy symbol for ``name`` with the assumptions its domain implies."""
    if domain is Domain.POSITIVE_INTEGER:
        return sympy.Symbol(name, integer=True, positive=True)
    if domain is Domain.REAL:
        return sympy.Symbol(name, real=True)
    return sympy.Symbol(name, positive=True)  # positive reals and probabilities


def _sigmoid(z: sympy.Expr) -> sympy.Expr:
    return 1 / (1 + sympy.exp(-z))


# name -> (builder, allowed argument counts)
FUNCTIONS: Mapping[str, tuple[Callable[..., sympy.Expr], tuple[int, ...]]] = {
    "sqrt": (sympy.sqrt, (1,)),
    "exp": (sympy.exp, (1,)),
    "log": (sympy.log, (1, 2)),
    "ln": (sympy.log, (1,)),
    "sin": (sympy.sin, (1,)),
    "cos": (sympy.cos, (1,)),
    "tan": (sympy.tan, (1,)),
    "sinh": (sympy.sinh, (1,)),
    "cosh": (sympy.cosh, (1,)),
    "tanh": (sympy.tanh, (1,)),
    "abs": (sympy.Abs, (1,)),
    "Abs": (sympy.Abs, (1,)),
    "sigmoid": (_sigmoid, (1,)),
    "min": (sympy.Min, (2,)),
    "max": (sympy.Max, (2,)),
    "factorial": (sympy.factorial, (1,)),
    "binomial": (sympy.binomial, (2,)),
}
DEFAULT_FUNCTIONS = frozenset(
    {"sqrt", "exp", "log", "ln", "sin", "cos", "tan", "sinh", "cosh", "tanh", "abs", "Abs"}
)
_CONSTANTS = {"pi": sympy.pi, "E": sympy.E, "e": sympy.E}
_HUGE_ARGUMENT_FUNCTIONS = frozenset({"factorial", "binomial"})

_REPLACEMENTS = str.maketrans(
    {
        "\u2212": "-",  # − minus sign
        "\u2013": "-",  # – en dash
        "\u00b7": "*",  # · middle dot
        "\u00d7": "*",  # × multiplication sign
        "\u22c5": "*",  # ⋅ dot operator
        "\u2217": "*",  # ∗ asterisk operator
        "\u00f7": "/",  # ÷
        "\uff08": "(",  # （ full-width
        "\uff09": ")",  # ）
        "\uff0c": ",",  # ，
        "\u3000": " ",  # ideographic space
        "\u00b2": "^2",  # ²
        "\u00b3": "^3",  # ³
    }
)
_TOKEN = re.compile(
    r"(?P<space>\s+)"
    r"|(?P<number>(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)"
    r"|(?P<name>[^\W\d]\w*)"
    r"|(?P<op>\*\*|[-+*/^(),])"
)
_REFUSED_CHARACTERS = {
    ".": "attribute access ('.') is not allowed",
    "'": "quotes (strings) are not allowed",
    '"': "quotes (strings) are not allowed",
    "[": "square brackets (subscripts, lists) are not allowed: use ( ) to group",
    "]": "square brackets (subscripts, lists) are not allowed: use ( ) to group",
    "{": "braces are not allowed: use ( ) to group",
    "}": "braces are not allowed: use ( ) to group",
    "=": "'=' is not allowed: write only the expression (N/L, not P = N/L)",
    ":": "':' (lambdas, slices) is not allowed",
    "!": "'!' is not allowed: write factorial(n) where factorial is offered",
}


def parse_expression(
    text: str | bytes,
    symbols: Mapping[str, Domain],
    *,
    functions: frozenset[str] = DEFAULT_FUNCTIONS,
) -> sympy.Expr:
    """Turn ``text`` into a sympy expression over the declared ``symbols``.

    ``symbols`` maps each allowed name to its :class:`Domain`; ``functions`` names the
    allowed functions (a subset of :data:`FUNCTIONS`); ``pi`` and ``E``/``e`` are
    constants unless declared as symbols. Bytes are decoded as UTF-8.

    Raises :class:`ExpressionError` (and nothing else) for any text that is not an
    allowed expression, including one that divides by zero.
    """
    source = _normalize(text)
    _refuse_derivative_notation(source, symbols)
    tokens = _tokenize(source, symbols, functions)
    code = " ".join(tokens)
    try:
        tree = ast.parse(code, mode="eval")
    except (SyntaxError, ValueError, MemoryError, RecursionError) as error:
        raise _syntax_error(code, error) from None
    _check_size(tree, code)
    expr = _Builder(code, symbols, functions).build(tree.body)
    if expr.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
        raise ExpressionError("the expression divides by zero (or is infinite)", "/")
    return expr


def _normalize(text: str | bytes) -> str:
    """Decoded, length-checked text with the friendly Unicode forms replaced."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as error:
            bad = error.object[error.start : error.start + 1]
            raise ExpressionError("the text is not valid UTF-8", repr(bad)) from None
    if not isinstance(text, str):
        raise ExpressionError(f"expected text, got {type(text).__name__}", "")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(
            f"the expression is {len(text)} characters long: at most {MAX_LENGTH} are allowed",
            text[:20],
        )
    if not text.strip():
        raise ExpressionError("the expression is empty", "")
    return text.translate(_REPLACEMENTS)


_DERIVATIVE = re.compile(r"(?<![\w.])(d\w*)\s*/\s*(d\w*)")


def _refuse_derivative_notation(source: str, symbols: Mapping[str, Domain]) -> None:
    """Refuse ``d/dL P`` or ``dP/dL`` (unless ``d`` is a declared symbol) with a message
    that asks for the derivative itself, not for ``dL*P``."""
    match = _DERIVATIVE.search(source)
    if match is None or any(name in symbols for name in match.groups()):
        return
    names = ", ".join(symbols) or "numbers"
    raise ExpressionError(
        f"derivative notation ({match.group().strip()}...) is not allowed: work the "
        f"derivative out and write the result as an expression in {names}",
        match.group().strip(),
    )


def _tokenize(source: str, symbols: Mapping[str, Domain], functions: frozenset[str]) -> list[str]:
    """Tokens of ``source`` with ``^`` as ``**`` and implicit products made explicit."""
    tokens: list[str] = []
    kinds: list[str] = []
    depth = 0
    for kind, text in _scan(source, symbols, functions):
        depth += {"(": 1, ")": -1}.get(text, 0)
        if depth < 0:
            raise ExpressionError("')' has no matching '('", ")")
        if depth > MAX_PAREN_DEPTH:
            raise ExpressionError(f"parentheses are nested more than {MAX_PAREN_DEPTH} deep", "(")
        if (
            kinds
            and _adjacent_operands(kinds[-1], tokens[-1], kind, text)
            and _implicit_product(kinds[-1], tokens[-1], kind, text, symbols, functions)
        ):
            tokens.append("*")
            kinds.append("op")
        tokens.append("**" if text == "^" else text)
        kinds.append(kind)
    if depth:
        raise ExpressionError("a '(' is never closed", "(")
    return tokens


def _scan(
    source: str, symbols: Mapping[str, Domain], functions: frozenset[str]
) -> Iterator[tuple[str, str]]:
    """Yield (kind, text) for each token; refuse any character outside the allow-list."""
    position = 0
    while position < len(source):
        match = _TOKEN.match(source, position)
        if match is None:
            raise _character_error(source[position], symbols, functions)
        position = match.end()
        kind = match.lastgroup or ""
        text = match.group()
        if kind == "name":
            _check_name_token(text, symbols, functions)
        if kind != "space":
            yield kind, text


def _check_name_token(name: str, symbols: Mapping[str, Domain], functions: frozenset[str]) -> None:
    if name.startswith("_"):
        raise ExpressionError(
            f"the name {name!r} is not allowed: names starting with '_' are never allowed. "
            + _allowed(symbols, functions),
            name,
        )
    if keyword.iskeyword(name):
        raise ExpressionError(
            f"{name!r} is a Python keyword: keywords are not allowed in an expression. "
            + _allowed(symbols, functions),
            name,
        )


def _character_error(
    char: str, symbols: Mapping[str, Domain], functions: frozenset[str]
) -> ExpressionError:
    reason = _REFUSED_CHARACTERS.get(char, f"the character {char!r} is not allowed")
    return ExpressionError(f"{reason}. {_allowed(symbols, functions)}", char)


def _adjacent_operands(prev_kind: str, prev: str, kind: str, text: str) -> bool:
    ends_operand = prev_kind in ("number", "name") or prev == ")"
    starts_operand = kind in ("number", "name") or text == "("
    return ends_operand and starts_operand


def _implicit_product(
    prev_kind: str,
    prev: str,
    kind: str,
    text: str,
    symbols: Mapping[str, Domain],
    functions: frozenset[str],
) -> bool:
    """Whether two adjacent operands multiply (False: a function call); raises if unread.

    Read as products: ``2N``, ``2(N+1)``, ``(a)(b)``, ``(a)b``, ``N(L+1)`` for a declared
    symbol ``N``. Refused: two numbers, or a name before a name or a number.
    """
    if prev_kind == "name" and text == "(":
        return prev in symbols or prev in _CONSTANTS
    if prev_kind == "number" and kind == "number":
        raise ExpressionError(f"missing operator between {prev} and {text}", text)
    if prev_kind == "name":
        _check_known(prev, symbols, functions)
        if kind == "name":
            _check_known(text, symbols, functions)
        raise ExpressionError(
            f"missing operator between {prev!r} and {text!r}: write {prev}*{text}", text
        )
    return True


def _check_known(name: str, symbols: Mapping[str, Domain], functions: frozenset[str]) -> None:
    """Raise the unknown-name error for a name that is no symbol, constant or function:
    suggesting ``dL*P`` for ``dL P`` would only mislead."""
    if name in symbols or name in _CONSTANTS or name in functions:
        return
    raise ExpressionError(
        f"unknown name {name!r}."
        + _unknown_name_hint(name, symbols, functions)
        + " "
        + _allowed(symbols, functions),
        name,
    )


def _syntax_error(code: str, error: Exception) -> ExpressionError:
    """A friendly error for text that the Python parser cannot read."""
    offset = getattr(error, "offset", None) or 0
    if not 0 < offset <= len(code):
        last = code.split(" ")[-1]
        return ExpressionError(f"the expression is incomplete: it ends with {last!r}", last)
    near = code[offset - 1 :].split(" ")[0] or code[offset - 1 :].strip()[:10]
    return ExpressionError(
        f"cannot read the expression near {near!r}: check the operators and parentheses", near
    )


def _check_size(tree: ast.AST, code: str) -> None:
    """Refuse trees with too many nodes or too deep (walked iteratively, no recursion)."""
    head = code[:20]
    count = 0
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise ExpressionError(
                f"the expression is too large (more than {MAX_NODES} parts)", head
            )
        if depth > MAX_TREE_DEPTH:
            raise ExpressionError(
                f"the expression is nested too deeply (more than {MAX_TREE_DEPTH} levels)", head
            )
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))


def _allowed(symbols: Mapping[str, Domain], functions: frozenset[str]) -> str:
    names = ", ".join(symbols) or "none"
    return (
        f"Allowed: numbers, the symbols {names}, the operators + - * / ^ and ( ), "
        f"the functions {', '.join(sorted(functions)) or 'none'} and the constants pi, E."
    )


def _unknown_name_hint(name: str, symbols: Mapping[str, Domain], functions: frozenset[str]) -> str:
    """'did you mean ...?' for an unknown name, or an empty string."""
    parts = _split_into_symbols(name, [*symbols, *_CONSTANTS])
    if parts:
        return f" Did you mean {'*'.join(parts)}?"
    candidates = [*symbols, *functions]
    same_case = [c for c in candidates if c.lower() == name.lower()]
    if same_case:
        return f" Did you mean {same_case[0]}? (names are case-sensitive)"
    close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
    return f" Did you mean {close[0]}?" if close else ""


def _split_into_symbols(name: str, known: list[str]) -> list[str] | None:
    """``name`` as two or more known names written together (``NL`` -> N, L), or None."""

    @functools.cache  # memoized: overlapping names cannot make this exponential
    def split(rest: str) -> list[str] | None:
        if not rest:
            return []
        for part in sorted((k for k in known if rest.startswith(k)), key=len, reverse=True):
            tail = split(rest[len(part) :])
            if tail is not None:
                return [part, *tail]
        return None

    parts = split(name) if len(name) <= 40 else None
    return parts if parts and len(parts) > 1 else None


class _Builder:
    """Builds sympy objects from an allowed syntax tree; refuses everything else."""

    def __init__(self, code: str, symbols: Mapping[str, Domain], functions: frozenset[str]):
        self.code = code.encode()
        self.symbols = symbols
        self.functions = functions

    def build(self, node: ast.AST) -> sympy.Expr:
        if isinstance(node, ast.BinOp):
            return self._binary(node)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            operand = self.build(node.operand)
            return -operand if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.Call):
            return self._call(node)
        if isinstance(node, ast.Name):
            return self._name(node.id)
        if isinstance(node, ast.Constant):
            return self._number(node)
        raise self._refuse(node)

    def _binary(self, node: ast.BinOp) -> sympy.Expr:
        left, right = self.build(node.left), self.build(node.right)
        if isinstance(node.op, ast.Add):
            return left + right
        if isinstance(node.op, ast.Sub):
            return left - right
        if isinstance(node.op, ast.Mult):
            return left * right
        if isinstance(node.op, ast.Div):
            return left / right
        if isinstance(node.op, ast.Pow):
            return _power(left, right)
        raise self._refuse(node.op)

    def _call(self, node: ast.Call) -> sympy.Expr:
        name = node.func.id if isinstance(node.func, ast.Name) else ""
        if not name:
            raise ExpressionError(
                "only the allowed functions can be called. "
                + _allowed(self.symbols, self.functions),
                self._text(node.func),
            )
        if name not in self.functions or name not in FUNCTIONS:
            raise ExpressionError(
                f"unknown function {name!r}."
                + _unknown_name_hint(name, self.symbols, self.functions)
                + " "
                + _allowed(self.symbols, self.functions),
                name,
            )
        if node.keywords:
            raise ExpressionError(
                f"keyword arguments are not allowed in {name}(...): write {name}(x)",
                node.keywords[0].arg or "**",
            )
        builder, arities = FUNCTIONS[name]
        if len(node.args) not in arities:
            counts = " or ".join(str(a) for a in arities)
            raise ExpressionError(f"{name} takes {counts} argument(s), got {len(node.args)}", name)
        args = [self.build(arg) for arg in node.args]
        _check_function_arguments(name, args)
        return builder(*args)

    def _name(self, name: str) -> sympy.Expr:
        if name in self.symbols:
            return make_symbol(name, self.symbols[name])
        if name in _CONSTANTS:
            return _CONSTANTS[name]
        if name in self.functions:
            raise ExpressionError(f"{name} is a function: write {name}(...)", name)
        raise ExpressionError(
            f"unknown name {name!r}."
            + _unknown_name_hint(name, self.symbols, self.functions)
            + " "
            + _allowed(self.symbols, self.functions),
            name,
        )

    def _number(self, node: ast.Constant) -> sympy.Expr:
        text = self._text(node)
        if isinstance(node.value, bool) or not isinstance(node.value, int | float):
            raise self._refuse(node)
        if isinstance(node.value, int):
            if node.value > MAX_LITERAL:
                raise ExpressionError(f"the number {text} is too large (at most 10^30)", text)
            return sympy.Integer(node.value)
        return _decimal(text)

    def _text(self, node: ast.AST) -> str:
        start, end = getattr(node, "col_offset", 0), getattr(node, "end_col_offset", None)
        return self.code[start:end].decode(errors="replace")

    def _refuse(self, node: ast.AST) -> ExpressionError:
        what = _NODE_NAMES.get(type(node), type(node).__name__)
        return ExpressionError(
            f"{what} not allowed. {_allowed(self.symbols, self.functions)}",
            self._text(node) if hasattr(node, "col_offset") else what,
        )


_NODE_NAMES = {
    ast.Attribute: "attribute access is",
    ast.Subscript: "subscripts are",
    ast.Lambda: "lambdas are",
    ast.ListComp: "comprehensions are",
    ast.SetComp: "comprehensions are",
    ast.DictComp: "comprehensions are",
    ast.GeneratorExp: "comprehensions (generators) are",
    ast.Compare: "comparisons are",
    ast.BoolOp: "'and'/'or' are",
    ast.IfExp: "'if ... else' is",
    ast.Starred: "'*' unpacking is",
    ast.Tuple: "tuples (a comma outside a function call) are",
    ast.Constant: "this constant is",
    ast.FloorDiv: "'//' is",
    ast.Mod: "'%' is",
    ast.MatMult: "'@' is",
}


def _decimal(text: str) -> sympy.Rational:
    """An exact rational for a decimal literal such as ``0.1`` or ``2.5e-3``."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ExpressionError(f"cannot read the number {text}", text) from None
    if not value.is_finite() or abs(value.adjusted()) > MAX_DECIMAL_EXPONENT:
        raise ExpressionError(
            f"the number {text} is out of range (between 1e-30 and 1e30 allowed)", text
        )
    numerator, denominator = value.as_integer_ratio()
    return sympy.Rational(numerator, denominator)


def _power(base: sympy.Expr, exponent: sympy.Expr) -> sympy.Expr:
    """``base**exponent``, refused where the exponent or a numeric result is huge."""
    if exponent.is_Rational:
        if abs(exponent) > MAX_EXPONENT:
            raise ExpressionError(
                f"the exponent {_short(exponent)} is too large: exponents must be at most "
                f"{MAX_EXPONENT} in size",
                "**",
            )
        if base.is_Rational and _bits(base) * abs(exponent) > MAX_POWER_BITS:
            raise ExpressionError(
                f"the power {_short(base)}^{_short(exponent)} is too large to compute", "**"
            )
    return base**exponent


def _check_function_arguments(name: str, args: list[sympy.Expr]) -> None:
    if name not in _HUGE_ARGUMENT_FUNCTIONS:
        return
    for arg in args:
        if arg.is_Rational and abs(arg) > MAX_FACTORIAL_ARGUMENT:
            raise ExpressionError(
                f"{name} of {_short(arg)} is too large: arguments must be at most "
                f"{MAX_FACTORIAL_ARGUMENT}",
                name,
            )


def _bits(number: sympy.Rational) -> int:
    return max(abs(int(number.p)).bit_length(), int(number.q).bit_length())


def _short(number: sympy.Expr) -> str:
    text = str(number)
    return text if len(text) <= 40 else f"{text[:20]}...({len(text)} digits)"
