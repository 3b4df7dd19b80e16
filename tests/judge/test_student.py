"""The ``sub`` handle names each call in failure messages: written out, or by a given label."""

from __future__ import annotations

import numpy as np
import pytest

from grader.judge.student import StudentCode
from grader.outcomes import StudentRaised


class RaisingBox:
    """Stands in for a Sandbox: every request fails, naming the keywords it was given."""

    def call(self, func, args, kwargs, timeout, label):
        raise StudentRaised(label, "ValueError", f"keywords {sorted(kwargs)}", ())

    def probe(self, module, func, args, kwargs, timeout, label):
        raise StudentRaised(label, "ValueError", f"keywords {sorted(kwargs)}", ())


def failure_of(run) -> str:
    with pytest.raises(StudentRaised) as info:
        run(StudentCode(RaisingBox, "probes"))
    return str(info.value)


def test_failures_name_the_call_written_out_by_default():
    assert failure_of(lambda sub: sub.call("param_count", 784, 120, L=4)) == (
        "param_count(784, 120, L=4) raised ValueError: keywords ['L']"
    )
    assert failure_of(lambda sub: sub.probe("facts", 3)) == (
        "checking your code raised ValueError: keywords []"  # never the probe's name
    )


class FailingInStudentCode:
    """Stands in for a Sandbox whose probe fails inside the student's build_mlp and forward."""

    def probe(self, module, func, args, kwargs, timeout, label):
        from grader.outcomes import Frame

        frames = (
            Frame("exercises/ex4_5.py", 30, "build_mlp", "return Net(M0, N, L)"),
            Frame("exercises/ex4_5.py", 12, "forward", "return self.nope(x)"),
        )
        raise StudentRaised(label, "AttributeError", "'Net' has no attribute 'nope'", frames)


def test_a_probe_failure_names_the_students_own_function_not_the_probe():
    with pytest.raises(StudentRaised) as info:
        StudentCode(FailingInStudentCode, "probes").probe("mlp_facts", 6, 8, 2, np.zeros(3))
    message = str(info.value)
    assert message.startswith("your build_mlp raised AttributeError: 'Net' has no attribute")
    assert message.endswith("(exercises/ex4_5.py, line 12, in forward: return self.nope(x))")
    assert "mlp_facts" not in message


def test_a_label_replaces_the_call_text_and_is_not_passed_on():
    weights = np.zeros((50, 300))
    assert failure_of(lambda sub: sub.call("symmetry_gap", weights, label="symmetry_gap(a)")) == (
        "symmetry_gap(a) raised ValueError: keywords []"
    )
    assert failure_of(lambda sub: sub.probe("init_facts", weights, label="init_he_(model)")) == (
        "init_he_(model) raised ValueError: keywords []"
    )


class LoopingBox:
    """Stands in for a Sandbox whose ``loops`` function never returns: records the limits."""

    def __init__(self):
        self.limits = []

    def call(self, func, args, kwargs, timeout, label):
        from grader.outcomes import StudentTimeout

        self.limits.append((func, timeout))
        if func == "loops":
            raise StudentTimeout(label, timeout or 10.0)
        return 1


def test_a_function_that_timed_out_gets_a_short_limit_on_later_calls_only():
    from grader.judge.student import RETRY_TIMEOUT_S
    from grader.outcomes import StudentTimeout

    box = LoopingBox()
    sub = StudentCode(lambda: box, "probes")
    sub.timeout = 10.0
    for _ in range(2):
        with pytest.raises(StudentTimeout):
            sub.call("loops")
    assert sub.call("fine") == 1
    assert box.limits == [("loops", 10.0), ("loops", RETRY_TIMEOUT_S), ("fine", 10.0)]


def test_figures_and_sandbox_time_are_taken_once_per_check():
    handle = StudentCode(lambda: None, "grader.course.x.probes")  # never opens a sandbox
    handle.figure("loss", {"your run": [3, 2, 1], "reference": [3, 1]}, x_label="step")
    (figure,) = handle.take_figures()
    assert figure.title == "loss" and figure.x_label == "step"
    assert [(s.label, s.x, s.y) for s in figure.series] == [
        ("your run", (0.0, 1.0, 2.0), (3.0, 2.0, 1.0)),
        ("reference", (0.0, 1.0), (3.0, 1.0)),
    ]
    assert handle.take_figures() == ()
    assert handle.take_sandbox_time() == 0.0
