"""Grading a quiz: one :class:`~grader.model.CheckResult` per question.

:func:`grade_quiz` never raises for anything a student wrote. A missing or unreadable
answers file gives every question 0 with a message naming the file and the problem (and
one entry in ``errors``); a bad answer costs only its own question. Without reference
answers (a student's handout has no ``solutions/``) the answers are read and checked but
not scored: an answer that is present and well-formed is DEFERRED (scored when the
submission is graded, neither earned nor lost now); one that is missing or malformed is
FAILED, since it will score 0 then too. Symbolic
comparisons run in the symbolic judge's worker process, each under a time limit, and the
whole quiz under an overall one.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from grader.errors import InternalError
from grader.judge.symbolic import timeout_message
from grader.judge.symbolic_worker import SymbolicJudge, shared_judge
from grader.model import CheckResult, Status, Visibility
from grader.quiz.answers import AnswerSheet, display_name, read_answers
from grader.quiz.questions import (
    BooleanQuestion,
    ChoiceQuestion,
    FreeTextQuestion,
    NumericQuestion,
    Question,
    SymbolicQuestion,
    check_questions,
)
from grader.quiz.scoring import (
    Mark,
    mark_boolean,
    mark_choice,
    mark_numeric,
    mark_symbolic,
    show,
)

__all__ = ["DEFAULT_QUIZ_TIME_LIMIT_S", "DEFAULT_TIME_LIMIT_S", "QuizOutcome", "grade_quiz"]

logger = logging.getLogger(__name__)

DEFAULT_TIME_LIMIT_S = 5.0  # one symbolic comparison
DEFAULT_QUIZ_TIME_LIMIT_S = 20.0  # every symbolic comparison of one quiz together
MAX_OUTPUT_CHARS = 4000
Feedback = Callable[[str, object], str | None]


@dataclass(frozen=True)
class QuizOutcome:
    """The results of one quiz for one submission.

    ``results`` has one entry per question that was run, in question order; ``errors``
    lists file-level problems a student can fix; ``hidden_not_run`` counts the hidden
    questions skipped because hidden questions were not included.
    """

    results: tuple[CheckResult, ...]
    errors: tuple[str, ...]
    hidden_not_run: int


def grade_quiz(
    questions: Sequence[Question],
    answers_file: Path | None,
    reference_file: Path | None,
    *,
    include_hidden: bool,
    feedback: Feedback | None = None,
    judge: SymbolicJudge | None = None,
    time_limit_s: float = DEFAULT_TIME_LIMIT_S,
    quiz_time_limit_s: float = DEFAULT_QUIZ_TIME_LIMIT_S,
) -> QuizOutcome:
    """Grade the answers in ``answers_file`` against those in ``reference_file``.

    ``feedback(key, answer)`` may return an extra hint for a wrong answer. ``judge``
    defaults to the process-wide symbolic judge. Raises ValueError only for questions
    that share a key (a grader bug).
    """
    check_questions(questions)
    run = [q for q in questions if include_hidden or q.visibility is Visibility.PUBLIC]
    sheet = _student_sheet(answers_file, questions)
    reference = None if reference_file is None else read_answers(reference_file, questions)
    if reference is not None and reference.errors:
        logger.warning("reference answers have problems: %s", "; ".join(reference.errors))
    grader = _QuizGrader(
        sheet, reference, judge or shared_judge(), feedback, (time_limit_s, quiz_time_limit_s)
    )
    results = tuple(grader.grade(question) for question in run)
    errors = (sheet.fatal, *sheet.errors) if sheet.fatal else sheet.errors
    return QuizOutcome(results, tuple(errors), len(questions) - len(run))


def _student_sheet(answers_file: Path | None, questions: Sequence[Question]) -> AnswerSheet:
    if answers_file is not None and answers_file.is_file():
        return read_answers(answers_file, questions)
    name = display_name(answers_file) if answers_file is not None else "answers/<exercise>.toml"
    return AnswerSheet(
        name,
        fatal=f"no answers file: copy {name} (the template) into your submission and "
        "fill in the answers",
    )


def _not_read(sheet: AnswerSheet) -> str:
    """The message of every question when the answers file could not be read: the file's
    problem itself is reported once, in the quiz's ``errors``."""
    missing = (sheet.fatal or "").startswith("no answers file")
    what = "there is no answers file" if missing else f"{sheet.source} could not be read"
    return f"not graded: {what} (the error is shown above)"


def _not_answered(sheet: AnswerSheet, key: str) -> str:
    """``... key 'mean_plain': not answered``, naming a misspelled key of the file."""
    found = sheet.misspelled.get(key)
    if found is None:
        return f"{sheet.where(key)}: not answered"
    line = sheet.lines.get(found)
    at = f" (line {line})" if line else ""
    case = " (keys are case-sensitive)" if found.lower() == key.lower() else ""
    return (
        f"{sheet.source}, key '{key}': not answered; your file has the key '{found}'{at}: "
        f"rename it to '{key}'{case}"
    )


@dataclass(frozen=True)
class _Marked:
    """How one question ended, before it becomes a CheckResult."""

    status: Status
    message: str
    points: float = 0.0
    output: str = ""


class _QuizGrader:
    """Grades the questions of one quiz one by one, sharing the quiz's time budget."""

    def __init__(
        self,
        sheet: AnswerSheet,
        reference: AnswerSheet | None,
        judge: SymbolicJudge,
        feedback: Feedback | None,
        limits_s: tuple[float, float],
    ) -> None:
        """``limits_s``: (one symbolic comparison, the whole quiz), in seconds."""
        self.sheet, self.reference, self.judge = sheet, reference, judge
        self.feedback = feedback
        self.time_limit_s = limits_s[0]
        self.deadline = time.monotonic() + limits_s[1]

    def grade(self, question: Question) -> CheckResult:
        """The result of ``question``; a failure of the grader's own code is ERRORED."""
        start = time.perf_counter()
        try:
            marked = self._mark(question)
        except InternalError as error:
            marked = _Marked(Status.ERRORED, f"the grader failed on this question: {error}")
        except Exception as error:
            logger.exception("grading quiz question %s failed", question.key)
            marked = _Marked(Status.ERRORED, f"the grader failed on this question: {error!r}")
        return CheckResult(
            name=question.key,
            title=question.title,
            points=marked.points,
            max_points=question.points,
            status=marked.status,
            visibility=question.visibility,
            message=marked.message,
            duration_s=time.perf_counter() - start,
            output=marked.output,
        )

    def _mark(self, question: Question) -> _Marked:
        sheet, key = self.sheet, question.key
        if sheet.fatal:
            return _Marked(Status.FAILED, _not_read(sheet))
        if key in sheet.problems:
            return _Marked(Status.FAILED, sheet.problems[key])
        if key not in sheet.values:
            status = (
                Status.NEEDS_PERSON if isinstance(question, FreeTextQuestion) else Status.FAILED
            )
            return _Marked(status, _not_answered(sheet, key))
        answer = sheet.values[key]
        if isinstance(question, FreeTextQuestion):
            text = str(answer).strip()[:MAX_OUTPUT_CHARS]
            return _Marked(
                Status.NEEDS_PERSON,
                f"your answer, for the instructor to read (not scored):\n{text}",
            )
        if self.reference is None:
            return self._preview(question, answer)
        mark = self._score(question, answer, self._expected(question))
        if mark.passed:
            return _Marked(Status.PASSED, mark.message, points=question.points)
        return _Marked(Status.FAILED, self._with_hint(key, answer, mark.message))

    def _expected(self, question: Question) -> object:
        """The reference answer; raises InternalError where the reference is broken."""
        reference, key = self.reference, question.key
        assert reference is not None
        problem = reference.fatal or reference.problems.get(key)
        if problem is None and key not in reference.values:
            problem = f"{reference.source} has no answer for '{key}'"
        if problem:
            raise InternalError(f"the reference answer is broken: {problem}")
        return reference.values[key]

    def _score(self, question: Question, answer: object, expected: object) -> Mark:
        if isinstance(question, SymbolicQuestion):
            remaining = self.deadline - time.monotonic()
            if remaining < 0.1:
                return Mark(Status.FAILED, timeout_message(0) + " (the quiz's time ran out)")
            return mark_symbolic(
                question,
                str(answer),
                str(expected),
                self.judge,
                time_limit_s=min(self.time_limit_s, remaining),
                where=self.sheet.where(question.key),
            )
        if isinstance(question, NumericQuestion):
            return mark_numeric(question, float(answer), float(expected))
        if isinstance(question, ChoiceQuestion):
            return mark_choice(question, frozenset(answer), frozenset(expected))
        if isinstance(question, BooleanQuestion):
            return mark_boolean(bool(answer), bool(expected))
        raise InternalError(f"no way to score a {type(question).__name__}")

    def _preview(self, question: Question, answer: object) -> _Marked:
        """Without reference answers: DEFERRED when the answer is read (and parses),
        FAILED when a symbolic answer does not parse (it would score 0 when graded)."""
        later = "it is scored when your submission is graded"
        if isinstance(question, SymbolicQuestion):
            problem = self.judge.check(str(answer), question.symbols, functions=question.functions)
            if problem:
                return _Marked(
                    Status.FAILED,
                    f"{self.sheet.where(question.key)}: {problem} (fix it now: as it stands "
                    "it scores 0 when your submission is graded)",
                )
            return _Marked(Status.DEFERRED, f"answer read and parses; {later}")
        return _Marked(Status.DEFERRED, f"answer read ({show(answer)}); {later}")

    def _with_hint(self, key: str, answer: object, message: str) -> str:
        if self.feedback is None:
            return message
        try:
            hint = self.feedback(key, answer)
        except Exception:
            logger.exception("the quiz feedback hook failed on %s", key)
            hint = None
        return f"{message}\n{hint}" if hint else message
