"""The softmax_xent quiz: shift invariance, the gradient of cross-entropy, a batch-wide maximum.

This module ships with the handout, so it holds the questions and method hints only;
the correct answers live in ``solutions/softmax_xent.toml``.
"""

from __future__ import annotations

from grader import (
    BooleanQuestion,
    Choice,
    ChoiceQuestion,
    Domain,
    Question,
    SymbolicQuestion,
)

__all__ = ["QUESTIONS", "feedback"]

QUESTIONS: tuple[Question, ...] = (
    BooleanQuestion(
        key="shift_invariant",
        points=1,
        prompt_en="Is softmax(z + c) = softmax(z) for every vector z and every real number c\n"
        "added to all of its entries? (true or false)",
        prompt_zh="对任意向量 z 和加到其每个分量上的任意实数 c，softmax(z + c) = softmax(z)\n"
        "是否成立？（true 或 false）",
    ),
    SymbolicQuestion(
        key="grad_logits",
        points=2,
        prompt_en="∂L/∂z_i for one example, L = −Σ_j y_j log p_j with p = softmax(z) and y\n"
        "one-hot, in terms of p (for p_i) and y (for y_i).",
        prompt_zh="单个样本的 ∂L/∂z_i，其中 L = −Σ_j y_j log p_j，p = softmax(z)，y 为 one-hot\n"
        "向量；用 p（表示 p_i）和 y（表示 y_i）表示。",
        symbols={"p": Domain.PROBABILITY, "y": Domain.REAL},
    ),
    ChoiceQuestion(
        key="batch_max",
        points=1,
        prompt_en="A batch softmax subtracts c = np.max(z), the maximum of the whole batch,\n"
        "instead of each row's maximum. What goes wrong?",
        prompt_zh="对一批数据做 softmax 时减去整批的最大值 c = np.max(z)，而不是每一行各自的\n"
        "最大值。会出什么问题？",
        choices=(
            Choice(
                "A",
                "Nothing: softmax(z − c) = softmax(z) for any constant c, in floating point too",
                "没有问题：对任意常数 c 都有 softmax(z − c) = softmax(z)，浮点运算中也一样",
            ),
            Choice(
                "B",
                "The rows holding the batch's largest entries overflow: exp(z − c) becomes inf",
                "含有整批最大元素的行会上溢：exp(z − c) 变为 inf",
            ),
            Choice(
                "C",
                "A row whose maximum is far below c underflows: every exp(z − c) is 0, 0/0 = nan",
                "某行的最大值远小于 c 时，该行每个 exp(z − c) 都下溢为 0，结果为 0/0 = nan",
            ),
            Choice(
                "D",
                "The result stays finite, but its rows no longer sum to 1 in exact arithmetic",
                "结果仍然有限，但即使精确计算，每行之和也不再为 1",
            ),
        ),
    ),
)

# A method hint per question, shown with a wrong answer (it gives away no answer).
_HINTS = {
    "shift_invariant": "Write softmax(z + c)_i as a fraction and use exp(a + b) = exp(a)·exp(b).",
    "grad_logits": "Write L = −z_k + log Σ_j exp(z_j) for the correct class k and differentiate "
    "both terms with respect to z_i, for i = k and for i ≠ k.",
    "batch_max": "Take a row whose largest entry is 1000 below the batch's largest entry and "
    "work out exp(z − c) for each of its entries in float64 (exp(−745) is already 0).",
}


def feedback(key: str, answer: object) -> str | None:
    """The method hint for a wrong answer to ``key`` (the grader's ``feedback`` hook)."""
    return _HINTS.get(key)
