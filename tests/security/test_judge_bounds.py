"""The judge is bounded, at each isolation level: a module whose import is slow and whose
calls crash is imported again only within the restart budget, and the student handle
then fails every later call at once with the same message. Any error description the
sandbox sends becomes a plain, valid-Unicode student failure, and the CLI's JSON stays
valid UTF-8.

(The wire's own bounds are in tests/sandbox/test_wire.py; the attacks that feed the
result channel directly are in attack_catalog.py; the judge's memory is measured in
test_judge_memory.py.)
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from attack_catalog import LYING_TENSOR, RAW_CHANNEL
from security_support import write_workspace
from support import REPO

from grader.judge.student import StudentCode
from grader.outcomes import StudentCrashed, StudentImportFailed, StudentRaised
from grader.sandbox import Sandbox, SourceSpec
from grader.sandbox.parent import _raised

SLOW_IMPORT_THEN_CRASH = """
import os, time
time.sleep(1.5)

def f():
    os._exit(3)
"""


def test_a_slow_import_whose_calls_crash_is_not_imported_again_for_every_call(
    level_session, tmp_path: Path
):
    source = tmp_path / "slow.py"
    source.write_text(SLOW_IMPORT_THEN_CRASH)
    zygote = level_session.zygote
    limits = dataclasses.replace(zygote.limits, restart_import_budget_s=1.0)
    boxes: list[Sandbox] = []

    def open_box() -> Sandbox:
        boxes.append(Sandbox(zygote, SourceSpec(source, "slow", "slow.py"), limits))
        return boxes[-1]

    student = StudentCode(open_box, "grader.course.ex4_5.probes")
    try:
        with pytest.raises(StudentCrashed, match="exit code 3"):
            student.call("f")
        started = time.monotonic()
        messages = []
        for _ in range(5):
            with pytest.raises(StudentImportFailed) as raised:
                student.call("f")
            messages.append(str(raised.value))
        elapsed = time.monotonic() - started
    finally:
        student.close()
    assert len(boxes) == 1 and boxes[0].imports == 1
    assert elapsed < 1.0, f"later calls took {elapsed:.1f} s"
    assert len(set(messages)) == 1
    assert "the sandbox process ended 1 time(s)" in messages[0]
    assert "slow.py" in messages[0] and "move slow code into a function" in messages[0]


@pytest.mark.parametrize(
    "error",
    [
        {"type": 5, "message": ["x"], "frames": 7},
        {"type": "Value\udcffError", "message": "bad \ud800 text", "frames": [{"line": "x"}, 3]},
        {"frames": [{"line": 1, "function": {}, "text": None}] * 100_000},
        "not a dict",
    ],
)
def test_any_error_description_becomes_a_plain_student_failure(error):
    spec = SourceSpec(Path("student.py"), "student", "student.py")
    raised = _raised("f()", error, spec)
    assert isinstance(raised, StudentRaised) and raised.exc_type
    str(raised).encode("utf-8")  # valid Unicode, whatever the sandbox sent
    assert len(raised.frames) <= 20 and len(str(raised)) < 2500


SURROGATES_AND_LIES = (
    'def param_count(M0, N, L):\n    raise ValueError("bad \\udcff value")\n'
    "def param_count_expr():\n    raise RuntimeError('\\ud800')\n"
    "def build_mlp(M0, N, L):\n"
    + "".join(f"    {line}\n" for line in (RAW_CHANNEL + LYING_TENSOR).strip().splitlines())
)


def test_the_cli_exits_1_with_valid_utf8_json_for_surrogates_and_a_lying_tensor(tmp_path):
    workspace = write_workspace(tmp_path / "ws", "ex4_5", SURROGATES_AND_LIES, None)
    done = subprocess.run(
        [sys.executable, "-m", "grader", "ex4_5", "--submission", str(workspace), "--json"],
        capture_output=True,
        timeout=300,
        cwd=REPO,
        env={**os.environ, "PYTHONIOENCODING": "utf-8:strict"},
    )
    assert done.returncode == 1, done.stderr.decode(errors="replace")[-2000:]
    report = json.loads(done.stdout.decode("utf-8"))  # strict: raises on invalid UTF-8
    outputs = "\n".join(t["output"] for t in report["tests"])
    assert "param_count(3, 4, 1) raised ValueError: bad \\udcff value" in outputs
    assert "reports dtype torch.float32 but whose data is complex128" in outputs
