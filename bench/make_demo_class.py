"""Generate a synthetic class of submissions for demos and benchmarks.

    python bench/make_demo_class.py demo/submissions --students 60 --seed 0
    grade batch demo/submissions --db demo/course.db

Every student is correct, partially wrong, a stub, incomplete, crashing at import,
a syntax error, an endless loop, non-UTF-8, a corrupt zip or an empty folder; the
kinds are listed in OUT/.demo-manifest.json. The same seed gives the same bytes.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from grader.batch.demo_class import make_demo_class
from grader.catalog import Course
from grader.errors import GraderError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder to create (must be empty or absent)")
    parser.add_argument("--students", type=int, default=60, help="number of students")
    parser.add_argument("--seed", type=int, default=0, help="random seed")
    parser.add_argument("--exercise", action="append", help="exercise id (default: all)")
    parser.add_argument(
        "--root", type=Path, default=None, help="course folder (default: the one found from here)"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        course = Course.locate(args.root)
        students = make_demo_class(
            args.out, args.students, args.seed, course=course, exercise_ids=args.exercise
        )
    except GraderError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    kinds = Counter(s.kind for s in students)
    print(", ".join(f"{kind}: {n}" for kind, n in sorted(kinds.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
