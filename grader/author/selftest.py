"""``grade selftest``: is an exercise sound? The properties every exercise must have.

    results = selftest(course, course.exercises(), SelftestOptions(max_mutants=30))

For each exercise, with one grading session (one sandbox template) for all of them:

- the reference solution gets full marks and the stub (with the blank answers
  template) gets zero with no ERRORED check, both graded through the student path:
  laid out as a handout, read by the same loader as ``grade ID --submission``, graded
  with the hidden checks;
- every check has a title and points; no ``TODO`` is left in the exercise's files;
- the answers template matches the quiz's questions;
- a handout built to a temporary folder passes the release audit;
- statistical checks declare their false-failure bound (``false_failure=``);
- each check runs within its time budget on the solution (a warning unless strict);
- the mutation score of its checks (:mod:`grader.author.mutation`): informative,
  required only above ``min_mutation_score``.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from grader.api import Session, wants_warm_template
from grader.author import mutation, statistics
from grader.catalog import Course
from grader.errors import GraderError
from grader.exercise import Exercise
from grader.model import ExerciseResult, Status
from grader.registry import Check

__all__ = ["CheckRow", "ExerciseSelftest", "Finding", "SelftestOptions", "selftest"]

TODO = re.compile(r"\bTODO\b")
Progress = Callable[[str], None]


@dataclass(frozen=True)
class SelftestOptions:
    """What to run. ``max_mutants=0`` skips mutation testing; ``time_cap_s=None`` caps each
    mutant at three times the solution's check time (at least 10 s)."""

    max_mutants: int = 60
    seed: int = 0
    time_cap_s: float | None = None
    strict_budgets: bool = False
    min_mutation_score: float | None = None
    device: str = "cpu"
    isolation: str = "auto"


@dataclass(frozen=True)
class Finding:
    """One property: whether it holds, and what is wrong (or worth knowing) if not."""

    name: str
    ok: bool
    detail: str = ""
    required: bool = True


@dataclass(frozen=True)
class CheckRow:
    """One check as the self-test saw it on the solution and on the stub."""

    name: str
    visibility: str
    points: float
    title: str
    solution: str  # the status on the reference solution
    stub: str  # the status on the stub
    seconds: float  # on the solution
    budget_s: float
    false_failure: float | None
    statistical: bool  # found to use a statistical helper

    @property
    def over_budget(self) -> bool:
        return self.seconds > self.budget_s


@dataclass(frozen=True)
class ExerciseSelftest:
    """Everything the self-test found about one exercise."""

    exercise: str
    findings: tuple[Finding, ...]
    checks: tuple[CheckRow, ...]
    mutation: mutation.MutationReport | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def passed(self) -> bool:
        return all(f.ok for f in self.findings if f.required)


def selftest(
    course: Course,
    exercises: Sequence[Exercise],
    options: SelftestOptions,
    progress: Progress | None = None,
) -> list[ExerciseSelftest]:
    """Self-test each exercise (validated already: see :meth:`Course.validate`)."""
    say = progress or (lambda _text: None)
    session = Session.start(
        device=options.device,
        isolation=options.isolation,
        course=course,
        warm=wants_warm_template(exercises, sandboxes_each=2),  # the solution, the stub...
    )
    try:
        return [_one(session, course, exercise, options, say) for exercise in exercises]
    finally:
        session.close()


def _one(
    session: Session, course: Course, exercise: Exercise, options: SelftestOptions, say: Progress
) -> ExerciseSelftest:
    checks = course.checks(exercise, include_hidden=True)
    with tempfile.TemporaryDirectory(prefix="grader-selftest-") as scratch:
        say(f"{exercise.id}: grading the solution and the stub")
        solution = grade_as_submission(session, course, exercise, Path(scratch), solution=True)
        stub = grade_as_submission(session, course, exercise, Path(scratch), solution=False)
        say(f"{exercise.id}: building a handout for the release audit")
        release = _release_finding(course, exercise, Path(scratch) / "handout")
    statistical = statistics.statistical_checks(checks, _python_files(course, exercise))
    rows = _rows(checks, solution, stub, statistical)
    findings = [
        _solution_finding(solution),
        _stub_finding(stub),
        _titles_finding(checks, exercise),
        _todo_finding(course, exercise),
        _answers_finding(course, exercise),
        release,
        _statistics_finding(rows),
        _budget_finding(rows, options.strict_budgets),
    ]
    report = _mutation(session, course, exercise, checks, rows, options, say)
    if report is not None:
        findings.append(_mutation_finding(report, options.min_mutation_score))
    return ExerciseSelftest(exercise.id, tuple(findings), tuple(rows), report)


# ----------------------------------------------------------------------------- the student path


def grade_as_submission(
    session: Session, course: Course, exercise: Exercise, scratch: Path, *, solution: bool
) -> ExerciseResult:
    """Grade the solution (or the stub) as a student's submission folder would be.

    The files are laid out as a handout (``exercises/<id>.py``, ``answers/<id>.toml``:
    the reference answers for the solution, the blank template for the stub), read by
    :func:`grader.batch.submissions.load_one` like ``grade ID --submission DIR``, and
    graded with the hidden checks.
    """
    from grader.batch.submissions import load_one

    kind = "solution" if solution else "stub"
    folder = scratch / kind
    sources = (
        (course.solution(exercise), course.reference_answers(exercise))
        if solution
        else (course.stub(exercise), course.answers_template(exercise))
    )
    for source, target in zip(sources, (exercise.source_path, exercise.answers_path), strict=True):
        if source is not None and source.is_file():
            (folder / target).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, folder / target)
    folder.mkdir(parents=True, exist_ok=True)
    quiz = [exercise.id] if exercise.questions() else []
    loaded = load_one(folder, [exercise.id], scratch / f"{kind}-loaded", answers_expected=quiz)
    if not loaded.gradable:
        return ExerciseResult(exercise.id, (), errors=loaded.problems)
    results = session.grade([exercise], loaded.workspace, include_hidden=True)
    return loaded.with_problems(results)[0]


# ----------------------------------------------------------------------------- findings


def _solution_finding(result: ExerciseResult) -> Finding:
    wrong = [_failure(r) for r in _not_passed(result)]
    ok = not wrong and not result.errors and result.score == result.max_score > 0
    detail = f"{result.score:g}/{result.max_score:g}"
    if not ok:
        detail += "; " + "; ".join([*result.errors, *wrong] or ["no points to earn"])
    return Finding("solution gets full marks", ok, detail)


def _stub_finding(result: ExerciseResult) -> Finding:
    scored = [r.name for r in result.results if r.points > 0]
    errored = [r.name for r in result.results if r.status is Status.ERRORED]
    ok = result.score == 0 and not errored and bool(result.results)
    detail = f"{result.score:g}/{result.max_score:g}"
    if scored:
        detail += f"; scores on the stub: {', '.join(scored)}"
    if errored:
        detail += f"; ERRORED (a bug in the check): {', '.join(errored)}"
    if not result.results:
        detail += "; nothing was graded: " + "; ".join(result.errors)
    return Finding("stub gets zero, no check errors", ok, detail)


def _titles_finding(checks: Sequence[Check], exercise: Exercise) -> Finding:
    problems = [f"{c.name} has 0 points" for c in checks if c.points <= 0]
    problems += [f"{c.name}'s title is a TODO" for c in checks if TODO.search(c.title)]
    problems += [
        f"quiz question {q.key} has 0 points"
        for q in exercise.questions()
        if q.points <= 0 and type(q).__name__ != "FreeTextQuestion"
    ]
    detail = "; ".join(problems) or f"{len(checks)} checks, {len(exercise.questions())} questions"
    return Finding("every check has a title and points", not problems, detail)


def _todo_finding(course: Course, exercise: Exercise) -> Finding:
    counts = {}
    for path in _exercise_files(course, exercise):
        try:
            found = len(TODO.findall(path.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError):
            continue
        if found:
            counts[path.relative_to(course.root).as_posix()] = found
    detail = ", ".join(f"{name} ({n})" for name, n in counts.items())
    return Finding("no TODO left", not counts, f"TODO in {detail}" if counts else "")


def _answers_finding(course: Course, exercise: Exercise) -> Finding:
    keys = [q.key for q in exercise.questions()]
    path = course.answers_template(exercise)
    if not keys:
        return Finding("answers template matches the quiz", True, "no quiz")
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return Finding("answers template matches the quiz", False, f"{path}: {exc}")
    ok = sorted(table) == sorted(keys) and all(v == "" for v in table.values())
    detail = "" if ok else f"{exercise.answers_path} differs from quiz.py"
    if not ok:
        detail += f": run `grade quiz-template {exercise.id} --force`"
    return Finding("answers template matches the quiz", ok, detail)


def _release_finding(course: Course, exercise: Exercise, out: Path) -> Finding:
    from grader.release import build_handout

    try:
        report = build_handout(out, exercise_ids=[exercise.id], course=course)
    except GraderError as exc:
        return Finding("release holds no hidden part", False, str(exc))
    present = [n for n in ("solutions", "hidden") if (out / n).exists()]
    ok = not present
    detail = f"audited {report.secrets_checked} instructor-only items in {report.files} files"
    if present:
        detail = f"the handout holds {', '.join(present)}/"
    return Finding("release holds no hidden part", ok, detail)


def _statistics_finding(rows: Sequence[CheckRow]) -> Finding:
    missing = [r.name for r in rows if r.statistical and r.false_failure is None]
    declared = [f"{r.name} <= {r.false_failure:g}" for r in rows if r.false_failure]
    if missing:
        detail = (
            f"uses a statistical helper without false_failure=: {', '.join(missing)} "
            "(declare the proven bound, or false_failure=0 where the check is exact)"
        )
    else:
        detail = "; ".join(declared) or "no statistical check"
    return Finding("statistical checks state their bound", not missing, detail)


def _budget_finding(rows: Sequence[CheckRow], strict: bool) -> Finding:
    over = [f"{r.name} {r.seconds:.2f} s > {r.budget_s:g} s" for r in rows if r.over_budget]
    detail = "; ".join(over) or f"{sum(r.seconds for r in rows):.2f} s in all"
    return Finding("checks run within their budget", not over, detail, required=strict)


def _mutation_finding(report: mutation.MutationReport, minimum: float | None) -> Finding:
    raw, adjusted = report.raw_score, report.adjusted_score
    if raw is None:
        return Finding("mutation score", True, "no mutant to grade", required=False)
    detail = (
        f"raw {report.count(mutation.KILLED)}/{len(report.results)} = {raw:.0%}, adjusted "
        f"{_percent(adjusted)} ({report.count(mutation.EQUIVALENT)} marked equivalent; "
        f"{report.generated} mutants generated)"
    )
    ok = minimum is None or (adjusted or 0.0) >= minimum
    return Finding("mutation score", ok, detail, required=minimum is not None)


def _mutation(session, course, exercise, checks, rows, options, say):
    if options.max_mutants <= 0:
        return None
    passing = {r.name for r in rows if r.solution == Status.PASSED.value}
    chosen = [c for c in checks if c.name in passing]
    if not chosen:
        return None
    cap = options.time_cap_s or max(10.0, 3 * sum(r.seconds for r in rows if r.name in passing))
    equivalents = mutation.load_equivalents(course.equivalent_mutants_file(exercise))
    solution = course.solution(exercise).read_text(encoding="utf-8")
    return mutation.score_mutants(
        session,
        exercise,
        chosen,
        solution,
        mutation.MutationOptions(options.max_mutants, options.seed, cap),
        equivalents,
        lambda n, total: say(f"{exercise.id}: mutant {n}/{total}"),
    )


# ----------------------------------------------------------------------------- helpers


def _rows(checks, solution: ExerciseResult, stub: ExerciseResult, statistical) -> list[CheckRow]:
    on_solution = {r.name: r for r in solution.results}
    on_stub = {r.name: r for r in stub.results}
    rows = []
    for check in checks:
        graded = on_solution.get(check.name)
        rows.append(
            CheckRow(
                check.name,
                check.visibility.value,
                check.points,
                check.title,
                graded.status.value if graded else "not run",
                on_stub[check.name].status.value if check.name in on_stub else "not run",
                graded.duration_s if graded else 0.0,
                check.budget_s,
                check.false_failure,
                check.name in statistical,
            )
        )
    return rows


def _python_files(course: Course, exercise: Exercise) -> list[Path]:
    hidden = course.hidden_file(exercise)
    return [*sorted(exercise.folder.glob("*.py")), *([hidden] if hidden.is_file() else [])]


def _exercise_files(course: Course, exercise: Exercise) -> list[Path]:
    """Every file of the exercise an author writes (public folder and the top-level ones)."""
    public = [p for p in sorted(exercise.folder.rglob("*")) if p.is_file()]
    public = [p for p in public if "__pycache__" not in p.parts]
    others = [
        course.stub(exercise),
        course.answers_template(exercise),
        course.solution(exercise),
        course.reference_answers(exercise),
        course.hidden_file(exercise),
        course.mistakes_file(exercise),
        course.equivalent_mutants_file(exercise),
    ]
    return public + [p for p in others if p is not None and p.is_file()]


def _not_passed(result: ExerciseResult):
    return [r for r in result.results if r.status not in (Status.PASSED, Status.NEEDS_PERSON)]


def _failure(result) -> str:
    if result.status is Status.SKIPPED:
        return f"{result.name} (skipped)"
    return f"{result.name} ({result.status.value}): {_first_line(result.message)}"


def _first_line(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= 160 else line[:159] + "…"


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"
