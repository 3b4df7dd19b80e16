"""The ex4_1 quiz: σ'(z), its maximum and where it is attained, the sign pattern of
∂L/∂w for positive inputs, and why gradient descent zig-zags.

With z = wᵀx + b and L = ½(σ(z) − y)², ∂L/∂w = ∂L/∂z · x. When every x_i > 0, every
component of the gradient has the sign of the one number ∂L/∂z, so one step moves all
weights up together or all down together; reaching weights that need some to rise and
others to fall takes alternating steps (the zig-zag). σ'(z) = σ(z)(1 − σ(z)) is at most
1/4, at z = 0. The correct answers live in ``solutions/ex4_1.toml``.
"""

from __future__ import annotations

from grader.quiz.expr_parser import Domain
from grader.quiz.questions import Choice, ChoiceQuestion, Question, SymbolicQuestion

__all__ = ["QUESTIONS", "feedback"]

QUESTIONS: tuple[Question, ...] = (
    SymbolicQuestion(
        key="sigma_prime",
        points=1,
        prompt_en="σ'(z): the derivative of σ(z) = 1/(1 + exp(-z)), as an expression in z.",
        prompt_zh="σ'(z)：σ(z) = 1/(1 + exp(-z)) 的导数，写成 z 的表达式。",
        symbols={"z": Domain.REAL},
    ),
    SymbolicQuestion(
        key="sigma_prime_max",
        points=1,
        prompt_en="The largest value of σ'(z) over all real z (a number, e.g. 1/3).",
        prompt_zh="σ'(z) 在全体实数 z 上的最大值（一个数，例如 1/3）。",
        symbols={},
    ),
    SymbolicQuestion(
        key="sigma_prime_argmax",
        points=1,
        prompt_en="The z at which σ'(z) attains that maximum (a number).",
        prompt_zh="σ'(z) 取得最大值时的 z（一个数）。",
        symbols={},
    ),
    ChoiceQuestion(
        key="gradient_signs",
        points=1,
        prompt_en="With every input x_i > 0, what are the signs of the components of ∂L/∂w?\n"
        "(one example, L = ½(σ(wᵀx + b) − y)²)",
        prompt_zh="对一个所有输入 x_i > 0 的样本，∂L/∂w 各分量的符号有什么规律？",
        choices=(
            Choice(
                "A",
                "They alternate: positive, negative, positive, ...",
                "正负交替：正、负、正……",
            ),
            Choice(
                "B",
                "They all have the same sign, the sign of ∂L/∂z",
                "全部同号，都与 ∂L/∂z 同号",
            ),
            Choice("C", "Each has the sign of the matching weight w_i", "各自与对应权重 w_i 同号"),
            Choice("D", "Each has the sign of the target y", "各自与目标 y 同号"),
        ),
    ),
    ChoiceQuestion(
        key="zigzag_reason",
        points=1,
        prompt_en="Why does gradient descent zig-zag when the inputs are always positive?",
        prompt_zh="输入恒为正时，梯度下降的路径为什么呈锯齿（之字形）？",
        choices=(
            Choice(
                "A",
                "The learning rate is too small, so each step undershoots",
                "学习率太小，每一步都走不到位",
            ),
            Choice(
                "B",
                "The sigmoid is not convex, so the loss has many local minima",
                "sigmoid 非凸，损失有许多局部极小值",
            ),
            Choice(
                "C",
                "Each step moves all weights up together or all down together, so weights "
                "that must move in opposite directions are reached only by alternating steps",
                "每一步所有权重只能同时增大或同时减小，需要反向变化的权重只能靠交替的步子逼近",
            ),
            Choice(
                "D",
                "σ'(z) is at most 1/4, so the gradient vanishes",
                "σ'(z) 不超过 1/4，梯度消失",
            ),
        ),
    ),
)


def feedback(key: str, answer: object) -> str | None:
    """The extra hint for a common wrong answer (the grader's ``feedback`` hook)."""
    if key == "gradient_signs" and answer == frozenset({"C"}):
        return (
            "write ∂L/∂w_i with the chain rule through z = wᵀx + b: which factors can change sign?"
        )
    if key == "zigzag_reason" and answer == frozenset({"D"}):
        return "a small σ' makes every step shorter but does not turn it: what turns it?"
    return None
