"""A tiny real course for the author tests: files as text, and `grade` run as a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

#: The files that make `square` (square(x) = x*x) a complete exercise, beyond `grade new`.
SQUARE = {
    "checks/square/statement.md": """\
# square — 平方 / the square of a number

实现 `square(x)`：返回 x 的平方。

Implement `square(x)`: return x squared, for a float or a numpy array.

## Quiz (`answers/square.toml`)

The derivative of x² at x = 3. 导数。
""",
    "checks/square/public.py": '''\
"""Public checks of square."""

from __future__ import annotations

import numpy as np

from grader import CheckSet, Visibility, expect_close, fail, kind_of

checks = CheckSet("square", Visibility.PUBLIC)


@checks.check(points=1)
def square_of_numbers(sub) -> None:
    """square(x) is x*x for a few numbers"""
    for x, expected in ((3.0, 9.0), (-2.0, 4.0), (0.5, 0.25)):
        expect_close(sub.call("square", x), expected, where=f"square({x})")


@checks.check(points=1, depends=square_of_numbers)
def square_of_arrays(sub) -> None:
    """square works elementwise on numpy arrays (through a probe)"""
    facts = sub.probe("square_facts", [1.0, 2.0, 3.0])
    if not isinstance(facts, dict) or "values" not in facts:
        fail("square on [1, 2, 3]", "a dict of values", kind_of(facts))
    expect_close(facts["values"], np.array([1.0, 4.0, 9.0]), where="square(array [1, 2, 3])")
''',
    "checks/square/probes.py": '''\
"""Probes of square: they run next to the student's code and return plain data."""

from __future__ import annotations

import numpy as np


def square_facts(student, xs: list) -> dict:
    """The student's square of an array built here."""
    return {"values": np.asarray(student.square(np.array(xs, dtype=np.float64)))}
''',
    "checks/square/quiz.py": '''\
"""The square quiz (questions only)."""

from __future__ import annotations

from grader import NumericQuestion, Question

QUESTIONS: tuple[Question, ...] = (
    NumericQuestion(
        key="slope_at_3",
        points=1,
        prompt_en="The derivative of x^2 at x = 3.",
        prompt_zh="x^2 在 x = 3 处的导数。",
    ),
)
''',
    "hidden/square.py": '''\
"""Hidden checks of square."""

from __future__ import annotations

import numpy as np

from grader import CheckSet, Visibility, expect_close, load_reference
from grader.course.square.public import square_of_numbers

checks = CheckSet("square", Visibility.HIDDEN)
reference = load_reference("square")


@checks.check(points=1, depends=square_of_numbers)
def square_on_unseen_numbers(sub) -> None:
    """square is right on numbers students never see"""
    for x in np.random.default_rng(7).normal(size=4).tolist():
        expect_close(sub.call("square", x), reference.square(x), where=f"square({x:.3f})")
''',
    "exercises/square.py": '''\
"""square — the square of a number. Run `grade square` to check your work."""


def square(x):
    """x squared (a float, or a numpy array elementwise)."""
    raise NotImplementedError
''',
    "solutions/square.py": '''\
"""square — reference solution."""


def square(x):
    """x squared."""
    return x * x
''',
    "solutions/square.toml": "slope_at_3 = 6.0\n",
}


def grade(
    *args: str, cwd: Path, env: dict | None = None, timeout: float = 300
) -> subprocess.CompletedProcess:
    """Run ``grade ARGS`` (this interpreter's engine) in ``cwd``; $GRADER_COURSE unset
    unless ``env`` sets it."""
    environ = {k: v for k, v in os.environ.items() if k != "GRADER_COURSE"}
    environ.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "grader", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=environ,
        timeout=timeout,
    )


def write_files(root: Path, files: dict[str, str]) -> None:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def square_course(root: Path) -> Path:
    """A complete one-exercise course at ``root``, made by `grade init` and `grade new`."""
    made = grade("init", str(root), "--title", "Squares", cwd=root.parent)
    assert made.returncode == 0, made.stderr
    new = grade("new", "square", "--alias", "sq", "--title", "the square of a number", cwd=root)
    assert new.returncode == 0, new.stderr
    write_files(root, SQUARE)
    answers = grade("quiz-template", "square", "--force", cwd=root)
    assert answers.returncode == 0, answers.stderr
    return root
