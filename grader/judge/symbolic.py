"""Symbolic equivalence of a student's expression and the reference, as a ladder.

:func:`decide` parses both texts with the safe parser (:mod:`grader.quiz.expr_parser`)
and climbs, cheapest rung first:

1. **structural**: the two sympy objects are identical;
2. **witness search** at seeded random points that respect the symbols' domains
   (positive integers for ``POSITIVE_INTEGER``, rationals in (0, 1) for probabilities,
   ...), skipping the reference's poles. A point where the values differ is a concrete
   counterexample and the verdict is DIFFERENT: its message shows the student's value
   there and one qualitative sentence (:mod:`grader.judge.symbolic_hints`), never the
   expected value, which ``Verdict.expected`` keeps for checks of code. Values are
   exact rationals where the expressions are rational functions of the point, otherwise
   30 significant digits compared with a relative tolerance of 1e-10;
3. **simplify**: ``simplify(a - b) == 0`` proves equality;
4. **equals**: ``a.equals(b) is True`` proves equality (``False`` and ``None`` prove
   nothing here: the witness search already found no difference);
5. **random points**: agreement at every sampled point (at least
   :data:`MIN_AGREEING_POINTS`) is accepted. ``equals`` alone marks correct answers
   wrong: for σ', ``1/(4*cosh(z/2)**2)`` is undecided after 1.5 s.

Otherwise the verdict is UNDECIDED. The ladder stays within ``time_limit_s``: each rung
gets a share, and a rung that runs over is cut off with ``SIGALRM``. Once the points
agree, rungs 3 and 4 only confirm, and get at most :data:`CONFIRMATION_S` each.

This module runs sympy on objects built from student text, where a blow-up (an
``expand`` of a huge power) or a C-level hang no alarm interrupts is possible: call
:func:`decide` only inside the worker process of :mod:`grader.judge.symbolic_worker`,
which the grader kills when it overruns.
"""

from __future__ import annotations

import contextlib
import enum
import random
import signal
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

import sympy

from grader.judge.symbolic_hints import describe_difference
from grader.quiz.expr_parser import (
    DEFAULT_FUNCTIONS,
    Domain,
    ExpressionError,
    parse_expression,
)

__all__ = ["MIN_AGREEING_POINTS", "Equivalence", "Verdict", "decide", "timeout_message"]

MIN_AGREEING_POINTS = 6
SAMPLED_POINTS = 16
RELATIVE_TOLERANCE = sympy.Float("1e-10", 30)
# Shares of the time limit: witness search, simplify, equals (what is left goes to equals).
_WITNESS_SHARE, _SIMPLIFY_SHARE = 0.3, 0.4
# Once the points agree, simplify and equals only confirm: each gets at most this long.
CONFIRMATION_S = 0.5
_UNDEFINED = {sympy.zoo, sympy.nan, sympy.oo, -sympy.oo}
_ALARM_REPEAT_S = 0.05


class Equivalence(enum.Enum):
    """What the ladder concluded about student == reference."""

    EQUAL = "equal"
    DIFFERENT = "different"
    UNDECIDED = "undecided"  # ran out of time, or too few points could be evaluated
    INVALID = "invalid"  # the student's text is not an allowed expression


@dataclass(frozen=True)
class Verdict:
    """The outcome of one comparison, as plain data (it crosses a process boundary).

    ``method`` names the rung that decided (``structural``, ``witness``, ``simplify``,
    ``equals``, ``random points``, ``parser``, ``time limit``). For DIFFERENT, ``point``
    holds the counterexample as (symbol, value) pairs and ``expected``/``actual`` the
    two values there. ``message`` is a sentence for the student; ``token`` names the
    offending text of an INVALID expression.
    """

    outcome: Equivalence
    method: str
    message: str = ""
    point: tuple[tuple[str, str], ...] = ()
    expected: str = ""
    actual: str = ""
    token: str = ""

    def to_dict(self) -> dict:
        """A JSON-ready dict."""
        return {
            "outcome": self.outcome.value,
            "method": self.method,
            "message": self.message,
            "point": [list(pair) for pair in self.point],
            "expected": self.expected,
            "actual": self.actual,
            "token": self.token,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Verdict:
        """Inverse of :meth:`to_dict`."""
        return cls(
            outcome=Equivalence(data["outcome"]),
            method=str(data["method"]),
            message=str(data.get("message", "")),
            point=tuple((str(name), str(value)) for name, value in data.get("point", ())),
            expected=str(data.get("expected", "")),
            actual=str(data.get("actual", "")),
            token=str(data.get("token", "")),
        )


def timeout_message(seconds: float) -> str:
    """The message for a comparison that ran out of time."""
    return f"could not decide in {seconds:g} s: simplify your expression"


def decide(
    student: str,
    reference: str,
    symbols: Mapping[str, Domain],
    *,
    functions: frozenset[str] = DEFAULT_FUNCTIONS,
    time_limit_s: float = 5.0,
    seed: int = 0,
) -> Verdict:
    """Compare the student's text with the reference text over the declared symbols.

    Returns a :class:`Verdict`; an unparsable student text is INVALID. Raises
    :class:`ExpressionError` if the *reference* does not parse (a grader bug).
    """
    expected = parse_expression(reference, symbols, functions=functions)
    try:
        actual = parse_expression(student, symbols, functions=functions)
    except ExpressionError as error:
        return Verdict(Equivalence.INVALID, "parser", str(error), token=error.token)
    if actual == expected:
        return Verdict(Equivalence.EQUAL, "structural")
    deadline = time.monotonic() + time_limit_s
    points = _sample_points(symbols, random.Random(seed), SAMPLED_POINTS)
    agreeing, witness = _search_witness(actual, expected, points, time_limit_s * _WITNESS_SHARE)
    if witness is not None:
        hint = _attempt(
            min(CONFIRMATION_S, deadline - time.monotonic()),
            describe_difference,
            actual,
            expected,
            symbols,
            witness[0],
        )
        return _different(*witness, hint=str(hint or ""))
    cap = CONFIRMATION_S if agreeing >= MIN_AGREEING_POINTS else time_limit_s
    if _attempt(min(cap, time_limit_s * _SIMPLIFY_SHARE), _simplifies_to_zero, actual - expected):
        return Verdict(Equivalence.EQUAL, "simplify")
    if _attempt(min(cap, deadline - time.monotonic()), actual.equals, expected) is True:
        return Verdict(Equivalence.EQUAL, "equals")
    if agreeing >= MIN_AGREEING_POINTS:
        return Verdict(Equivalence.EQUAL, "random points")
    return Verdict(Equivalence.UNDECIDED, "time limit", timeout_message(time_limit_s))


def _simplifies_to_zero(difference: sympy.Expr) -> bool:
    return sympy.simplify(difference) == 0


# --- the witness search -----------------------------------------------------------------


def _sample_points(
    symbols: Mapping[str, Domain], rng: random.Random, count: int
) -> list[dict[str, sympy.Rational]]:
    """``count`` points, the first three with small values (they read well in messages)."""
    return [
        {name: _sample(domain, rng, small=index < 3) for name, domain in symbols.items()}
        for index in range(count)
    ]


def _sample(domain: Domain, rng: random.Random, *, small: bool) -> sympy.Rational:
    """One value inside ``domain``, exact."""
    if domain is Domain.POSITIVE_INTEGER:
        return sympy.Integer(rng.randint(2, 9) if small else rng.randint(1, 60))
    if domain is Domain.PROBABILITY:
        return sympy.Rational(rng.randint(1, 99), 100)
    numerator = rng.randint(1, 20 if small else 200)
    denominator = rng.choice((1, 2, 4, 5) if small else (1, 2, 3, 4, 5, 7, 10))
    sign = -1 if domain is Domain.REAL and rng.random() < 0.5 else 1
    return sympy.Rational(sign * numerator, denominator)


def _search_witness(
    actual: sympy.Expr,
    expected: sympy.Expr,
    points: list[dict[str, sympy.Rational]],
    budget_s: float,
) -> tuple[int, tuple | None]:
    """(points where both agree, (point, reference value, student's value) at the first
    point where they differ, or None)."""
    deadline = time.monotonic() + budget_s
    agreeing = 0
    for point in points:
        try:
            with _time_limit(deadline - time.monotonic()):
                same, reference, value = _compare_at(actual, expected, point)
        except _OutOfTime:
            break
        except (ArithmeticError, MemoryError, RecursionError, TypeError, ValueError):
            continue  # this point cannot be evaluated; try the next one
        if same is False:
            return agreeing, (point, reference, value)
        agreeing += same is True
    return agreeing, None


def _compare_at(
    actual: sympy.Expr, expected: sympy.Expr, point: Mapping[str, sympy.Rational]
) -> tuple[bool | None, sympy.Expr | None, sympy.Expr | None]:
    """(whether they agree, the reference's value, the student's value) at ``point``.

    Agreement is None where it cannot be told, including at a pole of the reference.
    """
    reference = _value(expected, point)
    if reference is None:
        return None, None, None
    value = _value(actual, point)
    if value is None:
        return False, reference, None
    return _agree(value, reference), reference, value


def _value(expr: sympy.Expr, point: Mapping[str, sympy.Rational]) -> sympy.Expr | None:
    """The value of ``expr`` at ``point`` (exact where rational), or None if undefined."""
    by_symbol = {sym: point[sym.name] for sym in expr.free_symbols if sym.name in point}
    value = expr.xreplace(by_symbol)
    if value.is_Rational:
        return value
    if value.has(*_UNDEFINED):
        return None
    number = value.evalf(30)
    if number.has(*_UNDEFINED) or not number.is_number:
        return None
    return number


def _agree(value: sympy.Expr, reference: sympy.Expr) -> bool | None:
    """Equal (exactly, or within the relative tolerance); None if it cannot be told."""
    if value.is_Rational and reference.is_Rational:
        return bool(value == reference)
    scale = max(sympy.Integer(1), abs(value), abs(reference))
    closeness = abs(value - reference) <= RELATIVE_TOLERANCE * scale
    return bool(closeness) if closeness in (sympy.true, sympy.false) else None


def _different(
    point: Mapping[str, sympy.Rational],
    reference: sympy.Expr,
    value: sympy.Expr | None,
    *,
    hint: str = "",
) -> Verdict:
    """The DIFFERENT verdict; its message shows the student's own value at ``point`` and
    a qualitative ``hint``, never the expected value (kept in ``expected`` for checks of
    code, whose expected values are public)."""
    where = ", ".join(f"{name}={number}" for name, number in point.items())
    expected, actual = _show(reference), _show(value)
    message = (
        f"not equal to the expected expression: at {where} yours is {actual}"
        if point
        else f"not the expected value: yours is {actual}"
    )
    return Verdict(
        Equivalence.DIFFERENT,
        "witness",
        f"{message}; {hint}" if hint else message,
        point=tuple((name, str(number)) for name, number in point.items()),
        expected=expected,
        actual=actual,
    )


def evaluate_at(
    expr: sympy.Expr, point: Mapping[str, sympy.Integer], seconds: float
) -> sympy.Expr | None:
    """``expr`` at ``point`` (symbols matched by name), simplified to a number within
    ``seconds``; None if undefined, not finite, or out of time. Worker process only."""

    def value() -> sympy.Expr | None:
        names = {symbol.name: symbol for symbol in expr.free_symbols}
        result = sympy.nsimplify(
            expr.xreplace({names[n]: v for n, v in point.items() if n in names})
        )
        return result if result.is_number and result.is_finite else None

    return _attempt(seconds, value)  # type: ignore[return-value]


def _show(value: sympy.Expr | None) -> str:
    if value is None:
        return "undefined (division by zero)"
    if value.is_Integer and abs(value) < 10**15:
        return str(value)
    if value.is_Rational and max(abs(value.p), value.q) < 10**15:
        return f"{value} (≈ {sympy.Float(value, 6)})"
    return str(sympy.N(value, 6))


# --- time limits --------------------------------------------------------------------------


class _OutOfTime(BaseException):
    """Raised by the alarm; a BaseException so that sympy's ``except Exception`` lets it by."""


class _Alarm:
    """Whether an alarm is armed: outside :func:`_time_limit` the handler does nothing."""

    armed = False


def _attempt(seconds: float, function: Callable[..., object], *args: object) -> object:
    """``function(*args)`` within ``seconds``; None if it ran over or failed."""
    try:
        with _time_limit(seconds):
            return function(*args)
    except (_OutOfTime, Exception):
        return None


@contextlib.contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`_OutOfTime` in the block after ``seconds`` (POSIX main thread only;
    elsewhere the block runs unbounded and the worker's parent is the backstop).

    The alarm repeats every :data:`_ALARM_REPEAT_S` until the block ends: an exception
    raised while Python runs a finalizer or a garbage-collection callback is swallowed
    ("Exception ignored in ..."), and a one-shot alarm would then be lost.
    """
    if seconds <= 0:
        raise _OutOfTime
    if (
        not hasattr(signal, "setitimer")
        or threading.current_thread() is not threading.main_thread()
    ):
        yield
        return
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    _Alarm.armed = True
    signal.setitimer(signal.ITIMER_REAL, seconds, _ALARM_REPEAT_S)
    try:
        yield
    finally:
        _disarm(previous)


def _disarm(previous: object) -> None:
    """Stop the alarm. Once ``armed`` is false the handler no longer raises, so the
    alarm can interrupt this at most once, before that first assignment."""
    while True:
        try:
            _Alarm.armed = False
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, signal.SIG_DFL if previous is None else previous)
            return
        except _OutOfTime:
            continue


def _on_alarm(signum: int, frame: object) -> None:
    if _Alarm.armed:
        raise _OutOfTime
