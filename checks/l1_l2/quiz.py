"""The l1_l2 quiz: the two update rules, applied k times; which one gives exact zeros; the bias.

With the data loss left out, one L2 step multiplies a weight by the same factor every
time (it shrinks in proportion to its size and never reaches 0), while one L1 step moves
it towards 0 by the same amount every time (it gets there in finitely many steps). The
questions ask for those k-step results rather than the one-step rules, which the
statement gives. This module ships with the handout: it holds the questions and method
hints only; the answers live in ``solutions/l1_l2.toml``, and the hints that react to a
particular wrong choice in ``hidden/l1_l2.py``.
"""

from __future__ import annotations

from grader import Choice, ChoiceQuestion, Domain, Question, SymbolicQuestion

__all__ = ["QUESTIONS", "feedback"]

_STEPS = {
    "w0": Domain.REAL,
    "k": Domain.POSITIVE_INTEGER,
    "eta": Domain.POSITIVE_REAL,
    "lam": Domain.POSITIVE_REAL,
    "n": Domain.POSITIVE_INTEGER,
}

QUESTIONS: tuple[Question, ...] = (
    SymbolicQuestion(
        key="l2_after_k_steps",
        points=2,
        prompt_en="A weight after k L2 (weight-decay) steps, the data loss left out.\n"
        "With ∂C₀/∂w = 0, a weight starts at w0; what is it after k gradient-descent steps\n"
        "on λ/(2n)·Σw² with learning rate eta? In terms of w0, k, eta, lam and n.",
        prompt_zh="不考虑数据损失时，k 步 L2（权重衰减）更新后的权重。\n"
        "设 ∂C₀/∂w = 0，权重初值为 w0，以学习率 eta 对 λ/(2n)·Σw² 做 k 步梯度下降后，\n"
        "权重是多少？用 w0、k、eta、lam、n 表示。",
        symbols=_STEPS,
    ),
    SymbolicQuestion(
        key="l1_after_k_steps",
        points=2,
        prompt_en="A weight after k L1 steps, the data loss left out.\n"
        "With ∂C₀/∂w = 0, a weight starts at w0 > 0; what is it after k subgradient steps\n"
        "on (λ/n)·Σ|w| with learning rate eta, for k small enough that it is still\n"
        "positive? In terms of w0, k, eta, lam and n.",
        prompt_zh="不考虑数据损失时，k 步 L1 更新后的权重。\n"
        "设 ∂C₀/∂w = 0，权重初值 w0 > 0，以学习率 eta 对 (λ/n)·Σ|w| 做 k 步次梯度下降\n"
        "（k 足够小，权重仍为正）后，权重是多少？用 w0、k、eta、lam、n 表示。",
        symbols={**_STEPS, "w0": Domain.POSITIVE_REAL},
    ),
    ChoiceQuestion(
        key="exact_zeros",
        points=2,
        prompt_en="Trained long enough, which update leaves many weights exactly 0.0?",
        prompt_zh="训练足够久后，哪种更新会使许多权重恰好等于 0.0？",
        choices=(
            Choice(
                "A",
                "The L2 step (1 − ηλ/n)·w − η·∂C₀/∂w: it shrinks the largest weights the most",
                "L2 步 (1 − ηλ/n)·w − η·∂C₀/∂w：它对最大的权重收缩得最多",
            ),
            Choice(
                "B",
                "The L1 subgradient step w − (ηλ/n)·sgn(w) − η·∂C₀/∂w: a weight that reaches "
                "0 stays there",
                "L1 次梯度步 w − (ηλ/n)·sgn(w) − η·∂C₀/∂w：权重一旦到达 0 就停在那里",
            ),
            Choice(
                "C",
                "The L1 proximal step: soft-thresholding sets every weight with "
                "|w − η·∂C₀/∂w| ≤ ηλ/n to 0",
                "L1 近端步：软阈值把所有满足 |w − η·∂C₀/∂w| ≤ ηλ/n 的权重置为 0",
            ),
            Choice(
                "D",
                "None of them: floating-point arithmetic never gives exactly 0.0",
                "都不会：浮点运算永远得不到恰好 0.0",
            ),
        ),
    ),
    ChoiceQuestion(
        key="bias_not_regularized",
        points=2,
        prompt_en="Why does neither penalty include the bias b? Choose every correct statement.",
        prompt_zh="为什么两种惩罚项都不包含偏置 b？选出所有正确的说法。",
        multiple=True,
        choices=(
            Choice(
                "A",
                "The bias multiplies no input: shrinking it does not make the model any less "
                "sensitive to its inputs, so it does nothing against overfitting",
                "偏置不与任何输入相乘：缩小它并不会降低模型对输入的敏感程度，因此无助于防止过拟合",
            ),
            Choice(
                "B",
                "Penalizing the bias pulls the output towards zero, which underfits targets "
                "with a large offset",
                "惩罚偏置会把输出拉向零，目标值有较大偏移时会导致欠拟合",
            ),
            Choice(
                "C",
                "The loss has no gradient with respect to the bias, so a penalty on it would "
                "have no effect",
                "损失对偏置没有梯度，所以对它加惩罚不起作用",
            ),
            Choice(
                "D",
                "A penalty on b would make the loss non-convex",
                "对 b 加惩罚会使损失变得非凸",
            ),
        ),
    ),
)

# A method hint per symbolic question, shown with a wrong answer (it gives away no answer).
_HINTS = {
    "l2_after_k_steps": "Write one step's update with ∂C₀/∂w = 0 (the derivative of "
    "λ/(2n)·w² is (λ/n)·w), then apply it k times, starting from w0.",
    "l1_after_k_steps": "Write one step's update for a positive weight with ∂C₀/∂w = 0 "
    "(sgn(w) = 1 while w > 0), then apply it k times, starting from w0.",
}


def feedback(key: str, answer: object) -> str | None:
    """The method hint for a wrong answer to ``key`` (the grader's ``feedback`` hook)."""
    return _HINTS.get(key)
