"""The mutation score of an exercise's checks: how many mutants of the solution they catch.

    report = score_mutants(session, exercise, checks, solution_text, MutationOptions())
    report.raw_score, report.adjusted_score, report.survivors

Each sampled mutant (:mod:`grader.author.mutants`) is graded like a submission, in a
sandbox of its own forked from the session's one template, by the checks that pass on
the reference solution (public and hidden; never the quiz). It is *killed* when one of
them does not pass; grading stops at that check, and all of a mutant's checks together
get at most ``time_cap_s``. A survivor is a change no check notices: add a check, or,
when the change cannot alter any result, list it in ``hidden/<id>.mutants.toml``:

    [[equivalent]]
    fingerprint = "cd0702a3ece5"
    reason = "the epsilon only guards a division the checks' inputs never reach"

The adjusted score leaves those out of the count; the raw score does not.
"""

from __future__ import annotations

import tempfile
import time
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from grader.api import Session
from grader.author.mutants import Mutant, generate, sample
from grader.errors import CourseError
from grader.exercise import Exercise
from grader.model import Status
from grader.registry import Check
from grader.runner import RunOptions, run_checks
from grader.sandbox import SourceSpec

__all__ = ["MutantResult", "MutationOptions", "MutationReport", "load_equivalents", "score_mutants"]

KILLED, SURVIVED, EQUIVALENT = "killed", "survived", "equivalent"


@dataclass(frozen=True)
class MutationOptions:
    """How many mutants (sampled with ``seed``), and the time cap of each (seconds)."""

    max_mutants: int = 60
    seed: int = 0
    time_cap_s: float = 30.0


@dataclass(frozen=True)
class MutantResult:
    """What became of one mutant: killed (by which check), survived, or equivalent."""

    mutant: Mutant
    outcome: str
    killed_by: str = ""
    message: str = ""  # the killing check's message (trimmed)
    errored: bool = False  # the killing check ERRORED: a bug in the check itself
    seconds: float = 0.0
    reason: str = ""  # why it is equivalent (from the exercise's mutants file)


@dataclass(frozen=True)
class MutationReport:
    """The mutants graded, and the figures."""

    generated: int
    results: tuple[MutantResult, ...]
    stale: tuple[str, ...]  # equivalence marks that match no mutant, or a killed one
    time_cap_s: float
    seconds: float

    def count(self, outcome: str) -> int:
        return sum(r.outcome == outcome for r in self.results)

    @property
    def raw_score(self) -> float | None:
        """Killed / graded (None when there was no mutant)."""
        return self.count(KILLED) / len(self.results) if self.results else None

    @property
    def adjusted_score(self) -> float | None:
        """Killed / (graded - marked equivalent)."""
        counted = len(self.results) - self.count(EQUIVALENT)
        return self.count(KILLED) / counted if counted else None

    @property
    def survivors(self) -> list[MutantResult]:
        return [r for r in self.results if r.outcome == SURVIVED]


def score_mutants(
    session: Session,
    exercise: Exercise,
    checks: Sequence[Check],
    solution: str,
    options: MutationOptions,
    equivalents: dict[str, str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> MutationReport:
    """Grade a sample of the mutants of ``solution`` with ``checks``; see the module docstring.

    ``checks`` should be those that pass on the solution, in running order;
    ``equivalents`` maps fingerprints to the reason each is equivalent.
    """
    started = time.monotonic()
    equivalents = equivalents or {}
    every = generate(solution)
    chosen = sample(every, options.max_mutants, options.seed)
    run = RunOptions(include_hidden=True, device=session.device, isolation=session.isolation)
    results = []
    with tempfile.TemporaryDirectory(prefix="grader-mutants-") as scratch:
        for number, mutant in enumerate(chosen, 1):
            if progress:
                progress(number, len(chosen))
            path = Path(scratch) / f"{number}.py"
            path.write_text(mutant.source, encoding="utf-8")
            spec = SourceSpec(path, exercise.id, exercise.source_path)
            results.append(_grade(mutant, spec, session, exercise, checks, run, options))
    results = [_mark(r, equivalents) for r in results]
    generated = {m.fingerprint for m in every}
    killed = {r.mutant.fingerprint for r in results if r.outcome == KILLED}
    stale = tuple(sorted(f for f in equivalents if f not in generated or f in killed))
    return MutationReport(
        len(every), tuple(results), stale, options.time_cap_s, time.monotonic() - started
    )


def _grade(mutant, spec, session, exercise, checks, run, options) -> MutantResult:
    started = time.monotonic()
    results = run_checks(
        list(checks),
        exercise,
        spec,
        session.zygote,
        run,
        stop_at_first_failure=True,
        time_cap_s=options.time_cap_s,
    )
    seconds = time.monotonic() - started
    failed = next((r for r in results if r.status is not Status.PASSED), None)
    if failed is None:
        return MutantResult(mutant, SURVIVED, seconds=seconds)
    return MutantResult(
        mutant,
        KILLED,
        failed.name,
        failed.message[:300],
        failed.status is Status.ERRORED,
        seconds,
    )


def _mark(result: MutantResult, equivalents: dict[str, str]) -> MutantResult:
    reason = equivalents.get(result.mutant.fingerprint)
    if result.outcome != SURVIVED or reason is None:
        return result
    return MutantResult(result.mutant, EQUIVALENT, seconds=result.seconds, reason=reason)


def load_equivalents(path: Path) -> dict[str, str]:
    """Fingerprint -> reason, from ``[[equivalent]]`` entries of ``path`` ({} if absent).

    Raises CourseError naming the file when it cannot be read or an entry lacks a
    ``fingerprint`` or a ``reason``.
    """
    if not path.is_file():
        return {}
    try:
        entries = tomllib.loads(path.read_text(encoding="utf-8")).get("equivalent", [])
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise CourseError(f"{path}: cannot be read ({exc})") from exc
    found = {}
    for number, entry in enumerate(entries if isinstance(entries, list) else [None], 1):
        fingerprint = entry.get("fingerprint") if isinstance(entry, dict) else None
        reason = entry.get("reason") if isinstance(entry, dict) else None
        if not (isinstance(fingerprint, str) and isinstance(reason, str) and reason.strip()):
            raise CourseError(
                f"{path}: [[equivalent]] entry {number} needs a fingerprint and a reason "
                '(fingerprint = "…", reason = "why no check can tell it from the solution")'
            )
        found[fingerprint] = reason.strip()
    return found
