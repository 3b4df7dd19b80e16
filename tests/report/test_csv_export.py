"""The LMS CSV: opens with the csv module, one row per student, right totals."""

from __future__ import annotations

import csv
import io

from grader.batch.gradebook import GradedSubmission
from grader.model import CheckResult, ExerciseResult, Status, Visibility
from grader.report.csv_export import csv_table, format_points, to_csv, write_csv


def result(exercise: str, *points: tuple[float, float], errors=()) -> ExerciseResult:
    checks = tuple(
        CheckResult(f"c{i}", "t", got, of, Status.PASSED if got == of else Status.FAILED,
                    Visibility.PUBLIC)
        for i, (got, of) in enumerate(points)
    )  # fmt: skip
    return ExerciseResult(exercise, checks, errors=tuple(errors))


def graded(student: str, *exercises: ExerciseResult, problems=()) -> GradedSubmission:
    return GradedSubmission(
        1, student, "h", "1.0", "2024-01-01T00:00:00+00:00", "cpu", "", tuple(problems), exercises
    )


CLASS = [
    graded("alice", result("ex4_5", (2, 2), (3, 3)), result("ex4_1", (1, 1), (0.5, 1))),
    graded("bob", result("ex4_5", (0, 2), (1.25, 3)), problems=["ignored unexpected files: x"]),
    graded("carol", problems=["carol.zip: not a readable zip archive"]),
    graded("dan", result("ex4_1", (0, 1), (0, 1), errors=["answers/ex4_1.toml: missing"])),
]


def read(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_header_has_student_id_exercises_total_max_total_errors_adjustments():
    header = next(csv.reader(io.StringIO(to_csv(CLASS))))
    tail = ["total", "max_total", "errors", "adjustments"]
    assert header == ["student_id", "ex4_1", "ex4_5", *tail]
    order = csv_table(CLASS, ["ex4_5", "ex4_1"])[0]
    assert order == ["student_id", "ex4_5", "ex4_1", *tail]


def test_one_row_per_student_with_the_right_totals():
    rows = {row["student_id"]: row for row in read(to_csv(CLASS))}
    assert list(rows) == ["alice", "bob", "carol", "dan"]
    assert rows["alice"] == {
        "student_id": "alice", "ex4_1": "1.5", "ex4_5": "5", "total": "6.5",
        "max_total": "7", "errors": "", "adjustments": "",
    }  # fmt: skip
    assert (rows["bob"]["ex4_1"], rows["bob"]["ex4_5"], rows["bob"]["total"]) == (
        "0",
        "1.25",
        "1.25",
    )
    assert rows["carol"]["total"] == "0" and rows["carol"]["max_total"] == "7"
    for row in rows.values():
        scores = float(row["ex4_1"]) + float(row["ex4_5"])
        assert abs(float(row["total"]) - scores) < 1e-9


def test_errors_column_joins_submission_problems_and_exercise_errors():
    rows = {row["student_id"]: row for row in read(to_csv(CLASS))}
    assert rows["carol"]["errors"] == "carol.zip: not a readable zip archive"
    assert rows["dan"]["errors"] == "ex4_1: answers/ex4_1.toml: missing"
    multi = graded("eve", result("ex", (1, 1), errors=["a\nb"]), problems=["p1", "p2"])
    assert read(to_csv([multi]))[0]["errors"] == "p1 | p2 | ex: a b"
    twice = graded("fay", result("ex", (0, 1), errors=["exercises/ex.py: syntax error"]),
                   problems=["exercises/ex.py: syntax error", "p"])  # fmt: skip
    assert read(to_csv([twice]))[0]["errors"] == "p | ex: exercises/ex.py: syntax error"


def test_formula_like_cells_are_defused():
    evil = graded("eve", problems=['=HYPERLINK("http://x")'])
    row = read(to_csv([evil]))[0]
    assert row["errors"] == '\'=HYPERLINK("http://x")'


def test_student_ids_and_errors_that_look_like_formulas_are_defused_too():
    starts = ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", " =1")
    rows = read(to_csv([graded(s, problems=[s]) for s in starts]))
    assert [r["student_id"] for r in rows] == [f"'{s}" for s in starts]
    # the errors column joins words with single spaces: "\tx" becomes the harmless "x"
    assert [r["errors"] for r in rows] == ["'=1+1", "'+1", "'-1", "'@SUM(A1)", "x", "'=1"]


def test_text_that_is_not_utf8_and_line_breaks_stay_inside_their_cell(tmp_path):
    sub = graded("eve", result("ex", (0, 1), errors=["bad \udcff\r\nname"]))
    path = write_csv([sub, graded("zoe", result("ex", (1, 1)))], tmp_path / "g.csv")
    with path.open(encoding="utf-8-sig", newline="") as handle:  # strict UTF-8
        rows = list(csv.DictReader(handle))
    assert [r["student_id"] for r in rows] == ["eve", "zoe"]
    assert rows[0]["errors"] == "ex: bad \\udcff name" and rows[1]["total"] == "1"


def test_write_csv_writes_utf8_with_bom_atomically(tmp_path):
    path = write_csv([*CLASS, graded("张三", result("ex4_5", (1, 2)))], tmp_path / "out" / "g.csv")
    assert path == tmp_path / "out" / "g.csv"
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows[-1]["student_id"] == "张三" and rows[-1]["total"] == "1"
    assert [p.name for p in path.parent.iterdir()] == ["g.csv"]


def test_points_are_written_without_float_noise():
    assert [format_points(x) for x in (3.0, 2.5, 1 / 3, 0.1 + 0.2, 0.0, -0.0)] == [
        "3", "2.5", "0.333333", "0.3", "0", "0",
    ]  # fmt: skip


def test_an_empty_gradebook_is_just_a_header():
    assert to_csv([]) == "student_id,total,max_total,errors,adjustments\r\n"
