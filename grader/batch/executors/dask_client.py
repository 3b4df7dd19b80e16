"""The client side of a Dask batch: start or reach the cluster, send the work, gather grades.

    with DaskExecutor(BatchOptions(cluster="local:4", ...)) as executor:
        for graded in executor.grade(subs, exercises):
            ...

``cluster`` is ``local:N`` (a LocalCluster of N single-threaded worker processes on
this machine, started and stopped here) or a Dask scheduler's address
(``tcp://HOST:8786``, workers anywhere). Entering registers a
:class:`~grader.batch.executors.dask_worker.GradingPlugin` carrying the course as
bytes (hidden checks and solutions only for trusted workers: a LocalCluster always
is, a remote one with ``trusted_workers``; untrusted workers get what the handout
gives students, leak-audited before any cluster is reached); each submission is then one task (two
with ``--device cuda``: its training exercises on a worker that declares a ``GPU``
resource, the rest anywhere). Only this process writes the gradebook: tasks return
plain data (the grading process's JSON answer) and the caller records each
submission once, as it completes.

Task keys are derived from (content hash, exercise set, plugin name; the plugin name
from the grader version, trust, device and isolation): two students who hand in the
same files share one task, and a task re-run after a worker's death is the same task.

What this relies on, from Dask distributed's documentation (2026.8):

- ``LocalCluster(n_workers=N, threads_per_worker=1, processes=True)``: N worker
  processes, each under a nanny that restarts it when it dies (local-cluster.rst).
- ``Client.submit(fn, *args, key=..., resources=..., pure=False)``: an explicit key
  names the task; ``resources={"GPU": 1}`` runs it only on workers started with
  ``--resources GPU=1`` (resources.rst).
- When a worker dies, the scheduler reroutes its tasks to other workers; a task whose
  workers died more than ``distributed.scheduler.allowed-failures`` times (default 3)
  errs with ``KilledWorker`` (resilience.rst, killed.rst). Student code cannot kill a
  worker here (it runs two processes below it), so such a task is recorded with an
  error, like a submission whose local grading process died.
- ``as_completed`` yields futures as they finish; a future of a lost scheduler is
  cancelled, and then the batch stops (what finished is saved) instead of recording
  errors that a rerun would take for grades.
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from grader.batch.executors import Graded
from grader.batch.executors.bundle import course_bundle, folder_files
from grader.batch.grading_process import outcome
from grader.batch.submissions import Submission
from grader.catalog import Course
from grader.errors import ClusterUnavailable, GraderError, InternalError, UsageError
from grader.exercise import Exercise
from grader.model import ExerciseResult

if TYPE_CHECKING:
    from grader.batch.scheduler import BatchOptions

log = logging.getLogger(__name__)

INSTALL_HINT = "pip install 'grader[dask]'"
_LOCAL = re.compile(r"local:(\d{1,3})")
CONNECT_TIMEOUT_S = 30
#: Appended to the grader version of grades made by untrusted workers (public checks only).
PUBLIC_ONLY = ".public-only"
#: Dask's own diagnostics, slowed or off in a LocalCluster that grades: on a machine whose
#: cores run the grading, they take CPU from it. The statistical profiler samples every
#: worker's threads every 10 ms (for a dashboard a grading batch does not serve), event
#: loops tick every 20 ms, the system monitor reads /proc every 500 ms, the memory
#: monitor every 100 ms. An idle LocalCluster of 2 workers used 9.9% of one core with
#: Dask's defaults and 1.5% with these (measured here, 15 s idle); docs/scale.md gives
#: the same settings for the workers of a remote cluster.
GRADING_DASK_CONFIG = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.worker.memory.monitor-interval": "1s",
}


def import_distributed():
    """The ``distributed`` package; ClusterUnavailable saying how to install it if absent."""
    try:
        import distributed
    except ImportError as exc:
        raise ClusterUnavailable(
            f"--cluster needs Dask, which is not installed ({exc}): {INSTALL_HINT}"
        ) from exc
    return distributed


def parse_cluster(cluster: str) -> tuple[int, str]:
    """``(N, "")`` for ``local:N``, ``(0, address)`` for a scheduler address.

    Raises:
        UsageError: neither (``local:0``, an empty or spaced address).
    """
    local = _LOCAL.fullmatch(cluster)
    if local and int(local.group(1)) >= 1:
        return int(local.group(1)), ""
    remote = not cluster.startswith("local") and ":" in cluster
    if remote and not any(c.isspace() for c in cluster):
        return 0, cluster
    raise UsageError(
        f"--cluster {cluster!r}: expected local:N (N >= 1 workers on this machine) or a "
        "Dask scheduler address such as tcp://HOST:8786"
    )


def is_public_only(cluster: str, trusted_workers: bool) -> bool:
    """Whether a batch on ``cluster`` grades the public checks only (untrusted workers)."""
    return bool(cluster) and not trusted_workers and not _LOCAL.fullmatch(cluster)


class DaskExecutor:
    """Grades submissions on a Dask cluster; see the module docstring."""

    def __init__(self, options: BatchOptions) -> None:
        self._options = options
        self._workers, self._address = parse_cluster(options.cluster)
        self._distributed = import_distributed()
        self.trusted = bool(self._workers) or options.trusted_workers
        self._course = Course.at(Path(options.course_root)) if options.course_root else None
        self._client = None
        self._cluster = None
        self.settings = None
        self._dask_log_level = logging.NOTSET

    def __enter__(self) -> DaskExecutor:
        bundle = self._bundle()  # refused (leak audit) before any cluster is reached
        try:
            self._connect()
            self._register(bundle)
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        client, cluster = self._client, self._cluster
        self._client = self._cluster = None
        try:
            if client is not None and self.settings is not None and client.status == "running":
                client.unregister_worker_plugin(self.settings.name)
        except Exception as problem:  # stopping: nothing more to save
            log.debug("could not remove the grading plugin: %s", problem)
        for closing in (client, cluster):
            if closing is not None:
                try:
                    closing.close()
                except Exception as problem:
                    log.debug("closing %s: %s", closing, problem)
        logging.getLogger("distributed").setLevel(self._dask_log_level)

    # ------------------------------------------------------------------ starting
    def _connect(self) -> None:
        distributed = self._distributed
        dask_log = logging.getLogger("distributed")
        self._dask_log_level = dask_log.level
        dask_log.setLevel(logging.ERROR)  # the progress line, not Dask's chatter (restored)
        if self._workers:
            gpu = {"GPU": 1} if self._options.device == "cuda" else None
            self._cluster = local_cluster(self._workers, resources=gpu)
            self._client = distributed.Client(self._cluster)
            return
        try:
            self._client = distributed.Client(self._address, timeout=CONNECT_TIMEOUT_S)
        except (OSError, TimeoutError) as exc:
            raise ClusterUnavailable(
                f"--cluster {self._address}: no Dask scheduler answers there ({exc})"
            ) from exc

    def _bundle(self) -> dict[str, bytes]:
        """The course for the workers (:func:`.bundle.course_bundle`; audited if untrusted)."""
        from grader.catalog import active

        self._course = self._course or active()
        return course_bundle(self._course, trusted=self.trusted)

    def _register(self, bundle: dict[str, bytes]) -> None:
        from grader.batch.executors.dask_worker import GradingPlugin, WorkerSettings
        from grader.version import engine_digest

        options = self._options
        fields = [options.grader_version, self.trusted, options.device, options.isolation]
        digest = hashlib.sha256(json.dumps(fields).encode()).hexdigest()[:16]
        self.settings = WorkerSettings(
            name=f"grader-{digest}",
            device=options.device,
            isolation=options.isolation,
            hidden=self.trusted,
            engine=engine_digest(),
            submission_timeout_s=options.submission_timeout_s,
            local=bool(self._workers),
        )
        self._expect_gpu_workers()
        self._client.register_plugin(GradingPlugin(self.settings, bundle))

    def _expect_gpu_workers(self) -> None:
        """With ``--device cuda``, refuse a cluster none of whose workers declares a GPU."""
        if self._options.device != "cuda":
            return
        workers = self._client.scheduler_info()["workers"].values()
        if workers and not any(w.get("resources", {}).get("GPU", 0) > 0 for w in workers):
            raise UsageError(
                "--device cuda: no worker of the cluster declares a GPU resource "
                "(start GPU workers with `dask worker ADDRESS --nthreads 1 --resources GPU=1`)"
            )

    # ------------------------------------------------------------------ grading
    def grade(self, subs: Sequence[Submission], exercises: Sequence[Exercise]) -> Iterator[Graded]:
        """Yield one :class:`Graded` per submission as its last task completes."""
        groups = self.groups(exercises)
        futures, waiting = {}, defaultdict(list)
        for sub in subs:
            files = folder_files(sub.workspace)
            entry = _Pending(sub, [e.id for e in exercises], len(groups))
            for ids, resources in groups:
                key = task_key(sub.content_hash, ids, self.settings.name)
                if key not in futures:
                    futures[key] = self._submit(key, files, ids, resources)
                waiting[key].append(entry)
        for future in self._distributed.as_completed(list(futures.values())):
            part = self._part(future)
            future.release()
            for entry in waiting.pop(future.key):
                entry.add(part)
                if entry.done:
                    yield entry.graded()

    def groups(self, exercises: Sequence[Exercise]) -> list[tuple[list[str], dict]]:
        """The tasks of one submission: (exercise ids, Dask resources) each.

        One task for everything, except with ``--device cuda``: the exercises with a
        training check need a worker with a ``GPU`` resource, the others can go anywhere.
        """
        ids = [e.id for e in exercises]
        if self._options.device != "cuda":
            return [(ids, {})]
        training = [e.id for e in exercises if self._trains(e)]
        others = [i for i in ids if i not in training]
        return [(g, r) for g, r in ((training, {"GPU": 1}), (others, {})) if g]

    def _trains(self, exercise: Exercise) -> bool:
        checks = self._course.checks(exercise, include_hidden=self.trusted)
        return any(check.training for check in checks)

    def _submit(self, key: str, files: dict[str, bytes], ids: list[str], resources: dict):
        from grader.batch.executors.dask_worker import grade_on_worker

        return self._client.submit(
            grade_on_worker,
            self.settings.name,
            files,
            ids,
            key=key,
            resources=resources or None,
            pure=False,
        )

    def _part(self, future) -> _Part:
        """What one finished task gave; raises where the batch cannot go on."""
        if future.status == "finished":
            value = future.result()
            results, error = outcome(value["answer"], value["seconds"])
            return _Part(results, error, value["device"], value["isolation"], value["worker"])
        if future.status != "error":  # cancelled: the scheduler or our connection is gone
            raise ClusterUnavailable(
                f"--cluster {self._options.cluster}: lost the Dask scheduler; every finished "
                "submission is saved, run again to resume"
            )
        exc = future.exception()
        if isinstance(exc, GraderError) and not isinstance(exc, InternalError):
            raise exc  # a worker that refuses to grade (another engine, --isolation strict)
        return _Part([], f"internal grader error: on the Dask cluster: {type(exc).__name__}: {exc}")


def local_cluster(workers: int, **kwargs):
    """A LocalCluster of ``workers`` single-threaded worker processes, made for grading.

    No dashboard (its HTTP server, for health and metrics, on a free port, not 8787,
    which another cluster on this machine may hold), Dask's logs at ERROR, and
    :data:`GRADING_DASK_CONFIG` in the scheduler and every worker, restarted ones
    included. ``kwargs`` go to ``LocalCluster`` (``resources``, say).
    """
    import dask

    distributed = import_distributed()
    with dask.config.set(GRADING_DASK_CONFIG):
        # A nanny starts each worker process (again after a death) with the configuration
        # it was given; its default is a shallow copy of the global one, whose nested
        # values this ``with`` restores on leaving, so it gets a deep copy of its own.
        config = copy.deepcopy(dask.config.config)
        return distributed.LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            scheduler_kwargs={"dashboard_address": ":0"},
            silence_logs=logging.ERROR,
            config=config,
            **kwargs,
        )


def task_key(content_hash: str, exercise_ids: Sequence[str], plugin_name: str) -> str:
    """The Dask key of grading ``exercise_ids`` of this content with this plugin."""
    text = json.dumps([content_hash, list(exercise_ids), plugin_name])
    return f"grade-{hashlib.sha256(text.encode()).hexdigest()[:32]}"


@dataclass
class _Part:
    """What one task gave for one submission."""

    results: list[ExerciseResult]
    error: str = ""
    device: str = "?"
    isolation: str = "?"
    where: str = ""


@dataclass
class _Pending:
    """A submission whose tasks are not all back yet."""

    submission: Submission
    order: list[str]
    remaining: int
    parts: list[_Part] = field(default_factory=list)

    @property
    def done(self) -> bool:
        return self.remaining == 0

    def add(self, part: _Part) -> None:
        self.parts.append(part)
        self.remaining -= 1

    def graded(self) -> Graded:
        """One Graded: results in exercise order, each distinct device/isolation/worker once."""
        results = [r for part in self.parts for r in part.results]
        results.sort(key=lambda r: self.order.index(r.exercise))

        def joined(values: list[str]) -> str:
            return ", ".join(dict.fromkeys(v for v in values if v))

        return Graded(
            self.submission,
            results,
            "; ".join(p.error for p in self.parts if p.error),
            joined([p.device for p in self.parts]),
            joined([p.isolation for p in self.parts]),
            joined([p.where for p in self.parts]),
        )
