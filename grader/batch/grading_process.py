"""One grading process, seen from the process that owns it.

    process = GradingProcess(device="cpu", isolation="auto", course_root="/srv/course")
    ready = process.wait_ready(timeout_s=300)      # {"ready": True, "device": ..., ...}
    process.send({"id": 1, "workspace": "/tmp/alice", "exercises": ["ex4_5"]})
    answer = process.wait_message(timeout_s=600)   # {"id": 1, "results": [...]} or None

The process is ``python -m grader.batch.worker`` (see that module for the JSON-lines
protocol): a trusted judge with its own sandbox template, so torch, numpy, sympy and
the course are imported once per process. The local pool multiplexes many of them
(:meth:`read_available` after a ``select``); a Dask worker owns one and waits on it
(:meth:`wait_message`). A message of None always means the process died, stalled or
sent garbage: its owner kills it and starts another. A warning the process logs arrives
as ``{"log": "warning", "message": ...}``: it is logged here, in the owner's process (once,
never in the middle of a progress bar), and is not a message to its owner.
"""

from __future__ import annotations

import json
import logging
import os
import selectors
import subprocess
import sys
import time

from grader.model import ExerciseResult

log = logging.getLogger(__name__)

READ_CHUNK = 1 << 16
#: How long an idle process gets to end by itself when its input closes (its session then
#: removes its sandbox files) before it is killed.
GRACE_S = 10.0


class GradingProcess:
    """A started ``grader.batch.worker`` process and the job it is grading, if any."""

    def __init__(self, device: str, isolation: str, course_root: str = "") -> None:
        cmd = [sys.executable, "-m", "grader.batch.worker"]
        cmd += ["--device", device, "--isolation", isolation]
        cmd += ["--course", course_root] if course_root else []
        # A session of its own: Ctrl-C in the terminal interrupts only its owner, which then
        # stops it (no traceback from each worker); it still dies with the thread that started
        # it (PR_SET_PDEATHSIG, see grader.batch.worker).
        self.proc = subprocess.Popen(
            cmd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=None,
            text=True,
            bufsize=1,
            start_new_session=True,
        )
        self.fd = self.proc.stdout.fileno()
        self.buffer = b""
        self.ready: dict | None = None  # the process's first message, once read
        self.job: object | None = None  # what its owner sent it last (None: idle)
        self.started = 0.0  # time.monotonic() when that job was sent

    def send(self, message: dict, job: object = None) -> None:
        """Send one job line; ``job`` is what the owner wants back with the answer."""
        self.job, self.started = job if job is not None else message, time.monotonic()
        self.proc.stdin.write(json.dumps(message) + "\n")
        self.proc.stdin.flush()

    def read_available(self) -> list[dict | None]:
        """Every complete message readable now (one read); ``[None]`` at end of file.

        Call it only when the pipe is readable (it blocks otherwise). A line that is no
        JSON object reads as None.
        """
        chunk = os.read(self.fd, READ_CHUNK)
        if not chunk:
            return [None]
        self.buffer += chunk
        *lines, self.buffer = self.buffer.split(b"\n")
        messages = [_decode(line) for line in lines]
        return [m for m in messages if not _logged(m)]

    def wait_message(self, timeout_s: float) -> dict | None:
        """The next message, or None if the process ends or says nothing for ``timeout_s``."""
        pending: list[dict | None] = []
        deadline = time.monotonic() + timeout_s
        with selectors.DefaultSelector() as selector:
            selector.register(self.fd, selectors.EVENT_READ)
            while not pending:
                left = deadline - time.monotonic()
                if left <= 0 or not selector.select(timeout=left):
                    return None
                pending = self.read_available()
        if len(pending) > 1:  # the protocol is one answer per job: more is garbage
            return None
        return pending[0]

    def wait_ready(self, timeout_s: float) -> dict | None:
        """The first message (``{"ready": ...}``), kept in :attr:`ready`; None if none came."""
        self.ready = self.wait_message(timeout_s)
        return self.ready

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self, grace: float = 0.0) -> None:
        """End the process and close the pipes: with ``grace``, close its input and give it
        that long to finish on its own (its session then removes its sandbox files); then
        SIGKILL (its sandboxes die with it)."""
        if grace > 0 and self.proc.poll() is None:
            try:
                self.proc.stdin.close()
                self.proc.wait(timeout=grace)
            except (OSError, subprocess.TimeoutExpired):
                pass
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except OSError:
                pass


def outcome(message: dict | None, seconds: float) -> tuple[list[ExerciseResult], str]:
    """(results, error) from a grading process's answer; None: it stopped after ``seconds``."""
    if message is None:
        return [], f"internal grader error: the grading worker stopped after {seconds:.0f} s"
    if message.get("error"):
        return [], str(message["error"])
    return [ExerciseResult.from_dict(r) for r in message.get("results", [])], ""


def _logged(message: dict | None) -> bool:
    """Log a process's ``{"log": level, "message": text}`` here; True if it was one."""
    if message is None or "log" not in message:
        return False
    level = logging.ERROR if message["log"] == "error" else logging.WARNING
    log.log(level, "%s", message.get("message", ""))
    return True


def _decode(line: bytes) -> dict | None:
    try:
        message = json.loads(line)
    except ValueError:
        return None
    return message if isinstance(message, dict) else None
