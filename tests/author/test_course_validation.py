"""A malformed course is refused when it loads, one clear line naming the file and exit
code 2, never an ERRORED check at grading time: one test per kind of mistake."""

from __future__ import annotations

from pathlib import Path

import pytest
from author_support import grade, write_files

PUBLIC = '''\
from grader import CheckSet, Visibility, expect_close

checks = CheckSet("{id}", Visibility.PUBLIC)


@checks.check(points=1)
def doubles(sub):
    """double(x) is 2x"""
    expect_close(sub.call("double", 2.0), 4.0, where="double(2.0)")
'''
HIDDEN = '''\
from grader import CheckSet, Visibility, expect_close
from grader.course.{id}.public import doubles

checks = CheckSet("{id}", Visibility.HIDDEN)


@checks.check(points=1, depends=doubles)
def doubles_negatives(sub):
    """double is right on negative numbers"""
    expect_close(sub.call("double", -3.0), -6.0, where="double(-3.0)")
'''


def tiny_course(root: Path, exercise_id: str = "twice", alias: str = "twice") -> Path:
    """A valid one-exercise course (``double(x) = 2x``)."""
    write_files(
        root,
        {
            "course.toml": 'title = "tiny"\n',
            f"checks/{exercise_id}/exercise.toml": (
                f'alias = "{alias}"\ntitle = "doubling"\nfunctions = ["double"]\n'
            ),
            f"checks/{exercise_id}/__init__.py": "",
            f"checks/{exercise_id}/statement.md": "# twice\n\nImplement double(x).\n",
            f"checks/{exercise_id}/public.py": PUBLIC.format(id=exercise_id),
            f"exercises/{exercise_id}.py": "def double(x):\n    raise NotImplementedError\n",
            f"solutions/{exercise_id}.py": "def double(x):\n    return 2 * x\n",
            f"hidden/{exercise_id}.py": HIDDEN.format(id=exercise_id),
        },
    )
    return root


def refused(course: Path, exercise: str = "twice") -> str:
    """Grade the solution (which validates the course first); the error line on stderr."""
    done = grade("--course", str(course), exercise, "--solution", cwd=course.parent)
    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("grade: "), done.stderr
    return lines[0]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.fixture
def course(tmp_path) -> Path:
    return tiny_course(tmp_path / "course")


def test_the_tiny_course_is_valid(course):
    done = grade("--course", str(course), "twice", "--solution", "--json", cwd=course.parent)
    assert done.returncode == 0, done.stderr


def test_a_dependency_on_a_check_of_another_exercise(course):
    tiny_course(course, "other", "other")
    edit(
        course / "hidden" / "twice.py",
        "from grader.course.twice.public import doubles",
        "from grader.course.other.public import doubles",
    )
    message = refused(course)
    assert str(course / "hidden" / "twice.py") in message
    assert "depends on 'doubles'" in message and "not a check of this exercise" in message


def test_a_dependency_given_by_name(course):
    edit(course / "hidden" / "twice.py", "depends=doubles", 'depends="doubles"')
    message = refused(course)
    assert str(course / "hidden" / "twice.py") in message
    assert "give the check object" in message


def test_a_check_declared_twice(course):
    public = course / "checks" / "twice" / "public.py"
    text = public.read_text(encoding="utf-8")
    public.write_text(text + text.split("\n\n\n", 1)[1], encoding="utf-8")
    message = refused(course)
    assert str(public) in message and "'doubles' is declared twice" in message


def test_a_hidden_check_named_like_a_public_one(course):
    edit(course / "hidden" / "twice.py", "def doubles_negatives(sub):", "def doubles(sub):")
    message = refused(course)
    assert str(course / "hidden" / "twice.py") in message
    assert "has the name of a check in" in message and str(course / "checks") in message


def test_a_stub_missing_a_function_of_the_api(course):
    edit(course / "checks" / "twice" / "exercise.toml", '["double"]', '["double", "halve"]')
    edit(course / "solutions" / "twice.py", "return 2 * x\n", "return 2 * x\n\n\nhalve = None\n")
    message = refused(course)
    assert str(course / "exercises" / "twice.py") in message
    assert "does not define halve" in message


def test_a_malformed_exercise_toml(course):
    (course / "checks" / "twice" / "exercise.toml").write_text('alias = "twice\n', "utf-8")
    message = refused(course)
    assert str(course / "checks" / "twice" / "exercise.toml") in message
    assert "cannot be read" in message


def test_a_warm_template_declaration_that_is_not_a_boolean(course):
    toml = course / "checks" / "twice" / "exercise.toml"
    toml.write_text(toml.read_text("utf-8") + 'warm_template = "yes"\n', "utf-8")
    message = refused(course)
    assert str(toml) in message and "`warm_template` must be true or false" in message


def test_an_alias_that_is_another_exercise_s_id(course):
    tiny_course(course, "other", "twice")
    message = refused(course)
    for exercise in ("other", "twice"):
        assert str(course / "checks" / exercise / "exercise.toml") in message
    assert "the name 'twice'" in message and "is already the id or alias of" in message


@pytest.mark.parametrize(
    ("declared", "expected"),
    [
        ('CheckSet("other", Visibility.PUBLIC)', "CheckSet('other', Visibility.PUBLIC)"),
        ('CheckSet("twice", Visibility.HIDDEN)', "CheckSet('twice', Visibility.HIDDEN)"),
    ],
)
def test_a_check_set_of_the_wrong_exercise_or_visibility(course, declared, expected):
    edit(
        course / "checks" / "twice" / "public.py", 'CheckSet("twice", Visibility.PUBLIC)', declared
    )
    message = refused(course)
    assert str(course / "checks" / "twice" / "public.py") in message
    assert f"declares {expected}" in message


def test_a_public_module_that_does_not_import(course):
    edit(course / "checks" / "twice" / "public.py", "def doubles(sub):", "def doubles(sub)")
    message = refused(course)
    assert str(course / "checks" / "twice" / "public.py") in message
    assert "cannot be imported: SyntaxError" in message


def test_a_false_failure_bound_above_the_standard(course):
    edit(
        course / "checks" / "twice" / "public.py",
        "@checks.check(points=1)",
        "@checks.check(points=1, false_failure=1e-3)",
    )
    message = refused(course)
    assert str(course / "checks" / "twice" / "public.py") in message
    assert "false_failure must be a probability between 0 and 1e-06" in message
