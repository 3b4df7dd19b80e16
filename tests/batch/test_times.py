"""When a submission was handed in: the LMS's CSV wins; else the newest date of the files read
(folder mtimes, zip entry dates, in UTC where the zip records it)."""

from __future__ import annotations

import os
import struct
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from grader.batch.choose import only_students, with_submission_times
from grader.batch.submissions import discover
from grader.batch.times import newest_zip_time, read_times_csv
from grader.errors import UsageError

IDS = ["ex4_5"]
NOON = datetime(2025, 3, 14, 12, 0, 0, tzinfo=UTC).timestamp()


def folder_submission(root: Path, student: str, mtime: float) -> None:
    exercises = root / student / "exercises"
    exercises.mkdir(parents=True)
    source = exercises / "ex4_5.py"
    source.write_text("def param_count():\n    return 1\n")
    os.utime(source, (mtime, mtime))
    os.utime(root / student / "exercises", (NOON + 10**6, NOON + 10**6))  # folders don't count


def zip_submission(root: Path, student: str, extended: int | None) -> None:
    info = zipfile.ZipInfo("exercises/ex4_5.py", (2025, 3, 14, 20, 30, 0))
    if extended is not None:  # Info-ZIP's "UT" field: flags, then the UTC mtime
        info.extra = struct.pack("<HHBi", 0x5455, 5, 1, extended)
    with zipfile.ZipFile(root / f"{student}.zip", "w") as archive:
        archive.writestr(info, "def param_count():\n    return 1\n")


def test_a_folder_is_dated_by_its_newest_file_and_a_zip_by_its_entries(tmp_path):
    subs = tmp_path / "subs"
    folder_submission(subs, "ann", NOON)
    zip_submission(subs, "bob", extended=int(NOON) + 60)
    zip_submission(subs, "cy", extended=None)
    found = {s.student_id: s.submitted_at for s in discover(subs, IDS, tmp_path / "stage")}
    assert found == {
        "ann": "2025-03-14T12:00:00+00:00",
        "bob": "2025-03-14T12:01:00+00:00",
        "cy": "2025-03-14T20:30:00",  # no zone recorded: read in the due date's zone later
    }


def test_zip_time_needs_every_entry_dated_in_utc_to_trust_it():
    dated, plain = zipfile.ZipInfo("a", (2025, 1, 1, 0, 0, 0)), zipfile.ZipInfo("b")
    dated.extra = struct.pack("<HHBi", 0x5455, 5, 1, int(NOON))
    assert newest_zip_time([dated]) == "2025-03-14T12:00:00+00:00"
    assert newest_zip_time([dated, plain]) == "2025-01-01T00:00:00"
    assert newest_zip_time([]) == ""


def test_the_lms_csv_is_the_authority_and_unlisted_students_keep_their_files_date(tmp_path, caplog):
    subs = tmp_path / "subs"
    folder_submission(subs, "ann", NOON)
    folder_submission(subs, "Bob", NOON)
    times = tmp_path / "times.csv"
    times.write_text("student_id,submitted_at\nann,2025-03-15T08:00:00+08:00\n", encoding="utf-8")
    found, given = with_submission_times(discover(subs, IDS, tmp_path / "stage"), times)
    assert {s.student_id: s.submitted_at for s in found} == {
        "ann": "2025-03-15T08:00:00+08:00",
        "Bob": "2025-03-14T12:00:00+00:00",
    }
    assert given == {"ann": "2025-03-15T08:00:00+08:00"}
    assert "does not list 1 students (Bob)" in caplog.text


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("student,time\na,2025-01-01T00:00:00Z\n", "needs the columns"),
        ("student_id,submitted_at\na,yesterday\n", "line 2: 'yesterday' is not an ISO 8601"),
        ("student_id,submitted_at\na,2025-01-01T00:00:00\n", "needs a UTC offset"),
        ("student_id,submitted_at\na,2025-01-01T00:00Z\na,2025-01-02T00:00Z\n", "listed twice"),
    ],
)
def test_a_bad_times_csv_is_a_usage_error_naming_the_line(tmp_path, text, says):
    path = tmp_path / "times.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UsageError, match=says):
        read_times_csv(path)


def test_only_students_picks_ids_as_batch_compares_them_and_names_the_missing(tmp_path):
    subs = tmp_path / "subs"
    for student in ("ann", "Bob"):
        folder_submission(subs, student, NOON)
    found = discover(subs, IDS, tmp_path / "stage")
    assert [s.student_id for s in only_students(found, ["bob"], subs)] == ["Bob"]
    with pytest.raises(UsageError, match="no submission of 'zed'"):
        only_students(found, ["ann", "zed"], subs)
