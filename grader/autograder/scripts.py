"""The two scripts Gradescope runs: ``setup.sh`` (once per image) and ``run_autograder``.

Both read their paths from the environment so that a test can lay out a fake
``/autograder`` anywhere: ``AUTOGRADER_ROOT`` (default ``/autograder``) and, for
``run_autograder``, ``GRADER_PYTHON`` (default the virtual environment ``setup.sh`` made).
"""

from __future__ import annotations

import shlex

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image (Ubuntu).
# It installs Python >= 3.11, bubblewrap (the grader's namespaces sandbox, used where the
# image allows it), CPU-only torch and the grader engine bundled in this zip.
set -euo pipefail
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
SRC="$ROOT/source"
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends python3 python3-venv python3-pip bubblewrap
PY=""
for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null \\
        && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
        PY="$candidate"; break
    fi
done
if [ -z "$PY" ]; then  # Ubuntu 22.04's python3 is 3.10
    apt-get install -y --no-install-recommends python3.11 python3.11-venv
    PY=python3.11
fi
"$PY" -m venv "$ROOT/venv"
"$ROOT/venv/bin/python" -m pip install --upgrade pip
"$ROOT/venv/bin/python" -m pip install {torch} --index-url https://download.pytorch.org/whl/cpu
"$ROOT/venv/bin/python" -m pip install "$SRC/engine"{modules}
# Instructor-only files: unreadable to the sandbox's own uid where namespaces are unavailable.
chmod -R go-rwx "$SRC/course/solutions" "$SRC/course/hidden" "$SRC/autograder.json"
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for each submission: it grades /autograder/submission and writes
# /autograder/results/results.json (this grader's `python -m grader.autograder`).
set -u
ROOT="${AUTOGRADER_ROOT:-/autograder}"
PY="${GRADER_PYTHON:-$ROOT/venv/bin/python}"
chmod -R go-rwx "$ROOT/source/course/solutions" "$ROOT/source/course/hidden" \\
    "$ROOT/source/autograder.json" 2>/dev/null || true
mkdir -p "$ROOT/results"
exec "$PY" -m grader.autograder --root "$ROOT"
"""


def setup_script(torch_requirement: str, modules: tuple[str, ...] = ()) -> str:
    """``setup.sh`` installing ``torch_requirement`` (e.g. ``torch==2.5.1``) and the engine,
    plus the course's declared modules by the same names (edit it where a pip name differs)."""
    extra = "".join(f" {shlex.quote(m)}" for m in modules)
    return SETUP_SH.format(torch=shlex.quote(torch_requirement), modules=extra)
