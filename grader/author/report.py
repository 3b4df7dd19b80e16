"""How ``grade selftest`` shows what it found: a table per exercise, or one JSON object."""

from __future__ import annotations

from collections.abc import Sequence

from grader.author.mutation import EQUIVALENT, KILLED, SURVIVED, MutationReport
from grader.author.selftest import ExerciseSelftest, Finding
from grader.report.terminal import terminal_width, wrap

__all__ = ["render", "summary", "to_dict"]


def render(result: ExerciseSelftest, solution: str, solution_name: str) -> str:
    """The readable report of one exercise (``solution``: its text, for survivors' diffs)."""
    verdict = "PASS" if result.passed else "FAIL"
    lines = [f"{result.exercise}: selftest {verdict}"]
    lines += [_finding_line(f) for f in result.findings]
    lines += ["", *_check_table(result)]
    if result.mutation is not None:
        lines += ["", *_mutation_lines(result.mutation, solution, solution_name)]
    return "\n".join(lines) + "\n"


def _finding_line(finding: Finding) -> str:
    mark = "ok" if finding.ok else ("FAIL" if finding.required else "warn")
    head = f"  {mark:5} {finding.name:38} "
    return "\n".join(wrap(finding.detail, terminal_width(), head, len(head)))


def _check_table(result: ExerciseSelftest) -> list[str]:
    width = max([len(r.name) for r in result.checks] + [5])
    header = (
        f"  {'check':{width}}  {'vis':6} {'pts':>4}  {'solution':8} {'stub':8} "
        f"{'time s':>7} {'budget':>7}  false-failure"
    )
    lines = [header]
    for row in result.checks:
        bound = "-" if row.false_failure is None else f"<= {row.false_failure:g}"
        if row.statistical and row.false_failure is None:
            bound = "UNDECLARED (statistical)"
        flag = "!" if row.over_budget else " "
        lines.append(
            f"  {row.name:{width}}  {row.visibility:6} {row.points:>4g}  {row.solution:8} "
            f"{row.stub:8} {row.seconds:>7.2f}{flag}{row.budget_s:>7g}  {bound}"
        )
    return lines


def _mutation_lines(report: MutationReport, solution: str, solution_name: str) -> list[str]:
    killed, survived = report.count(KILLED), report.count(SURVIVED)
    equivalent = report.count(EQUIVALENT)
    lines = [
        f"  mutants: {len(report.results)} graded of {report.generated} generated "
        f"({report.seconds:.0f} s, cap {report.time_cap_s:g} s each): {killed} killed, "
        f"{survived} survived, {equivalent} marked equivalent",
        f"  mutation score: raw {_fraction(killed, len(report.results))}, adjusted "
        f"{_fraction(killed, len(report.results) - equivalent)}",
    ]
    errored = [r for r in report.results if r.errored]
    for result in errored:
        lines.append(
            f"  check {result.killed_by} ERRORED on mutant {result.mutant.fingerprint} (a bug in "
            f"the check: it must fail with a message): {result.message}"
        )
    for result in report.survivors:
        lines.append(f"  survived {result.mutant.fingerprint}  {result.mutant.description}")
        diff = result.mutant.diff(solution, solution_name)
        lines += [f"      {line}" for line in diff.rstrip("\n").splitlines()]
    for result in report.results:
        if result.outcome == EQUIVALENT:
            lines.append(
                f"  equivalent {result.mutant.fingerprint}  {result.mutant.description}: "
                f"{result.reason}"
            )
    if report.stale:
        lines.append(
            "  note: marks in the mutants file that match no mutant, or a killed one "
            f"(remove them): {', '.join(report.stale)}"
        )
    return lines


def _fraction(part: int, whole: int) -> str:
    return f"{part}/{whole} = {part / whole:.0%}" if whole else "-"


def to_dict(result: ExerciseSelftest, solution: str, solution_name: str) -> dict:
    """A JSON-ready dict of one exercise's self-test (survivors carry their diffs)."""
    data = {
        "exercise": result.exercise,
        "passed": result.passed,
        "findings": [
            {"name": f.name, "ok": f.ok, "required": f.required, "detail": f.detail}
            for f in result.findings
        ],
        "checks": [
            {
                "name": r.name,
                "visibility": r.visibility,
                "points": r.points,
                "title": r.title,
                "solution": r.solution,
                "stub": r.stub,
                "seconds": round(r.seconds, 4),
                "budget_s": r.budget_s,
                "over_budget": r.over_budget,
                "false_failure": r.false_failure,
                "statistical": r.statistical,
            }
            for r in result.checks
        ],
        "mutation": None,
    }
    if result.mutation is not None:
        data["mutation"] = _mutation_dict(result.mutation, solution, solution_name)
    return data


def _mutation_dict(report: MutationReport, solution: str, solution_name: str) -> dict:
    return {
        "generated": report.generated,
        "graded": len(report.results),
        "killed": report.count(KILLED),
        "survived": report.count(SURVIVED),
        "equivalent": report.count(EQUIVALENT),
        "raw_score": report.raw_score,
        "adjusted_score": report.adjusted_score,
        "time_cap_s": report.time_cap_s,
        "seconds": round(report.seconds, 2),
        "stale_marks": list(report.stale),
        "mutants": [
            {
                "fingerprint": r.mutant.fingerprint,
                "operator": r.mutant.operator,
                "description": r.mutant.description,
                "outcome": r.outcome,
                "killed_by": r.killed_by,
                "errored": r.errored,
                "reason": r.reason,
                "seconds": round(r.seconds, 3),
                "diff": r.mutant.diff(solution, solution_name) if r.outcome == SURVIVED else "",
            }
            for r in report.results
        ],
    }


def summary(results: Sequence[ExerciseSelftest]) -> str:
    """One line per exercise: verdict and mutation scores."""
    lines = []
    for result in results:
        report = result.mutation
        scores = "no mutants"
        if report is not None and report.results:
            equivalent = report.count(EQUIVALENT)
            scores = (
                f"mutation raw {_fraction(report.count(KILLED), len(report.results))}, "
                f"adjusted {_fraction(report.count(KILLED), len(report.results) - equivalent)}"
            )
        lines.append(f"{result.exercise:14} {'PASS' if result.passed else 'FAIL'}  {scores}")
    return "\n".join(lines) + "\n"
