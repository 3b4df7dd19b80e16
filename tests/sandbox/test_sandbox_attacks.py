"""Attacks on ex4_5 from student code: each scores 0 on what it attacks, the rest is
unaffected, and the run finishes (within the sandbox's short per-call limit here)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from support import COURSE, solution_text

from grader.api import Session
from grader.model import ExerciseResult, Status
from grader.sandbox import Limits

PARAM_COUNT_CHECKS = ("param_count_small", "param_count_large")
BUILD_MLP_CHECKS = ("build_mlp_small", "build_mlp_hidden_architectures")


@pytest.fixture(scope="module")
def fast_session() -> Iterator[Session]:
    limits = Limits(call_timeout_s=1.5, import_timeout_s=3)
    with Session.start(device="cpu", limits=limits, course=COURSE) as s:
        yield s


def grade(session: Session, tmp_path: Path, code: str) -> ExerciseResult:
    (tmp_path / "exercises").mkdir()
    (tmp_path / "exercises" / "ex4_5.py").write_text(code)
    return session.grade([COURSE.find("ex4_5")], tmp_path, include_hidden=True)[0]


def with_param_count_body(body: str, prelude: str = "") -> str:
    """The reference solution whose param_count runs ``body`` first."""
    source = solution_text("ex4_5")
    marker = "    M0, N, L = _validate(M0, N, L)\n    width = N // L\n    first"
    assert marker in source
    indented = "".join(f"    {line}\n" for line in body.splitlines())
    return prelude + source.replace(marker, indented + marker, 1)


def statuses(result: ExerciseResult) -> dict[str, Status]:
    return {r.name: r.status for r in result.results}


def assert_only_param_count_lost(result: ExerciseResult, message: str) -> None:
    by = {r.name: r for r in result.results}
    for name in PARAM_COUNT_CHECKS:
        assert by[name].status is Status.FAILED and by[name].points == 0, by[name]
        assert message in by[name].message, by[name].message
    for name in BUILD_MLP_CHECKS:
        assert by[name].status is Status.PASSED, by[name].message
    assert not any(r.status is Status.ERRORED for r in result.results)


IN_FUNCTION_ATTACKS = {
    "infinite_loop": ("while True:\n    pass", "did not finish within"),
    "sleep_past_limit": ("import time\ntime.sleep(60)", "did not finish within"),
    "sys_exit_0": ("import sys\nsys.exit(0)", "sys.exit(0)"),
    "os_exit_0": ("import os\nos._exit(0)", "os._exit"),
    "abort": ("import os\nos.abort()", "SIGABRT"),
    "allocate_4_gb": (
        "import numpy\nx = numpy.ones(4 * 1024**3, dtype=numpy.uint8)",
        "MemoryError",
    ),
    "lying_eq": (
        "class Liar(int):\n    def __eq__(self, other):\n        return True\n"
        "    __hash__ = int.__hash__\nreturn Liar(0)",
        "subclass of int",
    ),
    "lying_float": (
        "class F(float):\n    def __eq__(self, other):\n        return True\n"
        "    __hash__ = float.__hash__\nreturn F(1.0)",
        "subclass of float",
    ),
    "nan": ("return float('nan')", "got a Python float nan"),
}


@pytest.mark.parametrize("attack", sorted(IN_FUNCTION_ATTACKS))
def test_attack_inside_a_function_costs_only_its_checks(fast_session, tmp_path, attack):
    body, message = IN_FUNCTION_ATTACKS[attack]
    started = time.monotonic()
    result = grade(fast_session, tmp_path, with_param_count_body(body))
    assert_only_param_count_lost(result, message)
    assert time.monotonic() - started < 30


def test_printing_10_mb_is_captured_trimmed_and_harmless(fast_session, tmp_path):
    code = with_param_count_body("print('x' * 10_000_000)")
    result = grade(fast_session, tmp_path, code)
    by = {r.name: r for r in result.results}
    assert by["param_count_small"].status is Status.PASSED
    assert "bytes of output not shown" in by["param_count_small"].output
    assert len(by["param_count_small"].output) < 20_000


IMPORT_ATTACKS = {
    "sys_exit_at_import": ("import sys\nsys.exit(0)\n", "sys.exit(0)"),
    "os_exit_at_import": ("import os\nos._exit(0)\n", "ended the sandbox process"),
    "loop_at_import": ("while True:\n    pass\n", "did not finish within 3 s"),
    "syntax_error": ("def broken(:\n", "SyntaxError"),
}


@pytest.mark.parametrize("attack", sorted(IMPORT_ATTACKS))
def test_attack_at_import_fails_every_check_and_finishes(fast_session, tmp_path, attack):
    prelude, message = IMPORT_ATTACKS[attack]
    started = time.monotonic()
    result = grade(fast_session, tmp_path, prelude + solution_text("ex4_5"))
    code_checks = [r for r in result.results if r.name in PARAM_COUNT_CHECKS + BUILD_MLP_CHECKS]
    assert all(r.status in (Status.FAILED, Status.SKIPPED) for r in code_checks)
    assert all(r.points == 0 for r in code_checks)
    assert message in code_checks[0].message, code_checks[0].message
    assert time.monotonic() - started < 15


def test_monkeypatching_numpy_torch_and_grader_changes_nothing_in_the_judge(fast_session, tmp_path):
    prelude = (
        "import numpy, torch, grader.sandbox.wire as wire\n"
        "numpy.array_equal = lambda *a, **k: True\n"
        "numpy.allclose = lambda *a, **k: True\n"
        "torch.Tensor.__eq__ = lambda *a, **k: True\n"
        "wire.encode = lambda value: ({'$npscalar': '<i8', 'value': 26371}, [])\n"
    )
    wrong = solution_text("ex4_5").replace("last = width + 1", "last = width")
    result = grade(fast_session, tmp_path, prelude + wrong)
    assert statuses(result)["param_count_small"] is Status.FAILED


def test_sandbox_runs_one_torch_thread(fast_session, tmp_path):
    code = "import torch\ndef param_count(M0, N, L):\n    return torch.get_num_threads()\n"
    (tmp_path / "exercises").mkdir()
    (tmp_path / "exercises" / "ex4_5.py").write_text(code)
    from grader.sandbox import Sandbox, SourceSpec

    box = Sandbox(
        fast_session.zygote,
        SourceSpec(tmp_path / "exercises" / "ex4_5.py", "ex4_5", "exercises/ex4_5.py"),
    )
    try:
        assert box.call("param_count", (1, 1, 1)) == 1
    finally:
        box.close()
