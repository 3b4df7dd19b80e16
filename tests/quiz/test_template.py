"""The answers template: valid TOML, every question a key with an empty answer."""

from __future__ import annotations

import tomllib

from grader.model import Visibility
from grader.quiz.expr_parser import Domain
from grader.quiz.questions import (
    BooleanQuestion,
    Choice,
    ChoiceQuestion,
    FreeTextQuestion,
    NumericQuestion,
    SymbolicQuestion,
)
from grader.quiz.template import render_template

QUESTIONS = (
    SymbolicQuestion(
        key="var",
        points=2,
        prompt_en="Var[x'] of inverted dropout.\nIn terms of p and x.",
        prompt_zh="反向丢弃法的 Var[x']。",
        symbols={"p": Domain.PROBABILITY, "x": Domain.REAL},
    ),
    NumericQuestion(key="rate", points=1.5, prompt_en="The rate.", prompt_zh="比率。"),
    ChoiceQuestion(
        key="why",
        points=1,
        prompt_en="Why?",
        prompt_zh="为什么？",
        choices=(Choice("A", "symmetry", "对称性"), Choice("B", "speed", "速度")),
        multiple=True,
    ),
    BooleanQuestion(key="ok", points=1, prompt_en="OK?", prompt_zh="可以吗？"),
    FreeTextQuestion(
        key="notes", prompt_en="Notes.", prompt_zh="备注。", visibility=Visibility.HIDDEN
    ),
)


def test_the_template_is_toml_with_every_key_empty() -> None:
    data = tomllib.loads(render_template("demo", QUESTIONS))
    assert data == {"var": "", "rate": "", "why": "", "ok": "", "notes": ""}


def test_the_template_gives_each_prompt_and_how_to_answer_in_english_and_chinese() -> None:
    text = render_template("demo", QUESTIONS)
    assert text.startswith("# Quiz answers for demo / demo 测验答案\n")
    for expected in [
        "# 1. Var[x'] of inverted dropout.\n#    In terms of p and x. (2 points)\n",
        "#    反向丢弃法的 Var[x']。（2 分）\n",
        "p (probabilities, 0 < p < 1); x (reals)",
        "关于 p（概率，0 < p < 1）；x（实数）的表达式",
        "# 2. The rate. (1.5 points)",
        "#      A. symmetry\n#         对称性\n",
        'every correct letter, e.g. ["A", "C"]',
        "# 4. OK? (1 point)\n#    可以吗？（1 分）\n#    Answer: true or false, without quotes.\n",
        "read by the instructor, not scored",
    ]:
        assert expected in text
    assert all(line.startswith("#") or "=" in line or not line for line in text.splitlines())


def test_a_question_without_symbols_asks_for_a_number_not_an_expression_in_nothing() -> None:
    number = SymbolicQuestion(
        key="top", points=1, prompt_en="The maximum.", prompt_zh="最大值。", symbols={}
    )
    text = render_template("demo", (number,))
    assert "an expression in ," not in text and "关于 的" not in text
    assert 'Answer: a number, in quotes; it may be an expression of numbers, e.g. "1/3".' in text
