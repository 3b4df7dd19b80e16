"""Batch grading throughput against a naive one-process-per-submission baseline.

    python bench/bench_batch.py --students 200 --naive 20

1. Generates the demo class (seeded) of --students submissions.
2. Grades it with `grade batch -j 1` and `-j 2` into fresh gradebooks.
3. Grades --naive of the same (already normalized) submissions one process per
   submission (`python -m grader all --submission DIR --json`), which pays the
   interpreter, torch and sympy imports every time, and extrapolates per submission.

Reports submissions per minute, the per-submission overhead
(wall - time inside checks / jobs) / N (checks of -j 2 run two at a time), the
overhead as a share of check time, and the speed-up over the naive baseline
measured in the same run.
"""

from __future__ import annotations

import argparse
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def check_seconds(db: Path) -> float:
    """Sum of time spent inside checks, over the latest submission of every student."""
    conn = sqlite3.connect(db)
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        table = next(t for t in tables if "check" in t)
        query = f"SELECT COALESCE(SUM(duration_s), 0) FROM {table}"
        return float(conn.execute(query).fetchone()[0])
    finally:
        conn.close()


def timed(cmd: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(cmd, cwd=REPO, capture_output=True, check=False)
    return time.perf_counter() - started


def batch(demo: Path, db: Path, jobs: int, exercises: list[str]) -> tuple[float, float]:
    flags = [x for e in exercises for x in ("--exercise", e)]
    wall = timed(
        [
            sys.executable,
            "-m",
            "grader",
            "batch",
            str(demo),
            "--db",
            str(db),
            "-j",
            str(jobs),
            "--device",
            "cpu",
            *flags,
        ]
    )
    return wall, check_seconds(db)


def naive(demo: Path, staging: Path, count: int, exercises: list[str]) -> float:
    """Median-free mean seconds per submission, one fresh process each."""
    from grader.batch.submissions import discover

    subs = [s for s in discover(demo, exercises, staging) if s.workspace][:count]
    started = time.perf_counter()
    for sub in subs:
        for exercise in exercises:
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "grader",
                    exercise,
                    "--submission",
                    str(sub.workspace),
                    "--json",
                    "--device",
                    "cpu",
                ],
                cwd=REPO,
                capture_output=True,
                check=False,
            )
    return (time.perf_counter() - started) / max(len(subs), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--naive", type=int, default=20, help="submissions for the baseline")
    parser.add_argument("--exercise", action="append", default=[])
    args = parser.parse_args()
    from grader.catalog import active

    exercises = args.exercise or [e.id for e in active().exercises()]
    with tempfile.TemporaryDirectory() as tmp:
        demo = Path(tmp) / "class"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "grader",
                "demo-class",
                str(demo),
                "--students",
                str(args.students),
            ],
            cwd=REPO,
            check=True,
            capture_output=True,
        )
        n = args.students
        print(f"{n} students, exercises: {', '.join(exercises)}")
        naive_each = naive(demo, Path(tmp) / "stage", args.naive, exercises)
        print(
            f"naive (one process per submission and exercise, {args.naive} measured): "
            f"{naive_each:.2f} s/submission -> {60 / naive_each:.0f}/min"
        )
        for jobs in (1, 2):
            wall, inside = batch(demo, Path(tmp) / f"j{jobs}.db", jobs, exercises)
            overhead = (wall - inside / jobs) / n
            print(
                f"-j {jobs}: {wall:.1f} s wall, {n / wall * 60:.0f} submissions/min, "
                f"checks {inside:.1f} s total, overhead {overhead:.3f} s/submission "
                f"({overhead / (inside / n):.0%} of check time), "
                f"{naive_each * n / wall:.1f}x faster than naive"
            )


if __name__ == "__main__":
    main()
