"""`grade release`: the handout holds what students need (package, stubs, templates,
statements, public checks, notebooks, README, pyproject, hidden-check counts) and none of
the instructor's material; it zips reproducibly; a leaking course is refused."""

from __future__ import annotations

import json
import tomllib
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from support import COURSE, REPO, fake_course, solution_text

from grader.cli import cli
from grader.errors import ReleaseRefused, UsageError
from grader.release import build_handout

STUDENT_TOP_LEVEL = {
    "grader",
    "checks",
    "course.toml",
    "exercises",
    "answers",
    "README.md",
    "pyproject.toml",
}


def test_handout_holds_what_students_need(handout, handout_report):
    assert "ex4_5" in handout_report.exercises
    for exercise_id in handout_report.exercises:
        assert (handout / "exercises" / f"{exercise_id}.py").is_file()
        assert (handout / "exercises" / f"{exercise_id}.ipynb").is_file()
        package = handout / "checks" / exercise_id
        assert (package / "statement.md").is_file() and (package / "public.py").is_file()
    assert (handout / "answers" / "ex4_5.toml").read_text("utf-8") == (
        REPO / "answers" / "ex4_5.toml"
    ).read_text("utf-8")
    assert (handout / "grader" / "cli.py").is_file()
    assert (handout / "checks" / "ex4_5" / "probes.py").is_file()
    assert not (handout / "grader" / "course" / "ex4_5").exists()  # the engine names none


def test_instructor_material_is_physically_absent(handout):
    assert {p.name for p in handout.iterdir()} == STUDENT_TOP_LEVEL
    names = [p.relative_to(handout).as_posix() for p in handout.rglob("*")]
    assert not [n for n in names if "__pycache__" in n or n.endswith((".pyc", ".egg-info"))]
    assert not [n for n in names if Path(n).name.startswith(".")]
    solutions_or_hidden = [n for n in names if n.split("/")[0] in ("solutions", "hidden")]
    assert solutions_or_hidden == []


def test_hidden_manifest_counts_the_hidden_checks(handout, handout_report):
    manifest = json.loads((handout / "checks/hidden_manifest.json").read_text("utf-8"))
    assert set(manifest) == set(handout_report.exercises)
    for exercise_id, count in manifest.items():
        assert count == COURSE.hidden_count(COURSE.find(exercise_id))
    hidden_source = (REPO / "hidden" / "ex4_5.py").read_text("utf-8")
    assert manifest["ex4_5"] == hidden_source.count("@checks.check(") == 6


def test_student_pyproject_installs_grade_without_instructor_tool_sections(handout):
    text = (handout / "pyproject.toml").read_text("utf-8")
    project = tomllib.loads(text)
    assert project["project"]["scripts"]["grade"] == "grader.cli:main"
    assert "pytest" not in project.get("tool", {}) and "ruff" not in project.get("tool", {})
    assert "*.json" in project["tool"]["setuptools"]["package-data"]["*"]  # the manifest ships


def test_readme_says_how_to_install_run_and_submit(handout):
    readme = (handout / "README.md").read_text("utf-8")
    for phrase in (
        "pip install .",
        "grade ex4_1 --watch",
        "grade list",
        "What to submit",
        "Hidden checks",
    ):
        assert phrase in readme
    assert "| `ex4_5` | `param-count` |" in readme
    assert "{exercises}" not in readme and "{notebook_hint}" not in readme


def test_zip_release_has_the_same_files_under_one_folder(tmp_path, handout):
    report = build_handout(tmp_path / "handout.zip", notebooks=True, audit=False)
    with zipfile.ZipFile(report.output) as archive:
        names = sorted(archive.namelist())
        assert all(name.startswith("handout/") for name in names)
        assert (
            archive.read("handout/exercises/ex4_5.py")
            == (handout / "exercises" / "ex4_5.py").read_bytes()
        )
    expected = sorted(
        f"handout/{p.relative_to(handout).as_posix()}" for p in handout.rglob("*") if p.is_file()
    )
    assert names == expected
    again = build_handout(tmp_path / "again" / "handout.zip", notebooks=True, audit=False)
    assert again.output.read_bytes() == report.output.read_bytes()  # reproducible


def test_an_existing_output_is_refused(tmp_path):
    (tmp_path / "out").mkdir()
    with pytest.raises(UsageError, match="already exists"):
        build_handout(tmp_path / "out", audit=False)


def test_incomplete_exercises_are_left_out_with_a_warning(tmp_path):
    files = fake_course(tmp_path / "course", (REPO / "exercises" / "ex4_5.py").read_text("utf-8"))
    report = build_handout(tmp_path / "out", course=files)
    assert report.exercises == ("ex4_5",)
    others = [e.id for e in COURSE.exercises() if e.id != "ex4_5"]
    for exercise_id in others:
        assert any(w.startswith(f"{exercise_id} left out: incomplete") for w in report.warnings)
        assert not (tmp_path / "out" / "checks" / exercise_id).exists()
    assert report.secrets_checked > 0


def test_asking_for_an_incomplete_exercise_is_a_usage_error(tmp_path):
    files = fake_course(tmp_path / "course", (REPO / "exercises" / "ex4_5.py").read_text("utf-8"))
    report = build_handout(tmp_path / "one", course=files, exercise_ids=["param-count"])
    assert report.exercises == ("ex4_5",) and report.warnings == ()
    other = next(e.id for e in COURSE.exercises() if e.id != "ex4_5")
    with pytest.raises(UsageError, match=f"{other} is incomplete .*no exercises/{other}.py"):
        build_handout(tmp_path / "two", course=files, exercise_ids=["ex4_5", other])


def test_a_leaking_course_is_refused_and_nothing_is_written(tmp_path):
    files = fake_course(tmp_path / "course", solution_text("ex4_5"))  # the stub IS the solution
    with pytest.raises(ReleaseRefused) as caught:
        build_handout(tmp_path / "out", course=files)
    message = str(caught.value)
    assert (
        "exercises/ex4_5.py: contains a solution body of ex4_5 (solutions/ex4_5.py: body of "
        in (message)
    )
    assert not (tmp_path / "out").exists()


def test_grade_release_cli_reports_the_audit(tmp_path, monkeypatch):
    root = tmp_path / "course"
    fake_course(root, (REPO / "exercises" / "ex4_5.py").read_text("utf-8"))
    monkeypatch.setenv("GRADER_COURSE", str(root))
    runner = CliRunner()
    result = runner.invoke(cli, ["release", str(tmp_path / "h.zip"), "--notebooks"])
    assert result.exit_code == 0, result.output
    assert "Wrote " in result.output and "notebooks: ex4_5" in result.output
    assert "Audit: no file contains any of" in result.output
    (root / "exercises" / "ex4_5.py").write_text(solution_text("ex4_5"), "utf-8")
    leaking = runner.invoke(cli, ["release", str(tmp_path / "leak")])
    assert leaking.exit_code == 2
    assert "the handout would leak instructor-only material" in leaking.output
    assert not (tmp_path / "leak").exists()
