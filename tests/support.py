"""Helpers for tests (importable as `support`: pyproject puts tests/ on the path)."""

from __future__ import annotations

from pathlib import Path

from grader.model import CheckResult, ExerciseResult

REPO = Path(__file__).resolve().parents[1]


def solution_text(exercise_id: str) -> str:
    return (REPO / "solutions" / f"{exercise_id}.py").read_text(encoding="utf-8")


def stub_text(exercise_id: str) -> str:
    return (REPO / "exercises" / f"{exercise_id}.py").read_text(encoding="utf-8")


def by_name(result: ExerciseResult) -> dict[str, CheckResult]:
    """Results of one exercise keyed by check name."""
    return {r.name: r for r in result.results}
