"""The answers template students fill in: ``answers/<id>.toml``.

Every question appears as a key with an empty answer (``""``, which counts as not
answered), preceded by comments giving its prompt and how to write the answer, in
English and Chinese. The template is valid TOML.
"""

from __future__ import annotations

from collections.abc import Sequence

from grader.quiz.expr_parser import Domain
from grader.quiz.questions import (
    BooleanQuestion,
    ChoiceQuestion,
    FreeTextQuestion,
    NumericQuestion,
    Question,
    SymbolicQuestion,
)

__all__ = ["render_template"]

_DOMAINS_EN = {
    Domain.POSITIVE_INTEGER: "positive integers",
    Domain.POSITIVE_REAL: "positive reals",
    Domain.REAL: "reals",
    Domain.PROBABILITY: "probabilities, 0 < p < 1",
}
_DOMAINS_ZH = {
    Domain.POSITIVE_INTEGER: "正整数",
    Domain.POSITIVE_REAL: "正实数",
    Domain.REAL: "实数",
    Domain.PROBABILITY: "概率，0 < p < 1",
}
_HEADER = """\
# Quiz answers for {id} / {id} 测验答案
#
# Write each answer after its "=" and keep the keys as they are. An empty answer ("")
# counts as not answered. Expressions go in quotes, e.g. "2*N/(L + 1)": use + - * /,
# ^ or ** for powers, and ( ); 2N and 2(N + 1) are read as products, but NL is not N*L.
# 在每个 "=" 后填写答案，不要改动键名。空答案 ("") 视为未作答。表达式写在引号内，
# 例如 "2*N/(L + 1)"：可用 + - * /、乘方 ^ 或 **、括号 ( )；2N 与 2(N + 1) 视为乘积，
# 但 NL 不是 N*L。
"""


def render_template(exercise_id: str, questions: Sequence[Question]) -> str:
    """The answers template for ``questions``, as TOML text (ends with a newline)."""
    blocks = [_HEADER.format(id=exercise_id)]
    blocks += [_block(number, question) for number, question in enumerate(questions, 1)]
    return "\n".join(blocks)


def _block(number: int, question: Question) -> str:
    points = f"{question.points:g}"
    unit = "point" if points == "1" else "points"
    lines = [
        f"{number}. {line}" if i == 0 else line for i, line in enumerate(_lines(question.prompt_en))
    ]
    lines[-1] += f" ({points} {unit})"
    zh = _lines(question.prompt_zh)
    zh[-1] += f"（{points} 分）"
    lines += zh + _how_to_answer(question)
    comments = [f"# {lines[0]}"] + [f"#    {line}" for line in lines[1:]]
    return "\n".join([*comments, f'{question.key} = ""', ""])


def _lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.strip().splitlines()] or [""]


def _how_to_answer(question: Question) -> list[str]:
    """Two or more comment lines: how to write this kind of answer, in English and Chinese."""
    if isinstance(question, SymbolicQuestion):
        return _symbolic_help(question)
    if isinstance(question, NumericQuestion):
        return [
            "Answer: a number, without quotes (e.g. 0.25).",
            "作答：一个数，不加引号（例如 0.25）。",
        ]
    if isinstance(question, ChoiceQuestion):
        return _choice_help(question)
    if isinstance(question, BooleanQuestion):
        return ["Answer: true or false, without quotes.", "作答：true 或 false，不加引号。"]
    if isinstance(question, FreeTextQuestion):
        return [
            "Answer: text in quotes ('''...''' for several lines);"
            " read by the instructor, not scored.",
            "作答：文字，写在引号内（多行用 '''...'''）；由教师阅读，不计分。",
        ]
    raise TypeError(f"no template for a {type(question).__name__}")


def _symbolic_help(question: SymbolicQuestion) -> list[str]:
    by_domain: dict[Domain, list[str]] = {}
    for name, domain in question.symbols.items():
        by_domain.setdefault(domain, []).append(name)
    en = "; ".join(f"{', '.join(names)} ({_DOMAINS_EN[d]})" for d, names in by_domain.items())
    zh = "；".join(f"{'、'.join(names)}（{_DOMAINS_ZH[d]}）" for d, names in by_domain.items())
    functions = f"Functions / 可用函数: {', '.join(sorted(question.functions))}"
    if not by_domain:  # a number, which may be written as an expression of numbers
        return [
            'Answer: a number, in quotes; it may be an expression of numbers, e.g. "1/3".',
            '作答：一个数，写在引号内；可写成数的表达式，例如 "1/3"。',
            functions,
        ]
    return [
        f"Answer: an expression in {en}, in quotes.",
        f"作答：关于 {zh}的表达式，写在引号内。",
        functions,
    ]


def _choice_help(question: ChoiceQuestion) -> list[str]:
    lines = []
    for choice in question.choices:
        lines += [f"  {choice.letter}. {choice.text_en}", f"     {choice.text_zh}"]
    if question.multiple:
        return [
            *lines,
            'Answer: every correct letter, e.g. ["A", "C"].',
            '作答：所有正确的字母，例如 ["A", "C"]。',
        ]
    return [
        *lines,
        'Answer: one letter in quotes, e.g. "B".',
        '作答：一个字母，写在引号内，例如 "B"。',
    ]
