"""Issue 14's mutation test: for every exercise, first-order mutants of the reference
solution are graded with all its checks, and the fraction caught may not drop below the
figure measured when this test was written (a check weakened or removed shows up here).

Each exercise grades the same deterministic sample (25 mutants, seed 0) of what
`grade selftest` generates; mutants judged equivalent (with a reason) in
`hidden/<id>.mutants.toml` are left out, as in selftest's adjusted score. A new exercise
needs its figure added below (`grade selftest ID` prints it)."""

from __future__ import annotations

import pytest
from support import COURSE

from grader.author import mutation

SAMPLE = mutation.MutationOptions(max_mutants=25, seed=0, time_cap_s=30.0)

#: Adjusted score measured on SAMPLE (killed / (graded - marked equivalent)).
MEASURED = {
    "ex4_1": 22 / 23,  # survivor: train_neuron computing float32 X in float64 (see notes)
    "ex4_5": 1.0,
    "ex4_7": 1.0,
    "ex4_8": 1.0,
    "ex4_9": 1.0,
    "dropout": 1.0,
    "gradcheck": 1.0,
    "softmax_xent": 1.0,
    "l1_l2": 1.0,
}


def test_every_exercise_has_a_measured_figure():
    assert {e.id for e in COURSE.exercises()} == set(MEASURED)


@pytest.mark.parametrize("exercise_id", sorted(MEASURED))
def test_the_checks_catch_as_many_mutants_as_when_measured(session, exercise_id):
    exercise = COURSE.find(exercise_id)
    checks = COURSE.checks(exercise, include_hidden=True)
    equivalents = mutation.load_equivalents(COURSE.equivalent_mutants_file(exercise))
    solution = COURSE.solution(exercise).read_text(encoding="utf-8")
    report = mutation.score_mutants(session, exercise, checks, solution, SAMPLE, equivalents)
    survivors = [f"{r.mutant.fingerprint}: {r.mutant.description}" for r in report.survivors]
    assert report.adjusted_score is not None
    assert report.adjusted_score >= MEASURED[exercise_id] - 1e-9, survivors
    assert not [r for r in report.results if r.errored], "a check ERRORED on a mutant"
