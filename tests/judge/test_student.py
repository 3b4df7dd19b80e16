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
    assert (
        failure_of(lambda sub: sub.probe("facts", 3)) == "facts(3) raised ValueError: keywords []"
    )


def test_a_label_replaces_the_call_text_and_is_not_passed_on():
    weights = np.zeros((50, 300))
    assert failure_of(lambda sub: sub.call("symmetry_gap", weights, label="symmetry_gap(a)")) == (
        "symmetry_gap(a) raised ValueError: keywords []"
    )
    assert failure_of(lambda sub: sub.probe("init_facts", weights, label="init_he_(model)")) == (
        "init_he_(model) raised ValueError: keywords []"
    )
