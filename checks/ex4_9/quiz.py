"""The ex4_9 quiz questions: a bound on a product of sigmoid derivatives, and whether a
larger learning rate cures vanishing gradients.

This module ships to students: it holds the questions and hints that do not give the
answers away. The correct answers live in ``solutions/ex4_9.toml``.
"""

from __future__ import annotations

from grader.quiz.expr_parser import Domain
from grader.quiz.questions import Choice, ChoiceQuestion, Question, SymbolicQuestion

__all__ = ["QUESTIONS", "feedback"]

QUESTIONS: tuple[Question, ...] = (
    SymbolicQuestion(
        key="sigmoid_product_bound",
        points=2,
        prompt_en="The smallest upper bound of σ'(z_1)·σ'(z_2)·…·σ'(z_L) over all z, in terms "
        "of L.",
        prompt_zh="对所有 z，σ'(z_1)·σ'(z_2)·…·σ'(z_L) 的最小上界（用 L 表示）。",
        symbols={"L": Domain.POSITIVE_INTEGER},
    ),
    ChoiceQuestion(
        key="larger_lr",
        points=2,
        prompt_en="Can increasing the learning rate alleviate the vanishing gradient problem?",
        prompt_zh="梯度消失问题是否可以通过增加学习率来缓解？",
        choices=(
            Choice(
                "A",
                "Yes: multiplying the learning rate by 4^L restores the first layers' steps.",
                "可以：把学习率乘以 4^L 就能恢复前几层的更新幅度。",
            ),
            Choice(
                "B",
                "No: one global learning rate scales every layer's step alike, so the first "
                "layers still move orders of magnitude less than the last ones, which "
                "diverge or oscillate first.",
                "不能：全局学习率对每一层的更新同比例放大，前几层的更新仍比最后几层小几个"
                "数量级，而最后几层会先发散或振荡。",
            ),
            Choice(
                "C",
                "Yes, provided the learning rate is increased gradually (warm-up).",
                "可以，只要逐步增大学习率（预热）。",
            ),
            Choice(
                "D",
                "No, because a larger learning rate makes the gradients themselves smaller.",
                "不能，因为更大的学习率会让梯度本身变小。",
            ),
        ),
    ),
)


def feedback(key: str, answer: object) -> str | None:
    """The extra hint for a wrong answer (the grader's ``feedback`` hook)."""
    if key == "larger_lr" and answer in (frozenset("A"), frozenset("C")):
        return (
            "Compute update_ratio with lr, 10·lr and 100·lr, and watch the loss of a training "
            "run at each. 分别用 lr、10·lr、100·lr 计算 update_ratio，并观察各自训练时的损失。"
        )
    if key == "sigmoid_product_bound":
        return "σ'(z) = σ(z)(1 − σ(z)) is largest at z = 0. σ' 在 z = 0 处取最大值。"
    return None
