"""No quiz message gives away an answer that scores: every exercise's quiz (discovered, so a
new exercise joins by itself) is graded with typical wrong answers to each question, and no
message (the engine's sentence plus the exercise's hints) may contain, in any normalized
form, the reference answer of any question of that exercise, the expected value of a
symbolic answer at the point the message shows, or the accepted range of a numeric one.

What the student wrote (their answer echoed, their own value at the point) is taken out of
a message before it is searched: it is theirs, not a leak. The scanner is shown to find the
leaks the quiz used to have (``test_the_scanner_finds_the_leaks_of_old``).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sympy
from support import COURSE

from grader.model import Status
from grader.quiz.answers import read_answers
from grader.quiz.expr_parser import parse_expression
from grader.quiz.grading import grade_quiz
from grader.quiz.questions import (
    BooleanQuestion,
    ChoiceQuestion,
    FreeTextQuestion,
    NumericQuestion,
    Question,
    SymbolicQuestion,
)
from grader.quiz.scoring import show
from grader.release.secrets import normalize_formula

QUIZZES = [e.id for e in COURSE.exercises() if e.questions() and COURSE.reference_answers(e)]
_POINT = re.compile(r"\bat ([^\W\d]\w*=[^,\s;]+(?:, [^\W\d]\w*=[^,\s;]+)*)")
_YOURS = re.compile(r"yours is [^;\n]*")
_TRIVIAL = re.compile(r"-?\d|[^\W\d]\w*")  # "0", "x": searched only where stated as a value


@dataclass(frozen=True)
class Needle:
    """Something no message may state: ``pattern`` searched in one form of the scrubbed
    message, its ``space``: "raw" (as written), "text" (lower case, single spaces) or
    "formula" (normalized like the release audit's formulas: no spaces, no ``*``, ``^``)."""

    what: str
    pattern: re.Pattern[str]
    space: str = "raw"


def spaces(message: str) -> dict[str, str]:
    return {
        "raw": message,
        "text": " ".join(message.lower().split()),
        "formula": normalize_formula(message),
    }


def token(text: str) -> re.Pattern[str]:
    """``text`` not inside a longer number, name or formula."""
    return re.compile(rf"(?<![\w.^/]){re.escape(text)}(?![\w.^/(])")


def stated(text: str) -> re.Pattern[str]:
    """``= x`` or ``is 0``: a trivial answer stated as a value."""
    return re.compile(rf"(?:=|\bis)\s*{re.escape(text)}(?![\w.^/(′'])")


def formula_needles(key: str, text: str) -> list[Needle]:
    forms = {normalize_formula(text)}
    if _TRIVIAL.fullmatch(next(iter(forms))):
        return [Needle(f"{key} = {text}", stated(text))]
    return [Needle(f"{key} = {text}", token(form), "formula") for form in forms]


def number_needles(what: str, value: float) -> list[Needle]:
    forms = {repr(value), f"{value:g}", f"{value:.6g}", f"{value:.5g}", f"{value:.12g}"}
    return [Needle(what, token(form)) for form in forms]


def choice_needles(question: ChoiceQuestion, letters: frozenset[str]) -> list[Needle]:
    needles = []
    for choice in question.choices:
        if choice.letter in letters:
            article = r"(?! [a-z])" if choice.letter == "A" else ""  # "A small step"
            letter = re.compile(rf"(?<![\w'’]){choice.letter}(?![\w'’]){article}")
            needles.append(Needle(f"{question.key} = {choice.letter}", letter))
            for text in (choice.text_en, choice.text_zh):
                pattern = re.compile(re.escape(" ".join(text.lower().split())[:40]))
                needles.append(
                    Needle(f"{question.key}: the text of {choice.letter}", pattern, "text")
                )
    return needles


def needles_of(question: Question, reference: object, *, same_question: bool) -> list[Needle]:
    """What a message must not state about ``question``'s reference answer."""
    if isinstance(question, SymbolicQuestion):
        return formula_needles(question.key, str(reference))
    if isinstance(question, NumericQuestion):
        value = float(reference)  # type: ignore[arg-type]
        tolerance = question.atol + question.rtol * abs(value)
        bounds = number_needles(f"{question.key}'s range", value - tolerance)
        bounds += number_needles(f"{question.key}'s range", value + tolerance)
        return number_needles(f"{question.key} = {value}", value) + bounds
    if isinstance(question, ChoiceQuestion):
        return choice_needles(question, reference)  # type: ignore[arg-type]
    if isinstance(question, BooleanQuestion) and not same_question:
        # a wrong true/false answer tells the right one anyway; another question may not
        word = show(reference)
        return [Needle(f"{question.key} = {word}", re.compile(rf"\b{word}\b"), "text")]
    return []


def point_value_needles(question: SymbolicQuestion, reference: str, message: str) -> list[Needle]:
    """The reference's value at the point the message shows."""
    found = _POINT.search(message)
    if found is None:
        return []
    point = dict(pair.split("=") for pair in found.group(1).split(", "))
    expected = parse_expression(reference, question.symbols, functions=question.functions)
    names = {symbol.name: symbol for symbol in expected.free_symbols}
    value = expected.xreplace({names[n]: sympy.Rational(v) for n, v in point.items() if n in names})
    what = f"{question.key}'s expected value {value} at {found.group(1)}"
    needles = [Needle(what, token(normalize_formula(str(value))), "formula")]
    if value.is_number and value.is_real:
        needles += number_needles(what, float(value))
    return needles


def scrub(message: str, answer: object) -> str:
    """The message without what the student wrote (their answer echoed, their own value)
    and the point the student is shown (a coordinate may equal the expected value, as for
    E[x′] = x, without telling it)."""
    message = _YOURS.sub("yours is …", _POINT.sub("at …", message))
    for text in {show(answer), str(answer)}:
        message = message.replace(text, "…") if text else message
    return message


# --- typical wrong answers ------------------------------------------------------------------


def symbolic_variants(question: SymbolicQuestion, reference: str) -> list[str]:
    """The reference with its sign flipped, off by 2, plus 1, inverted, a term dropped; 0, 1."""
    e = parse_expression(reference, question.symbols, functions=question.functions)
    candidates = [-e, 2 * e, e / 2, e + 1, sympy.Integer(0), sympy.Integer(1)]
    candidates += [1 / e] if e != 0 else []
    candidates += [e - term for term in sympy.Add.make_args(e)][:3] if e.is_Add else []
    return [str(c) for c in candidates if sympy.simplify(c - e) != 0]


def numeric_variants(question: NumericQuestion, reference: float) -> list[float]:
    tolerance = question.atol + question.rtol * abs(reference)
    near = [reference + k * tolerance for k in (10, -10, 1.5, -1.5)] if tolerance else []
    return [
        v for v in [2 * reference, reference / 2, -reference, 0.0, 1.0, *near] if v != reference
    ]


def choice_variants(question: ChoiceQuestion, reference: frozenset[str]) -> list[frozenset[str]]:
    sizes = range(1, len(question.letters) + 1) if question.multiple else [1]
    sets = (frozenset(c) for n in sizes for c in itertools.combinations(question.letters, n))
    return [s for s in sets if s != reference]


def wrong_answers(question: Question, reference: object) -> list[object]:
    if isinstance(question, SymbolicQuestion):
        return symbolic_variants(question, str(reference))
    if isinstance(question, NumericQuestion):
        return numeric_variants(question, float(reference))  # type: ignore[arg-type]
    if isinstance(question, ChoiceQuestion):
        return choice_variants(question, reference)  # type: ignore[arg-type]
    if isinstance(question, BooleanQuestion):
        return [not reference]
    return []


def toml_value(answer: object) -> str:
    if isinstance(answer, bool):
        return str(answer).lower()
    if isinstance(answer, float):
        return repr(answer)
    if isinstance(answer, frozenset):
        return "[" + ", ".join(f'"{letter}"' for letter in sorted(answer)) + "]"
    return '"' + str(answer) + '"'


# --- grading them ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Graded:
    question: Question
    answer: object
    message: str


def feedback_hook(exercise) -> Callable[[str, object], str | None]:
    """The exercise's two hint hooks as the runner combines them (hidden first)."""
    hooks = [COURSE.quiz_feedback(exercise), getattr(exercise.quiz_module(), "feedback", None)]

    def feedback(key: str, answer: object) -> str | None:
        return next((h(key, answer) for h in hooks if h and h(key, answer)), None)

    return feedback


def graded_wrong_answers(exercise_id: str, tmp_path: Path) -> Iterator[Graded]:
    """Every question of the exercise graded with each of its typical wrong answers, in
    rounds (one answers file per round, one wrong answer per question)."""
    exercise = COURSE.find(exercise_id)
    questions = exercise.questions()
    reference_file = COURSE.reference_answers(exercise)
    reference = read_answers(reference_file, questions).values
    wrong = {q.key: wrong_answers(q, reference[q.key]) for q in questions if q.key in reference}
    by_key = {q.key: q for q in questions}
    for round_ in range(max(map(len, wrong.values()))):
        chosen = {key: answers[round_] for key, answers in wrong.items() if round_ < len(answers)}
        answers = tmp_path / f"round{round_}" / "answers" / f"{exercise_id}.toml"
        answers.parent.mkdir(parents=True)
        answers.write_text("".join(f"{k} = {toml_value(a)}\n" for k, a in chosen.items()), "utf-8")
        outcome = grade_quiz(
            questions,
            answers,
            reference_file,
            include_hidden=True,
            feedback=feedback_hook(exercise),
        )
        for result in outcome.results:
            if result.name in chosen:
                assert result.status is Status.FAILED, (result.name, chosen[result.name])
                yield Graded(by_key[result.name], chosen[result.name], result.message)


def leaks(graded: Graded, exercise_id: str) -> list[str]:
    """What the message states that it must not (empty when nothing)."""
    exercise = COURSE.find(exercise_id)
    questions = exercise.questions()
    reference = read_answers(COURSE.reference_answers(exercise), questions).values
    needles = []
    for question in questions:
        if question.key in reference and not isinstance(question, FreeTextQuestion):
            same = question.key == graded.question.key
            needles += needles_of(question, reference[question.key], same_question=same)
    if isinstance(graded.question, SymbolicQuestion):
        key = graded.question.key
        needles += point_value_needles(graded.question, str(reference[key]), graded.message)
    forms = spaces(scrub(graded.message, graded.answer))
    return [needle.what for needle in needles if needle.pattern.search(forms[needle.space])]


@pytest.mark.parametrize("exercise_id", QUIZZES)
def test_no_quiz_message_gives_an_answer_away(exercise_id: str, tmp_path: Path) -> None:
    graded = list(graded_wrong_answers(exercise_id, tmp_path))
    scored = [q for q in COURSE.find(exercise_id).questions() if q.points and q.key]
    assert {g.question.key for g in graded} >= {
        q.key for q in scored if not isinstance(q, FreeTextQuestion)
    }
    found = [(g.question.key, show(g.answer), g.message, leaks(g, exercise_id)) for g in graded]
    assert [f for f in found if f[3]] == []


def old_message(exercise_id: str, key: str, answer: object, message: str) -> Graded:
    question = next(q for q in COURSE.find(exercise_id).questions() if q.key == key)
    return Graded(question, answer, message)


@pytest.mark.parametrize(
    ("exercise_id", "key", "answer", "message", "leak"),
    [
        (
            "ex4_5",
            "P_of_L",
            "N/L",
            "not equal to the expected expression: at M0=8, N=8, L=2 the expected value is "
            "61, yours is 4",
            "P_of_L's expected value 61",
        ),
        (
            "ex4_5",
            "monotonic",
            True,
            "true is not right\nP rises up to L* = 2N/(M0+N+1) ≈ 1.80 and falls after",
            "L_star = 2*N/(M0 + N + 1)",
        ),
        (
            "gradcheck",
            "two_sided_cube",
            3.01,
            "3.01 is outside the accepted range [3.0001, 3.0001]",
            "two_sided_cube = 3.0001",
        ),
        ("ex4_8", "why_not_zero", frozenset("D"), "D is not right: B is", "why_not_zero = B"),
        ("ex4_1", "sigma_prime_argmax", "1", "not the expected value: it is 0", "= 0"),
    ],
)
def test_the_scanner_finds_the_leaks_of_old(exercise_id, key, answer, message, leak) -> None:
    found = leaks(old_message(exercise_id, key, answer, message), exercise_id)
    assert any(leak in what for what in found), found
