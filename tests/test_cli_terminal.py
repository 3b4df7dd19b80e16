"""What ``grade`` prints fits the terminal: the width (``COLUMNS``, at least 80), colours only
on a terminal, warnings as one wrapped ``grade: warning:`` line each, once per run, a batch
progress bar updated in place on a terminal and plain lines elsewhere, ``grade list``."""

from __future__ import annotations

import io
import logging
import os
import pty
import re
import select
import subprocess
import sys
from pathlib import Path

import pytest
from support import REPO, apply_edits, solution_text

from grader.cli_output import ProgressBar, setup_logging

ANSI = re.compile(r"\x1b\[[0-9;]*m")
WRONG_ANSWERS = 'P_of_L = "N/L"\ndP_dL = "d/dL P"\nL_star = "2"\nmonotonic = true\n'


def student_workspace(root: Path) -> Path:
    """ex4_5 with a wrong parameter count and wrong quiz answers: long messages to wrap."""
    (root / "exercises").mkdir(parents=True)
    (root / "answers").mkdir()
    code = apply_edits("ex4_5", [("last = width + 1", "last = width")])
    (root / "exercises" / "ex4_5.py").write_text(code, encoding="utf-8")
    (root / "answers" / "ex4_5.toml").write_text(WRONG_ANSWERS, encoding="utf-8")
    return root


def grade(*args: str, cwd: Path, columns: str = "80", timeout: float = 180):
    env = {**os.environ, "COLUMNS": columns}
    env.pop("GRADER_DEBUG", None)
    command = [sys.executable, "-m", "grader", "--course", str(REPO), *args]
    return subprocess.run(
        command, capture_output=True, text=True, cwd=cwd, env=env, timeout=timeout
    )


def test_grade_ex4_5_at_80_columns_has_no_line_longer_than_80(tmp_path):
    done = grade("ex4_5", "--isolation", "process", cwd=student_workspace(tmp_path))
    assert done.returncode == 1, done.stderr
    lines = (done.stdout + done.stderr).splitlines()
    assert [line for line in lines if len(line) > 80] == []
    assert "Score:" in done.stdout and "FAIL" in done.stdout
    assert not ANSI.search(done.stdout + done.stderr)  # a pipe gets no colour


def test_the_isolation_warning_is_one_readable_line_shown_once(tmp_path):
    done = grade("ex4_5", "--isolation", "process", cwd=student_workspace(tmp_path))
    assert "WARNING" not in done.stderr
    assert done.stderr.count("grade: warning: sandbox isolation is process") == 1
    continued = done.stderr.split("grade: warning: ")[1].splitlines()
    assert all(line.startswith("    ") for line in continued[1:] if line.strip())


def test_a_wider_terminal_gets_longer_lines(tmp_path):
    done = grade("ex4_5", cwd=student_workspace(tmp_path), columns="160")
    assert max(len(line) for line in done.stdout.splitlines()) > 80


def run_in_a_terminal(args: list[str], cwd: Path, timeout: float = 180) -> str:
    """stdout of ``grade ARGS`` run with a pseudo-terminal as its stdout."""
    leader, follower = pty.openpty()
    env = {**os.environ, "COLUMNS": "100"}
    process = subprocess.Popen(
        [sys.executable, "-m", "grader", "--course", str(REPO), *args],
        stdout=follower,
        stderr=subprocess.DEVNULL,
        cwd=cwd,
        env=env,
    )
    os.close(follower)
    chunks = []
    while True:
        ready, _, _ = select.select([leader], [], [], timeout)
        if not ready:
            process.kill()
            break
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed: the process is done
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait(timeout=30)
    os.close(leader)
    return b"".join(chunks).decode("utf-8", errors="replace")


def test_colours_only_on_a_terminal(tmp_path):
    shown = run_in_a_terminal(["ex4_5", "--public-only"], student_workspace(tmp_path))
    assert "\x1b[31mFAIL" in shown  # red marks on a terminal


# --- warnings and the batch progress bar ------------------------------------------------------


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def warnings_once():
    setup_logging()
    yield logging.getLogger("grader.test")
    from grader import cli_output

    cli_output._HANDLER.seen.clear()


def test_on_a_terminal_the_bar_updates_in_place_and_warnings_print_above_it(warnings_once):
    screen = FakeTerminal()
    with ProgressBar(3, stream=screen) as bar:
        bar.advance("alice: graded")
        warnings_once.warning("sandbox isolation is process")
        bar.advance("bob: graded")
        warnings_once.warning("sandbox isolation is process")  # a second worker: not repeated
        bar.advance("carol: error")
    text = screen.getvalue()
    assert text.count("\n") == 2  # the warning's line and the final one: no line per student
    assert text.count("\r\x1b[2K") == 4  # three updates in place, one to print above
    above, bar_line = text.rstrip("\n").split("\n")
    assert above.endswith("grade: warning: sandbox isolation is process")
    assert "[3/3]" in bar_line.rsplit("\r\x1b[2K", 1)[1] and "carol: error" in bar_line


def test_elsewhere_the_bar_prints_one_plain_line_per_submission():
    log = io.StringIO()
    with ProgressBar(2, stream=log) as bar:
        bar.advance("alice: graded")
        bar.advance("bob: error")
    lines = log.getvalue().splitlines()
    assert len(lines) == 2 and "\r" not in log.getvalue() and "\x1b" not in log.getvalue()
    assert lines[0].startswith("[1/2] ") and lines[1].endswith("bob: error")


def test_the_bar_never_outgrows_the_terminal(monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    screen = FakeTerminal()
    with ProgressBar(1, stream=screen) as bar:
        bar.advance("a_student_with_a_very_long_identifier_" * 3 + ": graded")
    shown = screen.getvalue().rsplit("\r\x1b[2K", 1)[1].rstrip("\n")
    assert len(shown) <= 79


def test_batch_workers_warnings_reach_the_terminal_once(tmp_path):
    subs = tmp_path / "subs"
    for student in ("s1", "s2", "s3"):
        (subs / student / "exercises").mkdir(parents=True)
        (subs / student / "exercises" / "ex4_5.py").write_text(solution_text("ex4_5"))
    done = grade(
        "batch", str(subs), "--db", str(tmp_path / "g.db"), "-j", "2",
        "--isolation", "process", "--exercise", "ex4_5",
        cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "WARNING" not in done.stderr
    assert done.stderr.count("grade: warning: sandbox isolation is process") == 1
    assert [line for line in done.stderr.splitlines() if len(line) > 80] == []


# --- grade list -------------------------------------------------------------------------------


def test_grade_list_aligns_every_id_and_fits_80_columns(tmp_path):
    done = grade("list", cwd=tmp_path)
    lines = done.stdout.splitlines()
    assert [line for line in lines if len(line) > 80] == []
    firsts = [line for line in lines if not line.startswith(" ")]
    alias_columns = {line.index(line.split()[1], len(line.split()[0])) for line in firsts}
    assert len(firsts) == 9 and len(alias_columns) == 1  # gradcheck, softmax_xent included


def notebook_workspace(tmp_path: Path) -> Path:
    """ex4_5 solved in a notebook with ``%matplotlib inline`` and an answers cell, beside
    an answers/ex4_5.toml with one answer."""
    import nbformat

    (tmp_path / "exercises").mkdir()
    (tmp_path / "answers").mkdir()
    (tmp_path / "answers" / "ex4_5.toml").write_text('P_of_L = "N"\n', encoding="utf-8")
    cells = [
        nbformat.v4.new_code_cell("%matplotlib inline\n" + solution_text("ex4_5")),
        nbformat.v4.new_raw_cell(
            '# Quiz answers for ex4_5\nP_of_L = "N"\ndP_dL = "1"\nL_star = "2"\n'
        ),
    ]
    nbformat.write(nbformat.v4.new_notebook(cells=cells), tmp_path / "exercises" / "ex4_5.ipynb")
    return tmp_path


def test_grade_list_counts_the_answers_grading_reads(tmp_path):
    """A notebook's answers cell wins over answers/<id>.toml in grading: list says so too."""
    done = grade("list", cwd=notebook_workspace(tmp_path), columns="200")
    line = next(line for line in done.stdout.splitlines() if "quiz" in line and "(7 pts)" in line)
    assert "quiz 3/4 answered in exercises/ex4_5.ipynb (answers cell 2)" in line


def test_notices_about_a_notebook_are_notes_not_errors(tmp_path):
    done = grade("ex4_5", "--public-only", cwd=notebook_workspace(tmp_path), columns="200")
    lines = done.stdout.splitlines()
    assert "  note: cell 1, line 1: `%matplotlib inline` (IPython magic) was not run" in lines
    assert any(
        line.startswith("  note: quiz answers are read from the answers cell") for line in lines
    )
    assert not any(line.startswith("  error:") for line in lines), done.stdout
