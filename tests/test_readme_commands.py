"""README's two commands, one after the other, in one checkout, twice: the main job (a demo
class graded into a gradebook) and the test command's lint step both succeed, and neither
leaves anything for `git status` to show.

The commands are read from README.md itself, after the install steps (this environment is
already installed), with a smaller class and one worker to keep the test short. They run in
a fresh `git clone` of this repository (so only committed files are there), with this
interpreter's `grade` and `ruff` first on PATH and the clone's own package imported."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support import REPO

MAIN_JOB_INSTALL = "pip install torch==2.13.0 && pip install -e . && "
TEST_INSTALL = "pip install torch==2.13.0 && pip install -e '.[test]' && "


def readme_command(install: str) -> str:
    """The README command line that starts with ``install``, without it."""
    lines = (REPO / "README.md").read_text("utf-8").splitlines()
    found = [line.strip() for line in lines if line.strip().startswith(install)]
    assert len(found) == 1, f"README has {len(found)} lines starting {install!r}"
    return found[0].removeprefix(install)


def shell(command: str, cwd: Path) -> subprocess.CompletedProcess:
    bin_dir = str(Path(sys.executable).parent)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRADER_")}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = str(cwd)  # the clone's grader, not this checkout's
    return subprocess.run(
        ["bash", "-c", command], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    if not (REPO / ".git").exists() or shutil.which("git") is None:
        pytest.skip("not a git checkout: there is nothing to clone")
    target = tmp_path / "checkout"
    subprocess.run(["git", "clone", "-q", str(REPO), str(target)], check=True, timeout=120)
    return target


def test_main_job_and_lint_run_in_sequence_twice_in_one_checkout(clone):
    main_job = readme_command(MAIN_JOB_INSTALL)
    lint = readme_command(TEST_INSTALL).split(" && ")[0]
    assert lint == "ruff check ."
    smaller = main_job.replace("--students 16", "--students 8").replace("-j 2", "-j 1")
    assert smaller.count("--students 8") == 1 and smaller.count("-j 1") == 1, main_job

    first = shell(smaller, clone)
    assert first.returncode == 0, first.stderr
    assert "graded 8 submissions" in first.stderr and "Traceback" not in first.stderr
    kinds = {s["kind"] for s in json.loads((clone / "demo" / ".demo-manifest.json").read_text())}
    assert "non_utf8" in kinds and "syntax_error" in kinds  # what ruff must not read
    assert shell(lint, clone).returncode == 0

    again = shell(smaller, clone)
    assert again.returncode == 0, again.stderr
    assert "8 already graded" in again.stderr
    linted = shell(lint, clone)
    assert linted.returncode == 0, linted.stdout + linted.stderr

    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=clone, capture_output=True, text=True, check=True
    )
    assert status.stdout == ""
