"""What an exercise is: metadata, statement, public checks, probes and quiz questions.

An exercise is a folder ``<course>/checks/<id>/`` (found by convention, see
:mod:`grader.catalog`) holding:

- ``exercise.toml``: ``alias``, ``title`` and ``functions`` (the names students define),
  and optionally ``warm_template`` (see :attr:`Exercise.warm_template`);
- ``statement.md``: the statement (Chinese and English where the course is bilingual);
- ``public.py``: the public ``checks`` (a :class:`~grader.registry.CheckSet`);
- ``probes.py`` (optional): grader-written code that runs *inside the sandbox*;
- ``quiz.py`` (optional): the ``QUESTIONS`` (and an optional ``feedback`` hook);
- any helper modules the checks share.

Its other files follow the course's top-level layout, relative to the course root and,
for the student's files, to a submission: :attr:`Exercise.source_path` and friends are
the one place those paths are spelled.
"""

from __future__ import annotations

import importlib
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from grader.errors import CourseError
from grader.registry import CheckSet

#: What an exercise id may look like: it is a folder name and a Python module name.
ID_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,39}")
METADATA_FILE = "exercise.toml"


@dataclass(frozen=True)
class Exercise:
    """One exercise. ``functions`` are the names the student implements.

    ``warm_template``: its checks use parts of torch that torch imports on first use
    (an optimizer, meta tensors: ``torch._dynamo``, some 800 modules, 1-2 s). Where more
    than one sandbox would pay that, the sandbox template imports it once before it is
    ready (see :func:`grader.api.wants_warm_template`).
    """

    id: str
    alias: str
    title: str
    functions: tuple[str, ...]
    folder: Path | None = None  # checks/<id>/ (None: an exercise known by id only)
    warm_template: bool = False

    @classmethod
    def from_folder(cls, folder: Path) -> Exercise:
        """Read ``folder/exercise.toml``; CourseError naming the file if it is not right."""
        path = folder / METADATA_FILE
        if not ID_PATTERN.fullmatch(folder.name):
            raise CourseError(
                f"{folder}: an exercise folder's name is its id: lower-case letters, digits "
                "and '_', starting with a letter"
            )
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise CourseError(f"{path}: cannot be read ({exc})") from exc
        return cls(
            id=folder.name,
            alias=_text(data, "alias", path, default=folder.name),
            title=_text(data, "title", path),
            functions=_names(data, path),
            folder=folder,
            warm_template=_flag(data, "warm_template", path),
        )

    # -- the student's files, relative to a submission or to the course root
    @property
    def source_path(self) -> str:
        """``exercises/<id>.py``: the file students edit."""
        return f"exercises/{self.id}.py"

    @property
    def notebook_path(self) -> str:
        """``exercises/<id>.ipynb``: the notebook students may edit instead."""
        return f"exercises/{self.id}.ipynb"

    @property
    def answers_path(self) -> str:
        """``answers/<id>.toml``: the quiz answers."""
        return f"answers/{self.id}.toml"

    # -- the public parts, imported through the mounted course (grader.course.<id>)
    @property
    def package(self) -> str:
        return f"grader.course.{self.id}"

    @property
    def probes_module(self) -> str:
        return f"{self.package}.probes"

    def statement(self) -> str:
        """The statement in Chinese and English (Markdown)."""
        path = self._folder() / "statement.md"
        try:
            return path.read_text(encoding="utf-8")
        except OSError as exc:
            raise CourseError(f"{path}: the exercise has no statement ({exc})") from exc

    def public_checks(self) -> CheckSet:
        """The public checks (imported on first use)."""
        module = self._import("public")
        checks = getattr(module, "checks", None) if module else None
        if not isinstance(checks, CheckSet):
            raise CourseError(
                f"{self._folder() / 'public.py'}: must define `checks = CheckSet(...)`"
            )
        return checks

    def quiz_module(self) -> ModuleType | None:
        """The module declaring ``QUESTIONS`` (and optionally ``feedback``), if any."""
        return self._import("quiz")

    def questions(self) -> tuple:
        module = self.quiz_module()
        return tuple(getattr(module, "QUESTIONS", ())) if module else ()

    def _import(self, name: str) -> ModuleType | None:
        if self.folder is not None:
            from grader.course import mount  # not at import: it mounts a default course

            mount(self.folder.parent)  # grader.course.<id> is this folder
        module_name = f"{self.package}.{name}"
        try:
            return importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name in (module_name, self.package):
                return None
            raise CourseError(f"{self._folder() / name}.py: {exc}") from exc
        except CourseError:
            raise
        except Exception as exc:  # the author's code failed to import: the course's problem
            raise CourseError(
                f"{self._folder() / name}.py: cannot be imported: {type(exc).__name__}: {exc}"
            ) from exc

    def _folder(self) -> Path:
        if self.folder is None:
            raise CourseError(f"exercise {self.id} has no folder in a course")
        return self.folder


def _text(data: dict, key: str, path: Path, default: str | None = None) -> str:
    value = data.get(key, default)
    if not isinstance(value, str) or not value.strip():
        raise CourseError(f"{path}: `{key}` must be a non-empty string")
    return value.strip()


def _flag(data: dict, key: str, path: Path) -> bool:
    value = data.get(key, False)
    if not isinstance(value, bool):
        raise CourseError(f"{path}: `{key}` must be true or false")
    return value


def _names(data: dict, path: Path) -> tuple[str, ...]:
    names = data.get("functions")
    if (
        not isinstance(names, list)
        or not names
        or not all(isinstance(n, str) and n.isidentifier() for n in names)
    ):
        raise CourseError(
            f"{path}: `functions` must list the names students define, "
            'e.g. functions = ["softmax", "cross_entropy"]'
        )
    return tuple(names)
