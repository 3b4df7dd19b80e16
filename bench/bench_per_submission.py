"""Cost of one submission through `grade batch -j 1`, as notebooks and as .py files.

    python bench/bench_per_submission.py                       # ex4_5 + dropout, 10 students
    python bench/bench_per_submission.py --students 20 --repeat 3 --exercise ex4_1

Each student hands in the reference solutions of the exercises (every check runs and
passes: public, hidden, statistical, training, quiz), either as ``exercises/<id>.py`` with
``answers/<id>.toml`` or as ``exercises/<id>.ipynb`` built by ``grade notebook``'s builder
from the solution (answers in its answers cell). For each kind the class is graded by
``grade batch -j 1`` twice, with 1 student and with 1 + --students, alternately, --repeat
times; the cost of one submission is the difference of the two walls divided by
--students (worker start-up, torch imports and the first submission cancel out). Also
printed: the median grading time recorded in the gradebook (sum of the exercises'
``execution_time``), and the ``import torch`` floor measured before and after in the same
run (``python -c "import torch"``).
"""

from __future__ import annotations

import argparse
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


def batch(folder: Path, db: Path, ids: list[str]) -> float:
    """Wall seconds of `grade batch -j 1` on ``folder``; every submission must get full marks."""
    flags = [x for e in ids for x in ("--exercise", e)]
    cmd = [sys.executable, "-m", "grader", "batch", str(folder), "--db", str(db), "-j", "1"]
    started = time.perf_counter()
    done = subprocess.run([*cmd, "--device", "cpu", *flags], cwd=REPO, capture_output=True)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"grade batch exited {done.returncode}: {done.stderr.decode()[-2000:]}")
    with Gradebook(db, create=False) as book:
        for graded in book.latest_all():
            if graded.score != graded.max_score or len(graded.exercises) != len(ids):
                sys.exit(f"{graded.student_id}: {graded.score}/{graded.max_score}")
    return wall


def grading_times(db: Path) -> list[float]:
    with Gradebook(db, create=False) as book:
        return [sum(e.execution_time for e in g.exercises) for g in book.latest_all()]


def measure(tmp: Path, course: Course, ids: list[str], kind: str, args) -> None:
    one = write_class(tmp / f"{kind}-1", course, ids, 1, kind)
    many = write_class(tmp / f"{kind}-n", course, ids, 1 + args.students, kind)
    per_submission, graded = [], []
    for r in range(args.repeat):
        small = batch(one, tmp / f"{kind}-1-{r}.db", ids)
        large = batch(many, tmp / f"{kind}-n-{r}.db", ids)
        per_submission.append((large - small) / args.students)
        graded += grading_times(tmp / f"{kind}-n-{r}.db")[1:]
    cost = statistics.median(per_submission)
    verdict = "meets" if cost <= TARGET_S else "misses"
    print(
        f"{kind:6} per submission (batch wall, marginal): median {cost:.3f} s "
        f"(runs: {', '.join(f'{s:.3f}' for s in per_submission)}), {verdict} the "
        f"{TARGET_S} s target; grading time in the gradebook: median "
        f"{statistics.median(graded):.3f} s"
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
