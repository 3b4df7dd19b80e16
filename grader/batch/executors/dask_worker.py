"""The worker side of a Dask batch: a plugin that owns one grading process, and the task.

    client.register_plugin(GradingPlugin(settings, bundle))      # every worker, now and later
    client.submit(grade_on_worker, settings.name, files, ["ex4_5"], key=..., resources=...)

On each Dask worker the plugin unpacks the course it was sent (:mod:`.bundle`) into a
private folder and starts one :class:`~grader.batch.grading_process.GradingProcess`:
the same single-threaded template process the local pool uses (torch, numpy, sympy
and the course imported once), which forks one sandbox per submission. The Dask
worker itself is never forked: it only starts that program (fork and exec) and talks
to it over its pipes, one job at a time. Student code runs in the sandbox, two
processes below the Dask worker, so its crash, ``os._exit``, loop or memory bomb is
a verdict inside the results; a grading process that dies or stalls anyway is
replaced and the task returns the same error the local pool records.

What this relies on, from Dask distributed's documentation and source (2026.8):

- ``WorkerPlugin.setup`` runs when the plugin is registered (on every worker there
  is) and on every worker that joins later, in the worker's main thread; it may be a
  coroutine (``distributed/diagnostics/plugin.py``). ``Client.register_plugin``
  raises the first exception a worker's ``setup`` raised (``Client._register_worker_plugin``);
  a worker that joins later keeps a plugin whose ``setup`` failed in ``Worker.plugins``
  (``Worker.plugin_add``), which is how :func:`grade_on_worker` finds it refused.
- ``get_worker()`` gives the worker running a task, ``Worker.plugins[name]`` its plugins.
- ``idempotent = True``: registering a plugin of the same name again is ignored.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import shutil
import signal
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from distributed import WorkerPlugin, get_worker

from grader import errors
from grader.batch.executors.bundle import safe_relative, unpack
from grader.batch.grading_process import GradingProcess
from grader.errors import GraderError, InternalError, UsageError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WorkerSettings:
    """What every worker of one batch grades with (sent with the plugin).

    ``name``: the plugin's name (derived from everything below and the grader
    version); ``device``: the batch's ``--device``; ``hidden``: whether the course
    bundle holds hidden checks and solutions (trusted workers); ``engine``: the
    client's :func:`~grader.version.engine_digest`; ``local``: the workers are this
    machine's (``--cluster local:N``): they ignore Ctrl-C, which is the client's to handle.
    """

    name: str
    device: str
    isolation: str
    hidden: bool
    engine: str
    submission_timeout_s: float = 600.0
    startup_timeout_s: float = 300.0
    local: bool = False


class GradingPlugin(WorkerPlugin):
    """One grading process per Dask worker, started at ``setup``, replaced when it dies."""

    idempotent = True

    def __init__(self, settings: WorkerSettings, bundle: dict[str, bytes]) -> None:
        self.name = settings.name
        self.settings = settings
        self.bundle = bundle

    async def setup(self, worker) -> None:
        """Unpack the course and start the grading process (off the event loop).

        Raises:
            UsageError: another engine version, or ``--isolation strict`` where the
                worker cannot give namespaces; the message names the worker.
        """
        self.address = worker.address
        self.device = worker_device(self.settings.device, worker.state.total_resources)
        self.refusal: GraderError | None = None
        self._lock = threading.Lock()
        self._jobs = itertools.count(1)
        self._process: GradingProcess | None = None
        self._root: Path | None = None
        self._closed = False
        # The grading process dies with the thread that started it (PR_SET_PDEATHSIG),
        # so one long-lived thread of this plugin starts every one of them.
        self._spawner = ThreadPoolExecutor(1, thread_name_prefix="grader-spawner")
        if self.settings.local and threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the client's to handle
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(self._spawner, self._prepare)
        except GraderError as exc:
            self.refusal = exc
            raise

    def teardown(self, worker) -> None:
        """Stop the grading process and remove the course copy (a task still waiting on
        the process returns the stopped-worker error; nothing starts another process)."""
        self._closed = True
        process, self._process = getattr(self, "_process", None), None
        if process is not None:
            process.kill()
        if hasattr(self, "_spawner"):
            self._spawner.shutdown(wait=False)
        if getattr(self, "_root", None) is not None:
            shutil.rmtree(self._root, ignore_errors=True)

    def grade(self, files: dict[str, bytes], exercise_ids: list[str]) -> dict:
        """Grade one submission's files; the answer as :func:`grade_on_worker` returns it."""
        if self.refusal is not None:
            raise self.refusal
        with self._lock, tempfile.TemporaryDirectory(prefix="grader-submission-") as tmp:
            for name, data in files.items():
                target = Path(tmp) / safe_relative(name)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
            job = {"workspace": tmp, "exercises": exercise_ids, "hidden": self.settings.hidden}
            started = time.monotonic()
            answer, process = self._ask(job), self._process
            seconds = time.monotonic() - started
            if answer is None:
                self._replace()
            ready = (process.ready if process else None) or {}
        return {
            "answer": answer,
            "seconds": seconds,
            "device": ready.get("device", "?"),
            "isolation": ready.get("isolation", "?"),
            "worker": self.address,
        }

    def _ask(self, job: dict) -> dict | None:
        """Send ``job`` to the grading process (a fresh one if it died idle); its answer."""
        job = {"id": next(self._jobs), **job}
        for attempt in range(2):
            process = self._process or self._start()
            try:
                process.send(job)
            except OSError:  # it died while idle (killed from outside): start another once
                if attempt:
                    return None
                self._replace()
                continue
            return process.wait_message(self.settings.submission_timeout_s)
        return None

    def _prepare(self) -> None:
        from grader.version import engine_digest

        if engine_digest() != self.settings.engine:
            raise UsageError(
                f"Dask worker {self.address} runs grader engine {engine_digest()}, the client "
                f"{self.settings.engine}: install the same grader on every worker"
            )
        self._root = unpack(self.bundle, Path(tempfile.mkdtemp(prefix="grader-course-")))
        self.bundle = {}  # on disk now; no second copy in memory
        self._process = self._start_here()

    def _start(self) -> GradingProcess:
        if self._closed:
            raise InternalError(f"Dask worker {self.address}: the grading plugin was removed")
        self._process = self._spawner.submit(self._start_here).result()
        return self._process

    def _start_here(self) -> GradingProcess:
        """A ready grading process (on the spawner thread), or the reason there is none."""
        settings = self.settings
        process = GradingProcess(self.device, settings.isolation, str(self._root))
        ready = process.wait_ready(settings.startup_timeout_s)
        if ready is None or not ready.get("ready"):
            process.kill()
            raise _refusal(self.address, ready)
        return process

    def _replace(self) -> None:
        if self._closed:  # teardown killed it: the worker is closing, nothing to replace
            return
        log.warning("restarting the grading process of Dask worker %s", self.address)
        if self._process is not None:
            self._process.kill()
        self._process = None
        with contextlib.suppress(GraderError):
            self._start()


def grade_on_worker(plugin_name: str, files: dict[str, bytes], exercise_ids: list[str]) -> dict:
    """The Dask task: grade one submission's ``exercise_ids`` on this worker.

    Returns ``{"answer": <the grading process's answer, or None if it stopped>,
    "seconds": ..., "device": ..., "isolation": ..., "worker": <address>}``: plain
    data only. Raises the worker's refusal (a UsageError naming it) where it cannot
    grade, and InternalError where the plugin is missing.
    """
    worker = get_worker()
    plugin = worker.plugins.get(plugin_name)
    if not isinstance(plugin, GradingPlugin):
        raise InternalError(f"Dask worker {worker.address} has no grading plugin {plugin_name}")
    return plugin.grade(files, exercise_ids)


def worker_device(requested: str, resources: dict[str, float]) -> str:
    """The device of this worker's grading process.

    With ``--device cuda`` only workers that declare a ``GPU`` resource grade on the
    GPU (they get the training exercises); the others grade the rest on the CPU.
    """
    if requested == "cuda":
        return "cuda" if resources.get("GPU", 0) > 0 else "cpu"
    return requested


def _refusal(address: str, ready: dict | None) -> GraderError:
    if ready is None:
        return InternalError(f"Dask worker {address}: the grading process did not start")
    kind = getattr(errors, str(ready.get("kind")), None)
    cls = kind if isinstance(kind, type) and issubclass(kind, GraderError) else InternalError
    return cls(f"Dask worker {address}: {ready.get('error', 'cannot grade')}")
