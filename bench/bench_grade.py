"""Wall time of `grade ID --solution` per exercise, as a ratio to the import floor.

The floor is `python -c "import torch, sympy"`, measured in the same run (the
least a grader that checks PyTorch code and symbolic answers must pay). Each
command runs --repeat times; the median is reported.

    python bench/bench_grade.py                 # every exercise that exists
    python bench/bench_grade.py ex4_5 --repeat 5
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def median_wall(cmd: list[str], repeat: int, ok_codes: tuple[int, ...] = (0,)) -> float:
    """Median wall-clock seconds of ``cmd`` over ``repeat`` runs (after one warm-up)."""
    subprocess.run(cmd, cwd=REPO, capture_output=True, check=False)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        done = subprocess.run(cmd, cwd=REPO, capture_output=True, check=False)
        times.append(time.perf_counter() - started)
        if done.returncode not in ok_codes:
            sys.exit(f"{' '.join(cmd)} exited {done.returncode}:\n{done.stderr.decode()[-2000:]}")
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("exercises", nargs="*")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from grader.catalog import active

    ids = args.exercises or [e.id for e in active().exercises()]
    floor = median_wall([sys.executable, "-c", "import torch, sympy"], args.repeat)
    print(f"floor  python -c 'import torch, sympy'   {floor:6.2f} s   1.00x")
    for exercise_id in ids:
        cmd = [sys.executable, "-m", "grader", exercise_id, "--solution", "--device", "cpu"]
        wall = median_wall(cmd, args.repeat)
        print(f"grade {exercise_id:8} --solution           {wall:6.2f} s   {wall / floor:.2f}x")
        stub = median_wall(
            [sys.executable, "-m", "grader", exercise_id, "--device", "cpu"],
            args.repeat,
            ok_codes=(1,),
        )
        print(f"grade {exercise_id:8} (stub, public only)   {stub:6.2f} s   {stub / floor:.2f}x")


if __name__ == "__main__":
    main()
