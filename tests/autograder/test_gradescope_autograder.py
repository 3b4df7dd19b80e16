"""`grade gradescope-autograder`: the zip Gradescope's harness runs as it is.

The zip is built, extracted into a temporary folder laid out like Gradescope's /autograder
(source/, submission/, results/, run_autograder copied to the root, as the harness does), and
run_autograder is run there (AUTOGRADER_ROOT points at it; GRADER_PYTHON is this interpreter,
standing in for the virtual environment setup.sh makes; PYTHONPATH puts the engine bundled in
the zip first, so the bundle is what grades). Each results.json must validate against
Gradescope's documented fields, for a correct, a wrong and a broken submission.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from gradescope_spec import validate
from support import REPO, solution_text

from grader.report.feedback import HIDDEN_NOTE


def grade(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "grader", *args], capture_output=True, text=True, cwd=cwd,
        timeout=300,
    )  # fmt: skip


@pytest.fixture(scope="module")
def autograder_zip(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("build") / "autograder.zip"
    done = grade("gradescope-autograder", str(out), "--exercise", "ex4_5", "--torch", "torch")
    assert done.returncode == 0, done.stderr
    return out


def fake_autograder(root: Path, archive: Path, files: dict[str, bytes]) -> Path:
    """/autograder as Gradescope's harness lays it out, with ``files`` as the submission."""
    with zipfile.ZipFile(archive) as opened:
        opened.extractall(root / "source")
        for info in opened.infolist():  # extractall drops permissions: restore them
            os.chmod(root / "source" / info.filename, (info.external_attr >> 16) & 0o777)
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    (root / "submission").mkdir()
    for name, data in files.items():
        (root / "submission" / name).write_bytes(data)
    return root


def run_autograder(root: Path) -> tuple[subprocess.CompletedProcess, dict]:
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "GRADER_PYTHON": sys.executable,
           "PYTHONPATH": str(root / "source" / "engine")}  # fmt: skip
    env = {k: v for k, v in env.items() if k != "GRADER_COURSE"}
    done = subprocess.run(
        [str(root / "run_autograder")], capture_output=True, text=True, cwd=root, env=env,
        timeout=300,
    )  # fmt: skip
    results = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    validate(results)
    return done, results


def test_the_zip_has_gradescopes_two_scripts_at_its_root_executable(autograder_zip, tmp_path):
    with zipfile.ZipFile(autograder_zip) as opened:
        modes = {i.filename: i.external_attr >> 16 for i in opened.infolist()}
        config = json.loads(opened.read("autograder.json"))
    for script in ("setup.sh", "run_autograder"):
        assert stat.S_IMODE(modes[script]) == 0o755
    assert {"engine/pyproject.toml", "engine/grader/__init__.py", "course/course.toml",
            "course/checks/ex4_5/public.py", "course/hidden/ex4_5.py",
            "course/solutions/ex4_5.py", "course/solutions/ex4_5.toml"} <= set(modes)  # fmt: skip
    assert "course/hidden/ex4_7.py" in modes  # the whole course (deadlines validate), graded:
    assert config == {"exercises": ["ex4_5"], "hidden_visibility": "after_published",
                      "disclose_hidden": False, "isolation": "auto"}  # fmt: skip
    root = fake_autograder(tmp_path / "autograder", autograder_zip, {})
    assert subprocess.run(["bash", "-n", str(root / "source" / "setup.sh")]).returncode == 0
    engine = subprocess.run(
        [sys.executable, "-c", "import grader; print(grader.__file__)"], capture_output=True,
        text=True, cwd=root, env={**os.environ, "PYTHONPATH": str(root / "source" / "engine")},
    ).stdout  # fmt: skip
    assert engine.startswith(str(root / "source" / "engine"))  # the bundle is what runs


def test_a_correct_submission_gets_full_marks_one_test_per_check(autograder_zip, tmp_path):
    files = {"ex4_5.py": solution_text("ex4_5").encode(),
             "ex4_5.toml": (REPO / "solutions" / "ex4_5.toml").read_bytes()}  # fmt: skip
    root = fake_autograder(tmp_path / "autograder", autograder_zip, files)
    done, results = run_autograder(root)
    assert done.returncode == 0, done.stderr
    tests = results["tests"]
    full = sum(t["max_score"] for t in tests)
    assert results["score"] == full == sum(t["score"] for t in tests) > 0
    assert {t["status"] for t in tests} == {"passed"}
    assert {t["visibility"] for t in tests} == {"visible", "after_published"}  # hidden ran
    assert results["output_format"] == "text" and {t["output_format"] for t in tests} == {"text"}
    assert "Total: 25/25" in done.stdout and "sandbox:" in done.stdout


def test_late_work_loses_the_courses_penalty_once_by_gradescopes_submission_time(
    autograder_zip, tmp_path
):
    files = {"ex4_5.py": solution_text("ex4_5").encode(),
             "ex4_5.toml": (REPO / "solutions" / "ex4_5.toml").read_bytes()}  # fmt: skip
    root = fake_autograder(tmp_path / "autograder", autograder_zip, files)
    with (root / "source" / "course" / "course.toml").open("a", encoding="utf-8") as toml:
        toml.write("\n[deadlines]\npenalty_per_day = 0.1\n"
                   "[deadlines.ex4_5]\ndue = 2025-03-14T23:59:00+08:00\n")  # fmt: skip
    metadata = {"created_at": "2025-03-15T10:00:00.000000+08:00", "users": [{"email": "a@u"}]}
    (root / "submission_metadata.json").write_text(json.dumps(metadata), encoding="utf-8")
    done, results = run_autograder(root)
    assert done.returncode == 0, done.stderr
    [penalty] = [t for t in results["tests"] if t["score"] < 0]
    assert penalty["score"] == -2.5 and "1 day after the due time" in penalty["output"]
    assert results["score"] == 22.5 == sum(t["score"] for t in results["tests"])
    assert results["extra_data"]["student_id"] == "a@u"


def test_a_wrong_submission_loses_what_is_wrong_and_hidden_details_stay_hidden(
    autograder_zip, tmp_path
):
    wrong = solution_text("ex4_5").replace("last = width + 1", "last = width")
    root = fake_autograder(tmp_path / "autograder", autograder_zip, {"ex4_5.py": wrong.encode()})
    done, results = run_autograder(root)
    assert done.returncode == 0, done.stderr
    tests = {t["extra_data"]["check"]: t for t in results["tests"]}
    assert 0 < results["score"] < sum(t["max_score"] for t in tests.values())
    small = tests["param_count_small"]
    assert small["status"] == "failed" and "expected" in small["output"]
    hidden = [t for t in tests.values() if t["visibility"] == "after_published"]
    assert hidden and all(t["output"] in ("", HIDDEN_NOTE) for t in hidden)
    assert any(t["status"] == "failed" and t["output"] == HIDDEN_NOTE for t in hidden)


def test_a_broken_submission_still_gets_every_test_at_zero_with_the_reason(
    autograder_zip, tmp_path
):
    root = fake_autograder(tmp_path / "autograder", autograder_zip, {"work.zip": b"PK\x03\x04 no"})
    done, results = run_autograder(root)
    assert done.returncode == 0, done.stderr
    assert results["score"] == 0 and len(results["tests"]) >= 16
    assert sum(t["max_score"] for t in results["tests"]) == 25  # the same full marks
    assert {t["status"] for t in results["tests"]} == {"failed"}
    assert "Problem: work.zip: not a readable zip archive" in results["output"]
