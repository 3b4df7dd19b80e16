"""The gradcheck quiz: the two difference quotients of θ³, their error orders, and when
gradient checking must not be used.

Taylor: f(θ ± ε) = f ± εf' + ε²f''/2 ± ε³f'''/6 + …, so the two-sided quotient keeps
f' + ε²f'''/6 (error O(ε²)) and the one-sided one f' + εf''/2 (error O(ε)). Gradient
checking is slow (two evaluations of the cost per parameter), so it debugs backprop and
is switched off for training; with dropout on, the cost is a different random function
on every evaluation. The correct answers live in ``solutions/gradcheck.toml``.
"""

from __future__ import annotations

from grader import Choice, ChoiceQuestion, NumericQuestion, Question

__all__ = ["QUESTIONS", "feedback"]

QUESTIONS: tuple[Question, ...] = (
    NumericQuestion(
        key="two_sided_cube",
        points=1,
        prompt_en="f(θ) = θ³, θ = 1, ε = 0.01: the two-sided estimate (f(θ+ε) − f(θ−ε)) / (2ε)\n"
        "of f'(1), as a number (at least 5 significant digits).",
        prompt_zh="f(θ) = θ³，θ = 1，ε = 0.01：双边差分 (f(θ+ε) − f(θ−ε)) / (2ε) 对 f'(1)\n"
        "的估计值（一个数，至少 5 位有效数字）。",
        atol=5e-6,
    ),
    NumericQuestion(
        key="one_sided_cube",
        points=1,
        prompt_en="The same f, θ and ε: the one-sided estimate (f(θ+ε) − f(θ)) / ε, as a number.",
        prompt_zh="同样的 f、θ、ε：单边差分 (f(θ+ε) − f(θ)) / ε 的估计值（一个数）。",
        atol=5e-6,
    ),
    ChoiceQuestion(
        key="error_orders",
        points=1,
        prompt_en="How does the error of each estimate of f'(θ) shrink as ε → 0\n"
        "(for a smooth f, ignoring rounding)?",
        prompt_zh="ε → 0 时（f 光滑，不计舍入误差），两种估计的误差各以什么阶减小？",
        choices=(
            Choice("A", "Both like O(ε)", "都是 O(ε)"),
            Choice("B", "Two-sided O(ε²), one-sided O(ε)", "双边 O(ε²)，单边 O(ε)"),
            Choice("C", "Two-sided O(ε), one-sided O(ε²)", "双边 O(ε)，单边 O(ε²)"),
            Choice("D", "Both like O(ε²)", "都是 O(ε²)"),
        ),
    ),
    ChoiceQuestion(
        key="when_not_to_use",
        points=1,
        prompt_en="When must you NOT use gradient checking (or cannot trust it)?\n"
        "Choose every correct statement.",
        prompt_zh="什么情况下不应使用（或不能相信）梯度检验？选出所有正确的说法。",
        multiple=True,
        choices=(
            Choice(
                "A",
                "During training, at every step, to compute the gradient",
                "训练过程中，每一步都用它来计算梯度",
            ),
            Choice("B", "With dropout switched on", "开启 dropout 时"),
            Choice(
                "C",
                "When the cost includes an L2 regularization term",
                "代价函数包含 L2 正则化项时",
            ),
            Choice(
                "D",
                "Right after random initialization, before any training",
                "刚随机初始化、尚未训练时",
            ),
        ),
    ),
)

# A method hint per question, shown with a wrong answer (it gives away no answer).
_HINTS = {
    "two_sided_cube": "Expand (1 ± ε)³; in the difference the terms with even powers of ε "
    "cancel. Then divide by 2ε.",
    "one_sided_cube": "Expand (1 + ε)³ − 1³ and divide by ε: here no term cancels.",
    "error_orders": "Taylor-expand f(θ + ε) and f(θ − ε) to third order and see which terms "
    "survive in each quotient.",
    "when_not_to_use": "Ask of each case: is the cost the same deterministic function on every "
    "evaluation, and can you afford two evaluations of it per parameter at every step?",
}


def feedback(key: str, answer: object) -> str | None:
    """The method hint for a wrong answer to ``key`` (the grader's ``feedback`` hook)."""
    del answer  # the same hint for every wrong answer
    return _HINTS.get(key)
