"""The judge's own torch work runs on one thread: whether torch was imported before the
session started or after (its tensors are tiny; threads only wait for each other)."""

from __future__ import annotations

import os
import subprocess
import sys

from support import REPO

SCRIPT = """
import sys
from pathlib import Path
{before}
from grader.api import Session
from grader.catalog import Course

session = Session.start(device="cpu", isolation="process", course=Course.at(Path(sys.argv[1])))
import torch
print(torch.get_num_threads())
session.close()
"""


def threads_in_judge(before: str) -> int:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(before=before), str(REPO)],
        capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return int(done.stdout.split()[-1])


def test_a_torch_imported_before_the_session_is_set_to_one_thread():
    assert threads_in_judge("import torch; torch.set_num_threads(2)") == 1


def test_a_torch_imported_after_the_session_starts_with_one_thread():
    assert threads_in_judge("") == 1
