"""The ex4_5 quiz questions: P(L), dP/dL, the stationary point L*, monotonicity.

This module ships to students: it holds the questions only. The correct answers live
in ``solutions/ex4_5.toml`` and the hint for a wrong answer (which needs the formula)
in ``hidden/ex4_5.py``; neither is in a handout.
"""

from __future__ import annotations

from grader.quiz.expr_parser import Domain
from grader.quiz.questions import BooleanQuestion, Question, SymbolicQuestion

__all__ = ["QUESTIONS"]

_M0_N_L = {
    "M0": Domain.POSITIVE_INTEGER,
    "N": Domain.POSITIVE_INTEGER,
    "L": Domain.POSITIVE_INTEGER,
}
_M0_N = {"M0": Domain.POSITIVE_INTEGER, "N": Domain.POSITIVE_INTEGER}

QUESTIONS: tuple[Question, ...] = (
    SymbolicQuestion(
        key="P_of_L",
        points=2,
        prompt_en="P(L): the number of parameters (weights and biases) in terms of M0, N, L.\n"
        "Assume L divides N.",
        prompt_zh="P(L)：参数（权重和偏置）总数，用 M0、N、L 表示。设 L 整除 N。",
        symbols=_M0_N_L,
    ),
    SymbolicQuestion(
        key="dP_dL",
        points=2,
        prompt_en="dP/dL: the derivative of P with respect to L (treat L as continuous).",
        prompt_zh="dP/dL：P 对 L 的导数（把 L 看作连续变量）。",
        symbols=_M0_N_L,
    ),
    SymbolicQuestion(
        key="L_star",
        points=2,
        prompt_en="L*: the value of L where dP/dL = 0, in terms of M0 and N.",
        prompt_zh="L*：使 dP/dL = 0 的 L 值，用 M0 和 N 表示。",
        symbols=_M0_N,
    ),
    BooleanQuestion(
        key="monotonic",
        points=1,
        prompt_en="Is P monotonic in L for all M0 and N? (true or false)",
        prompt_zh="对所有 M0 和 N，P 是否随 L 单调变化？（true 或 false）",
    ),
)
