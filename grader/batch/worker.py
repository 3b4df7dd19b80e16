"""A grading worker: one trusted judge process with its own sandbox template.

Started by the batch scheduler as
``python -m grader.batch.worker --device D --isolation I [--course DIR]``.
It reads jobs as JSON lines on stdin and answers each with one JSON line on
its private copy of stdout (the real fd 1 is pointed at stderr, so nothing a
library prints can corrupt the protocol):

    -> {"id": 7, "workspace": "/tmp/.../alice", "exercises": ["ex4_5", "ex4_1"]}
    <- {"id": 7, "results": [ExerciseResult.to_dict(), ...]}   or   {"id": 7, "error": "..."}

The first line it writes is ``{"ready": true, "device": ..., "isolation": ...}``,
or, when it cannot grade at all (``--isolation strict`` without namespaces, no
course), ``{"ready": false, "error": "...", "kind": "IsolationUnavailable"}`` before
it exits with status 2. A job may add ``"hidden": false`` to grade without hidden checks
and reference quiz answers (a course copy without them: each result then counts the
hidden checks not run). A warning logged in the worker goes to the scheduler as
``{"log": "warning", "message": ...}`` (never onto the shared stderr, where every worker
would repeat it in the middle of the progress bar); the scheduler logs it once in the
batch's own process. Heavy imports are paid once per worker (torch's lazy imports
too: its template is warm); each submission's code still runs in its own freshly forked
sandbox process.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path
from typing import TextIO

from grader.api import Session
from grader.catalog import Course
from grader.errors import GraderError


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="auto")
    parser.add_argument("--isolation", default="auto")
    parser.add_argument("--course", default=None)
    args = parser.parse_args()
    channel = _private_stdout()
    logging.basicConfig(level=logging.WARNING, handlers=[_Forward(channel)])
    _die_with_parent()
    try:
        course = Course.locate(args.course)
        # warm: torch's lazy imports are paid once by this worker's template, not per submission.
        session = Session.start(
            device=args.device, isolation=args.isolation, course=course, warm=True
        )
        ready = {"ready": True, "device": session.device, "isolation": session.isolation}
    except GraderError as exc:  # nothing can be graded here: say why, once
        _send(channel, {"ready": False, "error": str(exc), "kind": type(exc).__name__})
        sys.exit(2)
    with session:
        _send(channel, ready)
        for line in sys.stdin:
            _send(channel, _grade_job(session, json.loads(line)))


def _grade_job(session: Session, job: dict) -> dict:
    try:
        exercises = [session.course.find(e) for e in job["exercises"]]
        hidden = bool(job.get("hidden", True))
        results = session.grade(exercises, Path(job["workspace"]), include_hidden=hidden)
        return {"id": job["id"], "results": [r.to_dict() for r in results]}
    except Exception as exc:  # a grader bug: recorded for this submission, the batch goes on
        logging.getLogger(__name__).exception("job %s failed", job.get("id"))
        return {"id": job.get("id"), "error": f"internal grader error: {type(exc).__name__}: {exc}"}


class _Forward(logging.Handler):
    """Sends each log record to the scheduler as one ``{"log": ..., "message": ...}`` line."""

    def __init__(self, channel: TextIO) -> None:
        super().__init__(logging.WARNING)
        self.channel = channel

    def emit(self, record: logging.LogRecord) -> None:
        try:
            level = "error" if record.levelno >= logging.ERROR else "warning"
            _send(self.channel, {"log": level, "message": record.getMessage()})
        except Exception:
            self.handleError(record)


def _private_stdout() -> TextIO:
    channel = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return channel


def _send(channel: TextIO, message: dict) -> None:
    channel.write(json.dumps(message) + "\n")
    channel.flush()


def _die_with_parent() -> None:
    try:
        import ctypes
        import signal

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


if __name__ == "__main__":
    main()
