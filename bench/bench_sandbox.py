"""Cost of one sandbox at each isolation level: fork + confine + import + one call + reap.

    python bench/bench_sandbox.py              # every level available here, 40 sandboxes each
    python bench/bench_sandbox.py --n 100

Prints the template's start-up (imports, once per judge) and the median and 90th
percentile of a sandbox's whole life for a trivial module, per level.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from grader.errors import IsolationUnavailable  # noqa: E402
from grader.sandbox import Limits, Sandbox, SourceSpec, Zygote  # noqa: E402

MODULE = "def f(x):\n    return x + 1\n"


def measure(isolation: str, n: int, source: Path, seccomp: bool) -> None:
    started = time.perf_counter()
    try:
        zygote = Zygote.start(Limits(seccomp=seccomp), isolation)
    except IsolationUnavailable as exc:
        print(f"{isolation:8} unavailable: {exc}")
        return
    with zygote:
        zygote.info()
        ready = time.perf_counter() - started
        spec = SourceSpec(source, "m", "exercises/m.py")
        lives = []
        for _ in range(n):
            t = time.perf_counter()
            box = Sandbox(zygote, spec)
            assert box.call("f", (1,)) == 2
            box.close()
            lives.append(time.perf_counter() - t)
        lives.sort()
        print(
            f"{zygote.isolation.label:48} template {ready:5.2f} s   sandbox median "
            f"{statistics.median(lives) * 1000:5.1f} ms   p90 {lives[int(0.9 * n)] * 1000:5.1f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "m.py"
        source.write_text(MODULE)
        for isolation, seccomp in (("strict", True), ("strict", False), ("process", True)):
            measure(isolation, args.n, source, seccomp)


if __name__ == "__main__":
    main()
