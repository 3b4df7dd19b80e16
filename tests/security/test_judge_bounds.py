"""The judge is bounded, at each isolation level: a module whose import is slow and whose
calls crash is imported once more at most per restart budget, and the student handle
then fails every later call at once with the same message.

(The wire's own bounds are in tests/sandbox/test_wire.py; the attacks that feed the
result channel directly are in attack_catalog.py; the judge's memory is measured in
test_judge_memory.py.)
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import pytest

from grader.judge.student import StudentCode
from grader.outcomes import StudentCrashed, StudentImportFailed
from grader.sandbox import Sandbox, SourceSpec

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
