"""`grade batch --cluster` on real Dask clusters (LocalCluster, 2 workers): the same grades
as the local pool, every submission exactly once when a worker or the client is killed,
a student's crash, loop or memory bomb a verdict that costs no worker, and workers that
are not trusted never receive hidden checks."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from distributed import Client
from support import COURSE, REPO, reference_answers, solution_text

from grader.batch.executors.dask_client import GRADING_DASK_CONFIG, local_cluster
from grader.batch.gradebook import Gradebook
from grader.model import Visibility

EXERCISES = ("--exercise", "ex4_5")
SLOW = "import time\n\ntime.sleep(1)  # a slow import: tasks are in flight for a while\n"


@pytest.fixture(scope="module")
def cluster():
    """A LocalCluster of 2 single-threaded worker processes and a client to watch it."""
    with local_cluster(2) as local, Client(local) as client:
        yield client


@pytest.fixture(scope="module")
def slow_class(tmp_path_factory) -> tuple[Path, dict]:
    """Six students whose import takes a second, and their grades from the local pool."""
    root = tmp_path_factory.mktemp("slow")
    subs = make_class(root / "subs", 6, prefix=SLOW)
    reference = run("batch", subs, "--db", root / "pool.db", "-j", 2, *EXERCISES)
    assert reference.returncode == 0, reference.stderr
    return subs, checks_by_student(root / "pool.db")


def address(client: Client) -> str:
    return client.scheduler_info()["address"]


def grade_cmd(*args: object) -> list[str]:
    return [sys.executable, "-m", "grader", *map(str, args)]


def run(*args: object, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        grade_cmd(*args), capture_output=True, text=True, cwd=REPO, timeout=600, env=env
    )


def make_class(root: Path, count: int, prefix: str = "") -> Path:
    """``count`` students with distinct files (each its own task): solutions and mistakes."""
    source = solution_text("ex4_5")
    mistakes = [("", ""), ("nn.Sigmoid()", "nn.ReLU()"), ("last = width + 1", "last = width")]
    for i in range(count):
        old, new = mistakes[i % len(mistakes)]
        folder = root / f"s{i:02d}" / "exercises"
        folder.mkdir(parents=True)
        code = prefix + source.replace(old, new) + f"\n# student {i}\n"
        (folder / "ex4_5.py").write_text(code)
        (folder.parent / "answers").mkdir()
        (folder.parent / "answers" / "ex4_5.toml").write_text(reference_answers("ex4_5"))
    return root


def checks_by_student(db: Path) -> dict[str, tuple]:
    """Every student's problems and, per exercise, each check's (name, points, status)."""
    with Gradebook(db) as book:
        return {
            g.student_id: (
                tuple(g.problems),
                tuple(
                    (r.exercise, tuple((c.name, c.points, c.status) for c in r.results))
                    for r in g.exercises
                ),
            )
            for g in book.latest_all()
        }


def rows_per_student(db: Path) -> dict[str, int]:
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute("SELECT student_id, COUNT(*) FROM submissions GROUP BY student_id")
        return dict(rows.fetchall())
    except sqlite3.OperationalError:  # created, schema not yet written
        return {}
    finally:
        conn.close()


def wait_for_rows(db: Path, count: int, proc: subprocess.Popen, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if db.exists() and sum(rows_per_student(db).values()) >= count:
            return
        time.sleep(0.1)
    raise AssertionError(f"fewer than {count} rows in {db} (batch exit {proc.poll()})")


def workers(client: Client) -> dict[str, int]:
    """Each worker's address and process id."""
    return client.run(os.getpid)


def registered(client: Client) -> set[str]:
    """The addresses of the workers the scheduler knows now (without asking them)."""
    return set(client.scheduler_info()["workers"])


def grading_settings(dask_worker) -> dict:
    """What a worker runs with: the grading configuration and whether it profiles."""
    import dask

    settings = {key: dask.config.get(key) for key in GRADING_DASK_CONFIG}
    return {**settings, "profiling": "profile" in dask_worker.periodic_callbacks}


def test_grading_cluster_workers_run_without_dasks_profiler_also_after_a_restart():
    expected = {**GRADING_DASK_CONFIG, "profiling": False}
    with local_cluster(1) as local, Client(local) as client:
        assert list(client.run(grading_settings).values()) == [expected]
        ((old, pid),) = workers(client).items()
        os.kill(pid, signal.SIGKILL)  # its nanny starts another worker process
        deadline = time.monotonic() + 60
        while registered(client) in (set(), {old}) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert list(client.run(grading_settings).values()) == [expected]


def test_demo_class_on_local_cluster_gives_the_local_pools_grades_check_by_check(tmp_path):
    demo = tmp_path / "demo"
    assert run("demo-class", demo, "--students", 10, "--seed", 7).returncode == 0
    # Two exercises this seed's first ten students break (a crashing import, a partial
    # solution, an infinite loop), beside a bad zip and an empty folder: every kind of
    # verdict, in about half a minute per run.
    exercises = [x for e in ("ex4_5", "gradcheck") for x in ("--exercise", e)]
    pool = run("batch", demo, "--db", tmp_path / "pool.db", "-j", 2, *exercises)
    dask = run("batch", demo, "--db", tmp_path / "dask.db", "--cluster", "local:2", *exercises)
    assert dask.returncode == pool.returncode == 1, dask.stderr  # the class has broken work
    expected = checks_by_student(tmp_path / "pool.db")
    assert len(expected) == 10
    assert checks_by_student(tmp_path / "dask.db") == expected
    assert rows_per_student(tmp_path / "dask.db") == dict.fromkeys(expected, 1)
    assert "Traceback" not in dask.stderr, dask.stderr


def test_a_worker_killed_with_sigkill_mid_batch_costs_nothing(cluster, slow_class, tmp_path):
    subs, expected = slow_class
    pids = workers(cluster)
    db = tmp_path / "dask.db"
    cluster_flags = ("--cluster", address(cluster), "--trusted-workers")
    proc = subprocess.Popen(
        grade_cmd("batch", subs, "--db", db, *cluster_flags, *EXERCISES),
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    wait_for_rows(db, 1, proc)
    busy = [w for w, keys in cluster.processing().items() if keys]
    assert busy, "no task in flight to lose"
    below = psutil.Process(pids[busy[0]]).children(recursive=True)  # its grading process...
    assert below
    os.kill(pids[busy[0]], signal.SIGKILL)
    _, stderr = proc.communicate(timeout=600)
    assert proc.returncode == 0, stderr
    assert rows_per_student(db) == {f"s{i:02d}": 1 for i in range(6)}
    assert checks_by_student(db) == expected
    cluster.wait_for_workers(2, timeout=120)  # the nanny replaced the killed worker
    assert busy[0] not in workers(cluster)
    _, alive = psutil.wait_procs(below, timeout=60)
    assert not alive, f"left running after their worker died: {alive}"


EVIL = (
    solution_text("ex4_5")
    + """
import os as _os

_reference_build_mlp = build_mlp


def param_count(M0, N, L):
    _os._exit(3)


def param_count_expr():
    return bytearray(4 * 1024**3)  # 4 GB


def build_mlp(M0, N, L):
    if (M0, N, L) == (6, 8, 2):
        while True:
            pass
    return _reference_build_mlp(M0, N, L)
"""
)


def test_os_exit_a_loop_and_a_memory_bomb_are_verdicts_and_no_worker_is_lost(cluster, tmp_path):
    subs = make_class(tmp_path / "subs", 1)
    (subs / "evil" / "exercises").mkdir(parents=True)
    (subs / "evil" / "exercises" / "ex4_5.py").write_text(EVIL)
    before = workers(cluster)
    db = tmp_path / "dask.db"
    cluster_flags = ("--cluster", address(cluster), "--trusted-workers")
    done = run("batch", subs, "--db", db, *cluster_flags, *EXERCISES)
    assert done.returncode == 0, done.stderr
    assert workers(cluster) == before  # same addresses, same processes: none died
    with Gradebook(db) as book:
        good, evil = book.latest("s00"), book.latest("evil")
    checks = {c.name: c for c in evil.exercise("ex4_5").results}
    assert not evil.problems and good.score == good.max_score
    assert checks["param_count_small"].points == 0
    assert "exit" in checks["param_count_small"].message.lower()
    assert checks["param_count_expr_matches_small_cases"].points == 0
    assert "MemoryError" in checks["param_count_expr_matches_small_cases"].message
    assert checks["build_mlp_small"].points == 0
    assert "did not finish" in checks["build_mlp_small"].message
    assert checks["build_mlp_rejects_bad_arguments"].points > 0  # a loop costs only its check


def test_untrusted_workers_grade_the_public_checks_only(cluster, tmp_path):
    subs = make_class(tmp_path / "subs", 1)
    db = tmp_path / "dask.db"
    done = run("batch", subs, "--db", db, "--cluster", address(cluster), *EXERCISES)
    assert done.returncode == 0, done.stderr
    with Gradebook(db) as book:
        result = book.latest("s00").exercise("ex4_5")
    exercise = COURSE.find("ex4_5")
    public = {c.name for c in exercise.public_checks()} | {q.key for q in exercise.questions()}
    assert {c.name for c in result.results} <= public
    assert all(c.visibility is Visibility.PUBLIC for c in result.results)
    assert result.hidden_not_run == COURSE.hidden_count(COURSE.find("ex4_5"))
    assert ".public-only" in done.stderr  # recorded as another grader version
    again = run("batch", subs, "--db", db, "--cluster", "local:1", *EXERCISES)
    assert "0 already graded" in again.stderr  # a trusted run grades it in full


def test_kill_9_of_the_client_mid_batch_then_rerun_resumes_once_each(slow_class, tmp_path):
    subs, expected = slow_class
    db = tmp_path / "dask.db"
    command = ("batch", subs, "--db", db, "--cluster", "local:2", *EXERCISES)
    proc = subprocess.Popen(
        grade_cmd(*command), cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    wait_for_rows(db, 2, proc)
    helpers = psutil.Process(proc.pid).children(recursive=True)
    assert helpers  # the LocalCluster's workers and their grading processes
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    _, alive = psutil.wait_procs(helpers, timeout=60)
    assert not alive, f"left running after the client died: {alive}"
    saved = sum(rows_per_student(db).values())
    assert 2 <= saved < 6
    resumed = run(*command)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{saved} already graded" in resumed.stderr
    assert rows_per_student(db) == {f"s{i:02d}": 1 for i in range(6)}
    assert checks_by_student(db) == expected


def test_strict_isolation_refuses_a_worker_without_namespaces(tmp_path):
    subs = make_class(tmp_path / "subs", 1)
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": str(bin_dir)}  # no bwrap on the workers' PATH
    done = run(
        "batch",
        subs,
        "--db",
        tmp_path / "g.db",
        "--cluster",
        "local:1",
        "--isolation",
        "strict",
        *EXERCISES,
        env=env,
    )
    assert done.returncode == 2, done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("grade: Dask worker tcp://") and "strict" in last, done.stderr


def test_ctrl_c_during_a_cluster_batch_is_one_line_exit_130_and_stops_every_process(
    slow_class, tmp_path
):
    subs, _ = slow_class
    db = tmp_path / "dask.db"
    proc = subprocess.Popen(
        grade_cmd("batch", subs, "--db", db, "--cluster", "local:2", *EXERCISES),
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a terminal's foreground job
        preexec_fn=_default_sigint,  # as from a shell: Ctrl-C not ignored
    )
    wait_for_rows(db, 1, proc)
    helpers = psutil.Process(proc.pid).children(recursive=True)
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C does: the whole foreground group
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr, stderr
    assert stderr.splitlines()[-1].startswith("interrupted: every finished submission is saved")
    assert stderr.count("interrupted") == 1 and "worker" not in stderr, stderr
    _, alive = psutil.wait_procs(helpers, timeout=60)
    assert not alive, f"left running after Ctrl-C: {alive}"


def test_device_cuda_refuses_a_cluster_without_gpu_workers(cluster, tmp_path):
    subs = make_class(tmp_path / "subs", 1)
    db = tmp_path / "g.db"
    flags = ("--cluster", address(cluster), "--trusted-workers", "--device", "cuda")
    done = run("batch", subs, "--db", db, *flags, *EXERCISES)
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines()[-1] == (
        "grade: --device cuda: no worker of the cluster declares a GPU resource (start GPU "
        "workers with `dask worker ADDRESS --nthreads 1 --resources GPU=1`)"
    )
    assert rows_per_student(db) == {}


def _default_sigint() -> None:
    """In the child before it runs: SIGINT's default action, as a shell starts a command."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
