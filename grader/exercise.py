"""What an exercise is: metadata, statement, public checks, probes and quiz questions.

Each exercise lives in ``grader/course/<id>/``: ``__init__.py`` declares
``EXERCISE``; ``statement.md`` holds the statement (Chinese and English);
``public.py`` the public ``checks``; ``probes.py`` grader-written code that runs
inside the sandbox; ``quiz.py`` the ``QUESTIONS`` (and an optional ``feedback``
hook). Hidden checks are not here: they live in the course's ``hidden/``
folder (see :mod:`grader.course_files`), so a handout leaves them out physically.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from importlib import resources
from types import ModuleType

from grader.registry import CheckSet


@dataclass(frozen=True)
class Exercise:
    """One exercise. ``functions`` are the names the student implements."""

    id: str
    alias: str
    title: str
    functions: tuple[str, ...]

    @property
    def package(self) -> str:
        return f"grader.course.{self.id}"

    @property
    def probes_module(self) -> str:
        return f"{self.package}.probes"

    def statement(self) -> str:
        """The statement in Chinese and English (Markdown)."""
        return resources.files(self.package).joinpath("statement.md").read_text(encoding="utf-8")

    def public_checks(self) -> CheckSet:
        """The public checks (imported on first use)."""
        return importlib.import_module(f"{self.package}.public").checks

    def quiz_module(self) -> ModuleType | None:
        """The module declaring ``QUESTIONS`` (and optionally ``feedback``), if any."""
        try:
            return importlib.import_module(f"{self.package}.quiz")
        except ModuleNotFoundError as exc:
            if exc.name != f"{self.package}.quiz":
                raise
            return None

    def questions(self) -> tuple:
        module = self.quiz_module()
        return tuple(getattr(module, "QUESTIONS", ())) if module else ()
