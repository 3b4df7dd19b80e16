"""The ex4_5 quiz: the parameter count P(L), dP/dL, the stationary point L*, monotonicity.

A network with input size M0, L hidden layers of n = N/L neurons and one output has

    P(L) = (M0 n + n) + (L - 1)(n² + n) + (n + 1)
         = (M0 + 1) N/L + (L - 1) N²/L² + N + 1

parameters; dP/dL = -(M0 + 1) N/L² + (2 - L) N²/L³ vanishes at L* = 2N/(M0 + N + 1).
P rises up to L* and falls after, so it is not monotonic in L. The correct answers
live in ``solutions/ex4_5.toml``; this module holds the questions and the hint for the
common wrong answer "P always increases with L".
"""

from __future__ import annotations

from fractions import Fraction

from grader.quiz.expr_parser import Domain
from grader.quiz.questions import BooleanQuestion, Question, SymbolicQuestion

__all__ = ["QUESTIONS", "feedback", "monotonic_counterexample", "parameter_count"]

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


def parameter_count(M0: int, N: int, L: int) -> Fraction:
    """P(L) from the formula (exact; an integer when L divides N)."""
    return (M0 + 1) * Fraction(N, L) + (L - 1) * Fraction(N, L) ** 2 + N + 1


def monotonic_counterexample(M0: int = 10, N: int = 100) -> str:
    """The counterexample to "P always increases with L", computed from the formula."""
    p1, p2, p4 = (parameter_count(M0, N, L) for L in (1, 2, 4))
    star = Fraction(2 * N, M0 + N + 1)
    return (
        f"Counterexample: with M0={M0}, N={N}, P(1)={p1} < P(2)={p2}, but then "
        f"P(4)={p4} < P(2): P rises up to L* = 2N/(M0+N+1) ≈ {float(star):.2f} and falls "
        "after, so it is not monotonic in L. "
        f"反例：M0={M0}、N={N} 时 P(1)={p1} < P(2)={p2}，而 P(4)={p4} < P(2)："
        "P 先增后减，并不单调。"
    )


def feedback(key: str, answer: object) -> str | None:
    """The extra hint for a wrong answer (the grader's ``feedback`` hook)."""
    if key == "monotonic" and answer is True:
        return monotonic_counterexample()
    return None
