"""Reading an answers file (``answers/<id>.toml``) and checking it against the questions.

:func:`read_answers` never raises for anything a file may contain. What it finds goes
into an :class:`AnswerSheet`, every message naming the file, the key and (where it can
be found) the line, so that a student can fix it:

- a file that cannot be read at all (not UTF-8, not TOML, too large, nested deeper than
  :data:`~grader.input_limits.MAX_TOML_DEPTH` or holding an integer of more than
  :data:`~grader.input_limits.MAX_TOML_INT_DIGITS` digits): ``fatal``;
- a key that is no question's key: ``errors``, with the nearest valid key suggested;
- an answer of the wrong type (``true`` in quotes, a number for a choice...): ``problems``.

An answer that is absent, ``""`` or ``[]`` is simply not answered. Expressions are only
checked to be text here; parsing them is the symbolic judge's job.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from grader.input_limits import MAX_ANSWERS_BYTES
from grader.quiz.answers_toml import TomlRefused, load_toml
from grader.quiz.questions import (
    BooleanQuestion,
    ChoiceQuestion,
    FreeTextQuestion,
    NumericQuestion,
    Question,
    SymbolicQuestion,
)
from grader.text_file import UnreadableText, read_utf8

__all__ = ["MAX_FILE_BYTES", "AnswerSheet", "display_name", "read_answers"]

MAX_FILE_BYTES = MAX_ANSWERS_BYTES
_KEY_AT_LINE_START = re.compile(
    r"""^[ \t]*\[*[ \t]*(?:"([^"\n]*)"|'([^'\n]*)'|([A-Za-z0-9_-]+))[ \t]*[.=\]]""",
    re.MULTILINE,
)
_LETTER_SEPARATORS = re.compile(r"[\s,;、，]+")


@dataclass(frozen=True)
class AnswerSheet:
    """What one answers file says, checked against the questions.

    ``values`` maps each answered key without a problem to its answer: ``str`` for
    symbolic and free-text questions, ``float`` for numeric, ``frozenset`` of capital
    letters for choice, ``bool`` for boolean. ``problems`` maps keys to a message about
    their answer; ``errors`` holds file-level messages; ``fatal`` is set (and the rest
    empty) when the file could not be read at all. ``lines`` maps keys to line numbers.
    ``misspelled`` maps a question's key to the unknown key of the file that is nearest
    to it (``mean_plain`` -> ``mean_Plain``), for the questions left unanswered.
    """

    source: str
    values: Mapping[str, object] = field(default_factory=dict)
    problems: Mapping[str, str] = field(default_factory=dict)
    errors: tuple[str, ...] = ()
    fatal: str | None = None
    lines: Mapping[str, int] = field(default_factory=dict)
    misspelled: Mapping[str, str] = field(default_factory=dict)

    def where(self, key: str) -> str:
        """``answers/ex4_5.toml, key 'P_of_L' (line 7)``, the line where known."""
        return _where(self.source, key, self.lines)


def display_name(path: Path) -> str:
    """The file as students know it: ``answers/ex4_5.toml``."""
    return f"{path.parent.name}/{path.name}" if path.parent.name else path.name


def read_answers(path: Path, questions: Sequence[Question]) -> AnswerSheet:
    """Read and check ``path`` against ``questions``; never raises for bad content."""
    source = display_name(path)
    try:
        text = read_utf8(path, MAX_FILE_BYTES, source)
        table = _parse_toml(text, source)
    except (UnreadableText, _Unreadable) as error:
        return AnswerSheet(source, fatal=str(error))
    lines = _key_lines(text)
    by_key = {question.key: question for question in questions}
    values: dict[str, object] = {}
    problems: dict[str, str] = {}
    for key, question in by_key.items():
        raw = table.get(key)
        if _is_unanswered(raw):
            continue
        try:
            values[key] = _coerce(question, raw)
        except _WrongAnswer as problem:
            problems[key] = f"{_where(source, key, lines)}: {problem}"
    unknown = [key for key in table if key not in by_key]
    errors = tuple(_unknown_key(key, by_key, source, lines) for key in unknown)
    misspelled = {}
    for key in unknown:
        nearest = _nearest_key(key, list(by_key))
        if nearest and nearest not in values and nearest not in problems:
            misspelled.setdefault(nearest, key)
    return AnswerSheet(source, values, problems, errors, None, lines, misspelled)


class _Unreadable(Exception):
    """The whole file cannot be used; the message says why and where."""


class _WrongAnswer(Exception):
    """One answer has the wrong form; the message says what is expected."""


def _parse_toml(text: str, source: str) -> dict:
    try:
        return load_toml(text)
    except TomlRefused as error:
        hint = (
            '. Answers that are text need quotes, e.g. P_of_L = "N/L"; true/false and '
            "numbers do not"
            if str(error).startswith("not valid TOML")
            else ""
        )
        raise _Unreadable(f"{source}: {error}{hint}") from None


def _where(source: str, key: str, lines: Mapping[str, int]) -> str:
    line = lines.get(key)
    return f"{source}, key '{key}'" + (f" (line {line})" if line else "")


def _key_lines(text: str) -> dict[str, int]:
    """The line where each top-level key (or table header) first appears."""
    lines: dict[str, int] = {}
    for match in _KEY_AT_LINE_START.finditer(text):
        key = next(group for group in match.groups() if group is not None)
        lines.setdefault(key, text.count("\n", 0, match.start()) + 1)
    return lines


def _unknown_key(
    key: str, by_key: Mapping[str, Question], source: str, lines: Mapping[str, int]
) -> str:
    line = lines.get(key)
    where = f"{source}" + (f" (line {line})" if line else "")
    valid = list(by_key)
    nearest = _nearest_key(key, valid)
    hint = f" Did you mean '{nearest}'?" if nearest else ""
    return f"{where}: unknown key '{key}'.{hint} The keys are: {', '.join(valid)}"


def _nearest_key(key: str, valid: list[str]) -> str | None:
    """The valid key ``key`` was probably meant to be (same letters in another case
    first), or None."""
    same_case = [k for k in valid if k.lower() == key.lower()]
    close = same_case or difflib.get_close_matches(key, valid, n=1, cutoff=0.5)
    return close[0] if close else None


def _is_unanswered(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip()) or raw == []


def _describe(raw: object) -> str:
    """How a TOML value reads to a student."""
    if isinstance(raw, bool):
        return f"true/false ({str(raw).lower()})"
    if isinstance(raw, int | float):
        return f"a number ({raw})"
    if isinstance(raw, str):
        return f'the text "{raw[:40]}"'
    if isinstance(raw, list):
        return "a list [...]"
    if isinstance(raw, dict):
        return "a table (a [section] or a dotted key)"
    return f"a {type(raw).__name__}"  # TOML dates and times


def _symbolic(question: SymbolicQuestion, raw: object) -> str:
    if isinstance(raw, str):
        return raw.strip()
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return repr(raw)
    raise _WrongAnswer(
        f'expected an expression in quotes, such as "2*N/(L + 1)", but found {_describe(raw)}'
    )


def _numeric(question: NumericQuestion, raw: object) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        hint = " (write the number without quotes)" if isinstance(raw, str) else ""
        raise _WrongAnswer(f"expected a number, but found {_describe(raw)}{hint}")
    if not math.isfinite(raw):
        raise _WrongAnswer(f"expected a finite number, but found {raw}")
    return float(raw)


def _choice(question: ChoiceQuestion, raw: object) -> frozenset[str]:
    if isinstance(raw, str):
        parts = [p for p in _LETTER_SEPARATORS.split(raw.strip()) if p]
    elif isinstance(raw, list) and all(isinstance(item, str) for item in raw):
        parts = [item.strip() for item in raw]
    else:
        raise _WrongAnswer(f'expected letters in quotes, such as "B", but found {_describe(raw)}')
    letters = [letter.upper() for part in parts for letter in part]
    unknown = [letter for letter in letters if letter not in question.letters]
    if unknown:
        allowed = ", ".join(question.letters)
        raise _WrongAnswer(f"'{unknown[0]}' is not one of the choices {allowed}")
    if not question.multiple and len(set(letters)) != 1:
        raise _WrongAnswer(f"choose exactly one letter, but found {', '.join(letters)}")
    return frozenset(letters)


def _boolean(question: BooleanQuestion, raw: object) -> bool:
    if isinstance(raw, bool):
        return raw
    hint = " (write it without quotes)" if isinstance(raw, str) else ""
    raise _WrongAnswer(f"expected true or false, but found {_describe(raw)}{hint}")


def _free_text(question: FreeTextQuestion, raw: object) -> str:
    if isinstance(raw, str):
        return raw
    raise _WrongAnswer(
        f'expected text in quotes, such as "because ...", but found {_describe(raw)}'
    )


_COERCERS: Mapping[type, Callable[..., object]] = {
    SymbolicQuestion: _symbolic,
    NumericQuestion: _numeric,
    ChoiceQuestion: _choice,
    BooleanQuestion: _boolean,
    FreeTextQuestion: _free_text,
}


def _coerce(question: Question, raw: object) -> object:
    """The answer in its kind's form; raises _WrongAnswer."""
    for kind, coerce in _COERCERS.items():
        if isinstance(question, kind):
            return coerce(question, raw)
    raise TypeError(f"unknown question kind {type(question).__name__}")
