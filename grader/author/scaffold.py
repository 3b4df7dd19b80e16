"""Write a new course (``grade init``) or a new exercise in a course (``grade new``).

    course = init_course(Path("my-course"), title="Deep learning, spring term")
    written = new_exercise(course, "softmax_xent", alias="softmax")

Every file an exercise needs is written from :mod:`grader.author.templates`, with
``TODO`` markers saying what to write; the result is a valid course at once (it is
discovered and validated before :func:`new_exercise` returns), so ``grade selftest ID``
can say what is still missing. Nothing is ever overwritten.
"""

from __future__ import annotations

import json
from pathlib import Path

from grader.author import templates
from grader.catalog import COURSE_FILE, Course
from grader.errors import CourseError, InternalError, UsageError
from grader.exercise import ID_PATTERN, METADATA_FILE, Exercise

__all__ = ["init_course", "new_exercise", "write_answers_template"]

COURSE_FOLDERS = ("checks", "exercises", "answers", "solutions", "hidden")


def init_course(root: Path, title: str | None = None) -> Course:
    """Make ``root`` a course: ``course.toml`` and the empty top-level folders.

    Raises UsageError if ``root`` already holds a ``course.toml``, or is a file.
    """
    if (root / COURSE_FILE).exists():
        raise UsageError(f"{root / COURSE_FILE} already exists: {root} is already a course")
    if root.exists() and not root.is_dir():
        raise UsageError(f"{root} exists and is not a folder")
    root.mkdir(parents=True, exist_ok=True)
    text = templates.COURSE_TOML.substitute(title=_toml_text(title or root.resolve().name))
    (root / COURSE_FILE).write_text(text, encoding="utf-8")
    for folder in COURSE_FOLDERS:
        (root / folder).mkdir(exist_ok=True)
    return Course.at(root)


def new_exercise(
    course: Course,
    exercise_id: str,
    *,
    alias: str | None = None,
    title: str | None = None,
    functions: tuple[str, ...] = (),
) -> list[Path]:
    """Write every file of a new exercise ``exercise_id``; returns the paths written.

    ``functions`` is the student API (default: one function named like the exercise).
    Raises UsageError for a bad id or function name, an id or alias already used, or a
    file that already exists (nothing is written then).
    """
    names = functions or (exercise_id,)
    _check_new(course, exercise_id, alias or exercise_id, names)
    files = _exercise_files(exercise_id, alias or exercise_id, title, names)
    targets = {course.root / relative: text for relative, text in files.items()}
    existing = [str(path) for path in targets if path.exists()]
    if existing:
        raise UsageError(f"not overwriting existing files: {', '.join(existing)}")
    for path, text in targets.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    answers = write_answers_template(Course(course.root), exercise_id)
    _expect_valid(Course(course.root), exercise_id)
    return [*targets, answers]


def write_answers_template(course: Course, exercise_id: str, *, force: bool = False) -> Path:
    """Write ``answers/<id>.toml`` from the exercise's quiz questions; returns its path.

    Raises UsageError when it exists and ``force`` is false, or when the quiz has no question.
    """
    from grader.quiz.template import render_template

    exercise = course.mount().find(exercise_id)
    questions = exercise.questions()
    if not questions:
        raise UsageError(f"{exercise.id} has no quiz questions (checks/{exercise.id}/quiz.py)")
    path = course.answers_template(exercise)
    if path.exists() and not force:
        raise UsageError(f"{path} already exists: use --force to rewrite it from the quiz")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_template(exercise.id, questions), encoding="utf-8")
    return path


def _check_new(course: Course, exercise_id: str, alias: str, functions: tuple[str, ...]) -> None:
    if not ID_PATTERN.fullmatch(exercise_id):
        raise UsageError(
            f"{exercise_id!r} cannot be an exercise id: lower-case letters, digits and '_', "
            "starting with a letter (it is a folder name and a Python module name)"
        )
    bad = [name for name in functions if not name.isidentifier() or name.startswith("_")]
    if bad:
        raise UsageError(f"not a public Python name: {', '.join(bad)}")
    wanted = {exercise_id, alias.lower().replace("-", "_")}
    for exercise in course.exercises():
        taken = {exercise.id, exercise.alias.lower().replace("-", "_")}
        if wanted & taken:
            raise UsageError(
                f"{exercise_id!r} (alias {alias!r}) clashes with the exercise {exercise.id} "
                f"(alias {exercise.alias!r}) in {course.checks_dir / exercise.id / METADATA_FILE}"
            )


def _exercise_files(
    exercise_id: str, alias: str, title: str | None, functions: tuple[str, ...]
) -> dict[str, str]:
    """Relative path -> text of every file a new exercise needs (the answers template aside)."""
    first = functions[0]
    title = " ".join((title or "TODO: a one-line title").split()).replace('"', "'")
    values = {
        "id": exercise_id,
        "alias": alias,
        "title": title,
        "alias_toml": _toml_text(alias),
        "title_toml": _toml_text(title),
        "functions": json.dumps(list(functions)),
        "f": first,
        "contract": "\n".join(templates.CONTRACT_LINE.substitute(f=f) for f in functions),
        "stub_functions": "\n\n".join(templates.STUB_FUNCTION.substitute(f=f) for f in functions),
        "solution_functions": "\n\n".join(
            templates.SOLUTION_FUNCTION.substitute(f=f) for f in functions
        ),
    }
    exercise = Exercise(exercise_id, alias, values["title"], functions)
    folder = f"checks/{exercise_id}"
    return {
        f"{folder}/{METADATA_FILE}": templates.EXERCISE_TOML.substitute(values),
        f"{folder}/__init__.py": templates.PACKAGE_INIT.substitute(values),
        f"{folder}/statement.md": templates.STATEMENT.substitute(values),
        f"{folder}/public.py": templates.PUBLIC.substitute(values),
        f"{folder}/probes.py": templates.PROBES.substitute(values),
        f"{folder}/quiz.py": templates.QUIZ.substitute(values),
        exercise.source_path: templates.STUB.substitute(values),
        f"solutions/{exercise_id}.py": templates.SOLUTION.substitute(values),
        f"solutions/{exercise_id}.toml": templates.REFERENCE_ANSWERS.substitute(values),
        f"hidden/{exercise_id}.py": templates.HIDDEN.substitute(values),
    }


def _expect_valid(course: Course, exercise_id: str) -> None:
    """The scaffold must load and validate as it is: anything else is the engine's bug."""
    try:
        course.validate((course.mount().find(exercise_id),))
    except CourseError as exc:
        raise InternalError(f"the new exercise does not validate (a grader bug): {exc}") from exc


def _toml_text(text: str) -> str:
    """``text`` as the inside of a TOML basic string (quotes and backslashes escaped)."""
    return json.dumps(text)[1:-1]
