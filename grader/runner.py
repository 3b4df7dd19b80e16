"""Run every check of one exercise on one submission workspace.

A workspace is a folder laid out like the handout: ``exercises/<id>.py`` and
``answers/<id>.toml``. Checks run in declaration order, public then hidden; a
check whose dependency did not pass is skipped with the reason. Student code
runs only in the sandbox; any exception a check raises that is not a
``CheckFailed`` is the grader's own error (``ERRORED``), never a crash.
"""

from __future__ import annotations

import dataclasses
import logging
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from grader.catalog import Course
from grader.exercise import Exercise
from grader.judge.student import StudentCode
from grader.loading import import_failure_message
from grader.model import CheckResult, ExerciseResult, Status
from grader.notebook.failures import CellFailures
from grader.notebook.workspace import PreparedSource, prepare_workspace_source
from grader.outcomes import CheckFailed, StudentImportFailed, StudentRaised
from grader.registry import Check
from grader.sandbox import Sandbox, SourceSpec, Zygote

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunOptions:
    """How to grade: with hidden checks or not, on which device ("cpu" or "cuda")."""

    include_hidden: bool = False
    device: str = "cpu"
    isolation: str = "process"


def run_exercise(
    exercise: Exercise, workspace: Path, zygote: Zygote, course: Course, options: RunOptions
) -> ExerciseResult:
    """Grade one exercise of one workspace; never raises for anything the student did."""
    started = time.monotonic()
    specs = course.checks(exercise, include_hidden=options.include_hidden)
    with tempfile.TemporaryDirectory(prefix="grader-source-") as scratch:
        prepared = prepare_workspace_source(workspace, exercise, Path(scratch))
        source, answers, notes = _choose_source(workspace, exercise, prepared)
        problems: tuple[str, ...] = ()
        if isinstance(source, SourceSpec):
            cells = _cell_failures(prepared, course)
            results = run_checks(
                specs, exercise, source, zygote, options, modules=course.modules, cells=cells
            )
            problems = cells.notes() if cells else ()  # a failed cell costs points
        else:
            results = [_result(spec, Status.FAILED, 0.0, source) for spec in specs]
            problems = (source,)
        quiz = _grade_quiz(exercise, answers, course, options)
    hidden_not_run = 0 if options.include_hidden else course.hidden_count(exercise)
    return ExerciseResult(
        exercise=exercise.id,
        results=tuple(results) + quiz[0],
        execution_time=time.monotonic() - started,
        device=options.device,
        isolation=options.isolation,
        hidden_not_run=hidden_not_run + quiz[2],
        errors=tuple(dict.fromkeys((*problems, *quiz[1]))),
        notes=tuple(note for note in dict.fromkeys(notes) if note not in problems),
    )


def _choose_source(
    workspace: Path, exercise: Exercise, prepared: PreparedSource | None
) -> tuple[SourceSpec | str, Path, tuple[str, ...]]:
    """The source to grade (or why there is none), the answers file, and notes.

    ``exercises/<id>.py`` is graded; a notebook ``exercises/<id>.ipynb`` is graded
    in its place (``prepared``: see :mod:`grader.notebook.workspace` for which wins
    when both exist).
    """
    python = workspace / exercise.source_path
    answers = workspace / exercise.answers_path
    if prepared is not None:
        spec = prepared.source_spec(exercise.id)
        problem = prepared.problem or f"{exercise.notebook_path} could not be read"
        return spec or problem, prepared.answers_path, prepared.notes
    if python.is_file():
        return SourceSpec(python.resolve(), exercise.id, exercise.source_path), answers, ()
    return f"{exercise.source_path} not found in the submission", answers, ()


def _cell_failures(prepared: PreparedSource | None, course: Course) -> CellFailures | None:
    """Where a graded notebook's failed cells will be reported (None for a ``.py``)."""
    if prepared is None or prepared.notebook is None or prepared.source_path is None:
        return None
    return CellFailures(prepared.notebook, course.modules)


def run_checks(
    specs: list[Check],
    exercise: Exercise,
    spec: SourceSpec,
    zygote: Zygote,
    options: RunOptions,
    *,
    stop_at_first_failure: bool = False,
    time_cap_s: float | None = None,
    modules: tuple[str, ...] = (),
    cells: CellFailures | None = None,
) -> list[CheckResult]:
    """Run ``specs`` (in order) on one source in one sandbox; never raises for the student.

    ``stop_at_first_failure``: return after the first check that does not pass (the
    author's tools ask only whether some check fails). ``time_cap_s``: the most all the
    checks together may take; each request is cut to the time left, and a check that
    would start after the cap fails with that reason. ``modules``: the course's declared
    modules (for the advice when one is missing). ``cells``: a notebook's cell failures,
    fed by the sandbox, which explain what later checks find undefined.
    """

    def open_sandbox() -> Sandbox:
        box = Sandbox(zygote, spec)
        if cells is not None:
            cells.watch(box)
        return box

    explain = _Explainer(spec.display_name, modules, cells)
    student = StudentCode(open_sandbox, exercise.probes_module, options.device)
    deadline = None if time_cap_s is None else time.monotonic() + time_cap_s
    default_limit = zygote.limits.call_timeout_s
    statuses: dict[str, Status] = {}
    results = []
    try:
        for check in specs:
            result = _run_one(
                check, student, statuses, _time_left(deadline), default_limit, explain
            )
            statuses[check.name] = result.status
            results.append(result)
            if stop_at_first_failure and result.status is not Status.PASSED:
                break
    finally:
        student.close()
    return results


def _time_left(deadline: float | None) -> float | None:
    return None if deadline is None else deadline - time.monotonic()


class _Explainer:
    """Messages for student code that did not load: the .py rule, a notebook's failed cells."""

    def __init__(
        self, display_name: str, modules: tuple[str, ...], cells: CellFailures | None
    ) -> None:
        self.display_name = display_name
        self.modules = modules
        self.cells = cells

    def import_failed(self, exc: StudentImportFailed) -> str:
        if self.cells is not None:  # a notebook loads cell by cell: only a crash or timeout
            return str(exc)
        return import_failure_message(exc, self.display_name, self.modules)

    def raised(self, exc: StudentRaised) -> str:
        pointer = self.cells.explain(exc) if self.cells is not None else None
        return f"{exc}; {pointer}" if pointer else str(exc)


def _run_one(
    check: Check,
    student: StudentCode,
    statuses: dict[str, Status],
    time_left: float | None = None,
    default_limit: float = 5.0,
    explain: _Explainer | None = None,
) -> CheckResult:
    for dep in check.depends:
        if statuses.get(dep.name) is not Status.PASSED:
            return _result(
                check, Status.SKIPPED, 0.0, f'skipped: needs "{dep.title}" to pass first'
            )
    if time_left is not None and time_left <= 0:
        return _result(check, Status.FAILED, 0.0, "not run: the time cap was reached")
    student.timeout = check.timeout_s
    if time_left is not None:
        student.timeout = min(check.timeout_s or default_limit, time_left)
    student.take_sandbox_time(), student.take_figures()  # nothing left from before
    started = time.monotonic()
    status, message = _outcome(check, student, explain or _Explainer("", (), None))
    duration = time.monotonic() - started
    return dataclasses.replace(
        _result(check, status, duration, message, student.take_output()),
        sandbox_s=min(student.take_sandbox_time(), duration),
        figures=student.take_figures(),
    )


def _outcome(check: Check, student: StudentCode, explain: _Explainer) -> tuple[Status, str]:
    try:
        check.func(student)
    except StudentImportFailed as exc:
        return Status.FAILED, explain.import_failed(exc)
    except StudentRaised as exc:
        if exc.not_implemented:
            func = exc.frames[-1].function if exc.frames else exc.call
            return Status.FAILED, f"not implemented yet: {func} raises NotImplementedError"
        return Status.FAILED, explain.raised(exc)
    except CheckFailed as exc:
        return Status.FAILED, str(exc)
    except Exception as exc:  # the check's own bug: reported, never a crash
        log.exception("check %s errored", check.name)
        return Status.ERRORED, f"internal grader error in this check: {type(exc).__name__}: {exc}"
    return Status.PASSED, ""


def _result(
    check: Check, status: Status, duration: float, message: str, output: str = ""
) -> CheckResult:
    points = check.points if status is Status.PASSED else 0.0
    return CheckResult(
        check.name,
        check.title,
        points,
        check.points,
        status,
        check.visibility,
        message,
        duration,
        output,
    )


def _grade_quiz(
    exercise: Exercise, answers: Path, course: Course, options: RunOptions
) -> tuple[tuple[CheckResult, ...], tuple[str, ...], int]:
    module = exercise.quiz_module()
    if module is None or not getattr(module, "QUESTIONS", ()):
        return (), (), 0
    from grader.quiz.grading import grade_quiz

    outcome = grade_quiz(
        module.QUESTIONS,
        answers,
        course.reference_answers(exercise),
        include_hidden=options.include_hidden,
        feedback=_feedback_hook(course.quiz_feedback(exercise), getattr(module, "feedback", None)),
    )
    return outcome.results, outcome.errors, outcome.hidden_not_run


def _feedback_hook(*hooks: Callable[[str, object], str | None] | None):
    """One hint hook from the hidden one (may use answers) and the public one (may not)."""

    def feedback(key: str, answer: object) -> str | None:
        for hook in hooks:
            hint = hook(key, answer) if hook else None
            if hint:
                return hint
        return None

    return feedback
