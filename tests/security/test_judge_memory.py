"""The judge's memory per submission is bounded, measured in a judge of its own.

A subprocess plays the judge: it starts a template at the isolation level under test,
opens one sandbox on a module whose functions return the largest value the wire
accepts, values past each cap, and hand-forged replies (a .npy header claiming a
terabyte, frames announcing 4096 blobs of 256 MiB), calls each several times, and
reports the growth of its peak resident memory (``ru_maxrss``) over a warmed-up
baseline. Every refused reply must fail its call, never the judge.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest
from attack_catalog import RAW_CHANNEL
from security_support import LEVELS, NO_BWRAP
from support import REPO

from grader.sandbox import wire

#: What one reply may cost the judge: the data cap, a header, and their decoding.
JUDGE_MEMORY_BUDGET = wire.MAX_MESSAGE_BYTES + 96 * 1024**2

STUDENT = (
    """
import numpy

def warm_up():
    return [numpy.zeros(3), 1.5, "x"]

def largest_accepted():
    return [numpy.ones(7 << 20), numpy.ones(7 << 20)]  # 112 MiB of float64

def past_the_data_cap():
    return [numpy.ones(6 << 20) for _ in range(3)]  # 144 MiB

def past_the_value_cap():
    return [0.5] * 300_000

def forged_terabyte_npy():
"""
    + "".join(f"    {line}\n" for line in RAW_CHANNEL.strip().splitlines())
    + """    reply(frame({"ok": True, "value": {"$ndarray": 0}, "id": request_id},
                [npy("<f8", (10**6, 10**6))]))

def forged_huge_frames():
"""
    + "".join(f"    {line}\n" for line in RAW_CHANNEL.strip().splitlines())
    + """    reply(frame({"ok": True, "value": 21, "id": request_id}, count=4096)
          + length(256 << 20) + bytes(1 << 20))
"""
)

JUDGE = """
import json, resource, sys, time
from pathlib import Path
from grader.outcomes import StudentCodeFailed
from grader.sandbox import Limits, Sandbox, SourceSpec, Zygote

def peak():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

level, source = sys.argv[1], Path(sys.argv[2])
outcomes = {}
with Zygote.start(Limits(call_timeout_s=20.0), level) as zygote:
    box = Sandbox(zygote, SourceSpec(source, "student", "student.py"))
    box.call("warm_up")
    baseline = peak()
    started = time.monotonic()
    for name in ("largest_accepted", "past_the_data_cap", "past_the_value_cap",
                 "forged_terabyte_npy", "forged_huge_frames") * 2:
        try:
            value = box.call(name)
            outcomes[name] = f"accepted {sum(a.nbytes for a in value)} bytes"
            del value
        except StudentCodeFailed as exc:
            outcomes[name] = str(exc)
    box.close()
print(json.dumps({"growth": peak() - baseline, "seconds": time.monotonic() - started,
                  "outcomes": outcomes}))
"""


@pytest.mark.parametrize("level", LEVELS)
def test_one_submission_cannot_make_the_judge_hold_more_than_one_capped_reply(level, tmp_path):
    if level == "namespaces" and shutil.which("bwrap") is None:
        pytest.skip(NO_BWRAP)
    source = tmp_path / "student.py"
    source.write_text(STUDENT)
    isolation = "strict" if level == "namespaces" else "process"
    done = subprocess.run(
        [sys.executable, "-c", JUDGE, isolation, str(source)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    outcomes = report["outcomes"]
    assert outcomes["largest_accepted"] == f"accepted {14 << 23} bytes"
    assert "bytes of data" in outcomes["past_the_data_cap"]
    assert "values" in outcomes["past_the_value_cap"]
    assert "claims shape" in outcomes["forged_terabyte_npy"]
    assert "number of blobs" in outcomes["forged_huge_frames"]
    assert report["growth"] < JUDGE_MEMORY_BUDGET, f"{report['growth'] / 2**20:.0f} MiB"
    assert report["seconds"] < 120
