"""Fuzzing the loader: random bytes, random zips (then damaged), random TOML and notebook
text, and random folders (names that are not UTF-8, links, named pipes) never make it raise
anything but its own SubmissionError, and never need the loader's last-resort net; what it
returns always has unique student ids and printable UTF-8 problems, and a submission that
cannot be graded says why. Deterministic (``derandomize``) and bounded in examples."""

from __future__ import annotations

import io
import os
import tempfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grader.batch.submissions import Submission, discover, load_one
from grader.errors import SubmissionError
from grader.input_limits import Limits

IDS = ["ex_a", "ex_b"]
GOOD_CODE = b"def f(x):\n    return x\n"
FUZZ = settings(
    max_examples=60,
    deadline=None,  # the machine is shared: time is asserted elsewhere, not per example
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SMALL = Limits(max_entries=40, max_depth=4, max_file_bytes=4096, max_total_bytes=16384,
               max_zip_bytes=65536, max_zip_directory_bytes=8192)  # fmt: skip

names = st.one_of(
    st.text(  # file names: any text but "/" and NUL; surrogates only via the bytes below
        st.characters(blacklist_characters="/\0", blacklist_categories=["Cs"]),
        min_size=1,
        max_size=12,
    ),
    st.binary(min_size=1, max_size=12)
    .filter(lambda b: b"/" not in b and b"\0" not in b)
    .map(os.fsdecode),
    st.sampled_from(["exercises", "answers", "ex_a.py", "ex_b.toml", "ex_a.ipynb", "__MACOSX"]),
).filter(lambda name: name not in (".", ".."))
text_names = st.text(st.characters(blacklist_categories=["Cs"]), min_size=1, max_size=12)
member_names = st.one_of(
    st.lists(text_names, min_size=1, max_size=6).map("/".join),
    st.sampled_from(
        ["exercises/ex_a.py", "answers/ex_a.toml", "w/exercises/ex_b.py", "../x", "/abs", "C:x"]
    ),
)
contents = st.one_of(
    st.binary(max_size=300),
    st.just(GOOD_CODE),
    st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")),
)
toml_text = (
    st.text(st.sampled_from(list("[]{}=\"'.,0123456789_-+eExyzab \n#:T\\u")), max_size=400)
    | st.builds(lambda n: "x = " + "[" * n + "]" * n, st.integers(0, 3000))
    | st.builds(lambda n: "x = " + "9" * n, st.integers(1, 6000))
)
json_value = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=20,
)
notebook_text = st.one_of(
    json_value.map(repr),
    json_value.map(lambda v: f'{{"cells": {v!r}, "metadata": {{}}}}'),
    st.builds(lambda n: "[" * n + "]" * n, st.integers(0, 5000)),
    st.builds(lambda n: "[" + "1" * n + "]", st.integers(1, 6000)),
)


def check_result(found: list[Submission]) -> None:
    """The loader's contract, whatever it was fed."""
    ids = [sub.student_id for sub in found]
    assert len(ids) == len(set(ids)), ids
    for sub in found:
        assert sub.gradable or sub.problems, sub
        for problem in sub.problems:
            problem.encode("utf-8")  # storable and printable everywhere
            assert "\n" not in problem and "\r" not in problem
            assert "internal grader error" not in problem, problem


def discover_in(root: Path) -> list[Submission]:
    found = discover(root / "subs", IDS, root / "staging", limits=SMALL)
    check_result(found)
    return found


@st.composite
def zips(draw) -> bytes:
    """A zip of random members (names, bytes, compression, file types), maybe damaged."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name in draw(st.lists(member_names, max_size=6, unique=True)):
            info = zipfile.ZipInfo(name)
            methods = [
                zipfile.ZIP_STORED,
                zipfile.ZIP_DEFLATED,
                zipfile.ZIP_BZIP2,
                zipfile.ZIP_LZMA,
            ]
            info.compress_type = draw(st.sampled_from(methods))
            info.external_attr = draw(st.sampled_from([0, 0o100644, 0o120777, 0o10644, 0o20644]))
            info.external_attr <<= 16
            zf.writestr(info, draw(contents))
    data = bytearray(buffer.getvalue())
    for at, value in draw(st.lists(st.tuples(st.integers(0), st.integers(0, 255)), max_size=8)):
        if data:
            data[at % len(data)] = value
    cut = draw(st.none() | st.integers(0, max(len(data), 0)))
    return bytes(data if cut is None else data[:cut])


@FUZZ
@given(data=st.binary(max_size=2000) | zips())
def test_random_bytes_and_damaged_zips_only_ever_make_error_rows(data):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "subs" / "good" / "exercises").mkdir(parents=True)
        (root / "subs" / "good" / "exercises" / "ex_a.py").write_bytes(GOOD_CODE)
        (root / "subs" / "eve.zip").write_bytes(data)
        found = {s.student_id: s for s in discover_in(root)}
        assert found["good"].gradable
        single = root / "single.zip"
        single.write_bytes(data)
        check_result([load_one(single, IDS, root / "staging1", limits=SMALL)])


@FUZZ
@given(answers=toml_text, notebook=notebook_text)
def test_random_toml_and_notebook_text_are_problems_of_their_files(answers, notebook):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        folder = root / "subs" / "eve"
        (folder / "exercises").mkdir(parents=True)
        (folder / "answers").mkdir()
        (folder / "exercises" / "ex_a.py").write_bytes(GOOD_CODE)
        (folder / "answers" / "ex_a.toml").write_text(answers, "utf-8")
        (folder / "exercises" / "ex_b.ipynb").write_text(notebook, "utf-8")
        [eve] = discover_in(root)
        assert eve.gradable


@st.composite
def trees(draw) -> list[tuple[str, str, bytes]]:
    """(relative path, kind, bytes) entries of a random folder: files, links, pipes."""
    entries = []
    for _ in range(draw(st.integers(0, 8))):
        parts = draw(st.lists(names, min_size=1, max_size=6))
        kind = draw(st.sampled_from(["file", "file", "file", "symlink", "fifo", "hardlink"]))
        entries.append(("/".join(parts), kind, draw(contents)))
    return entries


def build_tree(folder: Path, entries: list[tuple[str, str, bytes]], outside: Path) -> None:
    for rel, kind, data in entries:
        path = folder / rel
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if kind == "file":  # never onto an existing name: it may be a named pipe
                with open(path, "xb") as out:
                    out.write(data)
            elif kind == "symlink":
                path.symlink_to(outside)
            elif kind == "fifo":
                os.mkfifo(path)
            else:
                os.link(outside, path)
        except OSError:
            continue  # a name clash (a file where a folder goes): not this test's subject


@FUZZ
@given(student=names, tree=trees(), top=st.sampled_from(["folder", "single", "link"]))
def test_random_folders_and_names_never_break_discovery(student, tree, top):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        outside = root / "secret.py"
        outside.write_bytes(b"SECRET = 1\n")
        (root / "subs").mkdir()
        if top == "folder":
            build_tree(root / "subs" / student, tree, outside)
        elif top == "single":
            (root / "subs" / f"{student}_ex_a.py").write_bytes(GOOD_CODE)
        else:
            (root / "subs" / student).symlink_to(root)
        for sub in discover_in(root):
            if sub.workspace is not None:
                copied = [p for p in sub.workspace.rglob("*") if p.is_file()]
                assert all(p.read_bytes() != b"SECRET = 1\n" for p in copied)


@pytest.mark.parametrize("name", ["missing", "notes.txt"])
def test_what_is_no_submission_at_all_is_the_loader_s_own_error(tmp_path, name):
    if name == "notes.txt":
        (tmp_path / name).write_text("x")
    with pytest.raises(SubmissionError, match="not a submission"):
        load_one(tmp_path / name, IDS, tmp_path / "staging")
