"""Grade many submissions in parallel worker processes, recording each as it finishes.

    summary = run_batch(submissions, course.exercises(), gradebook, BatchOptions(jobs=2))

Each worker (:mod:`grader.batch.worker`) is a trusted judge process with its own
sandbox template, so torch is imported once per worker, not per submission. A
finished submission is written to the gradebook in its own transaction before
the next one is handed out, so an interrupted batch loses only what was in
flight. A worker that dies or stalls past ``submission_timeout_s`` is replaced;
its submission is recorded with an error, and the batch goes on. Workers run in
sessions of their own, so a Ctrl-C reaches only the caller's process, as a
KeyboardInterrupt that stops the pool.
"""

from __future__ import annotations

import json
import logging
import os
import selectors
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from grader.batch.gradebook import Gradebook
from grader.batch.submissions import Submission
from grader.exercise import Exercise
from grader.model import ExerciseResult

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BatchOptions:
    """How to run a batch: parallel workers, device, and a per-submission watchdog."""

    jobs: int = 2
    device: str = "auto"
    isolation: str = "auto"
    submission_timeout_s: float = 600.0
    grader_version: str = ""
    course_root: str = ""  # the course workers grade with (default: the one they find)


@dataclass
class BatchSummary:
    """What a batch did. ``check_seconds`` sums time spent inside checks."""

    graded: int = 0
    skipped: int = 0
    errors: int = 0
    wall_seconds: float = 0.0
    check_seconds: float = 0.0
    devices: set[str] = field(default_factory=set)


Progress = Callable[[Submission, str], None]


def run_batch(
    submissions: Sequence[Submission],
    exercises: Sequence[Exercise],
    gradebook: Gradebook,
    options: BatchOptions,
    progress: Progress | None = None,
) -> BatchSummary:
    """Grade every gradable submission and record all of them; returns the summary."""
    started = time.monotonic()
    summary = BatchSummary()
    pending = []
    for sub in submissions:
        if not sub.gradable:
            _record(gradebook, sub, [], options, summary, "", progress)
        else:
            pending.append(sub)
    if pending:
        with _Pool(min(options.jobs, len(pending)), options) as pool:
            for sub, results, error, device, isolation in pool.grade(pending, exercises):
                results = sub.with_problems(results)
                summary.devices.add(device)
                _record(
                    gradebook, sub, results, options, summary, isolation, progress, error, device
                )
    summary.wall_seconds = time.monotonic() - started
    return summary


def _record(
    gradebook: Gradebook,
    sub: Submission,
    results: list[ExerciseResult],
    options: BatchOptions,
    summary: BatchSummary,
    isolation: str,
    progress: Progress | None,
    error: str = "",
    device: str = "",
) -> None:
    problems = list(sub.problems) + ([error] if error else [])
    gradebook.record(
        sub.student_id,
        sub.content_hash,
        options.grader_version,
        results,
        problems,
        device=device or "-",
        isolation=isolation,
        submitted_at=sub.submitted_at,
    )
    summary.graded += 1
    summary.errors += bool(problems and (error or not sub.gradable))
    summary.check_seconds += sum(c.duration_s for r in results for c in r.results)
    if progress:
        progress(sub, "error" if error or not sub.gradable else "graded")


class _Worker:
    """One worker process and the submission it is grading."""

    def __init__(self, options: BatchOptions) -> None:
        cmd = [sys.executable, "-m", "grader.batch.worker"]
        cmd += ["--device", options.device, "--isolation", options.isolation]
        cmd += ["--course", options.course_root] if options.course_root else []
        # A session of its own: Ctrl-C in the terminal interrupts only the scheduler, which
        # then stops the workers itself (no traceback from each worker); a worker still dies
        # with the scheduler (PR_SET_PDEATHSIG, see grader.batch.worker).
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
        self.ready: dict | None = None
        self.job: Submission | None = None
        self.started = 0.0

    def send(self, job_id: int, sub: Submission, exercises: Sequence[Exercise]) -> None:
        self.job, self.started = sub, time.monotonic()
        ids = [e.id for e in exercises]  # ids on the wire; the worker finds them in its course
        line = {"id": job_id, "workspace": str(sub.workspace), "exercises": ids}
        self.proc.stdin.write(json.dumps(line) + "\n")
        self.proc.stdin.flush()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except OSError:
                pass


class _Pool:
    """Worker processes fed one submission at a time."""

    def __init__(self, size: int, options: BatchOptions) -> None:
        self._options = options
        self._selector = selectors.DefaultSelector()
        self._workers = [self._spawn() for _ in range(max(size, 1))]

    def __enter__(self) -> _Pool:
        return self

    def __exit__(self, *exc: object) -> None:
        for worker in self._workers:
            self._selector.unregister(worker.fd)
            worker.kill()
        self._selector.close()

    def grade(self, subs: Sequence[Submission], exercises: Sequence[Exercise]):
        """Yield (submission, results, error, device, isolation) as each one finishes."""
        queue = list(reversed(subs))
        job_ids = iter(range(1, 1 << 62))
        busy = 0
        for worker in self._workers:
            busy += self._feed(worker, queue, job_ids, exercises)
        while busy:
            for worker, message in self._next_messages():
                sub, outcome = worker.job, self._outcome(worker, message)
                worker.job = None
                if message is None:
                    worker = self._replace(worker)
                busy -= 1
                busy += self._feed(worker, queue, job_ids, exercises)
                yield (
                    sub,
                    *outcome,
                    (worker.ready or {}).get("device", "?"),
                    (worker.ready or {}).get("isolation", "?"),
                )

    def _feed(self, worker: _Worker, queue: list, job_ids, exercises) -> int:
        if not queue:
            return 0
        worker.send(next(job_ids), queue.pop(), exercises)
        return 1

    def _next_messages(self) -> list[tuple[_Worker, dict | None]]:
        """Block until some busy worker answers, dies, or runs past the watchdog.

        A message of None means the worker died (or sent garbage) and must be replaced.
        """
        messages = []
        for key, _ in self._selector.select(timeout=1.0):
            worker = key.data
            for message in self._read(worker):
                if message is not None and "log" in message:  # a worker's warning, logged here
                    level = logging.ERROR if message["log"] == "error" else logging.WARNING
                    log.log(level, "%s", message.get("message", ""))
                elif message is not None and "ready" in message:
                    worker.ready = message
                elif worker.job is not None:
                    messages.append((worker, message))
                elif message is None:  # an idle worker died: replace it quietly
                    self._replace(worker)
                    break
        now = time.monotonic()
        for worker in self._workers:
            overdue = now - worker.started > self._options.submission_timeout_s
            if worker.job is not None and overdue and all(w is not worker for w, _ in messages):
                messages.append((worker, None))
        return messages

    def _read(self, worker: _Worker) -> list[dict | None]:
        """Every complete message now readable from ``worker``; [None] at end of file."""
        chunk = os.read(worker.fd, 1 << 16)
        if not chunk:
            return [None]
        worker.buffer += chunk
        *lines, worker.buffer = worker.buffer.split(b"\n")
        messages: list[dict | None] = []
        for line in lines:
            try:
                messages.append(json.loads(line))
            except ValueError:
                messages.append(None)
        return messages

    def _outcome(self, worker: _Worker, message: dict | None) -> tuple[list, str]:
        if message is None:
            seconds = time.monotonic() - worker.started
            return [], f"internal grader error: the grading worker stopped after {seconds:.0f} s"
        if message.get("error"):
            return [], str(message["error"])
        return [ExerciseResult.from_dict(r) for r in message.get("results", [])], ""

    def _spawn(self) -> _Worker:
        worker = _Worker(self._options)
        self._selector.register(worker.fd, selectors.EVENT_READ, worker)
        return worker

    def _replace(self, worker: _Worker) -> _Worker:
        log.warning("restarting a grading worker")
        self._selector.unregister(worker.fd)
        worker.kill()
        fresh = self._spawn()
        self._workers[self._workers.index(worker)] = fresh
        return fresh
