"""Each statement's hidden total says what the hidden checks really award.

A student reads ``statement.md`` to learn what is graded on submission; when a hidden
check is added or its points change, the statement must change with it. Every exercise
states its hidden total, as "Hidden checks (N points" in the text or as a "hidden checks"
row of its points table.
"""

from __future__ import annotations

import re

import pytest
from support import COURSE

EXERCISES = [exercise.id for exercise in COURSE.exercises()]
STATED_HIDDEN = re.compile(r"Hidden checks \((\d+) points|^\| hidden checks \| (\d+) \|", re.M)


@pytest.mark.parametrize("exercise_id", EXERCISES)
def test_the_statement_states_the_hidden_checks_real_total(exercise_id):
    exercise = COURSE.find(exercise_id)
    stated = [int(a or b) for a, b in STATED_HIDDEN.findall(exercise.statement())]
    assert stated, f"{exercise_id}: statement.md does not state the hidden checks' points"
    hidden = COURSE.hidden_checks(exercise)
    assert stated == [hidden.max_points if hidden is not None else 0]
