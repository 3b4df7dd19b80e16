"""``grade gradescope-autograder OUT.zip``: the zip Gradescope's harness runs as it is.

Its root holds what Gradescope's specification asks for (see :mod:`grader.autograder`)::

    setup.sh            installs Python >= 3.11, bubblewrap, CPU torch and the engine
    run_autograder      grades /autograder/submission -> /autograder/results/results.json
    autograder.json     the exercises it grades, how hidden checks are shown, the sandbox
    engine/             the grader package and a pyproject.toml to pip-install it
    course/             course.toml, and for every exercise of the course: checks/<id>/
                        (public checks), hidden/<id>.py, solutions/<id>.py and .toml, the
                        stub and answers template; the whole course, so that course.toml
                        (order, deadlines) validates as it does here

It holds instructor-only material (hidden checks, solutions): it is meant for Gradescope's
"Configure Autograder" page, never for students. Student code never sees it: the sandbox
runs it in namespaces without the course where the image allows, and otherwise as another
uid, for which ``setup.sh`` and ``run_autograder`` make those files unreadable.
"""

from __future__ import annotations

import json
import logging
import shutil
import stat
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import grader
from grader.autograder.scripts import RUN_AUTOGRADER, setup_script
from grader.catalog import COURSE_FILE, Course
from grader.errors import UsageError
from grader.exercise import Exercise
from grader.release.build import _copy_tree, _student_pyproject
from grader.report.gradescope import VISIBILITIES

log = logging.getLogger(__name__)

CONFIG = "autograder.json"
_ZIP_DATE = (2020, 1, 1, 0, 0, 0)  # fixed timestamps: the same course gives the same zip
_EXECUTABLE = ("setup.sh", "run_autograder")


@dataclass(frozen=True)
class AutograderOptions:
    """How the autograder grades and shows results.

    ``hidden_visibility``: Gradescope's visibility for hidden checks (``after_published``:
    once the instructor publishes grades). ``disclose_hidden``: show hidden checks'
    messages, not only their titles and points. ``isolation``: the sandbox level
    (``auto``: namespaces where the image allows, else the process level, said in the
    output). ``torch``: the pip requirement ``setup.sh`` installs from PyTorch's CPU index.
    """

    hidden_visibility: str = "after_published"
    disclose_hidden: bool = False
    isolation: str = "auto"
    torch: str = ""


def build_autograder(
    course: Course, exercises: Sequence[Exercise], out: Path, options: AutograderOptions
) -> list[str]:
    """Write the autograder zip to ``out``; return the names it holds.

    Raises:
        UsageError: an unknown visibility, or an exercise without a reference solution
            (its hidden checks and quiz need one).
        CourseError: the course does not validate.
    """
    if options.hidden_visibility not in VISIBILITIES:
        raise UsageError(f"unknown Gradescope visibility {options.hidden_visibility!r}")
    course.validate(tuple(exercises))
    for exercise in exercises:
        if not course.solution(exercise).is_file():
            raise UsageError(f"{exercise.id}: no {course.solution(exercise)} to grade with")
    with tempfile.TemporaryDirectory(prefix="grader-autograder-") as scratch:
        stage = Path(scratch)
        _stage(stage, course, exercises, options)
        return _zip(stage, out)


def _stage(stage: Path, course: Course, exercises: Sequence[Exercise], options) -> None:
    warnings: list[str] = []
    torch = options.torch or f"torch=={_local_torch()}"
    (stage / "setup.sh").write_text(setup_script(torch, course.modules), encoding="utf-8")
    (stage / "run_autograder").write_text(RUN_AUTOGRADER, encoding="utf-8")
    config = {
        "exercises": [e.id for e in exercises],
        "hidden_visibility": options.hidden_visibility,
        "disclose_hidden": options.disclose_hidden,
        "isolation": options.isolation,
    }
    (stage / CONFIG).write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    _copy_tree(Path(grader.__file__).resolve().parent, stage / "engine" / "grader", warnings)
    (stage / "engine" / "pyproject.toml").write_text(_student_pyproject(), encoding="utf-8")
    _stage_course(stage / "course", course, course.exercises(), warnings)
    for warning in warnings:
        log.warning("%s", warning)


def _stage_course(target: Path, course: Course, exercises: Sequence[Exercise], warnings) -> None:
    """The course as the autograder needs it: settings, and every part of each exercise."""
    (target / "checks").mkdir(parents=True)
    shutil.copy(course.root / COURSE_FILE, target / COURSE_FILE)
    for shared in (p for p in course.checks_dir.iterdir() if p.is_file()):
        shutil.copy(shared, target / "checks" / shared.name)
    for exercise in exercises:
        _copy_tree(exercise.folder, target / "checks" / exercise.id, warnings)
        parts = [course.stub(exercise), course.solution(exercise), course.hidden_file(exercise),
                 course.answers_template(exercise), course.reference_answers(exercise)]  # fmt: skip
        for part in (p for p in parts if p is not None and p.is_file()):
            relative = part.relative_to(course.root)
            (target / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(part, target / relative)


def _zip(stage: Path, out: Path) -> list[str]:
    """Zip the files of ``stage`` at the archive's root (Gradescope finds setup.sh there)."""
    names = sorted(p.relative_to(stage).as_posix() for p in stage.rglob("*") if p.is_file())
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.partial")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in names:
            info = zipfile.ZipInfo(name, _ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            mode = 0o755 if name in _EXECUTABLE else 0o644
            info.external_attr = (stat.S_IFREG | mode) << 16
            archive.writestr(info, (stage / name).read_bytes())
    partial.replace(out)
    return names


def _local_torch() -> str:
    """The torch version installed here, without a local build tag (``2.5.1+cpu`` -> ``2.5.1``)."""
    from importlib import metadata

    try:
        return metadata.version("torch").split("+")[0]
    except metadata.PackageNotFoundError as exc:
        raise UsageError("torch is not installed here: give --torch VERSION") from exc
