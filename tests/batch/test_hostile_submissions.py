"""The loader is total: every hostile or careless submission of issue 13 becomes that
student's own problem (a note, or an error row), within the documented limits, and the
student next to it is read exactly as if it were alone."""

from __future__ import annotations

import errno
import os
import time
import tracemalloc
import unicodedata
from pathlib import Path

import hostile
import pytest

from grader.batch.submissions import Submission, discover, load_one
from grader.errors import StorageError
from grader.input_limits import MAX_DEPTH, MAX_ENTRIES, MAX_ZIP_BYTES, Limits

IDS = ["ex_a"]
CODE = b"def f(x):\n    return x + 1\n"
ANSWERS = b'answer = "1"\n'
GOOD = {"exercises/ex_a.py": CODE, "answers/ex_a.toml": ANSWERS}


def write_tree(folder: Path, files: dict[str, bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for rel, data in files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(data)
    return folder


@pytest.fixture
def subs(tmp_path: Path) -> Path:
    """A submissions folder holding one good student, ``bob``, next to the attacker."""
    write_tree(tmp_path / "subs" / "bob", GOOD)
    return tmp_path / "subs"


def load(tmp_path: Path, **kwargs) -> dict[str, Submission]:
    found = discover(tmp_path / "subs", IDS, tmp_path / "staging", **kwargs)
    for sub in found:  # every message is printable UTF-8: storable, exportable, showable
        for problem in sub.problems:
            problem.encode("utf-8")
            assert "\n" not in problem and "\r" not in problem, problem
    return {s.student_id: s for s in found}


def assert_bob_untouched(found: dict[str, Submission]) -> None:
    bob = found["bob"]
    assert bob.gradable and bob.problems == ()
    assert (bob.workspace / "exercises/ex_a.py").read_bytes() == CODE


def text(sub: Submission) -> str:
    return " ".join(sub.problems)


# -- answers TOML ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "says"),
    [
        (hostile.deep_toml(), "nested more than 16 levels deep"),
        (hostile.huge_int_toml(5000), "an integer with more than 100 digits"),
        (hostile.huge_int_toml(101), "an integer with more than 100 digits"),
        (b"x = " + b"[" * 17 + b"]" * 17 + b"\n", "nested more than 16 levels deep"),
    ],
    ids=["nested-3000", "int-5000-digits", "int-101-digits", "nested-17"],
)
def test_an_answers_file_past_the_toml_limits_is_a_problem_of_its_quiz_only(
    tmp_path, subs, answers, says
):
    write_tree(subs / "eve", {**GOOD, "answers/ex_a.toml": answers})
    found = load(tmp_path)
    assert_bob_untouched(found)
    eve = found["eve"]
    assert eve.gradable  # the code is still graded
    [problem] = eve.problems_for("ex_a")
    assert problem.startswith("answers/ex_a.toml: ") and says in problem


def test_answers_within_the_toml_limits_are_fine(tmp_path, subs):
    nested = b"x = " + b"[" * 15 + b"]" * 15 + b"\n"
    write_tree(subs / "eve", {**GOOD, "answers/ex_a.toml": nested + b"y = " + b"9" * 100})
    assert load(tmp_path)["eve"].problems == ()


# -- zips -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (hostile.zip_with_invalid_utf8_name(GOOD), "a file name marked as UTF-8 is not valid"),
        (hostile.zip_with_corrupt_lzma(GOOD), "damaged compressed data"),
    ],
    ids=["utf8-flag-invalid-name", "lzma-corrupt-options"],
)
def test_a_corrupt_zip_is_an_error_row(tmp_path, subs, data, says):
    (subs / "eve.zip").write_bytes(data)
    found = load(tmp_path)
    assert_bob_untouched(found)
    assert not found["eve"].gradable
    assert text(found["eve"]).startswith("eve.zip: not a readable zip archive") and says in text(
        found["eve"]
    )


def test_a_stray_gbk_name_in_a_windows_zip_is_noted_and_the_work_graded(tmp_path, subs):
    (subs / "eve.zip").write_bytes(hostile.windows_zip(GOOD, "作业"))
    eve = load(tmp_path)["eve"]
    assert eve.gradable and (eve.workspace / "exercises/ex_a.py").read_bytes() == CODE
    [note] = eve.problems
    assert note.startswith("ignored unexpected files: ")


@pytest.mark.parametrize(
    ("mode", "says"),
    [
        (0o120000, "symbolic links are not followed"),
        (0o010000, "a named pipe is not a regular file"),
        (0o020000, "a device file is not a regular file"),
    ],
    ids=["symlink", "fifo", "device"],
)
def test_special_members_of_a_zip_are_never_read(tmp_path, subs, mode, says):
    files = {"answers/ex_a.toml": ANSWERS}
    data = hostile.zip_with_member_type(files, "exercises/ex_a.py", mode, CODE)
    (subs / "eve.zip").write_bytes(data)
    eve = load(tmp_path)["eve"]
    assert not (eve.workspace / "exercises/ex_a.py").exists()
    assert f"exercises/ex_a.py: ignored, {says}" in eve.problems


def test_a_94_mb_zip_claiming_2_million_entries_is_refused_before_its_directory_is_read(
    tmp_path, subs
):
    hostile.write_directory_claim(subs / "eve.zip", 94 * 2**20, 2_000_000, 94_000_000)
    tracemalloc.start()
    try:
        found = load(tmp_path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert_bob_untouched(found)
    assert (
        text(found["eve"]) == f"eve.zip: the zip is 94.0 MB (at most {MAX_ZIP_BYTES // 2**20}.0 MB)"
    )
    assert peak < 2 * 2**20, peak  # the 94 MB were never read (it cost 821 MiB before)


@pytest.mark.parametrize(
    ("count", "claimed", "says"),
    [
        (30_000, 30_000, f"zip has 30000 entries (at most {MAX_ENTRIES})"),
        (30_000, 1, "the zip's list of entries takes 1.3 MB (at most 1.0 MB)"),
    ],
    ids=["count-claimed", "count-hidden-in-a-large-directory"],
)
def test_a_small_zip_with_a_huge_directory_costs_no_memory(tmp_path, subs, count, claimed, says):
    (subs / "eve.zip").write_bytes(hostile.zip_with_tiny_entries(count, claimed))
    tracemalloc.start()
    try:
        found = load(tmp_path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert_bob_untouched(found)
    assert text(found["eve"]).endswith(says)
    assert peak < 4 * 2**20, peak  # 30,000 ZipInfo objects would take about 15 MB


def test_a_zip_nested_past_the_depth_limit_is_an_error_row(tmp_path, subs):
    deep = "/".join(["d"] * (MAX_DEPTH + 1))
    (subs / "eve.zip").write_bytes(hostile.zip_bytes({**GOOD, f"{deep}/x.txt": b""}))
    assert f"nested {MAX_DEPTH + 1} folders deep" in text(load(tmp_path)["eve"])


# -- folders ------------------------------------------------------------------------


def test_a_folder_nested_thousands_deep_is_an_error_row_not_a_recursion_error(tmp_path, subs):
    write_tree(subs / "eve", GOOD)
    hostile.nest_folders(subs / "eve" / "deep")
    try:
        started = time.monotonic()
        found = load(tmp_path)
        seconds = time.monotonic() - started
    finally:
        hostile.remove_nested(subs / "eve" / "deep")
    assert_bob_untouched(found)
    assert not found["eve"].gradable
    assert text(found["eve"]).startswith(f"folders nested more than {MAX_DEPTH} levels deep")
    assert seconds < 10


def test_a_folder_with_too_many_entries_is_an_error_row(tmp_path, subs):
    write_tree(subs / "eve", {**GOOD, **{f"junk/{i}.txt": b"" for i in range(30)}})
    eve = load(tmp_path, limits=Limits(max_entries=20))["eve"]
    assert eve.problems == ("the folder has more than 20 files",)


def test_a_file_name_that_is_not_utf8_is_shown_escaped(tmp_path, subs):
    folder = write_tree(subs / "eve", GOOD)
    (folder / os.fsdecode("测试.txt".encode("gbk"))).write_bytes(b"x")  # unzipped on Linux
    eve = load(tmp_path)["eve"]
    assert eve.gradable
    assert eve.problems == ("ignored unexpected files: \\xb2\\xe2\\xca\\xd4.txt",)


def test_a_name_with_line_breaks_and_escapes_cannot_forge_a_message(tmp_path, subs):
    folder = write_tree(subs / "eve", GOOD)
    (folder / "x\n- ex_a: full marks\x1b[2J.txt").write_bytes(b"x")
    eve = load(tmp_path)["eve"]
    assert eve.problems == ("ignored unexpected files: x\\n- ex_a: full marks\\x1b[2J.txt",)


def test_a_student_id_whose_nfc_form_is_too_long_for_a_file_name_is_graded(tmp_path, subs):
    name = "\u0958" * 80  # 240 bytes on disk; NFC decomposes each into two code points
    assert len(unicodedata.normalize("NFC", name).encode()) > 255
    write_tree(subs / name, GOOD)
    found = load(tmp_path)
    assert_bob_untouched(found)
    [student] = [s for s in found if s != "bob"]
    assert found[student].gradable and found[student].problems == ()
    assert len(student) == 100 and student.startswith("\u0915\u093c")


def test_two_long_names_sharing_their_first_100_characters_are_two_students(tmp_path, subs):
    write_tree(subs / ("x" * 120 + "_one"), GOOD)
    write_tree(subs / ("x" * 120 + "_two"), {**GOOD, "exercises/ex_a.py": b"A = 2\n"})
    found = load(tmp_path)
    longs = sorted(s for s in found if s.startswith("x"))
    assert len(longs) == 2 and all(len(s) == 100 for s in longs)
    assert all(found[s].gradable and found[s].problems == () for s in longs)
    assert found[longs[0]].content_hash != found[longs[1]].content_hash


# -- links and special files ---------------------------------------------------------


@pytest.fixture
def instructor_solution(tmp_path: Path) -> Path:
    return write_tree(tmp_path / "course" / "solutions", {"ex_a.py": b"SOLUTION = 1\n"}) / "ex_a.py"


def test_a_symlink_to_the_instructor_solution_is_never_read(tmp_path, subs, instructor_solution):
    folder = write_tree(subs / "eve", {"answers/ex_a.toml": ANSWERS})
    (folder / "exercises").mkdir()
    (folder / "exercises" / "ex_a.py").symlink_to(instructor_solution)
    eve = load(tmp_path)["eve"]
    assert not (eve.workspace / "exercises/ex_a.py").exists()
    assert eve.problems_for("ex_a") == (
        "exercises/ex_a.py: missing, exercise ex_a not submitted",
        "exercises/ex_a.py: ignored, symbolic links are not followed",
    )


def test_a_symlinked_folder_is_never_entered(tmp_path, subs, instructor_solution):
    folder = write_tree(subs / "eve", {"answers/ex_a.toml": ANSWERS})
    (folder / "exercises").symlink_to(instructor_solution.parent)
    eve = load(tmp_path)["eve"]
    assert "exercises: ignored, symbolic links are not followed" in eve.problems
    assert not (eve.workspace / "exercises").exists()


def test_a_hard_link_to_the_instructor_solution_is_never_read(tmp_path, subs, instructor_solution):
    folder = write_tree(subs / "eve", {"answers/ex_a.toml": ANSWERS})
    (folder / "exercises").mkdir()
    os.link(instructor_solution, folder / "exercises" / "ex_a.py")
    eve = load(tmp_path)["eve"]
    assert not (eve.workspace / "exercises/ex_a.py").exists()
    assert any(
        p.startswith("exercises/ex_a.py: ignored, a hard link (this file has 2 names")
        for p in eve.problems
    )


@pytest.mark.parametrize("kind", ["symlink", "hardlink", "fifo"])
def test_top_level_links_and_special_files_are_error_rows(tmp_path, subs, kind):
    elsewhere = write_tree(tmp_path / "elsewhere", GOOD)
    zipped = tmp_path / "elsewhere.zip"
    zipped.write_bytes(hostile.zip_bytes(GOOD))
    if kind == "symlink":
        (subs / "eve").symlink_to(elsewhere)
        (subs / "zoe.zip").symlink_to(zipped)
        (subs / "ann_ex_a.py").symlink_to(elsewhere / "exercises" / "ex_a.py")
        says = "refused, symbolic links are not followed"
    elif kind == "hardlink":
        os.link(zipped, subs / "eve.zip")
        os.link(zipped, subs / "zoe.zip")
        os.link(elsewhere / "exercises" / "ex_a.py", subs / "ann_ex_a.py")
        says = "refused, a hard link (this file has"
    else:
        os.mkfifo(subs / "eve.zip")
        os.mkfifo(subs / "zoe.zip")
        os.mkfifo(subs / "ann_ex_a.py")
        says = "refused, a named pipe is not a regular file"
    started = time.monotonic()
    found = load(tmp_path)
    assert time.monotonic() - started < 10  # a named pipe is never opened: no hang
    assert_bob_untouched(found)
    for student in ("eve", "zoe", "ann"):
        assert not found[student].gradable
        assert says in text(found[student]), text(found[student])


def test_a_named_pipe_in_a_folder_never_blocks_the_batch(tmp_path, subs):
    folder = write_tree(subs / "eve", {"answers/ex_a.toml": ANSWERS, "notes.txt": b"hi"})
    (folder / "exercises").mkdir()
    os.mkfifo(folder / "exercises" / "ex_a.py")
    os.mkfifo(folder / "pipe")
    started = time.monotonic()
    found = load(tmp_path)
    assert time.monotonic() - started < 10
    assert_bob_untouched(found)
    assert "exercises/ex_a.py: ignored, a named pipe is not a regular file" in found["eve"].problems
    assert "pipe: ignored, a named pipe is not a regular file" in found["eve"].problems


def test_sockets_and_device_files_in_a_folder_are_never_opened(tmp_path, subs):
    folder = write_tree(subs / "eve", GOOD)
    hostile.make_socket_file(folder / "sock")
    if not hostile.make_device_file(folder / "exercises" / "ex_b.py"):
        pytest.skip("creating a device file needs privileges (CAP_MKNOD) this run lacks")
    eve = load(tmp_path)["eve"]
    assert eve.gradable
    assert "sock: ignored, a socket is not a regular file" in eve.problems
    assert "exercises/ex_b.py: ignored, a device file is not a regular file" in eve.problems


def test_load_one_reads_by_the_same_rules(tmp_path, instructor_solution):
    folder = write_tree(tmp_path / "eve", {"answers/ex_a.toml": hostile.deep_toml()})
    (folder / "exercises").mkdir()
    (folder / "exercises" / "ex_a.py").symlink_to(instructor_solution)
    eve = load_one(folder, IDS, tmp_path / "staging")
    assert "exercises/ex_a.py: ignored, symbolic links are not followed" in eve.problems
    assert any("nested more than 16 levels deep" in p for p in eve.problems)
    assert not (eve.workspace / "exercises/ex_a.py").exists()


# -- student ids ------------------------------------------------------------------------


def test_ids_differing_by_case_folding_or_compatibility_forms_are_collisions(tmp_path, subs):
    (subs / "ALICE_ex_a.py").write_bytes(CODE)
    write_tree(subs / "alice", GOOD)
    write_tree(subs / "STRASSE", GOOD)
    write_tree(subs / "straße", GOOD)
    write_tree(subs / "\ufb01ona", GOOD)  # the "fi" ligature
    write_tree(subs / "fiona", GOOD)
    write_tree(subs / "carl", GOOD)
    found = load(tmp_path)
    assert_bob_untouched(found)
    assert found["carl"].gradable and found["carl"].problems == ()
    pairs = [("ALICE", "alice"), ("STRASSE", "straße"), ("\ufb01ona", "fiona")]
    for pair in pairs:
        for student in pair:
            sub = found[student]
            assert not sub.gradable, student
            [problem] = sub.problems
            assert problem.startswith(f"several submissions map to student id {student!r}: ")
            assert all(other in problem for other in pair), problem
            assert "differ only in case or Unicode form" in problem
    assert set(found) == {"bob", "carl", *(s for pair in pairs for s in pair)}


def test_the_same_id_twice_is_one_error_row(tmp_path, subs):
    write_tree(subs / "pat", GOOD)
    (subs / "pat.zip").write_bytes(hostile.zip_bytes(GOOD))
    found = load(tmp_path)
    assert found["pat"].problems == (
        "several submissions map to student id 'pat': pat, pat.zip; keep one per student",
    )
    assert_bob_untouched(found)


def test_a_zip_that_is_not_a_zip_at_all_still_has_a_stable_hash(tmp_path, subs):
    (subs / "eve.zip").write_bytes(b"PK\x03\x04" + b"\0" * 100)
    first = load(tmp_path)["eve"].content_hash
    (subs / "eve.zip").rename(subs / "eve2.zip")
    assert load(tmp_path)["eve2"].content_hash == first


@pytest.mark.parametrize("name", ["\U0001f600", "!!!", "%", "\u2603\u2603"])
def test_a_name_with_no_letter_or_digit_is_an_error_row_not_dropped(tmp_path, subs, name):
    write_tree(subs / name, GOOD)
    (subs / f"{name}{name}.zip").write_bytes(hostile.zip_bytes(GOOD))
    found = load(tmp_path)
    assert_bob_untouched(found)
    unnamed = sorted(s for s in found if s != "bob")
    assert len(unnamed) == 2 and all(s.startswith("unnamed-") for s in unnamed), unnamed
    for student in unnamed:
        sub = found[student]
        assert not sub.gradable
        [problem] = sub.problems
        assert problem.endswith(
            "refused, its name has no letter or digit to make a student id from: "
            "rename it to the student's id"
        ), problem


def test_a_staging_folder_that_cannot_be_written_stops_with_a_storage_error(
    tmp_path, subs, monkeypatch
):
    def disk_full(self, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Path, "write_bytes", disk_full)
    with pytest.raises(StorageError) as error:
        load(tmp_path)
    assert error.value.exit_code == 4
    assert "cannot write bob's files to the staging folder (No space left on device)" in str(
        error.value
    )
    assert str(error.value).endswith("free space there and run the batch again")
