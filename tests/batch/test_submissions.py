"""Discovery and normalization of submissions: every malformed input is its own error row."""

from __future__ import annotations

import hashlib
import os
import zipfile
from pathlib import Path

import pytest

from grader.batch.archive import Limits
from grader.batch.submissions import Submission, discover, student_id_from_name
from grader.errors import SubmissionError
from grader.model import ExerciseResult

IDS = ["ex_a", "ex_b"]
GOOD = {
    "exercises/ex_a.py": b"def f(x):\n    return x + 1\n",
    "answers/ex_a.toml": b'answer = "1"\n',
    "exercises/ex_b.py": b"def g():\n    return 2\n",
    "answers/ex_b.toml": b"value = 2\n",
}


def write_tree(folder: Path, files: dict[str, bytes]) -> Path:
    for rel, data in files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(data)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def write_zip(path: Path, files: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for rel, data in files.items():
            zf.writestr(rel, data)
    return path


def run(tmp_path: Path, ids=IDS, **kwargs) -> dict[str, Submission]:
    subs = discover(tmp_path / "subs", ids, tmp_path / "staging", **kwargs)
    return {s.student_id: s for s in subs}


@pytest.fixture
def subs(tmp_path: Path) -> Path:
    (tmp_path / "subs").mkdir()
    return tmp_path / "subs"


def test_folder_in_handout_layout_gets_a_workspace_with_its_files(tmp_path, subs):
    write_tree(subs / "alice", GOOD)
    alice = run(tmp_path)["alice"]
    assert alice.problems == ()
    assert alice.gradable and alice.workspace == tmp_path / "staging" / "alice"
    assert alice.source == subs / "alice"
    for rel, data in GOOD.items():
        assert (alice.workspace / rel).read_bytes() == data


def test_same_content_has_the_same_hash_in_every_shape(tmp_path, subs):
    write_tree(subs / "folder", GOOD)
    write_zip(subs / "zipped.zip", GOOD)
    write_zip(subs / "wrapped.zip", {f"my_work/{rel}": data for rel, data in GOOD.items()})
    write_tree(subs / "flat", {rel.split("/")[1]: data for rel, data in GOOD.items()})
    for rel, data in GOOD.items():
        (subs / f"single_{rel.split('/')[1]}").write_bytes(data)
    found = run(tmp_path)
    assert set(found) == {"folder", "zipped", "wrapped", "flat", "single"}
    assert len({s.content_hash for s in found.values()}) == 1
    assert all(s.problems == () for s in found.values())


def test_hash_ignores_zip_name_mtime_and_extra_files_but_not_content(tmp_path, subs):
    write_zip(subs / "bob.zip", GOOD)
    before = run(tmp_path)["bob"].content_hash
    (subs / "bob.zip").rename(subs / "Bob.zip")
    os.utime(subs / "Bob.zip", (1, 1))
    assert run(tmp_path)["Bob"].content_hash == before
    write_zip(subs / "Bob.zip", {**GOOD, "notes.txt": b"hello"})
    assert run(tmp_path)["Bob"].content_hash == before
    write_zip(subs / "Bob.zip", {**GOOD, "answers/ex_b.toml": b"value = 3\n"})
    assert run(tmp_path)["Bob"].content_hash != before


def test_zip_slip_is_an_error_row_and_writes_nothing_outside(tmp_path, subs):
    write_zip(subs / "eve.zip", {**GOOD, "../../evil.py": b"boom"})
    write_tree(subs / "alice", GOOD)
    found = run(tmp_path)
    assert not found["eve"].gradable
    assert "leaves the archive's folder" in found["eve"].problems[0]
    assert found["alice"].gradable  # the batch goes on
    assert not (tmp_path / "evil.py").exists() and not (tmp_path.parent / "evil.py").exists()


@pytest.mark.parametrize("name", ["/etc/passwd", "C:\\Windows\\x.py", "\\\\server\\x.py"])
def test_absolute_paths_in_a_zip_are_an_error_row(tmp_path, subs, name):
    write_zip(subs / "eve.zip", {**GOOD, name: b"x"})
    eve = run(tmp_path)["eve"]
    assert eve.workspace is None and "unsafe path in zip" in eve.problems[0]


def test_symlinks_in_a_zip_are_not_followed(tmp_path, subs):
    with zipfile.ZipFile(subs / "mallory.zip", "w") as zf:
        for rel, data in GOOD.items():
            if rel != "exercises/ex_a.py":
                zf.writestr(rel, data)
        link = zipfile.ZipInfo("exercises/ex_a.py")
        link.external_attr = (0o120777) << 16
        zf.writestr(link, "/etc/passwd")
    mallory = run(tmp_path)["mallory"]
    assert mallory.gradable
    assert not (mallory.workspace / "exercises/ex_a.py").exists()
    assert "exercises/ex_a.py: ignored, symbolic links are not followed" in mallory.problems
    assert any(p.startswith("exercises/ex_a.py: missing") for p in mallory.problems)


def test_symlinks_in_a_folder_are_not_followed(tmp_path, subs):
    secret = write_tree(tmp_path / "solutions", {"ex_a.py": b"SECRET = 1\n"})
    folder = write_tree(subs / "mallory", {k: v for k, v in GOOD.items() if "ex_a.py" not in k})
    (folder / "exercises/ex_a.py").symlink_to(secret / "ex_a.py")
    mallory = run(tmp_path)["mallory"]
    assert not (mallory.workspace / "exercises/ex_a.py").exists()
    assert "exercises/ex_a.py: ignored, symbolic links are not followed" in mallory.problems


def test_too_many_zip_entries_is_an_error_row(tmp_path, subs):
    write_zip(subs / "bomb.zip", {**GOOD, **{f"junk/{i}.txt": b"" for i in range(50)}})
    bomb = run(tmp_path, limits=Limits(max_entries=20))["bomb"]
    assert bomb.workspace is None and "entries (at most 20)" in bomb.problems[0]


def test_zip_bomb_by_total_size_is_an_error_row(tmp_path, subs):
    with zipfile.ZipFile(subs / "bomb.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        for rel, data in GOOD.items():
            zf.writestr(rel, data)
        zf.writestr("data.bin", b"\0" * 200_000)
    bomb = run(tmp_path, limits=Limits(max_total_bytes=100_000))["bomb"]
    assert bomb.workspace is None and "zip unpacks to" in bomb.problems[0]


def test_a_member_bigger_than_the_file_cap_is_stopped_while_unpacking(tmp_path, subs):
    big = {**GOOD, "exercises/ex_a.py": b"# " + b"x" * 50_000 + b"\n"}
    with zipfile.ZipFile(subs / "bomb.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        for rel, data in big.items():
            zf.writestr(rel, data)
    bomb = run(tmp_path, limits=Limits(max_file_bytes=10_000))["bomb"]
    assert bomb.workspace is None and "larger than" in bomb.problems[0]


@pytest.mark.parametrize(
    "content",
    [b"this is not a zip", b"PK\x03\x04 truncated", b""],
    ids=["garbage", "truncated-header", "empty-file"],
)
def test_corrupted_zip_is_an_error_row_and_the_batch_goes_on(tmp_path, subs, content):
    (subs / "carol.zip").write_bytes(content)
    write_tree(subs / "dave", GOOD)
    found = run(tmp_path)
    assert not found["carol"].gradable
    assert "carol.zip: not a readable zip archive" in found["carol"].problems[0]
    assert found["dave"].gradable


def test_zip_cut_in_half_is_an_error_row(tmp_path, subs):
    data = write_zip(tmp_path / "whole.zip", GOOD).read_bytes()
    (subs / "carol.zip").write_bytes(data[: len(data) // 2])
    assert "not a readable zip archive" in run(tmp_path)["carol"].problems[0]


def test_zip_with_a_bad_crc_is_an_error_row(tmp_path, subs):
    data = bytearray(write_zip(tmp_path / "whole.zip", GOOD).read_bytes())
    at = data.index(b"return x + 1")
    data[at] = ord("R")  # stored (uncompressed) member: content changes, CRC does not
    (subs / "carol.zip").write_bytes(bytes(data))
    carol = run(tmp_path)["carol"]
    assert carol.workspace is None and "Bad CRC" in carol.problems[0]


def test_empty_folder_and_empty_zip_are_error_rows(tmp_path, subs):
    (subs / "erin").mkdir()
    write_zip(subs / "frank.zip", {})
    found = run(tmp_path)
    assert found["erin"].problems == ("empty submission: the folder has no files",)
    assert found["frank"].problems == ("frank.zip: the zip archive is empty",)
    assert found["erin"].content_hash != found["frank"].content_hash


def test_folder_without_any_exercise_file_is_an_error_row(tmp_path, subs):
    write_tree(subs / "gina", {"homework.docx": b"...", "README.md": b"hi"})
    gina = run(tmp_path)["gina"]
    assert gina.workspace is None
    assert gina.problems[0].startswith("no exercise files found (expected exercises/ex_a.py")
    assert "homework.docx" in gina.problems[0]


def test_missing_files_are_problems_of_those_exercises_only(tmp_path, subs):
    write_tree(subs / "hank", {k: v for k, v in GOOD.items() if "ex_b" not in k})
    hank = run(tmp_path)["hank"]
    assert hank.gradable
    assert hank.problems_for("ex_a") == ()
    assert hank.problems_for("ex_b") == (
        "exercises/ex_b.py: missing, exercise ex_b not submitted",
        "answers/ex_b.toml: missing, its quiz cannot be graded",
    )


def test_non_utf8_source_is_a_problem_with_the_offending_byte(tmp_path, subs):
    gbk = "# 参数\ndef f(x):\n    return x\n".encode("gbk")
    write_tree(subs / "ivy", {**GOOD, "exercises/ex_a.py": gbk})
    ivy = run(tmp_path)["ivy"]
    assert ivy.gradable
    [problem] = ivy.problems_for("ex_a")
    assert problem.startswith("exercises/ex_a.py: not UTF-8 text (byte 0xb2 at offset 2)")


def test_source_with_a_declared_encoding_is_accepted(tmp_path, subs):
    latin = "# -*- coding: latin-1 -*-\nNAME = 'Zoë'\n".encode("latin-1")
    write_tree(subs / "ivy", {**GOOD, "exercises/ex_a.py": latin})
    assert run(tmp_path)["ivy"].problems == ()


def test_non_utf8_answers_file_is_a_problem(tmp_path, subs):
    write_tree(subs / "ivy", {**GOOD, "answers/ex_b.toml": "a = '参数'".encode("gbk")})
    assert (
        run(tmp_path)["ivy"].problems_for("ex_b")[0].startswith("answers/ex_b.toml: not UTF-8 text")
    )


def test_syntax_error_is_a_problem_with_its_line(tmp_path, subs):
    write_tree(subs / "jack", {**GOOD, "exercises/ex_b.py": b"x = 1\ndef g(:\n    pass\n"})
    jack = run(tmp_path)["jack"]
    assert jack.gradable and jack.problems_for("ex_a") == ()
    [problem] = jack.problems_for("ex_b")
    assert problem.startswith("exercises/ex_b.py: syntax error on line 2:")


def test_null_bytes_and_invalid_escapes_do_not_break_discovery(tmp_path, subs):
    sources = {"exercises/ex_a.py": b"x = 1\0\n", "exercises/ex_b.py": b"import re\nP = '\\d+'\n"}
    write_tree(subs / "kim", {**GOOD, **sources})
    kim = run(tmp_path)["kim"]  # filterwarnings=error: a DeprecationWarning would raise here
    assert kim.problems_for("ex_a")[0].startswith("exercises/ex_a.py: ")
    assert kim.problems_for("ex_b") == ()


def test_student_code_is_parsed_never_run(tmp_path, subs):
    marker = tmp_path / "ran"
    code = f"open({str(marker)!r}, 'w').write('x')\n".encode()
    write_tree(subs / "lee", {**GOOD, "exercises/ex_a.py": code})
    assert run(tmp_path)["lee"].problems == ()
    assert not marker.exists()


def test_invalid_toml_and_notebook_are_problems(tmp_path, subs):
    files = {
        "exercises/ex_a.ipynb": b"{not json",
        "answers/ex_a.toml": b"answer = \n",
        "exercises/ex_b.ipynb": b'{"cells": [], "metadata": {}, "nbformat": 4}',
        "answers/ex_b.toml": b"x = 1\n",
    }
    write_tree(subs / "mia", files)
    mia = run(tmp_path)["mia"]
    assert [p.split(":")[0] for p in mia.problems] == ["answers/ex_a.toml", "exercises/ex_a.ipynb"]
    assert "not valid TOML" in mia.problems[0]
    assert "not a valid notebook" in mia.problems[1]
    assert (mia.workspace / "exercises/ex_b.ipynb").is_file()


def test_extra_files_are_ignored_and_noted_and_noise_is_silent(tmp_path, subs):
    noise = {".DS_Store": b"", "__MACOSX/._x": b"", "exercises/__pycache__/ex_a.pyc": b""}
    write_tree(subs / "ned", {**GOOD, **noise, "data.csv": b"1,2", "exercises/helper.py": b""})
    ned = run(tmp_path)["ned"]
    assert ned.problems == ("ignored unexpected files: data.csv, exercises/helper.py",)
    assert sorted(p.relative_to(ned.workspace).as_posix() for p in ned.workspace.rglob("*.*")) == (
        sorted(GOOD)
    )


def test_handout_path_beats_flat_name_and_both_py_and_ipynb_are_kept(tmp_path, subs):
    notebook = b'{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'
    extra = {"ex_a.py": b"FLAT = 1\n", "exercises/ex_a.ipynb": notebook}
    write_tree(subs / "olga", {**GOOD, **extra})
    olga = run(tmp_path)["olga"]
    assert (olga.workspace / "exercises/ex_a.py").read_bytes() == GOOD["exercises/ex_a.py"]
    assert (olga.workspace / "exercises/ex_a.ipynb").read_bytes() == notebook
    assert "ex_a.py: ignored, exercises/ex_a.py is graded instead" in olga.problems


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("alice", "alice"),
        (" Alice Smith ", "Alice_Smith"),
        ("a/b\\c", "a_b_c"),
        ("..", None),
        ("...hidden", "hidden"),
        ("=HYPERLINK(x)", "_HYPERLINK_x_"),
        ("-rf", "rf"),
        ("张三", "张三"),
        ("", None),
        ("///", None),
        ("x" * 300, "x" * 89 + "-" + hashlib.sha256(b"x" * 300).hexdigest()[:10]),
        ("हिंदी", "हिंदी"),  # combining vowel signs are part of a name, not punctuation
        ("a\udcff\nb", "a_b"),  # bytes that are not UTF-8 and line breaks are not kept
    ],
)
def test_student_ids_are_sanitized(name, expected):
    assert student_id_from_name(name) == expected


def test_two_sources_for_one_student_are_error_rows_of_exactly_those_entries(tmp_path, subs):
    write_tree(subs / "pat", GOOD)
    write_zip(subs / "pat.zip", GOOD)
    write_tree(subs / "Quinn", GOOD)
    write_tree(subs / "quinn", GOOD)
    write_tree(subs / "rita", GOOD)
    found = run(tmp_path)
    assert not found["pat"].gradable
    assert found["pat"].problems == (
        "several submissions map to student id 'pat': pat, pat.zip; keep one per student",
    )
    # ids differing only in case collide (case-insensitive disks): each keeps its own row
    for student in ("Quinn", "quinn"):
        assert not found[student].gradable
        assert found[student].problems == (
            f"several submissions map to student id {student!r}: Quinn, quinn (ids that differ"
            " only in case or Unicode form are one student); keep one per student",
        )
    assert found["rita"].gradable and found["rita"].problems == ()


def test_single_files_use_the_longest_matching_exercise_id(tmp_path, subs):
    (subs / "x_ex4_5.py").write_bytes(b"A = 1\n")
    (subs / "y_5.py").write_bytes(b"B = 1\n")
    found = run(tmp_path, ids=["5", "ex4_5"])
    assert found["x"].workspace is not None
    assert (found["x"].workspace / "exercises/ex4_5.py").read_bytes() == b"A = 1\n"
    assert (found["y"].workspace / "exercises/5.py").is_file()


def test_unrecognized_top_level_files_are_skipped(tmp_path, subs, caplog):
    (subs / "grades.csv").write_text("x")
    (subs / "notes.py").write_text("x = 1")
    (subs / ".hidden").mkdir()
    write_tree(subs / "rob", GOOD)
    assert set(run(tmp_path)) == {"rob"}
    assert "notes.py" in caplog.text


def test_staging_inside_the_submissions_folder_is_skipped(tmp_path, subs):
    write_tree(subs / "sam", GOOD)
    first = discover(subs, IDS, subs / "_staging")
    again = discover(subs, IDS, subs / "_staging")
    assert [s.student_id for s in first] == [s.student_id for s in again] == ["sam"]
    with pytest.raises(SubmissionError, match="staging folder must differ"):
        discover(subs, IDS, subs)
    with pytest.raises(SubmissionError, match="not a folder"):
        discover(tmp_path / "nope", IDS, tmp_path / "staging")


def test_results_are_sorted_and_a_stale_workspace_is_replaced(tmp_path, subs):
    for name in ("zed", "amy", "max"):
        write_tree(subs / name, GOOD)
    stale = write_tree(tmp_path / "staging" / "amy", {"exercises/old.py": b""})
    found = discover(subs, IDS, tmp_path / "staging")
    assert [s.student_id for s in found] == ["amy", "max", "zed"]
    assert not (stale / "exercises/old.py").exists()


def test_a_problem_the_grader_reports_again_is_attached_once(tmp_path, subs):
    write_tree(subs / "tess", {**GOOD, "answers/ex_a.toml": b"x = " + b"9" * 200 + b"\n"})
    tess = run(tmp_path)["tess"]
    [problem] = tess.problems_for("ex_a")
    graded = ExerciseResult("ex_a", (), errors=(problem, "another"))
    [result] = tess.with_problems([graded])
    assert result.errors == (problem, "another")
    [fresh] = tess.with_problems([ExerciseResult("ex_a", ())])
    assert fresh.errors == (problem,)
