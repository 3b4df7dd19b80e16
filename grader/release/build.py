"""Build the student handout: what students get, and physically nothing more.

    report = build_handout(Path("handout"), notebooks=True)       # a folder
    report = build_handout(Path("handout.zip"))                   # the same, zipped

The handout holds the ``grader`` package (no caches), ``exercises/<id>.py`` stubs,
``answers/<id>.toml`` templates, optionally ``exercises/<id>.ipynb`` notebooks, a
``pyproject.toml`` to ``pip install`` it, a student README, and
``grader/course/hidden_manifest.json`` (how many hidden checks each exercise has, so
students see that they exist). ``solutions/``, ``hidden/``, tests and benchmarks are
never copied: the handout is assembled from a whitelist, not by deleting secrets.

Only complete exercises are released (package, statement, public checks, stub); an
incomplete one is left out with a warning, its course folder too, so ``grade list``
works in the handout. Before anything is written to ``out``, the assembled handout is
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
from grader import course
from grader.course_files import HIDDEN_MANIFEST, CourseFiles
from grader.errors import ReleaseRefused, UsageError
from grader.exercise import Exercise
from grader.notebook.build import build_notebook, write_notebook
from grader.release.audit import Leak, scan
from grader.release.secrets import collect_secrets

__all__ = ["ReleaseReport", "build_handout", "complete_exercises"]

log = logging.getLogger(__name__)

#: What of the package ships: the kinds of file it uses (no caches, backups, editor files).
_SHIPPED_SUFFIXES = (".py", ".md", ".toml", ".json", ".typed")
_NOT_SHIPPED_DIRS = ("__pycache__",)
_INSTRUCTOR_TOOL_SECTIONS = ("[tool.pytest", "[tool.ruff")
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
    course_files: CourseFiles | None = None,
    audit: bool = True,
) -> ReleaseReport:
    """Write the handout to ``out`` (a new folder, or a ``.zip`` file).

    ``exercise_ids`` restricts the release (default: every complete exercise).
    Raises UsageError if ``out`` exists or an asked-for exercise is incomplete, and
    ReleaseRefused if the audit finds a leak (then nothing is written).
    """
    started = time.monotonic()
    files = course_files or CourseFiles.locate()
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


def complete_exercises(files: CourseFiles) -> tuple[list[Exercise], list[str]]:
    """The exercises ready to release, and a warning for each one that is not."""
    ready, warnings = [], []
    for exercise in course.available():
        missing = _missing_parts(exercise, files)
        if missing:
            warnings.append(f"{exercise.id} left out: incomplete (no {', '.join(missing)})")
        else:
            ready.append(exercise)
    return ready, warnings


def _chosen_exercises(
    files: CourseFiles, exercise_ids: Sequence[str] | None
) -> tuple[list[Exercise], list[str]]:
    ready, warnings = complete_exercises(files)
    if not exercise_ids:
        if not ready:
            raise UsageError("no complete exercise to release")
        return ready, warnings
    chosen = [course.find(name) for name in exercise_ids]
    for exercise in chosen:
        missing = _missing_parts(exercise, files)
        if missing:
            raise UsageError(f"{exercise.id} is incomplete (no {', '.join(missing)})")
    return chosen, []


def _missing_parts(exercise: Exercise, files: CourseFiles) -> list[str]:
    package = resources.files(exercise.package)
    parts = {
        "statement.md": package.joinpath("statement.md").is_file(),
        "public.py": package.joinpath("public.py").is_file(),
        f"exercises/{exercise.id}.py": files.stub(exercise).is_file(),
    }
    return [name for name, present in parts.items() if not present]


def _assemble(
    stage: Path, files: CourseFiles, exercises: list[Exercise], notebooks: bool, warnings: list
) -> list[str]:
    """Lay the handout out in ``stage``; returns the exercise ids that got a notebook."""
    _copy_package(stage / "grader", {e.id for e in exercises}, warnings)
    manifest = {e.id: files.hidden_count(e) for e in exercises}
    (stage / "grader" / "course" / HIDDEN_MANIFEST).write_text(
        json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    (stage / "exercises").mkdir()
    (stage / "answers").mkdir()
    written = []
    for exercise in exercises:
        stub = files.stub(exercise).read_text(encoding="utf-8")
        (stage / "exercises" / f"{exercise.id}.py").write_text(stub, encoding="utf-8")
        answers = _answers_template(exercise, files, warnings)
        if answers is not None:
            (stage / "answers" / f"{exercise.id}.toml").write_text(answers, encoding="utf-8")
        if notebooks:
            notebook = build_notebook(exercise, stub, answers)
            write_notebook(notebook, stage / "exercises" / f"{exercise.id}.ipynb")
            written.append(exercise.id)
    (stage / "pyproject.toml").write_text(_student_pyproject(files.root), encoding="utf-8")
    readme = _student_readme(exercises, files, notebooks)
    (stage / "README.md").write_text(readme, encoding="utf-8")
    return written


def _copy_package(target: Path, released: set[str], warnings: list[str]) -> None:
    """Copy the ``grader`` package: its source files only, released exercises only."""
    source = Path(grader.__file__).resolve().parent
    left_out = {e.id for e in course.available()} - released

    def ignore(folder: str, names: list[str]) -> set[str]:
        here = Path(folder)
        ignored = {n for n in names if n.startswith(".") or n in _NOT_SHIPPED_DIRS}
        if here == source / "course":
            ignored |= left_out & set(names)
        for name in set(names) - ignored:
            if (here / name).is_file() and not name.endswith(_SHIPPED_SUFFIXES):
                ignored.add(name)
                if not name.endswith((".pyc", ".pyo", "~")):
                    relative = (here / name).relative_to(source.parent).as_posix()
                    warnings.append(f"{relative} left out: not a kind of file the package uses")
        return ignored

    shutil.copytree(source, target, ignore=ignore)


def _answers_template(exercise: Exercise, files: CourseFiles, warnings: list) -> str | None:
    path = files.answers_template(exercise)
    if path.is_file():
        return path.read_text(encoding="utf-8")
    if not exercise.questions():
        return None
    from grader.quiz.template import render_template

    warnings.append(f"{exercise.id}: answers/{exercise.id}.toml missing, generated from the quiz")
    return render_template(exercise.id, exercise.questions())


def _student_pyproject(root: Path) -> str:
    """The course's pyproject.toml without the instructors' tool sections (pytest, ruff)."""
    path = root / "pyproject.toml"
    if not path.is_file():
        raise UsageError(f"no pyproject.toml at {root}: run `grade release` in the course folder")
    kept, skipping = [], False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("["):
            skipping = line.startswith(_INSTRUCTOR_TOOL_SECTIONS)
        if not skipping:
            kept.append(line)
    return "\n".join(kept).rstrip("\n") + "\n"


def _student_readme(exercises: list[Exercise], files: CourseFiles, notebooks: bool) -> str:
    rows = ["| id | alias | title | implement | hidden checks |", "|---|---|---|---|---|"]
    rows += [
        f"| `{e.id}` | `{e.alias}` | {e.title} | {', '.join(f'`{f}`' for f in e.functions)} "
        f"| {files.hidden_count(e)} |"
        for e in exercises
    ]
    hint = "" if notebooks else " (make it with `grade notebook <id>`)"
    template = resources.files("grader.release").joinpath("student_readme.md").read_text("utf-8")
    return template.replace("{exercises}", "\n".join(rows)).replace("{notebook_hint}", hint)


def _audit(stage: Path, files: CourseFiles, warnings: list) -> int:
    """Scan the staged handout for every secret of every course exercise; raise on a leak."""
    ids = [e.id for e in course.available()]
    secrets = collect_secrets(files.root, ids)
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
