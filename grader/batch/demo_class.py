"""A synthetic class: seeded, deterministic submissions for demos and benchmarks.

Built from the course's files that exist at run time (reference solutions, stubs,
reference and blank answers, and the course's own realistic mistakes in
``hidden/<id>.mistakes.toml``), so it works for any course. Each student is one
:data:`KINDS` (one of each first, then drawn by :data:`WEIGHTS`), handed in as a
folder, a zip, or single ``<student>_<id>`` files (see
:mod:`grader.batch.submissions`). ``OUT/.demo-manifest.json`` (a dot file, so
discovery skips it) records every student's kind; with ``replace``, it is also what
marks ``OUT`` as a demo class that may be replaced by a new one.
"""

from __future__ import annotations

import io
import json
import logging
import random
import shutil
import zipfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from grader.batch import mutate
from grader.catalog import Course
from grader.errors import UsageError

logger = logging.getLogger(__name__)

MANIFEST = ".demo-manifest.json"
#: Kinds of student, and how often each is drawn after the first of each kind.
WEIGHTS: dict[str, int] = {
    "correct": 40,
    "partial": 25,
    "stub": 8,
    "incomplete": 5,
    "crash_import": 5,
    "syntax_error": 4,
    "infinite_loop": 3,
    "non_utf8": 3,
    "bad_zip": 3,
    "empty_folder": 2,
}
KINDS = tuple(WEIGHTS)
_LAYOUTS = {"folder": 7, "zip": 2, "files": 1}
_ZIP_TIME = (2024, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class DemoExercise:
    """The course files of one exercise, as text (answers may be absent)."""

    id: str
    solution: str
    stub: str
    answers: str | None  # reference answers (full marks)
    blank_answers: str | None  # the handout's answers file
    mistakes: tuple[mutate.Breakage, ...] = ()  # the course's realistic mistakes


@dataclass(frozen=True)
class DemoStudent:
    """What was generated for one student: kind, layout, and the exercise it broke."""

    student_id: str
    kind: str
    layout: str
    exercise: str
    detail: str


def load_exercises(course: Course, exercise_ids: Sequence[str] | None = None) -> list[DemoExercise]:
    """The course's exercises that have a reference solution (all, or those named).

    A missing stub is derived from the solution (bodies become ``raise
    NotImplementedError``).

    Raises:
        UsageError: no solution found, or a named exercise has none.
    """
    found = [e for e in course.exercises() if course.solution(e).is_file()]
    chosen = [course.find(i) for i in exercise_ids] if exercise_ids else found
    missing = sorted(e.id for e in chosen if e not in found) or ([] if chosen else ["any exercise"])
    if missing:
        raise UsageError(
            f"no reference solution in {course.root}/solutions for {', '.join(missing)}"
        )
    return [_exercise(course, exercise) for exercise in chosen]


def _exercise(course: Course, exercise) -> DemoExercise:
    solution = course.solution(exercise).read_text(encoding="utf-8")
    stub = _read(course.stub(exercise)) or mutate.stub(solution)
    reference = course.reference_answers(exercise)
    blank = _read(course.answers_template(exercise))
    mistakes = course.mistakes_file(exercise)
    return DemoExercise(
        id=exercise.id,
        solution=solution,
        stub=stub,
        answers=(_read(reference) if reference else None) or blank,
        blank_answers=blank,
        mistakes=mutate.course_breakages(mistakes),
    )


def _read(path: Path) -> str | None:
    return path.read_text(encoding="utf-8") if path.is_file() else None


def make_demo_class(
    out: Path,
    n_students: int,
    seed: int = 0,
    course: Course | None = None,
    exercise_ids: Sequence[str] | None = None,
    *,
    replace: bool = False,
) -> list[DemoStudent]:
    """Write ``n_students`` submissions under ``out`` (which must be empty or absent).

    With ``replace``, an ``out`` holding a demo class written before (its manifest
    accounts for every entry) is removed first. The same arguments always produce the
    same bytes. Returns what was generated.

    Raises:
        UsageError: ``out`` is not empty (with ``replace``: holds anything but a demo
            class), ``n_students < 1``, or no exercise exists.
    """
    if n_students < 1:
        raise UsageError("a demo class needs at least one student")
    from grader.catalog import active

    exercises = load_exercises(course or active(), exercise_ids)
    if out.exists() and any(out.iterdir()):
        if not replace:
            raise UsageError(f"{out}: folder is not empty")
        _check_previous_class(out)
        shutil.rmtree(out)
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    width = max(3, len(str(n_students)))
    students = []
    for i, kind in enumerate(_draw_kinds(n_students, rng), start=1):
        student = _make_student(out, f"s{i:0{width}d}", kind, exercises, rng)
        students.append(student)
    manifest = json.dumps([asdict(s) for s in students], indent=1)
    (out / MANIFEST).write_text(manifest + "\n", encoding="utf-8")
    logger.info("wrote %d demo submissions to %s", len(students), out)
    return students


def _check_previous_class(out: Path) -> None:
    """Raise UsageError unless every entry of ``out`` is one a demo class wrote there."""
    try:
        manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
        students = {entry["student_id"] for entry in manifest}
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise UsageError(
            f"{out}: folder is not empty and holds no demo class (no readable {MANIFEST})"
        ) from exc
    strangers = sorted(
        p.name
        for p in out.iterdir()
        if p.name != MANIFEST and p.name.split("_", 1)[0].removesuffix(".zip") not in students
    )
    if strangers:
        raise UsageError(
            f"{out}: holds files a demo class did not write ({', '.join(strangers[:5])}); "
            "not replaced"
        )


def _draw_kinds(n: int, rng: random.Random) -> list[str]:
    """One of each kind (as far as ``n`` allows), the rest by weight, shuffled."""
    kinds = list(KINDS[:n])
    kinds += rng.choices(KINDS, weights=list(WEIGHTS.values()), k=n - len(kinds))
    rng.shuffle(kinds)
    return kinds


def _make_student(
    out: Path, student: str, kind: str, exercises: list[DemoExercise], rng: random.Random
) -> DemoStudent:
    target = rng.choice(exercises)
    files, detail = _files_for(kind, target, exercises, rng)
    layout = _layout_for(kind, rng)
    if kind == "bad_zip":
        (out / f"{student}.zip").write_bytes(_truncated_zip(files))
    elif kind == "empty_folder":
        (out / student).mkdir()
    else:
        _write(out, student, layout, files)
    return DemoStudent(student, kind, layout, target.id, detail)


def _layout_for(kind: str, rng: random.Random) -> str:
    if kind in ("bad_zip", "empty_folder"):
        return "zip" if kind == "bad_zip" else "folder"
    return rng.choices(list(_LAYOUTS), weights=list(_LAYOUTS.values()))[0]


def _files_for(
    kind: str, target: DemoExercise, exercises: list[DemoExercise], rng: random.Random
) -> tuple[dict[str, bytes], str]:
    """Handout path -> bytes for one student, and a sentence about what is wrong."""
    files: dict[str, bytes] = {}
    for exercise in exercises:
        stub = kind == "stub"
        source = exercise.stub if stub else exercise.solution
        answers = exercise.blank_answers if stub else exercise.answers
        files[f"exercises/{exercise.id}.py"] = source.encode()
        if answers is not None:
            files[f"answers/{exercise.id}.toml"] = answers.encode()
    detail = _break(kind, target, files, len(exercises), rng)
    return files, detail


def _break(
    kind: str, target: DemoExercise, files: dict[str, bytes], n_exercises: int, rng: random.Random
) -> str:
    """Apply ``kind`` to ``target``'s files in place; describe what was done."""
    path = f"exercises/{target.id}.py"
    source = target.solution
    if kind == "partial":
        breakage = _pick_breakage(target, rng)
        files[path] = (mutate.apply(source, breakage) or source).encode()
        return breakage.description
    if kind == "incomplete":
        dropped = [path] if n_exercises > 1 else [f"answers/{target.id}.toml"]
        for name in dropped:
            files.pop(name, None)
        return f"did not hand in {', '.join(dropped)}"
    rewrites = {
        "crash_import": lambda: mutate.crash_at_import(source).encode(),
        "syntax_error": lambda: mutate.syntax_error(source).encode(),
        "infinite_loop": lambda: mutate.endless_loop(source, rng).encode(),
        "non_utf8": lambda: mutate.non_utf8(source),
    }
    if kind in rewrites:
        files[path] = rewrites[kind]()
    return kind.replace("_", " ") if kind != "correct" else ""


def _pick_breakage(exercise: DemoExercise, rng: random.Random) -> mutate.Breakage:
    """A breakage from the table when one applies, else a function returning None."""
    choices = mutate.applicable(exercise.mistakes, exercise.solution)
    if choices:
        return rng.choice(choices)
    broken = mutate.return_none(exercise.solution, rng)
    return mutate.Breakage("one function returns None", old=exercise.solution, new=broken)


def _write(out: Path, student: str, layout: str, files: dict[str, bytes]) -> None:
    if layout == "zip":
        (out / f"{student}.zip").write_bytes(_zip_bytes(files))
        return
    for rel, data in sorted(files.items()):
        single = out / f"{student}_{Path(rel).name}"
        path = single if layout == "files" else out / student / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def _zip_bytes(files: dict[str, bytes]) -> bytes:
    """A deterministic zip (fixed timestamps) of the files under a wrapping folder."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for rel, data in sorted(files.items()):
            info = zipfile.ZipInfo(f"submission/{rel}", date_time=_ZIP_TIME)
            info.external_attr = 0o644 << 16
            zf.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def _truncated_zip(files: dict[str, bytes]) -> bytes:
    """A zip cut off halfway, as an interrupted upload leaves it."""
    data = _zip_bytes(files)
    return data[: len(data) // 2]
