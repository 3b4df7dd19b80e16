"""The symbolic ladder (in-process) and its worker process (timeouts, crashes, restarts)."""

from __future__ import annotations

import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from grader.errors import InternalError
from grader.judge import symbolic
from grader.judge.symbolic import Equivalence, Verdict, decide
from grader.judge.symbolic_worker import SymbolicJudge, handle
from grader.quiz.expr_parser import Domain, ExpressionError

M0_N_L = dict.fromkeys(("M0", "N", "L"), Domain.POSITIVE_INTEGER)
REAL_Z = {"z": Domain.REAL}
SIGMOID = frozenset({"sigmoid", "exp", "cosh"})
P_OF_L = "(M0 + 1)*N/L + (L - 1)*N^2/L^2 + N + 1"


@pytest.fixture(scope="module")
def judge() -> Iterator[SymbolicJudge]:
    """The ladder runs in its worker: an alarm that cuts a rung short never fires in pytest."""
    with SymbolicJudge() as worker:
        yield worker


def test_identical_parses_are_equal_structurally() -> None:
    verdict = decide("N + 1 + (M0+1)*N/L + (L-1)*N^2/L^2", P_OF_L, M0_N_L)
    assert (verdict.outcome, verdict.method) == (Equivalence.EQUAL, "structural")


def test_an_expanded_form_is_proved_equal_by_simplify(judge: SymbolicJudge) -> None:
    verdict = judge.compare("M0*N/L + N/L + N^2/L - N^2/L^2 + N + 1", P_OF_L, M0_N_L)
    assert (verdict.outcome, verdict.method) == (Equivalence.EQUAL, "simplify")


def test_a_difference_is_reported_at_a_concrete_point_with_the_students_value_only() -> None:
    verdict = decide("(M0 + 1)*N/L + (L - 1)*N^2/L^2 + N", P_OF_L, M0_N_L)
    assert (verdict.outcome, verdict.method) == (Equivalence.DIFFERENT, "witness")
    point = {name: int(value) for name, value in verdict.point}
    expected = (point["M0"] + 1) * point["N"] / point["L"]
    expected += (point["L"] - 1) * point["N"] ** 2 / point["L"] ** 2 + point["N"] + 1
    assert float(verdict.expected) == expected
    assert float(verdict.actual) == expected - 1
    assert f"yours is {verdict.actual}" in verdict.message
    assert verdict.expected not in verdict.message  # kept for checks of code, never shown


def test_points_respect_the_domains_of_the_symbols(judge: SymbolicJudge) -> None:
    positive = judge.compare("sqrt(x^2)", "x", {"x": Domain.POSITIVE_REAL})
    real = judge.compare("sqrt(x^2)", "x", {"x": Domain.REAL})
    assert positive.outcome is Equivalence.EQUAL
    assert real.outcome is Equivalence.DIFFERENT
    assert dict(real.point)["x"].startswith("-")
    probability = judge.compare("p/(1 - p) + 1", "1/(1 - p)", {"p": Domain.PROBABILITY})
    assert probability.outcome is Equivalence.EQUAL  # p = 1, the pole, is never sampled


@pytest.mark.parametrize(
    "student", ["1/(4*cosh(z/2)^2)", "exp(-z)/(1 + exp(-z))^2", "exp(z)/(1 + exp(z))^2"]
)
def test_correct_forms_of_the_sigmoid_derivative_are_equal(
    judge: SymbolicJudge, student: str
) -> None:
    """sympy's ``equals`` alone leaves the cosh form undecided; the ladder does not."""
    verdict = judge.compare(student, "sigmoid(z)*(1 - sigmoid(z))", REAL_Z, functions=SIGMOID)
    assert verdict.outcome is Equivalence.EQUAL


def test_a_wrong_sigmoid_derivative_is_different(judge: SymbolicJudge) -> None:
    reference = "sigmoid(z)*(1 - sigmoid(z))"
    verdict = judge.compare("1/(4*cosh(z)^2)", reference, REAL_Z, functions=SIGMOID)
    assert verdict.outcome is Equivalence.DIFFERENT
    assert verdict.expected != verdict.actual


def test_a_blow_up_stays_within_the_time_limit(judge: SymbolicJudge) -> None:
    start = time.perf_counter()
    verdict = judge.compare(
        "(x+1)^1000*(x+2)^1000 - (x^2+3x+2)^1000", "0", {"x": Domain.REAL}, time_limit_s=1.5
    )
    assert time.perf_counter() - start < 1.5 + 1.0  # the limit, plus the parent's grace
    assert verdict.outcome in (Equivalence.EQUAL, Equivalence.UNDECIDED)


def test_an_unparsable_student_text_is_invalid_and_the_token_named() -> None:
    verdict = decide("2NL", P_OF_L, M0_N_L)
    assert (verdict.outcome, verdict.token) == (Equivalence.INVALID, "NL")
    assert "Did you mean N*L?" in verdict.message


def test_a_broken_reference_raises() -> None:
    with pytest.raises(ExpressionError):
        decide("N", "N +", M0_N_L)


def test_verdicts_round_trip_through_plain_data() -> None:
    verdict = decide("N", "N + 1", M0_N_L)
    assert Verdict.from_dict(verdict.to_dict()) == verdict


def test_the_worker_handler_always_replies() -> None:
    assert "error" in handle("not json")
    assert "error" in handle('{"op": "compare", "symbols": {}}')
    request = (
        '{"op": "check", "text": "N L", "symbols": {"N": "positive integer"}, "functions": []}'
    )
    assert handle(request)["ok"] is False


def test_an_alarm_swallowed_once_fires_again_and_is_disarmed_after() -> None:
    """A finalizer swallows an exception raised inside it; the alarm must not be lost."""
    previous = signal.getsignal(signal.SIGALRM)
    start = time.perf_counter()
    with pytest.raises(symbolic._OutOfTime), symbolic._time_limit(0.05):
        try:
            while True:
                pass
        except BaseException:  # as "Exception ignored in ..." does
            pass
        while True:
            pass
    assert time.perf_counter() - start < 1.0
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert signal.getsignal(signal.SIGALRM) is previous


# --- the worker process --------------------------------------------------------------------


def _fake_worker(after_ready: str) -> list[str]:
    """A stand-in worker that says it is ready, reads one request, then does ``after_ready``."""
    script = f"import sys, time; print('{{}}', flush=True); sys.stdin.readline(); {after_ready}"
    return [sys.executable, "-c", script]


def test_the_worker_compares_in_a_child_process_and_never_executes_the_text(tmp_path: Path) -> None:
    marker = tmp_path / "executed"
    with SymbolicJudge() as judge:
        good = judge.compare("M0*N/L + N/L + N^2/L - N^2/L^2 + N + 1", P_OF_L, M0_N_L)
        attack = judge.compare(f"__import__('os').system('touch {marker}')", P_OF_L, M0_N_L)
        assert judge.check("2N/(M0 + N + 1)", M0_N_L) is None
        assert "did you mean" in (judge.check("NL", M0_N_L) or "").lower()
    assert good.outcome is Equivalence.EQUAL
    assert attack.outcome is Equivalence.INVALID
    assert not marker.exists()


def test_a_hanging_worker_is_killed_at_the_limit_and_reported_undecided() -> None:
    with SymbolicJudge(_fake_worker("time.sleep(60)"), grace_s=0.2) as judge:
        start = time.perf_counter()
        verdict = judge.compare("N", "N", M0_N_L, time_limit_s=0.5)
        assert time.perf_counter() - start < 2.0
        assert verdict.outcome is Equivalence.UNDECIDED
        assert verdict.message == "could not decide in 0.5 s: simplify your expression"
        assert judge.restarts == 1


def test_a_crashing_worker_is_restarted_for_the_next_request() -> None:
    with SymbolicJudge(_fake_worker("sys.exit(1)")) as judge:
        first = judge.compare("N", "N", M0_N_L, time_limit_s=5)
        second = judge.compare("N", "N", M0_N_L, time_limit_s=5)
    assert first.outcome is second.outcome is Equivalence.UNDECIDED
    assert judge.restarts == 2


def test_a_worker_that_never_starts_is_an_internal_error() -> None:
    never_ready = [sys.executable, "-c", "import time; time.sleep(60)"]
    with SymbolicJudge(never_ready, start_timeout_s=0.5) as judge, pytest.raises(InternalError):
        judge.compare("N", "N", M0_N_L)


def test_a_worker_failure_reply_is_an_internal_error() -> None:
    with SymbolicJudge() as judge, pytest.raises(InternalError, match="ExpressionError"):
        judge.compare("N", "N +", M0_N_L)  # the reference does not parse


def test_a_worker_started_early_serves_the_first_request() -> None:
    with SymbolicJudge() as judge:
        judge.start()
        judge.start()  # idempotent
        assert (
            judge.compare("2N/(N + M0 + 1)", "2*N/(M0 + N + 1)", M0_N_L).outcome
            is Equivalence.EQUAL
        )
        assert judge.restarts == 0


@pytest.mark.parametrize(
    ("student", "hint"),
    [
        ("(M0 + 1)*N/L + (L - 1)*N^2/L^2", "2 terms of the expected expression are missing"),
        ("(M0 + 1)*N/L + (L - 1)*N^2/L^2 + N + 1 + L", "yours has a term that the expected"),
        ("2*((M0 + 1)*N/L + (L - 1)*N^2/L^2 + N + 1)", "yours is off by a constant factor"),
        ("-((M0 + 1)*N/L + (L - 1)*N^2/L^2 + N + 1)", "yours has the opposite sign everywhere"),
        ("(M0 + 1)*N/L + (L - 1)*N^2/L^2 + N + 3", "yours is off by a constant term"),
        ("N/L + N + 1", "yours does not depend on M0, the expected expression does"),
    ],
)
def test_a_wrong_expression_gets_a_qualitative_hint_never_the_expected_value(
    judge: SymbolicJudge, student: str, hint: str
) -> None:
    verdict = judge.compare(student, P_OF_L, M0_N_L)
    assert verdict.outcome is Equivalence.DIFFERENT
    assert verdict.message.endswith(hint) or f"; {hint}" in verdict.message
    assert verdict.expected not in verdict.message.split("; ")[1]


def test_a_growth_hint_compares_how_the_two_grow() -> None:
    verdict = decide("p*x^2", "p*x^2/(1 - p)", {"x": Domain.REAL, "p": Domain.PROBABILITY})
    assert verdict.message.endswith(
        "as p nears 1, yours becomes negligible next to the expected expression"
    )


def test_a_wrong_number_shows_only_the_students_value_and_the_sign() -> None:
    assert decide("1/2", "1/4", {}).message == "not the expected value: yours is 1/2 (≈ 0.500000)"
    assert decide("-1/4", "1/4", {}).message.endswith("; yours has the wrong sign")
