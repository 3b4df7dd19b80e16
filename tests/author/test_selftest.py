"""`grade selftest`: on the example course's ex4_5 (mutation score printed), and on a
course with a deliberately weak check (survivors listed with their diff, adjustable by
marking them equivalent) and a deliberately slow check (a budget warning, a failure
with --strict-budgets)."""

from __future__ import annotations

import json

from author_support import grade, write_files
from support import REPO

from grader.author.mutants import generate

WEAK_AND_SLOW = '''\
import time

from grader import CheckSet, Visibility, expect_close, fail

checks = CheckSet("twice", Visibility.PUBLIC)


@checks.check(points=1)
def doubles_zero(sub):
    """double(0) is 0 (the only value this weak check tries)"""
    expect_close(sub.call("double", 0.0), 0.0, where="double(0.0)")


@checks.check(points=1, budget=0.05)
def positive_stays_positive(sub):
    """double(1) is positive (and this check takes its time)"""
    time.sleep(0.3)
    got = sub.call("double", 1.0)
    if not isinstance(got, float) or not got > 0:
        fail("double(1.0)", "a positive float", repr(got))
'''
SOLUTION = "def double(x):\n    return 2 * x\n"


def weak_course(root):
    write_files(
        root,
        {
            "course.toml": 'title = "weak"\n',
            "checks/twice/exercise.toml": 'title = "doubling"\nfunctions = ["double"]\n',
            "checks/twice/__init__.py": "",
            "checks/twice/statement.md": "# twice\n\nImplement double(x) = 2x.\n",
            "checks/twice/public.py": WEAK_AND_SLOW,
            "exercises/twice.py": "def double(x):\n    raise NotImplementedError\n",
            "solutions/twice.py": SOLUTION,
        },
    )
    return root


def test_selftest_on_the_example_course_prints_a_mutation_score():
    done = grade("selftest", "ex4_5", "--max-mutants", "6", cwd=REPO)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ex4_5: selftest PASS" in done.stdout
    for passed in ("solution gets full marks", "stub gets zero", "release holds no hidden part"):
        assert f"ok    {passed}" in done.stdout
    assert "mutants: 6 graded of" in done.stdout
    assert "mutation score: raw" in done.stdout


def test_a_weak_check_leaves_survivors_with_their_diff_and_a_slow_check_a_warning(tmp_path):
    course = weak_course(tmp_path / "course")
    done = grade("selftest", cwd=course)
    assert done.returncode == 0, done.stdout + done.stderr  # a budget is a warning by default
    out = done.stdout
    assert "twice: selftest PASS" in out
    assert "warn  checks run within their budget" in out and "positive_stays_positive" in out
    assert "mutation score: raw 1/3 = 33%, adjusted 1/3 = 33%" in out
    for survivor in ("1 * x", "3 * x"):
        assert f"double, line 2: return 2 * x -> return {survivor}" in out
        assert f"+    return {survivor}" in out
    assert "-    return 2 * x" in out


def test_marked_equivalent_mutants_leave_the_adjusted_score_and_strict_budgets_fail(tmp_path):
    course = weak_course(tmp_path / "course")
    survivors = [m for m in generate(SOLUTION) if m.line_after in ("return 1 * x", "return 3 * x")]
    marks = "".join(
        f'[[equivalent]]\nfingerprint = "{m.fingerprint}"\nreason = "for this test"\n'
        for m in survivors
    )
    write_files(course, {"hidden/twice.mutants.toml": marks})
    done = grade("selftest", "twice", "--json", "--strict-budgets", cwd=course)
    assert done.returncode == 1, done.stdout + done.stderr
    report = json.loads(done.stdout)["exercises"][0]
    mutation = report["mutation"]
    assert (mutation["killed"], mutation["survived"], mutation["equivalent"]) == (1, 0, 2)
    assert mutation["raw_score"] == 1 / 3 and mutation["adjusted_score"] == 1.0
    budget = next(f for f in report["findings"] if f["name"] == "checks run within their budget")
    assert budget["ok"] is False and budget["required"] is True
    slow = next(c for c in report["checks"] if c["name"] == "positive_stays_positive")
    assert slow["over_budget"] and slow["budget_s"] == 0.05


def test_an_unknown_exercise_is_a_usage_error(tmp_path):
    course = weak_course(tmp_path / "course")
    done = grade("selftest", "nothing", cwd=course)
    assert done.returncode == 2
    assert "no exercise named 'nothing'" in done.stderr
