"""grader.text_file: one bounded UTF-8 reader for answers files, rosters and time CSVs."""

from __future__ import annotations

import pytest

from grader.text_file import UnreadableText, read_utf8


def test_utf8_text_comes_back_without_its_byte_order_mark(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes("\ufeffname,id\nZoë,7\n".encode())
    assert read_utf8(path, 100, "roster.csv") == "name,id\nZoë,7\n"


def test_a_file_at_the_limit_is_read_and_one_byte_more_is_refused(tmp_path):
    path = tmp_path / "a.toml"
    path.write_bytes(b"x" * 10)
    assert read_utf8(path, 10, "a.toml") == "x" * 10
    path.write_bytes(b"x" * 11)
    with pytest.raises(UnreadableText, match=r"^a\.toml: the file is larger than 10 bytes$"):
        read_utf8(path, 10, "a.toml")


def test_bytes_that_are_not_utf8_name_their_line_and_byte(tmp_path):
    path = tmp_path / "times.csv"
    path.write_bytes(b"student,time\nal\xe9,2026\n")
    with pytest.raises(UnreadableText) as error:
        read_utf8(path, 100, "times.csv")
    assert str(error.value) == (
        "times.csv (line 2): not valid UTF-8 (byte 0xe9): save the file with UTF-8 encoding"
    )


@pytest.mark.parametrize("make", ["missing", "folder"])
def test_a_path_that_cannot_be_read_says_so(tmp_path, make):
    path = tmp_path / "roster.csv"
    if make == "folder":
        path.mkdir()
    with pytest.raises(UnreadableText, match=r"^roster\.csv: cannot be read \("):
        read_utf8(path, 100, "roster.csv")
