"""The course: where it is, which exercises it has, and where each part of them lives.

A course is a folder holding ``course.toml``; its exercises are found by convention,
never listed in the engine:

    course.toml           the course's settings (title, order, modules, deadlines); marks
                          the course root
    checks/<id>/          the public part of exercise <id> (see :mod:`grader.exercise`);
                          imported as ``grader.course.<id>``, shipped to students
    exercises/<id>.py     the stub students edit
    answers/<id>.toml     the quiz answers template
    solutions/<id>.py     the reference solution       } instructor-only: never in a
    solutions/<id>.toml   the reference quiz answers   } handout, never visible to
    hidden/<id>.py        the hidden checks            } the sandbox
    hidden/<id>.mistakes.toml  realistic mistakes for `grade demo-class` (optional)
    hidden/<id>.mutants.toml   mutants `grade selftest` may count as equivalent (optional)

An exercise exists because ``checks/<id>/exercise.toml`` exists. Which course is used:
``--course DIR``, else ``$GRADER_COURSE``, else the nearest folder holding
``course.toml`` from the current directory upwards, else the folder holding the engine
when it is a course (a clone of the engine's repository holds the example course; the
``grade`` command says so on stderr whenever it falls back to it, and ``grade new``
refuses to write there). An engine installed from a package has no such folder: outside
a course it finds none and says so.

Loading validates what can be wrong before any grading starts (see
:meth:`Course.checks`): a problem is a :class:`~grader.errors.CourseError` naming the file.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import re
import sys
import tomllib
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from types import ModuleType

from grader.deadlines import TABLE, Deadlines, parse_deadlines
from grader.errors import CourseError, InternalError, UnknownExercise
from grader.exercise import METADATA_FILE, Exercise
from grader.model import Visibility
from grader.registry import Check, CheckSet

COURSE_FILE = "course.toml"
CHECKS_DIR = "checks"
ENVIRONMENT_VARIABLE = "GRADER_COURSE"
HIDDEN_MANIFEST = "hidden_manifest.json"  # in a handout's checks/: hidden check counts
_MODULE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")


class Course:
    """One course rooted at ``root`` (a folder holding ``course.toml``)."""

    def __init__(self, root: Path, found_by: str = "given") -> None:
        self.root = root.resolve()
        #: How :meth:`locate` found it: "given" (--course or $GRADER_COURSE), "folder"
        #: (course.toml here or above) or "engine" (the example course beside the engine).
        self.found_by = found_by

    def __repr__(self) -> str:
        return f"Course({str(self.root)!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Course) and other.root == self.root

    def __hash__(self) -> int:
        return hash(self.root)

    # ------------------------------------------------------------------ finding it
    @classmethod
    def locate(cls, explicit: Path | str | None = None) -> Course:
        """The course to use (see the module docstring); CourseError when there is none."""
        if explicit is not None:
            return cls.at(Path(explicit))
        from_env = os.environ.get(ENVIRONMENT_VARIABLE)
        if from_env:
            return cls.at(Path(from_env))
        for folder in (Path.cwd(), *Path.cwd().parents):
            if (folder / COURSE_FILE).is_file():
                return cls(folder, "folder")
        engine_home = Path(__file__).resolve().parents[1]
        if (engine_home / COURSE_FILE).is_file():
            return cls(engine_home, "engine")
        raise CourseError(
            f"no course found: no {COURSE_FILE} in {Path.cwd()} or above. Run `grade` inside "
            f"a course folder (your handout), or pass --course DIR (or set ${ENVIRONMENT_VARIABLE})"
        )

    @classmethod
    def at(cls, root: Path) -> Course:
        """The course at ``root``; CourseError if ``root`` holds no ``course.toml``."""
        if not (root / COURSE_FILE).is_file():
            raise CourseError(f"{root}: not a course folder (no {COURSE_FILE} in it)")
        return cls(root)

    @cached_property
    def settings(self) -> dict:
        """``course.toml`` as a dict."""
        path = self.root / COURSE_FILE
        try:
            return tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise CourseError(f"{path}: cannot be read ({exc})") from exc

    @property
    def title(self) -> str:
        return str(self.settings.get("title", self.root.name))

    @cached_property
    def modules(self) -> tuple[str, ...]:
        """``modules`` in ``course.toml``: modules student code may import beyond what the
        grader itself installs (numpy, torch, sympy and the standard library).

        They must be installed into the Python that runs ``grade`` (see docs/authoring.md,
        "Modules students may import"); the sandbox template imports them once at start.
        Raises CourseError unless it is a list of module names such as ``"d2l"``.
        """
        names = self.settings.get("modules", [])
        if not isinstance(names, list) or not all(
            isinstance(name, str) and _MODULE_NAME.fullmatch(name) for name in names
        ):
            raise CourseError(
                f"{self.root / COURSE_FILE}: `modules` must list module names student code "
                'may import, e.g. modules = ["d2l"]'
            )
        return tuple(dict.fromkeys(names))

    @cached_property
    def deadlines(self) -> Deadlines:
        """``[deadlines]`` in ``course.toml``: due dates and the late policy per exercise
        (see :mod:`grader.deadlines`). Raises CourseError naming the file and the key."""
        ids = {exercise.id for exercise in self.exercises()}
        return parse_deadlines(self.settings.get(TABLE), ids, self.root / COURSE_FILE)

    @property
    def checks_dir(self) -> Path:
        """``checks/``: the public parts of every exercise (mounted as ``grader.course``)."""
        return self.root / CHECKS_DIR

    def mount(self) -> Course:
        """Make ``grader.course.<id>`` import this course's public parts; returns self."""
        from grader import course as mount_point  # not at import: it mounts a default

        mount_point.mount(self.checks_dir)
        return self

    # ------------------------------------------------------------------ its exercises
    @cached_property
    def _exercises(self) -> tuple[Exercise, ...]:
        folders = (
            sorted(p for p in self.checks_dir.iterdir() if (p / METADATA_FILE).is_file())
            if self.checks_dir.is_dir()
            else []
        )
        found = {folder.name: Exercise.from_folder(folder) for folder in folders}
        _check_aliases(found.values(), self.checks_dir)
        order = [i for i in self.settings.get("order", ()) if i in found]
        return tuple(found[i] for i in [*order, *sorted(set(found) - set(order))])

    def exercises(self) -> tuple[Exercise, ...]:
        """Every exercise of the course, in the order of ``course.toml`` (others by id)."""
        return self._exercises

    def find(self, name: str) -> Exercise:
        """The exercise with this id or alias (case-insensitive, ``-`` = ``_``)."""
        wanted = name.strip().lower().replace("-", "_")
        for exercise in self.exercises():
            if wanted in (exercise.id, exercise.alias.lower().replace("-", "_")):
                return exercise
        known = ", ".join(f"{e.id} ({e.alias})" for e in self.exercises()) or "none"
        raise UnknownExercise(f"no exercise named {name!r} in {self.root}; known: {known}")

    # ------------------------------------------------------------------ its files
    def stub(self, exercise: Exercise) -> Path:
        return self.root / exercise.source_path

    def answers_template(self, exercise: Exercise) -> Path:
        return self.root / exercise.answers_path

    def solution(self, exercise: Exercise) -> Path:
        return self.root / "solutions" / f"{exercise.id}.py"

    def reference_answers(self, exercise: Exercise) -> Path | None:
        path = self.root / "solutions" / f"{exercise.id}.toml"
        return path if path.is_file() else None

    def hidden_file(self, exercise: Exercise) -> Path:
        return self.root / "hidden" / f"{exercise.id}.py"

    def mistakes_file(self, exercise: Exercise) -> Path:
        """``hidden/<id>.mistakes.toml``: realistic mistakes for synthetic demo students."""
        return self.root / "hidden" / f"{exercise.id}.mistakes.toml"

    def equivalent_mutants_file(self, exercise: Exercise) -> Path:
        """``hidden/<id>.mutants.toml``: mutants of the solution known to be equivalent."""
        return self.root / "hidden" / f"{exercise.id}.mutants.toml"

    def instructor_dirs(self) -> tuple[Path, ...]:
        """The folders that hold instructor-only material."""
        return (self.root / "solutions", self.root / "hidden")

    # ------------------------------------------------------------------ trusted code
    def hidden_module(self, exercise: Exercise) -> ModuleType | None:
        """``hidden/<id>.py`` (trusted, instructor-only code), loaded once; None if absent."""
        path = self.hidden_file(exercise)
        if not path.is_file():
            return None
        return self._load(f"grader_hidden.{exercise.id}", path)

    def hidden_checks(self, exercise: Exercise) -> CheckSet | None:
        """The hidden checks, or None where ``hidden/`` is absent (a handout)."""
        module = self.hidden_module(exercise)
        if module is None:
            return None
        checks = getattr(module, "checks", None)
        if not isinstance(checks, CheckSet):
            raise CourseError(f"{self.hidden_file(exercise)}: must define `checks = CheckSet(...)`")
        return checks

    def reference(self, exercise_id: str) -> ModuleType:
        """The reference solution module (trusted), for hidden checks' expected values."""
        path = self.root / "solutions" / f"{exercise_id}.py"
        if not path.is_file():
            raise InternalError(f"reference solution {path} is missing")
        return self._load(f"grader_reference.{exercise_id}", path)

    def quiz_feedback(self, exercise: Exercise) -> Callable[[str, object], str | None] | None:
        """The exercise's hint hook for wrong quiz answers (``quiz_feedback`` in hidden/).

        Loaded only when first called: most answers need no hint, and loading the
        hidden module imports the reference solution.
        """
        if not self.hidden_file(exercise).is_file():
            return None

        def feedback(key: str, answer: object) -> str | None:
            hook = getattr(self.hidden_module(exercise), "quiz_feedback", None)
            return hook(key, answer) if hook else None

        return feedback

    def hidden_count(self, exercise: Exercise) -> int:
        """How many hidden checks exist, even where their code is absent (a handout)."""
        path = self.hidden_file(exercise)
        if path.is_file():
            return _count_declared_checks(path)
        manifest = self.checks_dir / HIDDEN_MANIFEST
        if manifest.is_file():
            return int(json.loads(manifest.read_text(encoding="utf-8")).get(exercise.id, 0))
        return 0

    def checks(self, exercise: Exercise, *, include_hidden: bool) -> list[Check]:
        """The exercise's checks in running order (public, then hidden), validated.

        Raises CourseError naming the file for: a check set of the wrong exercise or
        visibility, a hidden check named like a public one, a dependency that is not a
        check of this exercise, or one declared after the check that needs it.
        """
        public = exercise.public_checks()
        _expect_set(public, exercise, Visibility.PUBLIC, exercise.folder / "public.py")
        found = list(public)
        hidden = self.hidden_checks(exercise) if include_hidden else None
        if hidden is not None:
            _expect_set(hidden, exercise, Visibility.HIDDEN, self.hidden_file(exercise))
            found += list(hidden)
        _check_names_and_dependencies(found)
        return found

    def validate(self, exercises: tuple[Exercise, ...] | None = None) -> None:
        """Load and check every part of ``exercises`` (default: all); CourseError if wrong.

        Beyond :meth:`checks`: ``modules`` and ``deadlines`` in ``course.toml`` are well
        formed, the statement exists, and, in an instructor's course (one with
        ``solutions/``), the stub and the solution define every name of the API.
        """
        _ = self.modules, self.deadlines
        for exercise in exercises or self.exercises():
            exercise.statement()
            self.checks(exercise, include_hidden=True)
            exercise.questions()
            if (self.root / "solutions").is_dir():
                for path in (self.stub(exercise), self.solution(exercise)):
                    self._expect_api(exercise, path)

    def _expect_api(self, exercise: Exercise, path: Path) -> None:
        try:
            source = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CourseError(f"{path}: cannot be read ({exc})") from exc
        missing = missing_functions(exercise, source)
        if missing:
            raise CourseError(
                f"{path}: does not define {', '.join(missing)} (the API in "
                f"{exercise.folder / METADATA_FILE})"
            )

    def _load(self, name: str, path: Path) -> ModuleType:
        """Load trusted course code once per mount of this course's public folder."""
        from grader import course as mount_point

        self.mount()
        key = (self.root, name, mount_point.generation)
        module = _TRUSTED_MODULES.get(key)
        if module is None:
            module = _load_module(name, path)
            _TRUSTED_MODULES[key] = module
        return module


#: Hidden checks and reference solutions loaded, by (course root, module name, mount
#: generation): every Course object of one course shares them while its mount lasts.
_TRUSTED_MODULES: dict[tuple[Path, str, int], ModuleType] = {}


def active() -> Course:
    """The course mounted in this process, or the one :meth:`Course.locate` finds (mounted)."""
    from grader import course as mount_point

    folder = mount_point.mounted()
    return Course(folder.parent) if folder is not None else Course.locate().mount()


def load_reference(exercise_id: str) -> ModuleType:
    """The active course's reference solution module (for hidden checks and tests)."""
    return active().reference(exercise_id)


def missing_functions(exercise: Exercise, source: str) -> list[str]:
    """The names of ``exercise.functions`` that ``source`` does not define at top level."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return list(exercise.functions)
    defined = {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    }
    defined |= {
        target.id
        for node in tree.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    return [name for name in exercise.functions if name not in defined]


def _check_aliases(exercises, checks_dir: Path) -> None:
    seen: dict[str, str] = {}
    for exercise in exercises:
        for name in {exercise.id, exercise.alias.lower().replace("-", "_")}:
            if seen.get(name, exercise.id) != exercise.id:
                other = seen[name]
                raise CourseError(
                    f"{checks_dir / exercise.id / METADATA_FILE}: the name {name!r} (id "
                    f"{exercise.id}, alias {exercise.alias!r}) is already the id or alias of "
                    f"{other} ({checks_dir / other / METADATA_FILE})"
                )
            seen[name] = exercise.id


def _expect_set(checks: CheckSet, exercise: Exercise, visibility: Visibility, path: Path) -> None:
    if checks.exercise_id != exercise.id or checks.visibility is not visibility:
        raise CourseError(
            f"{path}: declares CheckSet({checks.exercise_id!r}, {checks.visibility}); "
            f"expected CheckSet({exercise.id!r}, {visibility})"
        )


def _check_names_and_dependencies(checks: list[Check]) -> None:
    seen: dict[str, Check] = {}
    for check in checks:
        if check.name in seen:
            raise CourseError(
                f"{check.source}: check {check.name!r} has the name of a check in "
                f"{seen[check.name].source}; names must be unique within an exercise"
            )
        for dep in check.depends:
            if seen.get(dep.name) is not dep:
                where = "declared later" if dep in checks else "not a check of this exercise"
                raise CourseError(
                    f"{check.source}: check {check.name!r} depends on {dep.name!r} "
                    f"({dep.source}), which is {where}"
                )
        seen[check.name] = check


def _count_declared_checks(path: Path) -> int:
    """Count ``@checks.check(...)``-decorated functions without importing the file."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError) as exc:
        raise CourseError(f"{path}: cannot be read ({exc})") from exc
    return sum(
        any(
            isinstance(d, ast.Call) and isinstance(d.func, ast.Attribute) and d.func.attr == "check"
            for d in node.decorator_list
        )
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef)
    )


def _load_module(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise InternalError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except CourseError:
        del sys.modules[name]
        raise
    except Exception as exc:  # the author's code failed to import: the course's problem
        del sys.modules[name]
        raise CourseError(f"{path}: cannot be imported: {type(exc).__name__}: {exc}") from exc
    return module
