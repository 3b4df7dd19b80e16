"""The dropout quiz: E[x′] and Var[x′] of inverted dropout, and E[x′] without the scaling.

This module ships with the handout, so it holds the questions and method hints only;
the correct answers live in ``solutions/dropout.toml``.
"""

from __future__ import annotations

from grader.quiz.expr_parser import Domain
from grader.quiz.questions import Question, SymbolicQuestion

__all__ = ["QUESTIONS", "feedback"]

_X_P = {"x": Domain.REAL, "p": Domain.PROBABILITY}

QUESTIONS: tuple[Question, ...] = (
    SymbolicQuestion(
        key="mean_inverted",
        points=1,
        prompt_en="E[x′] for inverted dropout of one element x with drop probability p\n"
        "(x′ = 0 with probability p, x/(1 − p) otherwise), in terms of x and p.",
        prompt_zh="倒置丢弃法中单个元素 x 的 E[x′]（以概率 p 置零，否则为 x/(1 − p)），\n"
        "用 x 和 p 表示。",
        symbols=_X_P,
    ),
    SymbolicQuestion(
        key="variance_inverted",
        points=2,
        prompt_en="Var[x′] for the same inverted dropout, in terms of x and p.",
        prompt_zh="同一倒置丢弃法下的 Var[x′]，用 x 和 p 表示。",
        symbols=_X_P,
    ),
    SymbolicQuestion(
        key="mean_plain",
        points=1,
        prompt_en="E[x′] for the variant that only zeroes (x′ = 0 with probability p, x\n"
        "otherwise, no scaling), in terms of x and p.",
        prompt_zh="只置零、不缩放的变体（以概率 p 置零，否则为 x）的 E[x′]，用 x 和 p 表示。",
        symbols=_X_P,
    ),
)

# A method hint per question, shown with a wrong answer (it gives away no answer).
_HINTS = {
    "mean_inverted": "E[x′] sums value × probability over the two outcomes: 0 with "
    "probability p, x/(1 − p) with probability 1 − p.",
    "variance_inverted": "Var[x′] = E[x′²] − E[x′]², where x′² is 0 with probability p and "
    "x²/(1 − p)² with probability 1 − p.",
    "mean_plain": "Without the scaling, a kept element stays x: x′ is 0 with probability p "
    "and x with probability 1 − p.",
}


def feedback(key: str, answer: object) -> str | None:
    """The method hint for a wrong answer to ``key`` (the grader's ``feedback`` hook)."""
    return _HINTS.get(key)
