"""Time from saving a file to the new result on screen with `grade ex4_5 --watch`, as a
ratio to a cold `grade ex4_5` measured in the same run (target: at most 0.25).

The workspace is a student's finished ex4_5 (the reference code and answers, graded
against the example course's reference answers: every check and question runs). Cold:
the wall time of `grade ex4_5` from start to exit, median of --repeat runs after one
warm-up. Watch: one `grade ex4_5 --watch`; each save rewrites exercises/ex4_5.py or
answers/ex4_5.toml (alternately) with a changed comment, and the time runs from the
write to the end of the new result ("save to grade again"); median of --saves.

    python bench/bench_watch.py --repeat 5 --saves 10
"""

from __future__ import annotations

import argparse
import os
import select
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MARKER = b"save to grade again"
GRADE = [sys.executable, "-m", "grader", "--course", str(REPO), "ex4_5", "--device", "cpu"]


def workspace(root: Path) -> tuple[Path, Path]:
    """A finished ex4_5 in ``root``: (the code file, the answers file)."""
    (root / "exercises").mkdir()
    (root / "answers").mkdir()
    code, answers = root / "exercises" / "ex4_5.py", root / "answers" / "ex4_5.toml"
    code.write_text((REPO / "solutions" / "ex4_5.py").read_text(encoding="utf-8"), "utf-8")
    answers.write_text((REPO / "solutions" / "ex4_5.toml").read_text(encoding="utf-8"), "utf-8")
    return code, answers


def cold(root: Path, repeat: int) -> float:
    """Median wall seconds of `grade ex4_5` in ``root`` (after one warm-up run)."""
    times = []
    for run in range(repeat + 1):
        started = time.perf_counter()
        done = subprocess.run(GRADE, cwd=root, capture_output=True, check=False)
        if done.returncode != 0:
            sys.exit(f"grade ex4_5 exited {done.returncode}:\n{done.stderr.decode()[-2000:]}")
        if run:
            times.append(time.perf_counter() - started)
    return statistics.median(times)


def read_result(process: subprocess.Popen, pending: bytearray, timeout: float = 120) -> None:
    """Consume the output up to the end of the next result."""
    deadline = time.monotonic() + timeout
    while MARKER not in pending:
        ready, _, _ = select.select([process.stdout], [], [], deadline - time.monotonic())
        chunk = os.read(process.stdout.fileno(), 65536) if ready else b""
        if not chunk:
            sys.exit(f"the watcher stopped or stalled:\n{bytes(pending).decode()[-2000:]}")
        pending += chunk
    del pending[: pending.index(MARKER) + len(MARKER)]


def watch(root: Path, files: tuple[Path, Path], saves: int) -> list[float]:
    """Seconds from each save to its result on screen, one `grade --watch` for all."""
    env = {**os.environ, "COLUMNS": "100"}
    process = subprocess.Popen(
        [*GRADE, "--watch"], cwd=root, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env
    )
    pending = bytearray()
    times = []
    try:
        read_result(process, pending)  # the first result: start-up, not a save
        for save in range(saves):
            path = files[save % 2]
            text = path.read_text(encoding="utf-8")
            time.sleep(0.5)  # a person does not save twice within a poll
            started = time.perf_counter()
            path.write_text(text + f"\n# save {save}\n", encoding="utf-8")
            read_result(process, pending)
            times.append(time.perf_counter() - started)
    finally:
        process.terminate()
        process.wait(timeout=30)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="cold runs (median)")
    parser.add_argument("--saves", type=int, default=10, help="saves while watching (median)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-watch-") as folder:
        root = Path(folder)
        files = workspace(root)
        cold_s = cold(root, args.repeat)
        saves = watch(root, files, args.saves)
    save_s = statistics.median(saves)
    print(f"cold  grade ex4_5                       {cold_s:6.2f} s  (median of {args.repeat})")
    print(
        f"watch save -> result printed            {save_s:6.2f} s  (median of {args.saves}; "
        f"min {min(saves):.2f}, max {max(saves):.2f})"
    )
    print(f"ratio watch / cold                      {save_s / cold_s:6.2f}   (target <= 0.25)")


if __name__ == "__main__":
    main()
