"""The synthetic demo class: every kind of student, deterministic, discoverable."""

from __future__ import annotations

import ast
import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

from grader.batch import mutate
from grader.batch.demo_class import KINDS, MANIFEST, load_exercises, make_demo_class
from grader.batch.submissions import discover
from grader.catalog import Course
from grader.errors import UsageError

REPO = Path(__file__).resolve().parents[2]

EX4_5 = '''"""Reference solution (a stand-in written for these tests)."""
import numbers

import sympy
from torch import nn


def _check(M0, N, L):
    for value in (M0, N, L):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise TypeError("integers only")
        if value <= 0:
            raise ValueError("positive only")
    if N % L:
        raise ValueError("L must divide N")


def param_count(M0, N, L):
    """Exact number of weights and biases."""
    _check(M0, N, L)
    h = N // L
    return int(M0 * h + h + (L - 1) * (h * h + h) + h + 1)


def param_count_expr():
    M0, N, L = sympy.symbols("M0 N L")
    return (M0 + 1) * N / L + (L - 1) * ((N / L) ** 2 + N / L) + N / L + 1


def build_mlp(M0, N, L):
    _check(M0, N, L)
    h = N // L
    layers, width = [], M0
    for _ in range(L):
        layers += [nn.Linear(width, h), nn.Sigmoid()]
        width = h
    layers.append(nn.Linear(width, 1))
    return nn.Sequential(*layers)
'''
TOY = 'def double(x):\n    """Twice x."""\n    return 2 * x\n\n\ndef half(x):\n    return x / 2\n'
TOY_STUB = 'def double(x):\n    """Twice x."""\n    raise NotImplementedError\n'


EXERCISE_TOML = 'title = "t"\nfunctions = [{functions}]\n'
MISTAKES = """
[[mistake]]
description = "build_mlp uses ReLU instead of sigmoid"
old = "nn.Sigmoid()"
new = "nn.ReLU()"

[[mistake]]
description = "param_count forgets the output bias"
old = "+ h + 1)"
new = "+ h)"
"""


@pytest.fixture
def course(tmp_path: Path) -> Course:
    root = tmp_path / "course"
    files = {
        "solutions/ex4_5.py": EX4_5,
        "solutions/ex4_5.toml": 'formula = "right"\n',
        "answers/ex4_5.toml": 'formula = ""\n',
        "solutions/toy.py": TOY,
        "exercises/toy.py": TOY_STUB,
        "solutions/__init__.py": "",
        "course.toml": "",
        "checks/ex4_5/exercise.toml": EXERCISE_TOML.format(functions='"param_count"'),
        "checks/toy/exercise.toml": EXERCISE_TOML.format(functions='"double"'),
        "hidden/ex4_5.mistakes.toml": MISTAKES,
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return Course.at(root)


def tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


EXPECTED_PROBLEM = {
    "syntax_error": "syntax error",
    "non_utf8": "not UTF-8",
    "incomplete": "missing",
}


def discover_all(tmp_path: Path) -> dict:
    subs = discover(
        tmp_path / "class", ["ex4_5", "toy"], tmp_path / "ws", answers_expected=["ex4_5"]
    )
    return {s.student_id: s for s in subs}


def test_every_kind_appears_and_discovery_sees_what_was_meant(tmp_path, course):
    students = make_demo_class(tmp_path / "class", 30, seed=1, course=course)
    assert {s.kind for s in students} == set(KINDS)
    assert {s.layout for s in students} == {"folder", "zip", "files"}
    subs = discover(
        tmp_path / "class", ["ex4_5", "toy"], tmp_path / "ws", answers_expected=["ex4_5"]
    )
    found = {s.student_id: s for s in subs}
    assert sorted(found) == [s.student_id for s in students]
    for student in students:
        sub, ex = found[student.student_id], student.exercise
        if student.kind in ("bad_zip", "empty_folder"):
            assert not sub.gradable, student
            continue
        assert sub.gradable, student
        problems = " ".join(sub.problems_for(ex))
        expected = {
            "syntax_error": "syntax error",
            "non_utf8": "not UTF-8",
            "incomplete": "missing",
        }
        if student.kind in expected:
            assert expected[student.kind] in problems, student
        else:
            assert sub.problems == (), student


def test_correct_and_stub_students_hand_in_the_course_files(tmp_path, course):
    students = make_demo_class(tmp_path / "class", 12, seed=3, course=course)
    found = {
        s.student_id: s for s in discover(tmp_path / "class", ["ex4_5", "toy"], tmp_path / "ws")
    }
    by_kind = {s.kind: found[s.student_id] for s in students}
    correct, stub = by_kind["correct"].workspace, by_kind["stub"].workspace
    assert (correct / "exercises/toy.py").read_text() == TOY
    assert (correct / "answers/ex4_5.toml").read_text() == 'formula = "right"\n'
    assert (stub / "exercises/toy.py").read_text() == TOY_STUB
    assert (stub / "answers/ex4_5.toml").read_text() == 'formula = ""\n'
    derived = (stub / "exercises/ex4_5.py").read_text()  # no stub on disk: derived
    assert derived.count("raise NotImplementedError") == 3 and "def _check" in derived


def test_same_seed_same_bytes_other_seed_other_class(tmp_path, course):
    make_demo_class(tmp_path / "a", 25, seed=7, course=course)
    make_demo_class(tmp_path / "b", 25, seed=7, course=course)
    make_demo_class(tmp_path / "c", 25, seed=8, course=course)
    assert tree(tmp_path / "a") == tree(tmp_path / "b")
    assert tree(tmp_path / "a") != tree(tmp_path / "c")


def test_the_manifest_is_a_dot_file_listing_every_student(tmp_path, course):
    students = make_demo_class(tmp_path / "class", 5, course=course, exercise_ids=["toy"])
    manifest = json.loads((tmp_path / "class" / MANIFEST).read_text())
    assert [m["student_id"] for m in manifest] == [s.student_id for s in students]
    assert [m["kind"] for m in manifest] == [s.kind for s in students]
    assert len(students) == 5 and len(set(s.kind for s in students)) == 5


def test_partial_students_get_a_breakage_from_the_table(tmp_path, course):
    students = make_demo_class(
        tmp_path / "class", 80, seed=2, course=course, exercise_ids=["ex4_5"]
    )
    details = {s.detail for s in students if s.kind == "partial"}
    breakages = mutate.course_breakages(course.root / "hidden" / "ex4_5.mistakes.toml")
    assert details == {b.description for b in breakages} and len(breakages) == 2


def test_refuses_a_non_empty_folder_no_students_and_missing_solutions(tmp_path, course):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("mine")
    with pytest.raises(UsageError, match="not empty"):
        make_demo_class(tmp_path / "full", 3, course=course)
    with pytest.raises(UsageError, match="at least one"):
        make_demo_class(tmp_path / "new", 0, course=course)
    with pytest.raises(UsageError, match="no exercise named 'nope'"):
        make_demo_class(tmp_path / "new", 3, course=course, exercise_ids=["nope"])
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "course.toml").write_text("")
    with pytest.raises(UsageError, match="any exercise"):
        load_exercises(Course.at(tmp_path / "empty"))
    assert (tmp_path / "full" / "keep.txt").read_text() == "mine"


def test_replace_swaps_a_previous_demo_class_for_a_new_one(tmp_path, course):
    out = tmp_path / "class"
    make_demo_class(out, 12, seed=1, course=course)
    first = tree(out)
    make_demo_class(out, 12, seed=1, course=course, replace=True)
    assert tree(out) == first  # the same arguments: the same bytes again
    make_demo_class(out, 3, seed=2, course=course, replace=True)
    students = {m["student_id"] for m in json.loads((out / MANIFEST).read_text())}
    owners = {p.name.split("_", 1)[0].removesuffix(".zip") for p in out.iterdir()}
    assert students == {"s001", "s002", "s003"} and owners == students | {MANIFEST}


def test_replace_refuses_a_folder_that_is_not_only_a_demo_class(tmp_path, course):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "s001").mkdir()  # looks like a student, but there is no manifest
    with pytest.raises(UsageError, match="holds no demo class"):
        make_demo_class(mine, 3, course=course, replace=True)
    out = tmp_path / "class"
    make_demo_class(out, 3, course=course)
    (out / "grades.xlsx").write_text("mine")
    with pytest.raises(UsageError, match=r"did not write \(grades.xlsx\); not replaced"):
        make_demo_class(out, 3, course=course, replace=True)
    assert (out / "grades.xlsx").read_text() == "mine" and (out / MANIFEST).is_file()
    assert (mine / "s001").is_dir()


def test_every_course_mistake_applies_to_its_solution():
    real = Course.at(REPO)
    for exercise in real.exercises():
        breakages = mutate.course_breakages(real.mistakes_file(exercise))
        source = real.solution(exercise).read_text(encoding="utf-8")
        for breakage in breakages:
            broken = mutate.apply(source, breakage)
            assert broken is not None and broken != source, (exercise.id, breakage.description)
            ast.parse(broken)


@pytest.mark.parametrize("source", [EX4_5, TOY, "X = 1\n", "def f(): return 1\n"])
def test_generic_breakages_parse_except_the_syntax_error(source):
    rng = random.Random(0)
    for broken in (
        mutate.return_none(source, rng),
        mutate.endless_loop(source, rng),
        mutate.stub(source),
        mutate.crash_at_import(source),
    ):
        ast.parse(broken)
    with pytest.raises(SyntaxError):
        ast.parse(mutate.syntax_error(source))
    with pytest.raises(UnicodeDecodeError):
        mutate.non_utf8(source).decode("utf-8")


def test_endless_loop_goes_into_a_public_function_after_its_docstring():
    broken = mutate.endless_loop(TOY, random.Random(0))
    tree = ast.parse(broken)
    loops = [f.name for f in tree.body for n in ast.walk(f) if isinstance(n, ast.While)]
    assert len(loops) == 1 and loops[0] in ("double", "half")
    assert ast.get_docstring(tree.body[0]) == "Twice x."


def test_bench_script_writes_a_class(tmp_path, course):
    script = REPO / "bench" / "make_demo_class.py"
    command = [sys.executable, str(script), str(tmp_path / "out"), "--students", "12",
               "--root", str(course.root), "--seed", "4"]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "correct:" in done.stdout
    assert len(json.loads((tmp_path / "out" / MANIFEST).read_text())) == 12
