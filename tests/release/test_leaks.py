"""No file of the handout holds a solution body, a reference answer, a hidden check's name,
title, input or expected value, or a hash of an answer: checked against the real course
(every exercise with solutions/ or hidden/ files), not a fixture.

Expected values are recorded by running every hidden check against the reference
solution with the reference module's functions wrapped: whatever they return during the
hidden checks is what a hidden check compares with. The audit itself is shown to find
each kind of leak when one is planted."""

from __future__ import annotations

import functools
import hashlib
import inspect
import shutil
from pathlib import Path

import pytest
from support import COURSE, REPO, fake_course

from grader.api import solution_workspace
from grader.catalog import Course
from grader.errors import ReleaseRefused
from grader.exercise import Exercise
from grader.release import build_handout
from grader.release.audit import Leak, scan
from grader.release.secrets import Secret, collect_secrets, value_secrets


def graded_exercises() -> list[str]:
    """Every exercise of the course that has instructor-only files to leak."""
    return [
        e.id
        for e in COURSE.exercises()
        if COURSE.solution(e).is_file() or COURSE.hidden_file(e).is_file()
    ]


def recorded_expected_values(session, monkeypatch, exercise_id: str) -> list[object]:
    """What the reference returns while the hidden checks of ``exercise_id`` run on it."""
    exercise = COURSE.find(exercise_id)
    if not (COURSE.solution(exercise).is_file() and COURSE.hidden_file(exercise).is_file()):
        return []
    reference = COURSE.reference(exercise_id)  # the same module object the hidden checks use
    values: list[object] = []
    for name, func in vars(reference).copy().items():
        if inspect.isfunction(func) and func.__module__ == reference.__name__:
            monkeypatch.setattr(reference, name, _recording(func, values))
    workspace = solution_workspace([exercise], COURSE)
    try:
        session.grade([exercise], workspace, include_hidden=True)
    finally:
        shutil.rmtree(workspace, ignore_errors=True)
    return values


def _recording(func, values: list[object]):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        value = func(*args, **kwargs)
        values.append(value)
        return value

    return wrapper


@pytest.fixture(scope="module")
def course_secrets() -> list[Secret]:
    return collect_secrets(COURSE, [COURSE.find(e) for e in graded_exercises()])


def describe(leaks: list[Leak]) -> str:
    return "\n".join(leak.describe() for leak in leaks)


def test_the_course_has_secrets_to_look_for(course_secrets):
    kinds = {(s.exercise, s.kind) for s in course_secrets}
    assert ("ex4_5", "a solution body") in kinds
    assert ("ex4_5", "a reference answer") in kinds
    assert ("ex4_5", "a hidden check's name") in kinds
    assert ("ex4_5", "a hidden input or value") in kinds


def test_handout_holds_no_solution_answer_or_hidden_material(handout, course_secrets):
    leaks = scan(handout, course_secrets)
    assert leaks == [], "the handout leaks:\n" + describe(leaks)


def test_handout_holds_no_expected_value_of_a_hidden_check(handout, session, monkeypatch):
    secrets = []
    for exercise_id in graded_exercises():
        values = recorded_expected_values(session, monkeypatch, exercise_id)
        kind = "a hidden check's expected value"
        secrets += value_secrets(COURSE, COURSE.find(exercise_id), values, kind)
        monkeypatch.undo()
    assert any(s.exercise == "ex4_5" for s in secrets)  # the recording saw the reference work
    leaks = scan(handout, secrets)
    assert leaks == [], "the handout leaks:\n" + describe(leaks)


def plant(handout: Path, tmp_path: Path) -> Path:
    """A copy of the handout with one leak of each kind, disguised the way people copy."""
    copy = tmp_path / "leaky"
    shutil.copytree(handout, copy)
    helper = (  # param_count's body, reformatted and under another name
        "\n\ndef _count(M0, N, L):\n"
        "    M0, N, L = _validate(M0, N, L)\n"
        "    width = N // L\n"
        "    first = M0*width + width\n"
        "    middle = (L - 1)*(width*width + width)\n"
        "    last = width + 1\n"
        "    return first + middle + last\n"
    )
    with (copy / "checks/ex4_5/judging.py").open("a", encoding="utf-8") as f:
        f.write(helper)
    with (copy / "README.md").open("a", encoding="utf-8") as f:
        f.write("\nHint: L* = 2 N / (M0 + N + 1)\n")
    with (copy / "checks/ex4_5/public.py").open("a", encoding="utf-8") as f:
        f.write("\nEXTRA = [(3072, 4096, 64)]\n# see param_count_large\n")
    digest = hashlib.sha256(b"2*N/(M0 + N + 1)").hexdigest()
    (copy / "checks/ex4_5/answers.json").write_text(f'{{"L_star": "{digest}"}}')
    (copy / "checks/ex4_5/numbers.md").write_text("P(3072, 4096, 64) = 270401\n")
    return copy


def test_the_audit_finds_each_kind_of_planted_leak(handout, tmp_path, course_secrets):
    copy = plant(handout, tmp_path)
    kind = "a hidden check's expected value"
    expected = value_secrets(COURSE, COURSE.find("ex4_5"), [270401], kind)
    found = {(leak.file, leak.secret.kind) for leak in scan(copy, course_secrets + expected)}
    assert ("checks/ex4_5/judging.py", "a solution body") in found
    assert ("README.md", "a reference answer") in found
    assert ("checks/ex4_5/public.py", "a hidden input or value") in found
    assert ("checks/ex4_5/public.py", "a hidden check's name") in found
    assert ("checks/ex4_5/answers.json", "a hash of a reference answer") in found
    assert ("checks/ex4_5/numbers.md", "a hidden check's expected value") in found


def test_a_solution_may_declare_bodies_that_are_public_facts(tmp_path):
    root = tmp_path / "course"
    (root / "solutions").mkdir(parents=True)
    source = (
        "# the statement gives the formula: not a secret\n"
        'PUBLIC_BODIES = ("he_std",)\n\n'
        "def he_std(fan_in):\n    return math.sqrt(2.0 / fan_in) * 1.0\n\n"
        "def secret_one(fan_in):\n    return math.sqrt(3.0 / fan_in) * 1.0\n"
    )
    (root / "solutions" / "toy.py").write_text(source, "utf-8")
    (root / "course.toml").write_text("", "utf-8")
    toy = Exercise("toy", "toy", "toy", ("he_std",))
    origins = {s.origin for s in collect_secrets(Course.at(root), [toy])}
    assert "solutions/toy.py: body of secret_one()" in origins
    assert "solutions/toy.py: body of he_std()" not in origins


# ----------------------------------------------------------------------------- disguised copies

RENAMED = '''
def count_things(a, b, c):
    """Every name changed, the layout too."""
    a, b, c = check_args(a, b, c)
    w = b // c
    head = a*w + w
    body = (c - 1) * (w*w + w)
    tail = w + 1
    return head + body + tail
'''
REORDERED = """
def count_things(a, b, c):
    a, b, c = check_args(a, b, c)
    w = b // c
    tail = w + 1
    body = (c - 1) * (w * w + w)
    head = a * w + w
    return head + body + tail
"""
RENAMED_BUILD = """
class Helpers:
    def make_net(self, m, n, depth):
        m, n, depth = check_args(m, n, depth)
        hidden = n // depth
        mods = []
        prev = m
        for i in range(depth):
            mods += [nn.Linear(prev, hidden), nn.Sigmoid()]
            prev = hidden
        mods.append(nn.Linear(hidden, 1))
        return nn.Sequential(*mods)
"""


@pytest.mark.parametrize(
    ("copy", "body_of"),
    [(RENAMED, "param_count"), (REORDERED, "param_count"), (RENAMED_BUILD, "build_mlp")],
    ids=["renamed", "reordered", "renamed_method"],
)
def test_a_renamed_or_reordered_copy_of_a_solution_body_is_a_leak(
    handout, tmp_path, course_secrets, copy, body_of
):
    leaky = tmp_path / "leaky"
    shutil.copytree(handout, leaky)
    with (leaky / "checks/ex4_5/judging.py").open("a", encoding="utf-8") as f:
        f.write("\n" + copy)
    found = {(leak.file, leak.secret.origin) for leak in scan(leaky, course_secrets)}
    origin = f"solutions/ex4_5.py: body of {body_of}()"
    assert ("checks/ex4_5/judging.py", origin) in found


def test_the_same_shape_with_other_operations_is_no_leak(handout, tmp_path, course_secrets):
    leaky = tmp_path / "other"
    shutil.copytree(handout, leaky)
    other = REORDERED.replace("(w * w + w)", "(w * w - w)").replace("tail = w + 1", "tail = w")
    with (leaky / "checks/ex4_5/judging.py").open("a", encoding="utf-8") as f:
        f.write("\n" + other)
    assert scan(leaky, course_secrets) == []


def test_a_stray_copy_in_the_public_folder_is_left_out_or_refused(tmp_path):
    root = tmp_path / "course"
    files = fake_course(root, (REPO / "exercises" / "ex4_5.py").read_text("utf-8"))
    (root / "checks" / "ex4_5" / "scratch_copy.py").write_text(RENAMED + RENAMED_BUILD, "utf-8")
    report = build_handout(tmp_path / "out", course=files)
    assert not (tmp_path / "out" / "checks" / "ex4_5" / "scratch_copy.py").exists()
    assert (
        "checks/ex4_5/scratch_copy.py left out: no released file of ex4_5 imports or names it"
        in report.warnings
    )
    public = root / "checks" / "ex4_5" / "public.py"
    public.write_text(
        public.read_text("utf-8") + "\nfrom grader.course.ex4_5 import scratch_copy  # noqa\n"
    )
    with pytest.raises(ReleaseRefused) as refused:
        build_handout(tmp_path / "again", course=files)
    assert "checks/ex4_5/scratch_copy.py: contains a solution body of ex4_5" in str(refused.value)
    assert not (tmp_path / "again").exists()


def test_a_value_in_a_stray_unshipped_file_is_not_a_public_fact(tmp_path):
    files = fake_course(tmp_path / "course", (REPO / "exercises" / "ex4_5.py").read_text("utf-8"))
    kind = "a hidden check's expected value"
    assert value_secrets(files, files.find("ex4_5"), [270401], kind)  # a secret to start with
    (tmp_path / "course" / "checks" / "ex4_5" / "scratch.txt").write_text("270401\n", "utf-8")
    secrets = value_secrets(files, files.find("ex4_5"), [270401], kind)
    assert [s.needle for s in secrets] == ["270401"]  # still a secret: scratch.txt never ships
