"""The text of a new exercise's files (``grade new``), as :class:`string.Template` s.

Placeholders: ``$id``, ``$alias``, ``$title``, ``$functions`` (a TOML list), ``$f`` (the
first function of the API), ``$stub_functions`` and ``$solution_functions`` (one block per
function). Every file says, with ``TODO`` markers, what its author still has to write;
``grade selftest`` lists the files that still hold one.

The hidden check's name and title carry the exercise id, and the solution's body is a bare
``raise``: so nothing here, shipped inside the engine with every handout, can ever match
an instructor's secret in the release audit.
"""

from __future__ import annotations

from string import Template

EXERCISE_TOML = Template("""\
# $id — $title (alias $alias)
alias = "$alias"
# The one-line title `grade list` shows.
title = "$title"
# The names students define in exercises/$id.py (the stub and the solution must define each).
functions = $functions
# If its checks or probes make a torch optimizer or use meta tensors (torch imports
# torch._dynamo for them on first use, 1-2 s), uncomment: the sandbox template pays it once.
# warm_template = true
""")

PACKAGE_INIT = Template('''\
"""$id (alias $alias): the public part of this exercise.

Imported as ``grader.course.$id``. Everything in this folder ships to students:
public checks, probes, the quiz questions and helper modules. Answers, hidden inputs
and the reference solution never go here.
"""
''')

STATEMENT = Template("""\
# $id — TODO 中文标题 / $title

TODO（中文）：题目。学生读到的题目描述：背景、要实现什么、约定（输入、输出、异常）。

TODO (English): the problem as students read it: the background, what to implement and
its contract (inputs, outputs, errors).

## What to implement (`exercises/$id.py`)

$contract

## Quiz (`answers/$id.toml`)

TODO: what the quiz asks, in one sentence. 测验内容。
""")

CONTRACT_LINE = Template(
    "- `$f(x)`: TODO: its contract (argument types, shapes and dtypes; the return value; "
    "the errors it raises)."
)

PUBLIC = Template('''\
"""Public checks of $id: shipped to students, with their (public) expected values.

TODO: one check per idea a student must get right, each worth its points. A check
chooses its inputs, computes what to expect itself (never trusts a value the sandbox
reports), and fails with expected vs got and a hint that teaches without giving the
answer away (see docs/authoring.md).
"""

from __future__ import annotations

from grader import CheckSet, Visibility, expect_close, fail, kind_of

checks = CheckSet("$id", Visibility.PUBLIC)


@checks.check(points=1)
def ${f}_on_small_inputs(sub) -> None:
    """TODO: the title students read, e.g. $f is exact on small inputs"""
    # TODO: inputs you chose, and values you worked out by hand.
    for x, expected in ((2.0, 4.0), (-3.0, 9.0)):
        got = sub.call("$f", x)
        expect_close(got, expected, where=f"$f({x})", hint="TODO: a hint that teaches")


@checks.check(points=1, depends=${f}_on_small_inputs)
def ${f}_through_a_probe(sub) -> None:
    """TODO: the title of a check that needs more than one call (it sends a probe)"""
    facts = sub.probe("${f}_facts", [1.0, 2.0, 3.0])
    # What a probe returns is untrusted data: check its shape before reading it.
    if not isinstance(facts, dict) or "values" not in facts:
        fail("$f on [1.0, 2.0, 3.0]", "a list of values", kind_of(facts))
    expect_close(facts["values"], [1.0, 4.0, 9.0], where="$f on [1.0, 2.0, 3.0]")
''')

PROBES = Template('''\
"""Probes of $id: grader code that runs INSIDE the sandbox, next to the student's code.

A probe builds inputs, calls the student's module, and returns plain data (numbers,
strings, lists, dicts, numpy arrays, tensors). The student's code shares the probe's
process and may have changed anything in it, so whatever a probe returns is evidence to
check, never a verdict: a probe reports, a check decides. TODO: write the probes your
checks need, or delete this file if plain ``sub.call`` is enough.
"""

from __future__ import annotations


def ${f}_facts(student, xs: list) -> dict:
    """The student's $f at each of ``xs`` (TODO: what your probe reports)."""
    return {"values": [student.$f(x) for x in xs]}
''')

QUIZ = Template('''\
"""The $id quiz: the questions only (shipped to students).

The reference answers live in solutions/$id.toml; a hint that needs an answer lives in
hidden/$id.py (``quiz_feedback``). After changing the questions, rewrite the answers
template with `grade quiz-template $id --force`.

Kinds: SymbolicQuestion (an expression in declared symbols), NumericQuestion (a number
within rtol/atol), ChoiceQuestion, BooleanQuestion, FreeTextQuestion (read by a person).
"""

from __future__ import annotations

from grader import NumericQuestion, Question

QUESTIONS: tuple[Question, ...] = (
    NumericQuestion(
        key="first_question",
        points=1,
        prompt_en="TODO: the question in English (its first line is the title students see).",
        prompt_zh="TODO：中文问题。",
        rtol=1e-6,
    ),
)
''')

HIDDEN = Template('''\
"""Hidden checks of $id: instructor-only, never in a handout, never visible to the sandbox.

Expected values come from the reference solution (``load_reference``), computed here in
the trusted process on inputs students never see. TODO: the cases public checks do not
show: edge cases, larger inputs, other dtypes, whatever a plausible wrong solution misses.
"""

from __future__ import annotations

import numpy as np

from grader import CheckSet, Visibility, expect_close, load_reference
from grader.course.$id.public import ${f}_on_small_inputs

checks = CheckSet("$id", Visibility.HIDDEN)
reference = load_reference("$id")


@checks.check(points=1, depends=${f}_on_small_inputs)
def ${f}_on_hidden_inputs(sub) -> None:
    """TODO ($id): the title of this hidden check"""
    for x in np.random.default_rng(1).normal(size=5).tolist():  # TODO: your hidden inputs
        expected = reference.$f(x)
        expect_close(sub.call("$f", x), expected, where=f"$f({x:.4f})")


def quiz_feedback(key: str, answer: object) -> str | None:
    """TODO (optional): a hint for a wrong quiz answer that may use the answer itself."""
    return None
''')

STUB = Template('''\
"""$id — $title.

Run `grade show $id` for the statement and `grade $id` to check your work.
"""

$stub_functions
''')

STUB_FUNCTION = Template('''\
def $f(x):
    """TODO: the contract students read: arguments, return value, errors."""
    raise NotImplementedError
''')

SOLUTION = Template('''\
"""$id — reference solution (instructor-only: never in a handout, never in the sandbox)."""

$solution_functions
''')

SOLUTION_FUNCTION = Template('''\
def $f(x):
    """The reference implementation."""
    raise NotImplementedError("TODO: write the reference solution")
''')

REFERENCE_ANSWERS = Template("""\
# Reference answers for the $id quiz (instructor-only: never shipped to students).
first_question = 0.0  # TODO: the reference answer
""")

COURSE_TOML = Template("""\
# A course for the grader: `grade` finds this file from the current folder upwards (or
# --course DIR, or $$GRADER_COURSE). Each exercise is a folder checks/<id>/: add one with
# `grade new ID`, prove it with `grade selftest ID` (see the engine's docs/authoring.md).
title = "$title"

# The order of `grade list` and `grade all`; exercises not listed follow, by id.
order = []

# Modules student code may import besides the standard library, numpy, torch and sympy;
# install them into the Python that runs `grade` (docs/authoring.md, "Modules students
# may import"), e.g. modules = ["d2l"]
modules = []
""")
