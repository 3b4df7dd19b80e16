"""grade_quiz on a small made-up quiz with every kind of question."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from grader.judge.symbolic_worker import SymbolicJudge
from grader.model import Status, Visibility
from grader.quiz.expr_parser import Domain
from grader.quiz.grading import grade_quiz
from grader.quiz.questions import (
    BooleanQuestion,
    Choice,
    ChoiceQuestion,
    FreeTextQuestion,
    NumericQuestion,
    SymbolicQuestion,
)

ABCD = tuple(Choice(letter, f"option {letter}", f"选项 {letter}") for letter in "ABCD")
QUESTIONS = (
    SymbolicQuestion(
        key="area",
        points=2,
        prompt_en="The area of an N by L rectangle.\nUse N and L.",
        prompt_zh="N×L 矩形的面积。",
        symbols={"N": Domain.POSITIVE_INTEGER, "L": Domain.POSITIVE_INTEGER},
    ),
    NumericQuestion(key="half", points=1, prompt_en="One half.", prompt_zh="二分之一。", rtol=0.01),
    ChoiceQuestion(key="first", points=1, prompt_en="Pick A.", prompt_zh="选 A。", choices=ABCD),
    ChoiceQuestion(
        key="evens",
        points=1,
        prompt_en="Pick B, D.",
        prompt_zh="选 B、D。",
        choices=ABCD,
        multiple=True,
    ),
    BooleanQuestion(
        key="sky_blue", points=1, prompt_en="Is the sky blue?", prompt_zh="天是蓝的吗？"
    ),
    FreeTextQuestion(key="comment", prompt_en="Any comment?", prompt_zh="有何意见？"),
    BooleanQuestion(
        key="secret",
        points=3,
        prompt_en="Hidden one.",
        prompt_zh="隐藏题。",
        visibility=Visibility.HIDDEN,
    ),
)
REFERENCE = """\
area = "N*L"
half = 0.5
first = "A"
evens = ["B", "D"]
sky_blue = true
secret = false
"""
RIGHT = """\
area = "(L)(N)"
half = 0.501
first = "a"
evens = "D, B"
sky_blue = true
comment = "nice quiz"
secret = false
"""


@pytest.fixture
def files(tmp_path: Path):
    """write(answers_text) -> (answers path, reference path)."""
    reference = tmp_path / "solutions" / "quiz.toml"
    reference.parent.mkdir()
    reference.write_text(REFERENCE, encoding="utf-8")

    def write(text: str | bytes) -> tuple[Path, Path]:
        answers = tmp_path / "answers" / "quiz.toml"
        answers.parent.mkdir(exist_ok=True)
        answers.write_bytes(text if isinstance(text, bytes) else text.encode())
        return answers, reference

    return write


def grade(answers: Path | None, reference: Path | None, **kwargs):
    kwargs.setdefault("include_hidden", True)
    return grade_quiz(QUESTIONS, answers, reference, **kwargs)


def by_key(outcome) -> dict:
    return {result.name: result for result in outcome.results}


def test_right_answers_score_every_point_and_free_text_needs_a_person(files) -> None:
    outcome = grade(*files(RIGHT))
    results = by_key(outcome)
    assert outcome.errors == () and outcome.hidden_not_run == 0
    assert [r.name for r in outcome.results] == [q.key for q in QUESTIONS]
    assert all(r.points == r.max_points for r in outcome.results if r.name != "comment")
    assert all(r.status is Status.PASSED for r in outcome.results if r.name != "comment")
    assert results["comment"].status is Status.NEEDS_PERSON
    assert results["comment"].points == 0
    assert results["area"].title == "The area of an N by L rectangle."
    assert results["secret"].visibility is Visibility.HIDDEN


def test_each_wrong_answer_loses_exactly_its_own_points(files) -> None:
    wrong = RIGHT.replace('"(L)(N)"', '"N + L"').replace("0.501", "0.6").replace('"a"', '"C"')
    wrong = wrong.replace('"D, B"', '"B"').replace("sky_blue = true", "sky_blue = false")
    results = by_key(grade(*files(wrong)))
    for key in ("area", "half", "first", "evens", "sky_blue"):
        assert (results[key].points, results[key].status) == (0, Status.FAILED), key
    assert results["secret"].points == 3
    assert "yours is" in results["area"].message
    assert "expected value" not in results["area"].message
    assert results["half"].message == (
        "0.6 is not right (an answer scores when it is within a relative 0.01 of the right value)"
    )
    assert results["first"].message == "C is not the right choice"
    assert "choose every correct letter" in results["evens"].message


def test_hidden_questions_are_not_run_unless_included(files) -> None:
    outcome = grade(*files(RIGHT), include_hidden=False)
    assert "secret" not in by_key(outcome)
    assert outcome.hidden_not_run == 1


@pytest.mark.parametrize("answers", [None, Path("nowhere/quiz.toml")])
def test_without_an_answers_file_every_question_scores_zero_with_one_error(
    files, answers: Path | None
) -> None:
    _, reference = files(RIGHT)
    outcome = grade(answers, reference)
    assert len(outcome.errors) == 1 and outcome.errors[0].startswith("no answers file: copy ")
    said = "not graded: there is no answers file (the error is shown above)"
    assert all(r.points == 0 and r.message == said for r in outcome.results)


@pytest.mark.parametrize("content", [b'area = "N*L"\nhalf = \n', b'area = "\xff"\n'])
def test_a_malformed_file_is_reported_once_and_each_question_points_to_it(
    files, content: bytes
) -> None:
    """The file's problem (a TOML syntax error) is one error, not repeated per question."""
    outcome = grade(*files(content))
    assert len(outcome.errors) == 1 and outcome.errors[0].startswith("answers/quiz.toml")
    said = "not graded: answers/quiz.toml could not be read (the error is shown above)"
    assert all(r.points == 0 and r.message == said for r in outcome.results)


def test_unknown_keys_are_errors_that_cost_nothing_else(files) -> None:
    outcome = grade(*files(RIGHT + 'sky_blu = "x"\n'))
    assert "unknown key 'sky_blu'. Did you mean 'sky_blue'?" in outcome.errors[0]
    assert by_key(outcome)["sky_blue"].points == 1


@pytest.mark.parametrize(
    ("written", "case_note"), [("Sky_Blue", " (keys are case-sensitive)"), ("sky_blu", "")]
)
def test_a_misspelled_key_is_named_under_the_question_it_was_meant_for(
    files, written: str, case_note: str
) -> None:
    outcome = grade(*files(RIGHT.replace("sky_blue = true", f"{written} = true")))
    assert by_key(outcome)["sky_blue"].message == (
        f"answers/quiz.toml, key 'sky_blue': not answered; your file has the key '{written}' "
        f"(line 5): rename it to 'sky_blue'{case_note}"
    )


def test_a_free_text_answer_is_shown_as_the_answer_not_as_printed_output(files) -> None:
    result = by_key(grade(*files(RIGHT)))["comment"]
    assert result.message == "your answer, for the instructor to read (not scored):\nnice quiz"
    assert result.output == ""  # reports label output "your program printed"


def test_a_wrong_number_is_told_the_tolerance_rule_never_the_range(files) -> None:
    result = by_key(grade(*files(RIGHT.replace("0.501", "0.6"))))["half"]
    assert "0.495" not in result.message and "0.505" not in result.message
    assert "0.5 " not in result.message and "within a relative 0.01" in result.message


def test_a_title_is_the_first_sentence_of_the_prompt_across_its_line_breaks() -> None:
    question = BooleanQuestion(
        key="q",
        points=1,
        prompt_en="Is x′ = 0 with probability p, x\notherwise (a value, e.g. 1/3)? Then more.",
        prompt_zh="？",
    )
    assert question.title == "Is x′ = 0 with probability p, x otherwise (a value, e.g. 1/3)?"


def test_unanswered_questions_score_zero_without_an_error(files) -> None:
    outcome = grade(*files('area = ""\n'))
    assert outcome.errors == ()
    results = by_key(outcome)
    assert results["area"].message == "answers/quiz.toml, key 'area' (line 1): not answered"
    assert results["half"].message == "answers/quiz.toml, key 'half': not answered"
    assert sum(r.points for r in outcome.results) == 0


def test_an_unparsable_expression_names_file_key_and_line(files) -> None:
    result = by_key(grade(*files('half = 0.5\narea = "NL"\n')))["area"]
    assert result.status is Status.FAILED
    assert result.message.startswith("answers/quiz.toml, key 'area' (line 2): unknown name 'NL'")


def test_without_reference_answers_good_answers_are_deferred_and_bad_ones_fail(files) -> None:
    answers, _ = files(RIGHT.replace('"(L)(N)"', '"N L"'))
    outcome = grade(answers, None)
    results = by_key(outcome)
    assert results["area"].status is Status.FAILED  # does not parse: it would score 0 anyway
    assert "write N*L" in results["area"].message and "fix it now" in results["area"].message
    assert results["comment"].status is Status.NEEDS_PERSON
    deferred = [r for r in outcome.results if r.name not in ("area", "comment")]
    assert {r.status for r in deferred} == {Status.DEFERRED}
    assert all(
        r.points == 0 and r.max_points == q.points
        for r, q in zip(outcome.results, QUESTIONS, strict=True)
    )
    assert (
        results["half"].message
        == "answer read (0.501); it is scored when your submission is graded"
    )
    answers, _ = files('area = "N*L"\n')
    results = by_key(grade(answers, None))
    assert results["area"].status is Status.DEFERRED
    assert (
        results["area"].message
        == "answer read and parses; it is scored when your submission is graded"
    )
    assert results["half"].status is Status.FAILED  # not answered: 0 when graded too
    assert results["half"].message == "answers/quiz.toml, key 'half': not answered"


def test_without_reference_a_missing_answers_file_fails_every_question(files) -> None:
    outcome = grade(None, None)
    assert len(outcome.errors) == 1
    assert {r.status for r in outcome.results} == {Status.FAILED}


def test_a_broken_reference_is_the_graders_error_not_the_students(files, tmp_path: Path) -> None:
    answers, reference = files(RIGHT)
    reference.write_text(REFERENCE.replace("half = 0.5", 'half = "0.5"'), encoding="utf-8")
    results = by_key(grade(answers, reference))
    assert results["half"].status is Status.ERRORED
    assert results["first"].status is Status.PASSED


def test_the_feedback_hook_adds_a_hint_to_wrong_answers_only(files) -> None:
    calls = []

    def feedback(key: str, answer: object) -> str | None:
        calls.append((key, answer))
        return "hint!" if key == "sky_blue" else None

    results = by_key(
        grade(*files(RIGHT.replace("sky_blue = true", "sky_blue = false")), feedback=feedback)
    )
    assert calls == [("sky_blue", False)]
    assert results["sky_blue"].message == "false is not right\nhint!"


def test_a_failing_feedback_hook_does_not_break_grading(files) -> None:
    def feedback(key: str, answer: object) -> str | None:
        raise RuntimeError("oops")

    result = by_key(grade(*files(RIGHT.replace('"a"', '"B"')), feedback=feedback))["first"]
    assert (result.status, result.message) == (Status.FAILED, "B is not the right choice")


def test_a_symbolic_comparison_that_hangs_fails_with_could_not_decide(files) -> None:
    script = "import sys, time; print('{}', flush=True); sys.stdin.readline(); time.sleep(60)"
    with SymbolicJudge([sys.executable, "-c", script], grace_s=0.2) as judge:
        start = time.perf_counter()
        result = by_key(grade(*files(RIGHT), judge=judge, time_limit_s=0.5))["area"]
    assert time.perf_counter() - start < 3.0
    assert (result.status, result.points) == (Status.FAILED, 0)
    assert result.message == "could not decide in 0.5 s: simplify your expression"


def test_the_quiz_time_limit_bounds_all_comparisons_together(files) -> None:
    result = by_key(grade(*files(RIGHT), quiz_time_limit_s=0))["area"]
    assert result.status is Status.FAILED and "time ran out" in result.message


def test_questions_sharing_a_key_are_refused(files) -> None:
    with pytest.raises(ValueError, match="duplicate question keys: half"):
        grade_quiz(QUESTIONS + QUESTIONS[1:2], None, None, include_hidden=True)
