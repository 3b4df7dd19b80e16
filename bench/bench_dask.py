"""The Dask executor against the local pool: same class, same machine, 2 workers each.

    python bench/bench_dask.py --students 40                 # all exercises
    python bench/bench_dask.py --students 200 --exercise ex4_5
    python bench/bench_dask.py --students 200 --rounds 2    # pool, dask, dask, pool

1. Generates the demo class (seeded) and makes every submission's files distinct (a
   comment naming the student), so both executors grade the same N submissions (Dask
   would otherwise grade identical files once: their task keys are equal).
2. Grades it with `grade batch -j 2` and `grade batch --cluster local:2` into fresh
   gradebooks (wall time of the whole command: start-up, LocalCluster, teardown).
3. Reports submissions per minute and the per-submission overhead
   (wall - check time / 2) / N of each, and Dask's overhead relative to the pool's.
   With ``--rounds R`` each executor grades the class R times, in the order ABBA...
   (a machine that slows down or speeds up during the runs affects both alike), and
   the ratio is that of the mean runs: one run's overhead is a difference of two large
   numbers (about 20 s out of 300 s at 200 students) and moves by a second or two from
   run to run.
4. Prints a scaling table from a simulation, and the arithmetic for 1,000 students x 9
   exercises (see :func:`simulate`): this machine has 2 cores, so a LocalCluster of
   more workers only splits the same 2 cores and cannot show scaling itself.
"""

from __future__ import annotations

import argparse
import heapq
import io
import random
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
WORKERS = 2


def make_distinct(demo: Path) -> None:
    """Append ``# bench: <student>`` to every Python source of every submission."""
    for entry in sorted(demo.iterdir()):
        if entry.name.startswith("."):
            continue
        note = f"\n# bench: {entry.stem}\n".encode()
        if entry.is_dir():
            for source in entry.rglob("*.py"):
                source.write_bytes(source.read_bytes() + note)
        elif entry.suffix == ".py":
            entry.write_bytes(entry.read_bytes() + note)
        elif entry.suffix == ".zip" and zipfile.is_zipfile(entry):
            _rezip(entry, note)


def _rezip(path: Path, note: bytes) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(path) as old, zipfile.ZipFile(buffer, "w") as new:
        for info in old.infolist():
            data = old.read(info)
            new.writestr(info, data + note if info.filename.endswith(".py") else data)
    path.write_bytes(buffer.getvalue())


def grade(demo: Path, db: Path, exercises: list[str], *where: str) -> float:
    """Wall seconds of one `grade batch` run."""
    flags = [x for e in exercises for x in ("--exercise", e)]
    command = [sys.executable, "-m", "grader", "batch", str(demo), "--db", str(db)]
    started = time.perf_counter()
    subprocess.run([*command, "--device", "cpu", *flags, *where], cwd=REPO, capture_output=True)
    return time.perf_counter() - started


def per_submission_check_seconds(db: Path) -> list[float]:
    """Time inside checks of each graded submission (0 for those that could not be graded)."""
    from grader.batch.gradebook import Gradebook

    with Gradebook(db, create=False) as book:
        return [
            sum(c.duration_s for r in graded.exercises for c in r.results)
            for graded in book.latest_all()
        ]


def simulate(service: list[float], workers: int, per_task_s: float, start_s: float) -> float:
    """Makespan of ``service`` times handed in order to the first free of ``workers``
    (what Dask's scheduler does with equal tasks), each paying ``per_task_s``."""
    free = [start_s] * workers
    for seconds in service:
        heapq.heappush(free, heapq.heappop(free) + seconds + per_task_s)
    return max(free)


EXECUTORS = {"local pool -j 2": ("-j", "2"), "dask local:2": ("--cluster", "local:2")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--exercise", action="append", default=[])
    parser.add_argument(
        "--rounds", type=int, default=1, help="grade the class this many times with each"
    )
    args = parser.parse_args()
    from grader.catalog import active

    exercises = args.exercise or [e.id for e in active().exercises()]
    with tempfile.TemporaryDirectory() as tmp:
        demo = Path(tmp) / "class"
        command = [sys.executable, "-m", "grader", "demo-class", str(demo)]
        command += ["--students", str(args.students)]
        subprocess.run(command, cwd=REPO, check=True, capture_output=True)
        make_distinct(demo)
        n = args.students
        print(f"{n} students (distinct files), {len(exercises)} exercises: {', '.join(exercises)}")
        runs = {name: [] for name in EXECUTORS}
        for round_ in range(args.rounds):
            names = list(EXECUTORS)
            for name in names if round_ % 2 == 0 else reversed(names):  # ABBA: drift cancels
                db = Path(tmp) / f"{name.split()[0]}-{round_}.db"
                wall = grade(demo, db, exercises, *EXECUTORS[name])
                runs[name].append((wall, per_submission_check_seconds(db)))
                report(f"{name} #{round_ + 1}", n, *runs[name][-1])
        means = {name: mean_run(runs[name]) for name in EXECUTORS}
        if args.rounds > 1:
            for name, (wall, service) in means.items():
                report(f"{name} (all {args.rounds})", n, wall, service)
        pool, dask = (overhead(*means[name], n) for name in EXECUTORS)
        print(f"Dask overhead / pool overhead: {dask / pool:.2f} (target <= 1.10)")
        scaling(runs["dask local:2"][-1][1], dask, len(exercises))


def overhead(wall: float, service: list[float], n: int) -> float:
    """Seconds per submission outside checks: (wall - check time / workers) / N."""
    return (wall - sum(service) / WORKERS) / n


def mean_run(runs: list[tuple[float, list[float]]]) -> tuple[float, list[float]]:
    """The mean of ``runs`` (wall, check times): the mean wall, and every run's check times
    weighted 1 / len(runs), so that they sum to the mean time inside checks."""
    wall = statistics.fmean(w for w, _ in runs)
    return wall, [s / len(runs) for _, times in runs for s in times]


def report(title: str, n: int, wall: float, service: list[float]) -> None:
    print(
        f"{title:22s}: {wall:6.1f} s wall, {n / wall * 60:5.1f} submissions/min, checks "
        f"{sum(service):6.1f} s total, overhead {overhead(wall, service, n):.3f} s/submission"
    )


def scaling(service: list[float], overhead_s: float, exercises: int) -> None:
    """Simulated scaling, from the measured per-submission times and overhead.

    First this class on 1..64 workers (its slowest submission bounds the wall time),
    then a class of 1,000 students drawn (seeded) from the measured times, on 8..256
    workers: the figure for a real course of 1,000 students x these exercises.
    """
    mean = statistics.fmean(service)
    print(
        f"\nsimulation: per-submission check times as measured (mean {mean:.2f} s, slowest "
        f"{max(service):.1f} s), {overhead_s:.3f} s overhead per submission, 5 s start-up"
    )
    table("this class", service, (1, 2, 4, 8, 16, 32, 64), overhead_s)
    rng = random.Random(0)
    course = [rng.choice(service) for _ in range(1000)]
    table("1,000 students", course, (8, 16, 32, 64, 128, 256), overhead_s)
    total = sum(course) + 1000 * overhead_s
    print(
        f"\n1,000 students x {exercises} exercises: {sum(course) / 3600:.2f} h inside checks + "
        f"{1000 * overhead_s / 3600:.2f} h overhead = {total / 3600:.2f} h of one worker; "
        f"N workers need about {total / 60:.0f} min / N + 5 s start-up, while N stays well "
        f"below 1,000 (the slowest submission, {max(course):.0f} s, is the floor)"
    )


def table(title: str, service: list[float], counts: tuple[int, ...], overhead_s: float) -> None:
    print(f"{title}: {'workers':>8} {'wall s':>9} {'subs/min':>9} {'speed-up':>9}")
    base = simulate(service, counts[0], overhead_s, 5.0) * counts[0]
    for workers in counts:
        wall = simulate(service, workers, overhead_s, 5.0)
        rate = len(service) / wall * 60
        print(f"{'':{len(title) + 1}} {workers:>8} {wall:>9.1f} {rate:>9.1f} {base / wall:>9.1f}")


if __name__ == "__main__":
    main()
