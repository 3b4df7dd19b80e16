"""Canvas and Moodle import files read back with the csv module into the headers their importers
document; students are matched through the roster, and whoever is not there is reported."""

from __future__ import annotations

import csv
import io

import pytest

from grader.batch.adjust import adjust
from grader.batch.gradebook import GradedSubmission, Override
from grader.errors import UsageError
from grader.model import CheckResult, ExerciseResult, Status, Visibility
from grader.report.csv_export import csv_table
from grader.report.gradescope import gradescope_results
from grader.report.lms import CANVAS_STUDENT_COLUMNS, write_lms
from grader.report.roster import read_roster

TITLES = {"ex4_5": "parameter count", "ex4_7": "weight decay"}


def check(name, status, points, max_points, visibility=Visibility.PUBLIC, message=""):
    return CheckResult(name, f"{name} title", points, max_points, status, visibility, message)


def graded(student, counts_passed=True, problems=(), exercises=None):
    if exercises is None:
        exercises = (
            ExerciseResult("ex4_5", (
                check("counts", Status.PASSED if counts_passed else Status.FAILED,
                      3 if counts_passed else 0, 3),
                check("secret", Status.FAILED, 0, 2, Visibility.HIDDEN, "expected 99, got 98"),
            )),
            ExerciseResult("ex4_7", (check("essay", Status.NEEDS_PERSON, 0, 2),)),
        )  # fmt: skip
    return GradedSubmission(1, student, "h", "1", "2025-01-01T00:00:00+00:00", "cpu", "",
                            tuple(problems), exercises)  # fmt: skip


CLASS = [graded("alice"), graded("Bob", counts_passed=False), graded("eve")]
ROSTER = (
    "Student,ID,SIS User ID,SIS Login ID,Section,student_id,ID number,Email address\n"
    "Alice A,101,S-1,alice@u,Sec 1,alice,1001,alice@u.edu\n"
    "Bob B,102,S-2,bob@u,Sec 2,bob,1002,bob@u.edu\n"
    "Carol C,103,S-3,carol@u,Sec 1,carol,1003,carol@u.edu\n"
)  # Canvas's own export with a student_id column added: Carol never submitted, Eve is unknown


@pytest.fixture
def roster(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text("\ufeff" + ROSTER, encoding="utf-8")
    return read_roster(path)


def rows(path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


def test_canvas_file_has_the_student_columns_a_points_possible_row_and_title_id_columns(
    tmp_path, roster
):
    out = tmp_path / "canvas.csv"
    done = write_lms("canvas", CLASS, roster, out, TITLES)
    header, possible, *students = rows(out)
    assert header == [*CANVAS_STUDENT_COLUMNS, "parameter count (ex4_5)", "weight decay (ex4_7)"]
    assert possible == ["Points Possible", "", "", "", "", "5", "2"]
    assert students == [
        ["Alice A", "101", "S-1", "alice@u", "Sec 1", "3", "0"],
        ["Bob B", "102", "S-2", "bob@u", "Sec 2", "0", "0"],  # "Bob" matched "bob"
    ]
    assert not out.read_bytes().startswith(b"\xef\xbb\xbf")  # no byte-order mark
    assert (done.rows, done.unknown, done.not_graded) == (2, ["eve"], ["carol"])


def test_a_graded_student_missing_from_the_roster_is_reported_and_kept_beside(tmp_path, roster):
    out = tmp_path / "grades.csv"
    done = write_lms("canvas", CLASS, roster, out, TITLES)
    assert done.paths == [out, tmp_path / "grades.unmatched.csv"]
    unmatched = list(csv.DictReader(io.StringIO(done.paths[1].read_text("utf-8-sig"))))
    assert [(r["student_id"], r["ex4_5"], r["total"]) for r in unmatched] == [("eve", "3", "3")]
    summary = done.summary()
    assert "1 graded students are not in the roster (eve)" in summary
    assert "1 roster students have no graded submission (carol)" in summary


def test_moodle_file_has_an_identifier_then_grade_and_feedback_columns(tmp_path, roster):
    out = tmp_path / "moodle.csv"
    write_lms("moodle", CLASS, roster, out, TITLES)
    header, alice, bob = rows(out)
    assert header == [
        "ID number",
        "parameter count (ex4_5)",
        "Feedback: parameter count (ex4_5)",
        "weight decay (ex4_7)",
        "Feedback: weight decay (ex4_7)",
    ]
    assert alice[:2] == ["1001", "3"] and bob[:2] == ["1002", "0"]
    assert alice[2] == "3/5 | not passed (1): secret title"
    assert "expected 99" not in out.read_text("utf-8")  # a hidden check's message never
    email = write_lms("moodle", CLASS, roster, tmp_path / "m2.csv", TITLES, moodle_id="email")
    assert rows(email.paths[0])[0][0] == "Email address"
    assert rows(email.paths[0])[1][0] == "alice@u.edu"


def test_every_lms_file_shows_an_override_and_a_late_penalty_once(tmp_path, roster):
    essay = Override(1, "alice", "ex4_7", "essay", 2, "good", "prof", "2025-01-02T00:00:00+00:00")
    alice = adjust(CLASS[0], [essay])
    canvas = write_lms("canvas", [alice], roster, tmp_path / "c.csv", TITLES).paths[0]
    assert rows(canvas)[1][-1] == "2" and rows(canvas)[2][-1] == "2"  # possible, then earned
    moodle = write_lms("moodle", [alice], roster, tmp_path / "m.csv", TITLES).paths[0]
    feedback = rows(moodle)[1][-1]
    assert feedback.startswith("2/2 |") and feedback.count("points set by prof") == 1


def test_points_possible_is_the_full_marks_before_and_after_an_override_in_every_export(
    tmp_path, roster
):
    full = {"ex4_5": "5", "ex4_7": "2"}  # every check and question, the essay included
    essay = Override(1, "alice", "ex4_7", "essay", 1.5, "ok", "prof", "2025-01-02T00:00:00+00:00")
    for name, grades in (("before", CLASS), ("after", [adjust(CLASS[0], [essay]), *CLASS[1:]])):
        canvas = rows(
            write_lms("canvas", grades, roster, tmp_path / f"{name}.csv", TITLES).paths[0]
        )
        assert canvas[1][5:] == [full["ex4_5"], full["ex4_7"]], name
        assert csv_table(grades)[1][4] == "7", name  # max_total: the same full marks
        moodle = write_lms("moodle", grades, roster, tmp_path / f"{name}-m.csv", TITLES).paths[0]
        assert rows(moodle)[1][4].split(" |")[0].endswith(f"/{full['ex4_7']}"), name
        tests = gradescope_results(grades[0])["tests"]
        assert sum(t["max_score"] for t in tests) == 7, name
    assert canvas[2][5:] == ["3", "1.5"]  # the override changed alice's score only


def test_a_roster_that_identifies_nobody_is_refused(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text("student_id,section\nalice,1\n", encoding="utf-8")
    with pytest.raises(UsageError, match="identifies nobody to Canvas"):
        write_lms("canvas", CLASS, read_roster(path), tmp_path / "c.csv")
    with pytest.raises(UsageError, match="no Moodle identifier"):
        write_lms("moodle", CLASS, read_roster(path), tmp_path / "m.csv")


def test_a_roster_without_the_key_column_or_with_a_student_twice_is_refused(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text("name,email\nA,a@x\n", encoding="utf-8")
    with pytest.raises(UsageError, match="no 'student_id' column"):
        read_roster(path)
    assert read_roster(path, key="email").find("a@x").get("name") == "A"
    path.write_text("student_id,email\na,a@x\na,b@x\n", encoding="utf-8")
    with pytest.raises(UsageError, match="listed twice"):
        read_roster(path)
