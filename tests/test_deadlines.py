"""Due dates and the late policy in course.toml: read per exercise, checked when the course
loads, a mistake named with the file and the key."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from grader.catalog import Course
from grader.deadlines import LatePolicy
from grader.errors import CourseError
from grader.version import grader_version

EXERCISE_TOML = 'alias = "{id}"\ntitle = "{id} title"\nfunctions = ["f"]\n'


def course(tmp_path: Path, settings: str) -> Course:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "course.toml").write_text(f'title = "t"\n{settings}', encoding="utf-8")
    for exercise in ("ex1", "ex2"):
        folder = tmp_path / "checks" / exercise
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "exercise.toml").write_text(EXERCISE_TOML.format(id=exercise), "utf-8")
    return Course.at(tmp_path)


def test_defaults_apply_to_each_exercise_and_an_exercise_may_change_them(tmp_path):
    deadlines = course(
        tmp_path,
        "[deadlines]\npenalty_per_day = 0.1\nmax_penalty = 0.5\ngrace_minutes = 10\n"
        "[deadlines.ex1]\ndue = 2025-03-14T23:59:00+08:00\n"
        '[deadlines.ex2]\ndue = "2025-03-21T15:59:00Z"\npenalty_per_day = 0.2\n',
    ).deadlines
    zone = timezone(timedelta(hours=8))
    assert deadlines.of("ex1") == LatePolicy(
        datetime(2025, 3, 14, 23, 59, tzinfo=zone), 0.1, 0.5, timedelta(minutes=10)
    )
    assert deadlines.of("ex2").penalty_per_day == 0.2 and deadlines.of("ex2").max_penalty == 0.5
    assert deadlines.of("ex2").due.utcoffset() == timedelta(0)


def test_a_course_without_deadlines_has_none(tmp_path):
    assert not course(tmp_path, "").deadlines


def test_an_exercise_without_a_due_date_has_no_deadline(tmp_path):
    deadlines = course(tmp_path, "[deadlines]\npenalty_per_day = 0.1\n[deadlines.ex1]\n").deadlines
    assert deadlines.of("ex1") is None


@pytest.mark.parametrize(
    ("settings", "says"),
    [
        ("[deadlines.ex1]\ndue = 2025-03-14T23:59:00\n", "needs a UTC offset"),
        ('[deadlines.ex1]\ndue = "next friday"\n', "not an ISO 8601"),
        ("[deadlines.ex1]\ndue = 2025-03-14\n", "give a date-time"),
        ("[deadlines]\npenalty_per_day = 1.5\n", "at most 1"),
        ("[deadlines]\nmax_penalty = -0.1\n", "must be a number >= 0"),
        ("[deadlines]\ngrace_minutes = true\n", "must be a number >= 0"),
        ("[deadlines]\npenalty = 0.1\n", "unknown key 'penalty'"),
        ("[deadlines]\ndue = 2025-03-14T23:59:00Z\n", "unknown key 'due'"),
        ("[deadlines.ex9]\ndue = 2025-03-14T23:59:00Z\n", "no exercise 'ex9'"),
        ("deadlines = 3\n", "must be a table"),
    ],
)
def test_a_mistake_is_a_course_error_naming_the_file_and_key(tmp_path, settings, says):
    with pytest.raises(CourseError, match=says) as raised:
        course(tmp_path, settings).validate()
    assert str(tmp_path / "course.toml") in str(raised.value)


def test_moving_a_due_date_does_not_change_the_grader_version(tmp_path):
    due = "[deadlines.ex1]\ndue = 2025-03-14T23:59:00Z\n"
    first = grader_version(course(tmp_path / "a", due))
    moved = grader_version(course(tmp_path / "b", due.replace("14T", "21T")))
    other = grader_version(course(tmp_path / "c", 'modules = ["json"]\n' + due))
    assert first == moved != other
