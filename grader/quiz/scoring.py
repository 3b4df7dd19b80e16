"""Marking one answer against its reference answer, per kind of question.

Each function takes the question, the student's answer and the reference answer, both
in the forms :mod:`grader.quiz.answers` produces, and returns a :class:`Mark`. Symbolic
answers go to the symbolic judge, which parses and compares them in its worker process.
"""

from __future__ import annotations

from dataclasses import dataclass

from grader.judge.symbolic import Equivalence
from grader.judge.symbolic_worker import SymbolicJudge
from grader.model import Status
from grader.quiz.questions import ChoiceQuestion, NumericQuestion, SymbolicQuestion

__all__ = ["Mark", "mark_boolean", "mark_choice", "mark_numeric", "mark_symbolic", "show"]

CORRECT = "correct"


@dataclass(frozen=True)
class Mark:
    """PASSED or FAILED, and the sentence that says why."""

    status: Status
    message: str = CORRECT

    @property
    def passed(self) -> bool:
        return self.status is Status.PASSED


def show(answer: object) -> str:
    """An answer as the student wrote it: ``true``, ``0.25``, ``A, C``, ``2*N``."""
    if isinstance(answer, bool):
        return str(answer).lower()
    if isinstance(answer, float):
        return f"{answer:g}"
    if isinstance(answer, frozenset):
        return ", ".join(sorted(answer))
    return str(answer)


def mark_numeric(question: NumericQuestion, answer: float, reference: float) -> Mark:
    """Correct within ``atol + rtol * |reference|``.

    A failure states the tolerance rule (how close an answer must be), never the range
    around the reference, which would give the answer away.
    """
    tolerance = question.atol + question.rtol * abs(reference)
    if abs(answer - reference) <= tolerance:
        return Mark(Status.PASSED)
    return Mark(
        Status.FAILED,
        f"{answer:.12g} is not right (an answer scores when it is within "
        f"{tolerance_rule(question)} of the right value)",
    )


def tolerance_rule(question: NumericQuestion) -> str:
    """``5e-06``, ``a relative 1e-06`` or ``5e-06 plus a relative 1e-06``: the question's
    own tolerances, which say nothing about the reference value."""
    parts = [f"{question.atol:g}"] if question.atol else []
    parts += [f"a relative {question.rtol:g}"] if question.rtol else []
    return " plus ".join(parts) or "0"


def mark_choice(question: ChoiceQuestion, answer: frozenset, reference: frozenset) -> Mark:
    """Correct when the chosen letters are exactly the correct ones."""
    if answer == reference:
        return Mark(Status.PASSED)
    if question.multiple:
        return Mark(
            Status.FAILED, f"{show(answer)} is not the right set: choose every correct letter"
        )
    return Mark(Status.FAILED, f"{show(answer)} is not the right choice")


def mark_boolean(answer: bool, reference: bool) -> Mark:
    """Correct when equal."""
    if answer is reference:
        return Mark(Status.PASSED)
    return Mark(Status.FAILED, f"{show(answer)} is not right")


def mark_symbolic(
    question: SymbolicQuestion,
    answer: str,
    reference: str,
    judge: SymbolicJudge,
    *,
    time_limit_s: float,
    where: str,
) -> Mark:
    """Compare with the symbolic ladder within ``time_limit_s``.

    ``where`` (file, key, line) prefixes a parse error, which the student can fix.
    Raises :class:`grader.errors.InternalError` if the judge itself fails.
    """
    verdict = judge.compare(
        answer,
        reference,
        question.symbols,
        functions=question.functions,
        time_limit_s=time_limit_s,
    )
    if verdict.outcome is Equivalence.EQUAL:
        return Mark(Status.PASSED)
    if verdict.outcome is Equivalence.INVALID:
        return Mark(Status.FAILED, f"{where}: {verdict.message}")
    return Mark(Status.FAILED, verdict.message)
