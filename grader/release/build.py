"""Build the student handout: what students get, and physically nothing more.

    report = build_handout(Path("handout"), notebooks=True)       # a folder
    report = build_handout(Path("handout.zip"))                   # the same, zipped

The handout is a course folder for students: the ``grader`` engine package (no
caches), the course's ``course.toml``, the public part ``checks/<id>/`` of each released
exercise (only the files it uses: :mod:`grader.release.shipped`), ``exercises/<id>.py``
stubs, ``answers/<id>.toml`` templates, optionally ``exercises/<id>.ipynb`` notebooks,
a ``pyproject.toml`` to ``pip install`` the engine, a student README, and
``checks/hidden_manifest.json`` (how many hidden checks each
exercise has, so students see that they exist). ``solutions/``, ``hidden/``, tests and
benchmarks are never copied: the handout is assembled from a whitelist, not by deleting
secrets.

Only complete exercises are released (metadata, statement, public checks, stub); an
incomplete one is left out with a warning, its folder too, so ``grade list`` works in
the handout. Before anything is written to ``out``, the assembled handout is
audited (:mod:`grader.release.audit`) against ``solutions/`` and ``hidden/``; a leak
raises :class:`~grader.errors.ReleaseRefused` (exit code 2) naming each file and secret.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
import time
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import grader
from grader.catalog import COURSE_FILE, HIDDEN_MANIFEST, Course
from grader.errors import ReleaseRefused, UsageError
from grader.exercise import Exercise
from grader.notebook.build import build_notebook, write_notebook
from grader.release.audit import Leak, scan
from grader.release.secrets import collect_secrets
from grader.release.shipped import SHIPPED_SUFFIXES, released_files

__all__ = ["ReleaseReport", "build_handout", "complete_exercises"]

log = logging.getLogger(__name__)

_NOT_SHIPPED_DIRS = ("__pycache__",)
_ZIP_DATE = (2020, 1, 1, 0, 0, 0)  # fixed timestamps: the same course gives the same zip


@dataclass(frozen=True)
class ReleaseReport:
    """What a release wrote: where, which exercises and notebooks, and what to know."""

    output: Path
    exercises: tuple[str, ...]
    notebooks: tuple[str, ...]
    files: int
    secrets_checked: int
    warnings: tuple[str, ...]
    seconds: float


def build_handout(
    out: Path,
    *,
    notebooks: bool = False,
    exercise_ids: Sequence[str] | None = None,
    course: Course | None = None,
    audit: bool = True,
) -> ReleaseReport:
    """Write the handout to ``out`` (a new folder, or a ``.zip`` file).

    ``exercise_ids`` restricts the release (default: every complete exercise).
    Raises UsageError if ``out`` exists or an asked-for exercise is incomplete, and
    ReleaseRefused if the audit finds a leak (then nothing is written).
    """
    from grader.catalog import active

    started = time.monotonic()
    files = course or active()
    if out.exists():
        raise UsageError(f"{out} already exists: remove it or choose another name")
    exercises, warnings = _chosen_exercises(files, exercise_ids)
    with tempfile.TemporaryDirectory(prefix="grader-handout-") as tmp:
        stage = Path(tmp) / "handout"
        written = _assemble(stage, files, exercises, notebooks, warnings)
        checked = _audit(stage, files, warnings) if audit else 0
        count = _publish(stage, out)
    return ReleaseReport(
        out,
        tuple(e.id for e in exercises),
        tuple(written),
        count,
        checked,
        tuple(warnings),
        time.monotonic() - started,
    )


def complete_exercises(files: Course) -> tuple[list[Exercise], list[str]]:
    """The exercises ready to release, and a warning for each one that is not."""
    ready, warnings = [], []
    for exercise in files.exercises():
        missing = _missing_parts(exercise, files)
        if missing:
            warnings.append(f"{exercise.id} left out: incomplete (no {', '.join(missing)})")
        else:
            ready.append(exercise)
    return ready, warnings


def _chosen_exercises(
    files: Course, exercise_ids: Sequence[str] | None
) -> tuple[list[Exercise], list[str]]:
    ready, warnings = complete_exercises(files)
    if not exercise_ids:
        if not ready:
            raise UsageError("no complete exercise to release")
        return ready, warnings
    chosen = [files.find(name) for name in exercise_ids]
    for exercise in chosen:
        missing = _missing_parts(exercise, files)
        if missing:
            raise UsageError(f"{exercise.id} is incomplete (no {', '.join(missing)})")
    return chosen, []


def _missing_parts(exercise: Exercise, files: Course) -> list[str]:
    folder = exercise.folder or files.checks_dir / exercise.id
    parts = {
        "statement.md": (folder / "statement.md").is_file(),
        "public.py": (folder / "public.py").is_file(),
        exercise.source_path: files.stub(exercise).is_file(),
    }
    return [name for name, present in parts.items() if not present]


def _assemble(
    stage: Path, files: Course, exercises: list[Exercise], notebooks: bool, warnings: list
) -> list[str]:
    """Lay the handout out in ``stage``; returns the exercise ids that got a notebook."""
    _copy_tree(Path(grader.__file__).resolve().parent, stage / "grader", warnings)
    for exercise in exercises:
        _copy_exercise(exercise, stage / "checks" / exercise.id, warnings)
    shutil.copy(files.root / COURSE_FILE, stage / COURSE_FILE)
    manifest = {e.id: files.hidden_count(e) for e in exercises}
    (stage / "checks" / HIDDEN_MANIFEST).write_text(
        json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    (stage / "exercises").mkdir()
    (stage / "answers").mkdir()
    written = []
    for exercise in exercises:
        stub = files.stub(exercise).read_text(encoding="utf-8")
        (stage / exercise.source_path).write_text(stub, encoding="utf-8")
        answers = _answers_template(exercise, files, warnings)
        if answers is not None:
            (stage / exercise.answers_path).write_text(answers, encoding="utf-8")
        if notebooks:
            notebook = build_notebook(exercise, stub, answers)
            write_notebook(notebook, stage / exercise.notebook_path)
            written.append(exercise.id)
    (stage / "pyproject.toml").write_text(_student_pyproject(), encoding="utf-8")
    readme = _student_readme(exercises, files, notebooks)
    (stage / "README.md").write_text(readme, encoding="utf-8")
    return written


def _copy_tree(source: Path, target: Path, warnings: list[str]) -> None:
    """Copy a package folder: the kinds of file a package uses, no caches or dot files."""

    def ignore(folder: str, names: list[str]) -> set[str]:
        here = Path(folder)
        ignored = {n for n in names if n.startswith(".") or n in _NOT_SHIPPED_DIRS}
        for name in set(names) - ignored:
            if (here / name).is_file() and not name.endswith(SHIPPED_SUFFIXES):
                ignored.add(name)
                if not name.endswith((".pyc", ".pyo", "~")):
                    relative = (here / name).relative_to(source.parent).as_posix()
                    warnings.append(f"{relative} left out: not a kind of file the package uses")
        return ignored

    shutil.copytree(source, target, ignore=ignore)


def _copy_exercise(exercise: Exercise, target: Path, warnings: list[str]) -> None:
    """Copy the whitelisted files of ``checks/<id>/`` (:mod:`grader.release.shipped`)."""
    shipped, left_out = released_files(exercise.folder, exercise.id)
    for relative in shipped:
        (target / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(exercise.folder / relative, target / relative)
    for relative in left_out:
        warnings.append(
            f"checks/{exercise.id}/{relative.as_posix()} left out: no released file of "
            f"{exercise.id} imports or names it"
        )


def _answers_template(exercise: Exercise, files: Course, warnings: list) -> str | None:
    path = files.answers_template(exercise)
    if path.is_file():
        return path.read_text(encoding="utf-8")
    if not exercise.questions():
        return None
    from grader.quiz.template import render_template

    warnings.append(f"{exercise.id}: {exercise.answers_path} missing, generated from the quiz")
    return render_template(exercise.id, exercise.questions())


def _student_pyproject() -> str:
    """A ``pyproject.toml`` that installs the engine (this version, its dependencies).

    Written from the installed engine's metadata, so an instructor's course needs no
    packaging files of its own; the course itself is found from the handout folder.
    """
    version, requires = _engine_metadata()
    dependencies = "".join(f"    {json.dumps(r)},\n" for r in requires)
    return f"""[build-system]
requires = ["setuptools>=70.1"]  # builds wheels without the `wheel` package
build-backend = "setuptools.build_meta"

[project]
name = "grader"
version = "{version}"
description = "The grader for this course's exercises (student handout)."
requires-python = ">=3.11"
dependencies = [
{dependencies}]

[project.scripts]
grade = "grader.cli:main"

[tool.setuptools.packages.find]
include = ["grader*"]

[tool.setuptools.package-data]
"*" = ["*.md", "*.toml", "*.json"]
"""


def _engine_metadata() -> tuple[str, list[str]]:
    """The installed engine's version and its requirements without extras."""
    from importlib import metadata

    try:
        dist = metadata.distribution("grader")
    except metadata.PackageNotFoundError as exc:
        raise UsageError("the grader engine is not installed (pip install it first)") from exc
    requires = [r for r in dist.requires or [] if "extra ==" not in r]
    return dist.version, requires


def _student_readme(exercises: list[Exercise], files: Course, notebooks: bool) -> str:
    rows = ["| id | alias | title | implement | hidden checks |", "|---|---|---|---|---|"]
    rows += [
        f"| `{e.id}` | `{e.alias}` | {e.title} | {', '.join(f'`{f}`' for f in e.functions)} "
        f"| {files.hidden_count(e)} |"
        for e in exercises
    ]
    hint = "" if notebooks else " (make it with `grade notebook <id>`)"
    template = resources.files("grader.release").joinpath("student_readme.md").read_text("utf-8")
    example = exercises[0].id if exercises else "<id>"  # commands shown with the course's own id
    fields = {
        "{exercises}": "\n".join(rows),
        "{notebook_hint}": hint,
        "{example}": example,
        "{pad}": " " * max(len(example) - 1, 0),
    }
    for field, value in fields.items():
        template = template.replace(field, value)
    return template


def _audit(stage: Path, files: Course, warnings: list) -> int:
    """Scan the staged handout for every secret of every course exercise; raise on a leak."""
    secrets = collect_secrets(files, list(files.exercises()))
    if not secrets:
        warnings.append("no solutions/ or hidden/ found: the leak audit had nothing to compare")
    leaks = scan(stage, secrets)
    if leaks:
        raise ReleaseRefused(_leak_message(leaks))
    return len(secrets)


def _leak_message(leaks: list[Leak]) -> str:
    lines = [f"the handout would leak instructor-only material ({len(leaks)} matches):"]
    lines += [f"  {leak.describe()}" for leak in leaks[:30]]
    if len(leaks) > 30:
        lines.append(f"  ... and {len(leaks) - 30} more")
    lines.append(
        "Nothing was written. Move that material to solutions/ or hidden/ (or, for a body "
        "that is a public fact, name it in the solution's PUBLIC_BODIES, saying why)."
    )
    return "\n".join(lines)


def _publish(stage: Path, out: Path) -> int:
    """Move the staged handout to ``out``: a folder, or a zip whose one top folder is its stem."""
    paths = sorted(p for p in stage.rglob("*") if p.is_file())
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".zip":
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in paths:
                name = f"{out.stem}/{path.relative_to(stage).as_posix()}"
                info = zipfile.ZipInfo(name, _ZIP_DATE)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                archive.writestr(info, path.read_bytes())
    else:
        shutil.copytree(stage, out)
    return len(paths)
