"""Every exercise the example course discovers, through the path students use: the
reference solution gets full marks and the stub zero from `grade ID --submission DIR`
(laid out as a handout, hidden checks included), the course validates, and a release of
the exercise holds no hidden part. Parametrized over discovery: an exercise added to
checks/ joins these tests with no edit here."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support import COURSE, REPO

from grader.release import build_handout
from grader.release.secrets import collect_secrets

EXERCISES = [exercise.id for exercise in COURSE.exercises()]


def handout_submission(root: Path, exercise_id: str, *, solution: bool) -> Path:
    """The solution (with the reference answers) or the stub (with the blank template),
    laid out as a student's handout folder."""
    exercise = COURSE.find(exercise_id)
    code = COURSE.solution(exercise) if solution else COURSE.stub(exercise)
    answers = COURSE.reference_answers(exercise) if solution else COURSE.answers_template(exercise)
    (root / "exercises").mkdir(parents=True)
    shutil.copy(code, root / exercise.source_path)
    if answers is not None and answers.is_file():
        (root / "answers").mkdir()
        shutil.copy(answers, root / exercise.answers_path)
    return root


def grade_submission(exercise_id: str, submission: Path, cwd: Path) -> tuple[int, dict, str]:
    done = subprocess.run(
        [
            *(sys.executable, "-m", "grader", "--course", str(REPO), exercise_id),
            *("--submission", str(submission), "--json", "--device", "cpu"),
        ],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )
    return done.returncode, json.loads(done.stdout or "{}"), done.stderr


@pytest.mark.parametrize("exercise_id", EXERCISES)
def test_the_solution_gets_full_marks_through_the_student_path(tmp_path, exercise_id):
    submission = handout_submission(tmp_path / "handout", exercise_id, solution=True)
    code, report, stderr = grade_submission(exercise_id, submission, tmp_path)
    assert code == 0, stderr
    scored = ("passed", "needs_person")  # free-text answers are read by a person
    failed = [(t["extra_data"]["check"], t["output"]) for t in report["tests"]
              if t["extra_data"]["outcome"] not in scored]  # fmt: skip
    assert failed == []
    assert report["score"] == report["max_score"] > 0
    assert report["hidden_not_run"] == 0
    assert any(t["visibility"] == "after_published" for t in report["tests"])  # hidden ran


@pytest.mark.parametrize("exercise_id", EXERCISES)
def test_the_stub_gets_zero_without_errors_through_the_student_path(tmp_path, exercise_id):
    submission = handout_submission(tmp_path / "handout", exercise_id, solution=False)
    code, report, stderr = grade_submission(exercise_id, submission, tmp_path)
    assert code == 1, stderr
    assert report["score"] == 0 and report["max_score"] > 0
    errored = [t["extra_data"]["check"] for t in report["tests"]
               if t["extra_data"]["outcome"] == "errored"]  # fmt: skip
    assert errored == []


@pytest.mark.parametrize("exercise_id", EXERCISES)
def test_the_course_validates(exercise_id):
    COURSE.validate((COURSE.find(exercise_id),))


@pytest.mark.parametrize("exercise_id", EXERCISES)
def test_a_release_holds_no_hidden_part(tmp_path, exercise_id):
    exercise = COURSE.find(exercise_id)
    report = build_handout(tmp_path / "handout", exercise_ids=[exercise_id], course=COURSE)
    assert report.exercises == (exercise_id,) and report.secrets_checked > 0
    shipped = {p.relative_to(tmp_path / "handout").as_posix() for p in report.output.rglob("*")}
    assert not any(p.startswith(("solutions", "hidden")) for p in shipped)
    assert f"checks/{exercise_id}/public.py" in shipped and exercise.source_path in shipped
    names = [s.needle for s in collect_secrets(COURSE, [exercise]) if s.match == "word"]
    text = "\n".join(
        p.read_text(encoding="utf-8", errors="replace")
        for p in report.output.rglob("*")
        if p.is_file()
    )
    hidden_names = [n for n in names if n.isidentifier()]
    assert hidden_names and [n for n in hidden_names if n in text] == []


@pytest.mark.parametrize("exercise_id", EXERCISES)
def test_grade_selftest_passes(tmp_path, exercise_id):
    """Everything `grade selftest` proves but the mutation score (tested apart, on a fixed
    sample, in test_mutation_scores.py): full marks, zero, titles, release, declared
    false-failure bounds (a time budget over is a warning here, as selftest reports it)."""
    done = subprocess.run(
        [
            *(sys.executable, "-m", "grader", "--course", str(REPO), "selftest", exercise_id),
            *("--max-mutants", "0", "--json"),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    [report] = json.loads(done.stdout)["exercises"]
    failed = [f["name"] for f in report["findings"] if f["required"] and not f["ok"]]
    assert failed == []  # a time budget is a warning (this machine may be loaded), not required
