"""Cost of one submission through `grade batch -j 1`, as notebooks and as .py files.

    python bench/bench_per_submission.py                       # ex4_5 + dropout, 10 students
    python bench/bench_per_submission.py --students 20 --repeat 3 --exercise ex4_1

Each student hands in the reference solutions of the exercises (every check runs and
passes: public, hidden, statistical, training, quiz), either as ``exercises/<id>.py`` with
``answers/<id>.toml`` or as ``exercises/<id>.ipynb`` built by ``grade notebook``'s builder
from the solution (answers in its answers cell). For each kind a class of 1 + --students is
graded by ``grade batch -j 1``, --repeat times; the cost of one submission is the time
between two consecutive submissions finished (the batch's progress lines, timestamped as
they arrive: loading, grading, the gradebook's write, all but the worker's start, which
the first submission absorbs). Also printed: the median grading time recorded in the
gradebook (sum of the exercises' ``execution_time``), and the ``import torch`` floor
measured before and after in the same run (``python -c "import torch"``).
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from grader.batch.gradebook import Gradebook  # noqa: E402
from grader.batch.timing import percentile  # noqa: E402
from grader.catalog import Course  # noqa: E402
from grader.notebook import build_notebook, write_notebook  # noqa: E402

TARGET_S = 0.4


def import_torch(repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import torch"], check=True)
        times.append(time.perf_counter() - started)
    return times


def write_class(root: Path, course: Course, ids: list[str], count: int, kind: str) -> Path:
    """``count`` students handing in the reference solutions as ``kind`` ("py" or "ipynb")."""
    for n in range(count):
        student = root / f"s{n:03d}"
        (student / "exercises").mkdir(parents=True)
        (student / "answers").mkdir()
        for exercise in map(course.find, ids):
            code = course.solution(exercise).read_text(encoding="utf-8")
            answers_file = course.reference_answers(exercise)
            answers = answers_file.read_text(encoding="utf-8") if answers_file else None
            if kind == "ipynb":
                notebook = build_notebook(exercise, code, answers)
                write_notebook(notebook, student / exercise.notebook_path)
            else:
                (student / exercise.source_path).write_text(code, encoding="utf-8")
                if answers is not None:
                    (student / exercise.answers_path).write_text(answers, encoding="utf-8")
    return root


def batch(folder: Path, db: Path, ids: list[str]) -> list[float]:
    """Seconds between consecutive submissions finished by `grade batch -j 1` on ``folder``
    (each progress line is timestamped as it arrives); every submission must get full marks."""
    flags = [x for e in ids for x in ("--exercise", e)]
    cmd = [sys.executable, "-m", "grader", "batch", str(folder), "--db", str(db), "-j", "1"]
    process = subprocess.Popen(
        [*cmd, "--device", "cpu", *flags],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    finished, tail = [], []
    for line in process.stderr:
        if line.startswith("["):  # "[k/N] rate  student: status", one per submission
            finished.append(time.perf_counter())
        tail = [*tail[-20:], line]
    if process.wait() != 0:
        sys.exit(f"grade batch exited {process.returncode}: {''.join(tail)}")
    with Gradebook(db, create=False) as book:
        for graded in book.latest_all():
            if graded.score != graded.max_score or len(graded.exercises) != len(ids):
                sys.exit(f"{graded.student_id}: {graded.score}/{graded.max_score}")
    return [b - a for a, b in itertools.pairwise(finished)]


def grading_times(db: Path) -> list[float]:
    with Gradebook(db, create=False) as book:
        return [sum(e.execution_time for e in g.exercises) for g in book.latest_all()]


def measure(tmp: Path, course: Course, ids: list[str], kind: str, args) -> None:
    folder = write_class(tmp / kind, course, ids, 1 + args.students, kind)
    between, graded = [], []
    for r in range(args.repeat):
        between += batch(folder, tmp / f"{kind}-{r}.db", ids)
        graded += grading_times(tmp / f"{kind}-{r}.db")
    cost = statistics.median(between)
    verdict = "meets" if cost <= TARGET_S else "misses"
    print(
        f"{kind:6} per submission (batch wall, steady state): median {cost:.3f} s, "
        f"p95 {percentile(between, 95):.3f} s over {len(between)}; {verdict} the {TARGET_S} s "
        f"target; grading time in the gradebook: median {statistics.median(graded):.3f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--floor-repeat", type=int, default=5)
    parser.add_argument("--exercise", action="append", default=[])
    args = parser.parse_args()
    course = Course.at(REPO).mount()
    ids = args.exercise or ["ex4_5", "dropout"]
    print(f"load average {os.getloadavg()[0]:.1f}; exercises {', '.join(ids)}")
    floor = import_torch(args.floor_repeat)
    with tempfile.TemporaryDirectory(prefix="bench-per-submission-") as tmp:
        for kind in ("ipynb", "py"):
            measure(Path(tmp), course, ids, kind, args)
    floor += import_torch(args.floor_repeat)
    print(
        f"import torch floor: median {statistics.median(floor):.3f} s over {len(floor)} runs; "
        f"load average at the end {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()
