"""The course's exercises, by id and alias."""

from __future__ import annotations

import importlib
from functools import cache

from grader.errors import UnknownExercise
from grader.exercise import Exercise

EXERCISE_IDS: tuple[str, ...] = ("ex4_1", "ex4_5", "ex4_7", "ex4_8", "ex4_9", "dropout")


@cache
def available() -> tuple[Exercise, ...]:
    """The exercises whose package is present, in course order."""
    found = (_load(exercise_id) for exercise_id in EXERCISE_IDS)
    return tuple(exercise for exercise in found if exercise is not None)


def _load(exercise_id: str) -> Exercise | None:
    try:
        module = importlib.import_module(f"grader.course.{exercise_id}")
    except ModuleNotFoundError as exc:
        if exc.name != f"grader.course.{exercise_id}":
            raise
        return None
    return module.EXERCISE


def find(name: str) -> Exercise:
    """The exercise with this id or alias (case-insensitive); UnknownExercise otherwise."""
    wanted = name.strip().lower().replace("-", "_")
    if wanted in EXERCISE_IDS:
        exercise = _load(wanted)
        if exercise is not None:
            return exercise
    for exercise in available():
        if wanted in (exercise.id, exercise.alias.replace("-", "_")):
            return exercise
    known = ", ".join(f"{e.id} ({e.alias})" for e in available())
    raise UnknownExercise(f"no exercise named {name!r}; known: {known}")
