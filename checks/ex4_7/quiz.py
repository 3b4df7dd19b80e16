"""The ex4_7 quiz: why the bias is left out of the regularization term.

A weight multiplies an input, so shrinking it makes the model less sensitive to that
input (a smoother function, less overfitting). The bias multiplies nothing: shrinking it
does not change how the output varies with the inputs, it only pulls the output towards
zero, which costs accuracy when the targets have an offset (underfitting). The correct
answers live in ``solutions/ex4_7.toml``; the free-text explanation is read by a person.
"""

from __future__ import annotations

from grader.quiz.questions import Choice, ChoiceQuestion, FreeTextQuestion, Question

__all__ = ["QUESTIONS", "feedback"]

QUESTIONS: tuple[Question, ...] = (
    ChoiceQuestion(
        key="reason",
        points=2,
        prompt_en="Why is the bias b left out of the regularization term?\n"
        "Choose every correct statement.",
        prompt_zh="为什么结构化风险函数的正则化项中不包含偏置 b？选出所有正确的说法。",
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
                "Penalizing the bias only pulls the output towards zero, which causes "
                "underfitting when the targets have a large offset",
                "惩罚偏置只会把输出拉向零，目标值有较大偏移时会导致欠拟合",
            ),
            Choice(
                "C",
                "The loss has no gradient with respect to the bias, so a penalty on it would "
                "have no effect",
                "损失对偏置没有梯度，所以对它加惩罚不起作用",
            ),
            Choice(
                "D",
                "Adding ‖b‖² to the loss would make the loss non-convex",
                "在损失中加入 ‖b‖² 会使损失变得非凸",
            ),
        ),
    ),
    FreeTextQuestion(
        key="explanation",
        prompt_en="Optional: explain in your own words, e.g. what the training check showed.",
        prompt_zh="选答：用自己的话解释，例如训练检查显示了什么。",
    ),
)


def feedback(key: str, answer: object) -> str | None:
    """The extra hint for a common wrong answer (the grader's ``feedback`` hook)."""
    if key == "reason" and isinstance(answer, frozenset) and "C" in answer:
        return "the bias has a gradient (∂L/∂b = ∂L/∂ŷ): the point is what shrinking it does"
    if key == "reason" and isinstance(answer, frozenset) and len(answer) == 1:
        return "judge every statement on its own; the training check is a good test of each"
    return None
