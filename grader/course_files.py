"""Where the course's files are: stubs, answers templates, solutions, hidden checks.

The course root is ``$GRADER_COURSE_ROOT`` if set, else the folder holding the
``grader`` package when it has ``exercises/`` beside it (a clone or a handout),
else the current directory. ``solutions/`` and ``hidden/`` exist only on the
instructor's side; their absence simply means hidden checks and reference
answers are not available here.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import ModuleType

from grader.errors import InternalError
from grader.exercise import Exercise
from grader.registry import CheckSet

HIDDEN_MANIFEST = "hidden_manifest.json"


@dataclass(frozen=True)
class CourseFiles:
    """The files of one course, rooted at ``root``."""

    root: Path

    @classmethod
    def locate(cls) -> CourseFiles:
        env = os.environ.get("GRADER_COURSE_ROOT")
        if env:
            return cls(Path(env).resolve())
        package_parent = Path(__file__).resolve().parents[1]
        if (package_parent / "exercises").is_dir():
            return cls(package_parent)
        return cls(Path.cwd())

    def stub(self, exercise: Exercise) -> Path:
        return self.root / "exercises" / f"{exercise.id}.py"

    def answers_template(self, exercise: Exercise) -> Path:
        return self.root / "answers" / f"{exercise.id}.toml"

    def solution(self, exercise: Exercise) -> Path:
        return self.root / "solutions" / f"{exercise.id}.py"

    def reference_answers(self, exercise: Exercise) -> Path | None:
        path = self.root / "solutions" / f"{exercise.id}.toml"
        return path if path.is_file() else None

    def hidden_module(self, exercise_id: str) -> ModuleType | None:
        """``hidden/<id>.py`` (trusted, instructor-only code), loaded once; None if absent."""
        path = self.root / "hidden" / f"{exercise_id}.py"
        if not path.is_file():
            return None
        return _load_module(f"grader_hidden.{exercise_id}", path)

    def hidden_checks(self, exercise: Exercise) -> CheckSet | None:
        """The hidden checks, or None where ``hidden/`` is absent (a handout)."""
        module = self.hidden_module(exercise.id)
        return None if module is None else module.checks

    def quiz_feedback(self, exercise: Exercise) -> Callable[[str, object], str | None] | None:
        """The exercise's hint hook for wrong quiz answers (``quiz_feedback`` in hidden/).

        Loaded only when first called: most answers need no hint, and loading the
        hidden module imports the reference solution.
        """
        if not (self.root / "hidden" / f"{exercise.id}.py").is_file():
            return None

        def feedback(key: str, answer: object) -> str | None:
            hook = getattr(self.hidden_module(exercise.id), "quiz_feedback", None)
            return hook(key, answer) if hook else None

        return feedback

    def hidden_count(self, exercise: Exercise) -> int:
        """How many hidden checks exist, even where their code is absent (a handout)."""
        path = self.root / "hidden" / f"{exercise.id}.py"
        if path.is_file():
            return _count_declared_checks(path)
        manifest = Path(__file__).resolve().parent / "course" / HIDDEN_MANIFEST
        if manifest.is_file():
            return int(json.loads(manifest.read_text()).get(exercise.id, 0))
        return 0


def load_reference(exercise_id: str) -> ModuleType:
    """The reference solution module (trusted), for hidden checks to compute expected values."""
    course = CourseFiles.locate()
    path = course.root / "solutions" / f"{exercise_id}.py"
    if not path.is_file():
        raise InternalError(f"reference solution {path} is missing")
    return _load_module(f"grader_reference.{exercise_id}", path)


def _count_declared_checks(path: Path) -> int:
    """Count ``@checks.check(...)``-decorated functions without importing the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return sum(
        any(
            isinstance(d, ast.Call) and isinstance(d.func, ast.Attribute) and d.func.attr == "check"
            for d in node.decorator_list
        )
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef)
    )


@cache
def _load_module(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise InternalError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
