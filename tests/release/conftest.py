"""Fixtures for the handout tests: one handout of the real course, built once per run."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.release import ReleaseReport, build_handout


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "handout_venv: installs the handout in a fresh virtual environment and runs `grade` "
        "there (about 15 s; runs in CI too)",
    )


@pytest.fixture(scope="session")
def handout_report(tmp_path_factory: pytest.TempPathFactory) -> ReleaseReport:
    """The real course's handout with notebooks, built without the audit (tests audit it)."""
    out = tmp_path_factory.mktemp("release") / "handout"
    return build_handout(out, notebooks=True, audit=False)


@pytest.fixture(scope="session")
def handout(handout_report: ReleaseReport) -> Path:
    return handout_report.output
