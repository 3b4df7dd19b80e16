"""Per-check cost: every exercise's reference solution graded N times in one warm session.

    python bench/bench_checks.py                  # every exercise, N=10
    python bench/bench_checks.py dropout ex4_5 --n 20 --all-checks

One session with a warm template (``Session.start(warm=True)``), as a batch worker has,
grades each exercise's reference solution and reference answers with the hidden checks:
once untimed (what a worker pays once: the template's warm-up, the hidden checks and the
reference imported in the judge), then N times. For each check it prints the median and
95th percentile (nearest rank) of its whole time, and the medians of its judge side and
its sandbox side (see :mod:`grader.batch.timing`), flagging a median over the check's
budget with ``!``; for each exercise the median time of one whole grading (checks, quiz,
the workspace's preparation) and its ratio to the ``import torch`` floor, measured in the
same run (``python -c "import torch"``, median of --floor-repeat runs, before and after).
Only the slowest checks are listed unless --all-checks.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from grader.api import Session, solution_workspace  # noqa: E402
from grader.batch.timing import Spread, check_timings  # noqa: E402
from grader.catalog import Course  # noqa: E402
from grader.exercise import Exercise  # noqa: E402
from grader.model import ExerciseResult  # noqa: E402


def import_torch_floor(repeat: int) -> list[float]:
    """Wall seconds of ``python -c "import torch"``, ``repeat`` times (after one warm-up)."""
    cmd = [sys.executable, "-c", "import torch"]
    subprocess.run(cmd, check=True)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run(cmd, check=True)
        times.append(time.perf_counter() - started)
    return times


def grade_n(
    session: Session, course: Course, exercise: Exercise, n: int
) -> tuple[ExerciseResult, list[ExerciseResult]]:
    """The untimed first grading of the reference, then ``n`` more."""
    workspace = solution_workspace([exercise], course)
    try:
        runs = [session.grade([exercise], workspace, include_hidden=True)[0] for _ in range(n + 1)]
    finally:
        shutil.rmtree(workspace, ignore_errors=True)
    for run in runs:
        if not run.all_passed:
            sys.exit(f"{exercise.id}: the reference solution did not get full marks: {run}")
    return runs[0], runs[1:]


def print_exercise(
    exercise: Exercise,
    course: Course,
    first: ExerciseResult,
    runs: list[ExerciseResult],
    floor: float,
    show_all: bool,
) -> None:
    budgets = {c.name: c.budget_s for c in course.checks(exercise, include_hidden=True)}
    whole = Spread.of([r.execution_time for r in runs])
    print(
        f"\n{exercise.id}: one grading median {whole.median:.3f} s, p95 {whole.p95:.3f} s "
        f"({whole.median / floor:.2f}x the import torch floor); first {first.execution_time:.3f} s"
    )
    timings = check_timings(runs)
    shown = timings if show_all else [t for t in timings if t.total.median >= 0.005][:12]
    print(f"  {'check':<46} {'median':>7} {'p95':>7} {'judge':>7} {'sandbox':>7} {'budget':>7}")
    for t in shown:
        budget = budgets.get(t.name)
        flag = "!" if budget is not None and t.total.median > budget else " "
        print(
            f"  {t.name:<46} {t.total.median * 1000:>6.1f}{flag}{t.total.p95 * 1000:>7.1f} "
            f"{t.judge.median * 1000:>7.1f} {t.sandbox.median * 1000:>7.1f} "
            f"{'quiz' if budget is None else f'{budget * 1000:.0f}':>7}"
        )
    hidden = len(timings) - len(shown)
    if hidden:
        print(f"  ... and {hidden} more checks under 5 ms each")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("exercises", nargs="*")
    parser.add_argument("--n", type=int, default=10, help="timed gradings per exercise")
    parser.add_argument("--floor-repeat", type=int, default=5)
    parser.add_argument("--all-checks", action="store_true")
    parser.add_argument(
        "--cold", action="store_true", help="a template without warm-up (as `grade ID` has)"
    )
    args = parser.parse_args()
    course = Course.at(REPO).mount()
    exercises = [course.find(e) for e in args.exercises] or list(course.exercises())
    floor_times = import_torch_floor(args.floor_repeat)
    kind = "cold" if args.cold else "warm"
    print(f"load average {os.getloadavg()[0]:.1f}; n={args.n} gradings per exercise; {kind}")
    with Session.start(device="cpu", course=course, warm=not args.cold) as session:
        results = [(e, *grade_n(session, course, e, args.n)) for e in exercises]
    floor_times += import_torch_floor(args.floor_repeat)
    floor = statistics.median(floor_times)
    print(f"import torch floor: median {floor:.3f} s over {len(floor_times)} runs")
    for exercise, first, runs in results:
        print_exercise(exercise, course, first, runs, floor, args.all_checks)
    print(f"\nload average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
