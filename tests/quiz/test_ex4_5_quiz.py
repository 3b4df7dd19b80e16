"""The ex4_5 quiz: the reference is right, equal forms pass, usual mistakes lose their points."""

from __future__ import annotations

import json
import time
import tomllib
from pathlib import Path

import pytest
import sympy
from support import COURSE

from grader.course.ex4_5.quiz import QUESTIONS
from grader.judge.symbolic_worker import SymbolicJudge
from grader.model import Status
from grader.quiz.expr_parser import Domain, parse_expression
from grader.quiz.grading import grade_quiz
from grader.quiz.template import render_template

_HIDDEN = COURSE.hidden_module(COURSE.find("ex4_5"))
feedback = _HIDDEN.quiz_feedback
parameter_count = _HIDDEN.parameter_count

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "answers" / "ex4_5.toml"
SOLUTION = ROOT / "solutions" / "ex4_5.toml"
REFERENCE = tomllib.loads(SOLUTION.read_text(encoding="utf-8"))
POINTS = {question.key: question.points for question in QUESTIONS}
FULL_MARKS = sum(POINTS.values())
SYMBOLS = dict.fromkeys(("M0", "N", "L"), Domain.POSITIVE_INTEGER)


def answers_text(**answers: object) -> str:
    """A TOML answers file: the reference answers with ``answers`` substituted."""
    merged = {**REFERENCE, **answers}
    return "".join(f"{key} = {_toml(value)}\n" for key, value in merged.items())


def _toml(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else json.dumps(value, ensure_ascii=False)


def grade(tmp_path: Path, text: str, **kwargs):
    answers = tmp_path / "answers" / "ex4_5.toml"
    answers.parent.mkdir(exist_ok=True)
    answers.write_text(text, encoding="utf-8")
    return grade_quiz(
        QUESTIONS, answers, SOLUTION, include_hidden=True, feedback=feedback, **kwargs
    )


def reference_expr(key: str) -> sympy.Expr:
    return parse_expression(REFERENCE[key], SYMBOLS)


# --- the reference itself ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("M0", "N", "L"), [(1, 1, 1), (3, 4, 1), (2, 6, 2), (5, 12, 3), (10, 100, 4), (784, 120, 4)]
)
def test_the_formula_counts_the_parameters_of_the_torch_model(M0: int, N: int, L: int) -> None:
    nn = pytest.importorskip("torch.nn")
    width = N // L
    layers = [nn.Linear(M0, width), nn.Sigmoid()]
    for _ in range(L - 1):
        layers += [nn.Linear(width, width), nn.Sigmoid()]
    model = nn.Sequential(*layers, nn.Linear(width, 1))
    count = sum(parameter.numel() for parameter in model.parameters())
    symbols = {s.name: s for s in reference_expr("P_of_L").free_symbols}
    point = {symbols["M0"]: M0, symbols["N"]: N, symbols["L"]: L}
    assert count == parameter_count(M0, N, L) == reference_expr("P_of_L").xreplace(point)


def test_the_reference_derivative_and_stationary_point_follow_from_the_formula() -> None:
    p_of_l = reference_expr("P_of_L")
    L = next(s for s in p_of_l.free_symbols if s.name == "L")
    assert sympy.simplify(sympy.diff(p_of_l, L) - reference_expr("dP_dL")) == 0
    assert sympy.solve(reference_expr("dP_dL"), L) == [reference_expr("L_star")]
    assert REFERENCE["monotonic"] is False


def test_the_counterexample_numbers_come_from_the_formula() -> None:
    assert [parameter_count(10, 100, L) for L in (1, 2, 4)] == [1201, 3151, 2251]
    hint = feedback("monotonic", True) or ""
    assert "P(1)=1201 < P(2)=3151" in hint and "P(4)=2251 < P(2)" in hint
    assert "L*" not in hint and "2N/(M0+N+1)" not in hint  # the answer to L_star
    assert feedback("monotonic", False) is None and feedback("P_of_L", "N") is None


def test_the_shipped_template_is_the_rendered_one() -> None:
    assert TEMPLATE.read_text(encoding="utf-8") == render_template("ex4_5", QUESTIONS)


# --- grading ----------------------------------------------------------------------------------


def test_the_reference_answers_score_full_marks(tmp_path: Path) -> None:
    outcome = grade(tmp_path, SOLUTION.read_text(encoding="utf-8"))
    assert outcome.errors == ()
    assert sum(r.points for r in outcome.results) == FULL_MARKS
    assert {r.status for r in outcome.results} == {Status.PASSED}


def test_the_template_scores_zero_without_any_error(tmp_path: Path) -> None:
    outcome = grade(tmp_path, TEMPLATE.read_text(encoding="utf-8"))
    assert outcome.errors == ()
    assert sum(r.points for r in outcome.results) == 0
    assert all(r.message.endswith("not answered") for r in outcome.results)


CORRECT_FORMS = [
    ("P_of_L", "M0*N/L + N/L + N^2/L - N^2/L^2 + N + 1"),  # expanded
    ("P_of_L", "(L*N*(M0 + 1) + (L - 1)*N**2 + L**2*(N + 1))/L**2"),  # one fraction
    ("P_of_L", "M0*(N/L) + N/L + (L-1)*((N/L)^2 + N/L) + N/L + 1"),  # layer by layer
    ("P_of_L", "(M0+1)N/L + (L−1)·N²/L² + N + 1"),  # implicit products, Unicode
    ("dP_dL", "-N*(L*M0 + L*N + L - 2*N)/L^3"),  # factored
    ("dP_dL", "-(M0+1)*N/L^2 - N^2/L^2 + 2*N^2/L^3"),  # expanded
    ("dP_dL", "(2N^2 - L*N*(M0 + N + 1))/L^3"),
    ("L_star", "2/((M0 + 1)/N + 1)"),
    ("L_star", "2N/(N + M0 + 1)"),
    ("L_star", "2 - 2*(M0 + 1)/(M0 + N + 1)"),
]


@pytest.mark.parametrize(("key", "answer"), CORRECT_FORMS)
def test_equal_forms_of_a_correct_answer_get_full_marks(
    tmp_path: Path, key: str, answer: str
) -> None:
    outcome = grade(tmp_path, answers_text(**{key: answer}))
    assert sum(r.points for r in outcome.results) == FULL_MARKS, outcome.results


WRONG_FORMS = [
    ("P_of_L", "(M0 + 1)*N/L + (L - 1)*N^2/L^2 + N"),  # forgot the output bias
    ("P_of_L", "M0*N/L + (L - 1)*N^2/L^2 + N/L"),  # forgot every bias
    ("P_of_L", "(M0 + 1)*N/L + L*N^2/L^2 + N + 1"),  # L hidden-to-hidden layers, not L-1
    ("P_of_L", "(M0 + 1)*N + (L - 1)*N^2 + N*L + 1"),  # layers of width N, not N/L
    ("dP_dL", "(M0 + 1)*N/L^2 - (2 - L)*N^2/L^3"),  # wrong sign
    ("dP_dL", "-(M0 + 1)*N/L^2"),  # only the first term
    ("L_star", "(M0 + N + 1)/(2*N)"),  # inverted
    ("L_star", "2*N/(M0 + N)"),  # off by the bias term
    ("L_star", "N/(M0 + N + 1)"),  # lost the factor 2
]


@pytest.mark.parametrize(("key", "answer"), WRONG_FORMS)
def test_a_wrong_formula_loses_exactly_its_points_and_shows_where(
    tmp_path: Path, key: str, answer: str
) -> None:
    outcome = grade(tmp_path, answers_text(**{key: answer}))
    result = next(r for r in outcome.results if r.name == key)
    assert sum(r.points for r in outcome.results) == FULL_MARKS - POINTS[key]
    assert result.status is Status.FAILED
    assert " yours is " in result.message
    assert "expected value" not in result.message  # the student's own value only


def test_always_increasing_loses_its_point_with_a_counterexample(tmp_path: Path) -> None:
    outcome = grade(tmp_path, answers_text(monotonic=True))
    result = next(r for r in outcome.results if r.name == "monotonic")
    assert sum(r.points for r in outcome.results) == FULL_MARKS - POINTS["monotonic"]
    assert "P(1)=1201 < P(2)=3151" in result.message and "P(4)=2251" in result.message


def test_an_attack_in_the_answers_file_is_refused_and_not_run(tmp_path: Path) -> None:
    marker = tmp_path / "executed"
    attack = f"__import__('os').system('touch {marker}')"
    outcome = grade(tmp_path, answers_text(P_of_L=attack))
    result = outcome.results[0]
    assert result.status is Status.FAILED
    assert result.message.startswith("answers/ex4_5.toml, key 'P_of_L' (line 1): ")
    assert sum(r.points for r in outcome.results) == FULL_MARKS - POINTS["P_of_L"]
    assert not marker.exists()


def test_a_whole_quiz_with_a_fresh_worker_takes_about_a_second(tmp_path: Path) -> None:
    text = answers_text(**{key: answer for key, answer in CORRECT_FORMS[::3]})
    with SymbolicJudge() as judge:
        start = time.perf_counter()
        outcome = grade(tmp_path, text, judge=judge)
        elapsed = time.perf_counter() - start
    assert sum(r.points for r in outcome.results) == FULL_MARKS
    assert elapsed < 2.5  # measured about 0.6 s, worker start included
