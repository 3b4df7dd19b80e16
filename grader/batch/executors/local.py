"""The default executor: grading processes on this machine, fed one submission at a time.

Each process (:class:`~grader.batch.grading_process.GradingProcess`) is a trusted judge
with its own sandbox template, so torch is imported once per process, not per
submission. A process that dies or stalls past ``submission_timeout_s`` is replaced;
its submission comes back with an error, and the batch goes on. The processes run in
sessions of their own, so a Ctrl-C reaches only the caller, as a KeyboardInterrupt
that leaves the ``with`` block and stops them all.
"""

from __future__ import annotations

import logging
import selectors
import time
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from grader.batch.executors import Graded
from grader.batch.grading_process import GRACE_S, GradingProcess, outcome
from grader.batch.submissions import Submission
from grader.exercise import Exercise

if TYPE_CHECKING:
    from grader.batch.scheduler import BatchOptions

log = logging.getLogger(__name__)


class LocalPool:
    """``size`` grading processes fed one submission at a time."""

    def __init__(self, size: int, options: BatchOptions) -> None:
        self._options = options
        self._selector = selectors.DefaultSelector()
        self._workers = [self._spawn() for _ in range(max(size, 1))]

    def __enter__(self) -> LocalPool:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        grace = GRACE_S if exc_type is None else 0.0  # Ctrl-C: at once
        for worker in self._workers:
            self._selector.unregister(worker.fd)
            worker.kill(grace)
        self._selector.close()

    def grade(self, subs: Sequence[Submission], exercises: Sequence[Exercise]) -> Iterator[Graded]:
        """Yield one :class:`Graded` per submission as each one finishes."""
        queue = list(reversed(subs))
        job_ids = iter(range(1, 1 << 62))
        busy = 0
        for worker in self._workers:
            busy += self._feed(worker, queue, job_ids, exercises)
        while busy:
            for worker, message in self._next_messages():
                sub, (results, error) = worker.job, self._outcome(worker, message)
                worker.job = None
                if message is None:
                    worker = self._replace(worker)
                busy -= 1
                busy += self._feed(worker, queue, job_ids, exercises)
                ready = worker.ready or {}
                yield Graded(
                    sub, results, error, ready.get("device", "?"), ready.get("isolation", "?")
                )

    def _feed(self, worker: GradingProcess, queue: list, job_ids, exercises) -> int:
        if not queue:
            return 0
        sub = queue.pop()
        ids = [e.id for e in exercises]  # ids on the wire; the worker finds them in its course
        worker.send({"id": next(job_ids), "workspace": str(sub.workspace), "exercises": ids}, sub)
        return 1

    def _next_messages(self) -> list[tuple[GradingProcess, dict | None]]:
        """Block until some busy worker answers, dies, or runs past the watchdog.

        A message of None means the worker died (or sent garbage) and must be replaced.
        """
        messages = []
        for key, _ in self._selector.select(timeout=1.0):
            worker = key.data
            for message in worker.read_available():
                if message is not None and "ready" in message:
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

    def _outcome(self, worker: GradingProcess, message: dict | None) -> tuple[list, str]:
        return outcome(message, time.monotonic() - worker.started)

    def _spawn(self) -> GradingProcess:
        options = self._options
        worker = GradingProcess(options.device, options.isolation, options.course_root)
        self._selector.register(worker.fd, selectors.EVENT_READ, worker)
        return worker

    def _replace(self, worker: GradingProcess) -> GradingProcess:
        log.warning("restarting a grading worker")
        self._selector.unregister(worker.fd)
        worker.kill()
        fresh = self._spawn()
        self._workers[self._workers.index(worker)] = fresh
        return fresh
