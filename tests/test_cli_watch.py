"""``grade ID --watch``: one result now, one more after each save of the exercise or its
answers, and Ctrl-C ends it with exit code 130."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

from support import COURSE, REPO, reference_answers, solution_text, stub_text

from grader.cli_watch import snapshot, wait_for_change

MARKER = b"save to grade again"


class Watcher:
    """``grade ex4_5 --watch`` running in ``workspace``; reads its output as it comes."""

    def __init__(self, workspace: Path) -> None:
        env = {**os.environ, "COLUMNS": "200"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "grader", "--course", str(REPO), "ex4_5", "--watch"],
            cwd=workspace,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        self.output = b""

    def next_result(self, timeout: float = 120) -> str:
        """The output up to the next "save to grade again" line (one result)."""
        deadline = time.monotonic() + timeout
        while MARKER not in self.output:
            left = deadline - time.monotonic()
            assert left > 0, self.output.decode(errors="replace")
            ready, _, _ = select.select([self.process.stdout], [], [], left)
            chunk = os.read(self.process.stdout.fileno(), 65536) if ready else b""
            assert chunk or ready == [], "the watcher ended: " + self.stderr()
            self.output += chunk
        result, _, self.output = self.output.partition(MARKER)
        self.output = self.output.partition(b"\n")[2]
        return result.decode()

    def stop(self) -> tuple[int, str]:
        """Ctrl-C: (the exit code, what it printed on stderr); the pipes are closed."""
        self.process.send_signal(signal.SIGINT)
        _, stderr = self.process.communicate(timeout=30)
        return self.process.returncode, stderr.decode(errors="replace")

    def stderr(self) -> str:
        if self.process.poll() is None:
            return ""
        return self.process.stderr.read().decode(errors="replace")


def test_each_save_prints_a_new_result_and_ctrl_c_exits_130(tmp_path):
    (tmp_path / "exercises").mkdir()
    (tmp_path / "answers").mkdir()
    code, answers = tmp_path / "exercises" / "ex4_5.py", tmp_path / "answers" / "ex4_5.toml"
    code.write_text(stub_text("ex4_5"), encoding="utf-8")
    exercise = COURSE.find("ex4_5")
    code_points = exercise.public_checks().max_points  # hidden checks do not run here
    full = code_points + sum(q.points for q in exercise.questions())
    watcher = Watcher(tmp_path)
    try:
        first = watcher.next_result()
        assert f"Score: 0/{full:g}" in first
        code.write_text(solution_text("ex4_5"), encoding="utf-8")  # save 1: the code
        second = watcher.next_result()
        assert (
            "saved: exercises/ex4_5.py" in second and f"Score: {code_points:g}/{full:g}" in second
        )
        answers.write_text(reference_answers("ex4_5"), encoding="utf-8")  # save 2: the quiz
        third = watcher.next_result()
        assert "saved: answers/ex4_5.toml" in third and f"Score: {full:g}/{full:g}" in third
    finally:
        status, stderr = watcher.stop()
    assert status == 130
    assert stderr.strip().endswith("grade: interrupted")
    assert "Traceback" not in stderr


def test_a_save_by_renaming_a_new_file_over_the_old_one_is_seen(tmp_path):
    path = tmp_path / "ex4_5.py"
    path.write_text("x = 1\n")
    before = snapshot([path])
    info = path.stat()
    fresh = tmp_path / "ex4_5.py.new"
    fresh.write_text("x = 1\n")  # same size; same modification time below
    os.utime(fresh, ns=(info.st_atime_ns, info.st_mtime_ns))
    os.replace(fresh, path)
    stamp, changed = wait_for_change([path], before, sleep=lambda s: None)
    assert changed == [path] and stamp != before


def test_a_deleted_file_counts_as_a_change(tmp_path):
    path = tmp_path / "ex4_5.toml"
    path.write_text("")
    before = snapshot([path])
    path.unlink()
    assert wait_for_change([path], before, sleep=lambda s: None) == ((None,), [path])
