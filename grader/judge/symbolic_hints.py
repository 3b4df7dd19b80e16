"""What kind of difference separates a wrong expression from the reference, in words.

A wrong quiz answer gets the student's own value at a point and, from here, one
qualitative sentence: a symbol it lacks, a flipped sign, a constant factor or term, a
missing or extra term, a different growth. The sentence never states the expected
expression or any value of it, so resubmitting cannot fit the answer to it.

Runs on sympy objects built from student text: call :func:`describe_difference` only in
the symbolic worker, under a time limit (see :mod:`grader.judge.symbolic`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

import sympy

from grader.quiz.expr_parser import Domain

__all__ = ["describe_difference"]


def describe_difference(
    actual: sympy.Expr,
    expected: sympy.Expr,
    symbols: Mapping[str, Domain],
    point: Mapping[str, sympy.Rational],
) -> str:
    """One qualitative sentence on how ``actual`` differs from ``expected`` ('' if none fits).

    ``point`` is the counterexample the student is shown; the other symbols are held
    there while one grows. The sentence names no value or formula of ``expected``.
    """
    if not point:  # two numbers: any ratio is "a constant factor"; only the sign says more
        wrong_sign = sympy.sign(actual) * sympy.sign(expected) == -1
        return "yours has the wrong sign" if wrong_sign else ""
    rules: tuple[Callable[[], str], ...] = (
        lambda: _dependence(actual, expected, list(symbols)),
        lambda: _factor_or_offset(actual, expected),
        lambda: _terms(actual, expected),
        lambda: _growth(actual, expected, symbols, point),
    )
    for rule in rules:
        sentence = rule()
        if sentence:
            return sentence
    return ""


def _names(expr: sympy.Expr) -> set[str]:
    return {symbol.name for symbol in expr.free_symbols}


def _dependence(actual: sympy.Expr, expected: sympy.Expr, order: list[str]) -> str:
    missing = [name for name in order if name in _names(expected) - _names(actual)]
    if missing:
        return f"yours does not depend on {_listed(missing, 'or')}, the expected expression does"
    extra = [name for name in order if name in _names(actual) - _names(expected)]
    if extra:
        return f"yours depends on {_listed(extra, 'and')}, the expected expression does not"
    return ""


def _factor_or_offset(actual: sympy.Expr, expected: sympy.Expr) -> str:
    ratio = sympy.cancel(sympy.together(actual / expected))
    if ratio.is_number:
        if ratio == -1:
            return "yours has the opposite sign everywhere"
        return "yours is off by a constant factor"
    if sympy.cancel(sympy.together(actual - expected)).is_number:
        return "yours is off by a constant term"
    return ""


def _terms(actual: sympy.Expr, expected: sympy.Expr) -> str:
    """A sum that lacks some terms of the expected sum, or has terms it does not."""
    difference = set(sympy.Add.make_args(sympy.expand(actual - expected)))
    if all(-term in set(sympy.Add.make_args(sympy.expand(expected))) for term in difference):
        verb = "is" if len(difference) == 1 else "are"
        return f"{_count(difference)} of the expected expression {verb} missing from yours"
    if difference <= set(sympy.Add.make_args(sympy.expand(actual))):
        return f"yours has {_count(difference)} that the expected expression does not have"
    return ""


def _count(terms: set) -> str:
    return "a term" if len(terms) == 1 else f"{len(terms)} terms"


def _growth(
    actual: sympy.Expr,
    expected: sympy.Expr,
    symbols: Mapping[str, Domain],
    point: Mapping[str, sympy.Rational],
) -> str:
    """How the two compare as one symbol grows (or, for a probability, nears 1)."""
    for name, (target, direction, phrase) in _limits(symbols):
        held = {s: point[s.name] for s in expected.free_symbols | actual.free_symbols}
        variable = next((s for s in held if s.name == name), None)
        if variable is None:
            continue
        del held[variable]
        ratio = (actual / expected).xreplace(held)
        limit = sympy.limit(ratio, variable, target, direction)
        if limit == 0:
            return f"{phrase}, yours becomes negligible next to the expected expression"
        if limit in (sympy.oo, -sympy.oo):
            return f"{phrase}, yours outgrows the expected expression"
    return ""


def _limits(symbols: Mapping[str, Domain]) -> Iterator[tuple[str, tuple]]:
    for name, domain in symbols.items():
        if domain is Domain.PROBABILITY:
            yield name, (sympy.Integer(1), "-", f"as {name} nears 1")
        else:
            yield name, (sympy.oo, "+", f"for large {name}")


def _listed(names: list[str], conjunction: str) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} {conjunction} {names[-1]}"
