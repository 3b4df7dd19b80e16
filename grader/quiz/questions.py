"""Quiz questions: one frozen dataclass per kind of answer.

Every question has a ``key`` (its name in ``answers/<id>.toml``), ``points``, a prompt
in English and Chinese, and a visibility. The correct answers are *not* here: they live
in the reference answers file (``solutions/<id>.toml``), which students never receive.

    Question                 the fields every kind shares
    ├── SymbolicQuestion     an expression over declared symbols (text, safely parsed)
    ├── NumericQuestion      a number, accepted within rtol/atol of the reference
    ├── ChoiceQuestion       letters; one correct, or several (``multiple=True``)
    ├── BooleanQuestion      true or false
    └── FreeTextQuestion     text read by a person, never scored
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from grader.model import Visibility
from grader.quiz.expr_parser import DEFAULT_FUNCTIONS, FUNCTIONS, Domain

__all__ = [
    "BooleanQuestion",
    "Choice",
    "ChoiceQuestion",
    "FreeTextQuestion",
    "NumericQuestion",
    "Question",
    "SymbolicQuestion",
    "check_questions",
]

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
TITLE_LENGTH = 160


_ABBREVIATIONS = ("e.g.", "i.e.", "cf.", "vs.")


def _first_sentence(text: str) -> str:
    """``text`` up to the first ``.``/``?``/``!`` that ends a sentence outside parentheses."""
    depth = 0
    for index, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        ends = index + 1 == len(text) or text[index + 1] == " "
        if char in ".?!" and depth <= 0 and ends and not text[: index + 1].endswith(_ABBREVIATIONS):
            return text[: index + 1]
    return text


@dataclass(frozen=True, kw_only=True)
class Question:
    """What every question kind has.

    ``key`` is a bare TOML key (letters, digits, ``_``, ``-``); ``points`` is the most
    the question can score; ``prompt_en``/``prompt_zh`` are shown in the answers
    template, and the first line of ``prompt_en`` is the result's title.
    """

    key: str
    points: float
    prompt_en: str
    prompt_zh: str
    visibility: Visibility = Visibility.PUBLIC

    def __post_init__(self) -> None:
        if not _BARE_KEY.fullmatch(self.key):
            raise ValueError(f"question key {self.key!r} is not a bare TOML key")
        if self.points < 0:
            raise ValueError(f"question {self.key!r} has negative points")

    @property
    def title(self) -> str:
        """The first sentence of the English prompt (its line breaks are only layout).

        A sentence ends at ``.``, ``?`` or ``!`` followed by a space or the end, outside
        parentheses (``(a number, e.g. 1/3)`` does not end one). A longer sentence than
        :data:`TITLE_LENGTH` characters is cut at a word, with ``…``.
        """
        text = " ".join(self.prompt_en.split())
        if not text:
            return self.key
        first = _first_sentence(text)
        if len(first) <= TITLE_LENGTH:
            return first
        return first[: TITLE_LENGTH - 1].rsplit(" ", 1)[0] + " …"


@dataclass(frozen=True, kw_only=True)
class SymbolicQuestion(Question):
    """An expression in the declared ``symbols`` (name -> domain), e.g. ``"N/(L+1)"``.

    ``functions`` are the functions the answer may use (names from
    :data:`grader.quiz.expr_parser.FUNCTIONS`).
    """

    symbols: Mapping[str, Domain]
    functions: frozenset[str] = DEFAULT_FUNCTIONS

    def __post_init__(self) -> None:
        super().__post_init__()
        unknown = self.functions - FUNCTIONS.keys()
        if unknown:
            raise ValueError(f"question {self.key!r}: unknown functions {sorted(unknown)}")


@dataclass(frozen=True, kw_only=True)
class NumericQuestion(Question):
    """A number, correct when ``|answer - reference| <= atol + rtol * |reference|``."""

    rtol: float = 1e-6
    atol: float = 0.0


@dataclass(frozen=True)
class Choice:
    """One option of a multiple-choice question: a capital letter and its text."""

    letter: str
    text_en: str
    text_zh: str


@dataclass(frozen=True, kw_only=True)
class ChoiceQuestion(Question):
    """Letters out of ``choices``: exactly one, or a set when ``multiple`` is true."""

    choices: tuple[Choice, ...]
    multiple: bool = False

    def __post_init__(self) -> None:
        super().__post_init__()
        letters = [choice.letter for choice in self.choices]
        if len(set(letters)) != len(letters) or not all(re.fullmatch("[A-Z]", x) for x in letters):
            raise ValueError(f"question {self.key!r}: choices need distinct capital letters")

    @property
    def letters(self) -> tuple[str, ...]:
        return tuple(choice.letter for choice in self.choices)


@dataclass(frozen=True, kw_only=True)
class BooleanQuestion(Question):
    """``true`` or ``false``."""


@dataclass(frozen=True, kw_only=True)
class FreeTextQuestion(Question):
    """Text recorded for an instructor to read; never scored by the grader."""

    points: float = field(default=0.0)


def check_questions(questions: Sequence[Question]) -> None:
    """Raise ValueError if two questions share a key (a grader bug, not a student's)."""
    keys = [question.key for question in questions]
    duplicates = sorted({key for key in keys if keys.count(key) > 1})
    if duplicates:
        raise ValueError(f"duplicate question keys: {', '.join(duplicates)}")
