"""Wall time of `grade ID` per exercise, as a ratio to the import floors.

Two floors are measured in the same run: `python -c "import torch"` (what any grader of
PyTorch code pays) and `python -c "import torch, sympy"` (what a grader that also runs
symbolic answers and sympy-using student code must pay). Per exercise, three commands:

- `grade ID --solution`: the reference solution with the hidden checks;
- `grade ID` run by a student whose folder holds the reference solution and answers
  (public checks and the quiz, every check running): the command students run;
- `grade ID` on the stub (public checks; each fails at once).

Commands and floors are timed in rounds (one run of each per round, after one warm-up
round), --repeat rounds; medians are reported. ``--baseline DIR`` times the same commands
with the engine and course of another checkout in the same rounds (before/after).

    python bench/bench_grade.py                       # every exercise that exists
    python bench/bench_grade.py ex4_5 --repeat 7 --baseline /tmp/main-checkout
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def timed(cmd: list[str], cwd: Path, engine: Path, ok_codes: tuple[int, ...]) -> float:
    """Wall seconds of ``cmd`` run in ``cwd`` with the engine and course at ``engine``."""
    env = {**os.environ, "PYTHONPATH": str(engine), "GRADER_COURSE": str(engine)}
    started = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, check=False)
    wall = time.perf_counter() - started
    if done.returncode not in ok_codes:
        sys.exit(f"{' '.join(cmd)} exited {done.returncode}:\n{done.stderr.decode()[-2000:]}")
    return wall


def student_folder(engine: Path, exercise_id: str, root: Path) -> Path:
    """A student's folder holding the reference solution and answers of ``exercise_id``."""
    folder = root / engine.name / exercise_id
    (folder / "exercises").mkdir(parents=True)
    (folder / "answers").mkdir()
    shutil.copy(engine / "solutions" / f"{exercise_id}.py", folder / "exercises")
    answers = engine / "solutions" / f"{exercise_id}.toml"
    if answers.is_file():
        shutil.copy(answers, folder / "answers")
    return folder


def commands(ids: list[str], engines: list[Path], root: Path) -> dict[str, tuple]:
    """Label -> (command, cwd, engine, accepted exit codes), floors first."""
    python, grade = sys.executable, [sys.executable, "-m", "grader"]
    table: dict[str, tuple] = {
        "floor  import torch": ([python, "-c", "import torch"], REPO, REPO, (0,)),
        "floor  import torch, sympy": ([python, "-c", "import torch, sympy"], REPO, REPO, (0,)),
    }
    for engine in engines:
        tag = "" if engine == REPO else f"  [{engine}]"
        for e in ids:
            solution = [*grade, e, "--solution", "--device", "cpu"]
            table[f"grade {e} --solution{tag}"] = (solution, engine, engine, (0,))
            student = student_folder(engine, e, root)
            table[f"grade {e} (student, solution){tag}"] = (
                [*grade, e, "--device", "cpu"], student, engine, (0,)
            )  # fmt: skip
            table[f"grade {e} (stub){tag}"] = ([*grade, e, "--device", "cpu"], engine, engine, (1,))
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("exercises", nargs="*")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--baseline", type=Path, help="another checkout, timed alongside")
    args = parser.parse_args()
    ids = args.exercises or sorted(p.parent.name for p in REPO.glob("checks/*/exercise.toml"))
    engines = [REPO] + ([args.baseline.resolve()] if args.baseline else [])
    with tempfile.TemporaryDirectory(prefix="bench-grade-") as tmp:
        table = commands(ids, engines, Path(tmp))
        times: dict[str, list[float]] = {label: [] for label in table}
        print(f"load average {os.getloadavg()[0]:.1f}; {args.repeat} rounds")
        for round_ in range(args.repeat + 1):
            for label, (cmd, cwd, engine, ok) in table.items():
                wall = timed(cmd, cwd, engine, ok)
                if round_:  # the first round warms the file cache
                    times[label].append(wall)
    floor = statistics.median(times["floor  import torch"])
    for label, walls in times.items():
        median = statistics.median(walls)
        print(f"{label:60} {median:6.2f} s  {median / floor:5.2f}x import torch")
    print(f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
