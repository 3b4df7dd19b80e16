"""The ex4_8 quiz: why W=0, b=0 fails (symmetry), and whether random W with b = 0 is fine.

With W=0 and b=0 every hidden unit of a layer computes the same output and receives the
same gradient, so after any number of steps the units are still copies of each other:
the layer behaves like a single unit. Random W alone breaks this symmetry, so b = 0 is a
fine (and the usual) choice. The correct answers live in ``solutions/ex4_8.toml``.
"""

from __future__ import annotations

from grader.quiz.questions import BooleanQuestion, Choice, ChoiceQuestion, Question

__all__ = ["QUESTIONS", "feedback"]

QUESTIONS: tuple[Question, ...] = (
    ChoiceQuestion(
        key="why_not_zero",
        points=2,
        prompt_en="Why does training with backpropagation fail from W=0, b=0?",
        prompt_zh="为什么从 W=0, b=0 开始用反向传播训练会失败？",
        choices=(
            Choice(
                "A",
                "The loss is not differentiable at W=0.",
                "损失函数在 W=0 处不可导。",
            ),
            Choice(
                "B",
                "All hidden units of a layer compute the same output and get the same "
                "gradient, so they stay identical: the layer acts like a single unit.",
                "同一层的所有隐藏单元输出相同、梯度相同，因此始终保持一致：该层等价于一个单元。",
            ),
            Choice(
                "C",
                "The gradients explode in the first step.",
                "第一步梯度就会爆炸。",
            ),
            Choice(
                "D",
                "Nothing fails: zero is a good start, training is only slower.",
                "不会失败：零是很好的起点，只是训练更慢。",
            ),
        ),
    ),
    BooleanQuestion(
        key="random_w_zero_b",
        points=1,
        prompt_en="Is random W with b = 0 a fine initialization? (true or false)",
        prompt_zh="随机初始化 W、令 b = 0 是否可行？（true 或 false）",
    ),
)


def feedback(key: str, answer: object) -> str | None:
    """The extra hint for a wrong answer (the grader's ``feedback`` hook)."""
    if key == "why_not_zero" and answer == frozenset("D"):
        return (
            "Train from init_zeros_ and print symmetry_gap of the hidden layer after each "
            "step: what does it say about the hidden units? 从零初始化训练，每一步后打印隐藏层的 "
            "symmetry_gap：它说明了隐藏单元的什么情况？"
        )
    if key == "random_w_zero_b" and answer is False:
        return (
            "Train from init_xavier_ (it sets b = 0) and watch the accuracy and symmetry_gap. "
            "用 init_xavier_（它令 b = 0）训练，观察准确率和 symmetry_gap。"
        )
    return None
