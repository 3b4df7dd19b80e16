"""The executor layer without a cluster: what crosses to workers, task keys, GPU placement,
the grading process's protocol, and the error when Dask is not installed."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from support import COURSE, REPO, fake_course, solution_text, stub_text

from grader.batch.executors.bundle import course_bundle, folder_files, unpack
from grader.batch.executors.dask_client import (
    GRADING_DASK_CONFIG,
    DaskExecutor,
    is_public_only,
    parse_cluster,
    task_key,
)
from grader.batch.executors.dask_worker import _refusal, worker_device
from grader.batch.grading_process import GradingProcess, outcome
from grader.batch.scheduler import BatchOptions
from grader.errors import InternalError, IsolationUnavailable, ReleaseRefused, UsageError
from grader.release.shipped import released_files


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("local:2", (2, "")),
        ("local:16", (16, "")),
        ("tcp://10.0.0.5:8786", (0, "tcp://10.0.0.5:8786")),
        ("scheduler.example.org:8786", (0, "scheduler.example.org:8786")),
    ],
)
def test_cluster_addresses_are_parsed(text, parsed):
    assert parse_cluster(text) == parsed


@pytest.mark.parametrize("text", ["", "local", "local:0", "local:x", "tcp://a b:1", "four"])
def test_a_malformed_cluster_is_a_usage_error(text):
    with pytest.raises(UsageError, match="local:N"):
        parse_cluster(text)


def test_only_remote_workers_not_marked_trusted_grade_public_checks_only():
    assert is_public_only("tcp://h:8786", trusted_workers=False)
    assert not is_public_only("tcp://h:8786", trusted_workers=True)
    assert not is_public_only("local:2", trusted_workers=False)  # this machine
    assert not is_public_only("", trusted_workers=False)  # the local pool


def test_task_keys_name_the_content_the_exercises_and_the_grader():
    key = task_key("abc", ["ex4_5"], "grader-1")
    assert key == task_key("abc", ["ex4_5"], "grader-1")
    others = {
        task_key("abd", ["ex4_5"], "grader-1"),
        task_key("abc", ["ex4_5", "ex4_1"], "grader-1"),
        task_key("abc", ["ex4_5"], "grader-2"),
    }
    assert key not in others and len(others) == 3


def test_untrusted_workers_get_the_public_course_and_no_instructor_file():
    bundle = course_bundle(COURSE, trusted=False)
    assert "course.toml" in bundle and "checks/ex4_5/public.py" in bundle
    assert not [name for name in bundle if name.split("/")[0] in ("hidden", "solutions")]
    secret = {p.read_bytes() for d in ("hidden", "solutions") for p in (REPO / d).glob("*.*")}
    assert not secret & set(bundle.values())
    assert not [name for name in bundle if "__pycache__" in name]
    manifest = bundle["checks/hidden_manifest.json"].decode()
    assert f'"ex4_5": {COURSE.hidden_count(COURSE.find("ex4_5"))}' in manifest


#: param_count of solutions/ex4_5.py with every name changed: what an instructor's scratch
#: note in checks/ holds.
RENAMED_SOLUTION = """
def count_weights(a, b, c):
    a, b, c = _validate(a, b, c)
    w = b // c
    head = a * w + w
    body = (c - 1) * (w * w + w)
    tail = w + 1
    return head + body + tail
"""


def test_untrusted_workers_get_of_checks_exactly_what_the_handout_ships(tmp_path):
    course = fake_course(tmp_path / "course", stub_text("ex4_5"))
    stray = tmp_path / "course" / "checks" / "ex4_5"
    (stray / "solution_notes.py").write_text(RENAMED_SOLUTION, "utf-8")
    (stray / "hidden_copy.py").write_bytes((REPO / "hidden" / "ex4_5.py").read_bytes())
    bundle = course_bundle(course, trusted=False)
    released = {
        f"checks/{e.id}/{p.as_posix()}"
        for e in course.exercises()
        for p in released_files(e.folder, e.id)[0]
    }
    assert "checks/ex4_5/public.py" in released
    assert {n for n in bundle if n.startswith("checks/")} == released | {
        "checks/hidden_manifest.json"
    }
    assert "checks/ex4_5/solution_notes.py" not in bundle
    assert "checks/ex4_5/hidden_copy.py" not in bundle


def test_a_leak_in_a_shipped_checks_file_refuses_untrusted_workers_naming_it(tmp_path):
    course = fake_course(tmp_path / "course", stub_text("ex4_5"))
    judging = tmp_path / "course" / "checks" / "ex4_5" / "judging.py"  # public.py imports it
    judging.write_text(judging.read_text("utf-8") + RENAMED_SOLUTION, "utf-8")
    with pytest.raises(ReleaseRefused) as refused:
        course_bundle(course, trusted=False)
    assert isinstance(refused.value, UsageError)  # exit code 2
    assert (
        "checks/ex4_5/judging.py: contains a solution body of ex4_5 "
        "(solutions/ex4_5.py: body of param_count())"
    ) in str(refused.value)
    assert "checks/ex4_5/judging.py" in course_bundle(course, trusted=True)  # they may hold it


def test_grade_batch_refuses_untrusted_workers_a_leaking_course_before_any_cluster(tmp_path):
    course = fake_course(tmp_path / "course", stub_text("ex4_5"))
    probes = course.root / "checks" / "ex4_5" / "probes.py"
    probes.write_text(probes.read_text("utf-8") + RENAMED_SOLUTION, "utf-8")
    (tmp_path / "subs" / "s1" / "exercises").mkdir(parents=True)
    (tmp_path / "subs" / "s1" / "exercises" / "ex4_5.py").write_text(solution_text("ex4_5"))
    command = ["--course", course.root, "batch", tmp_path / "subs", "--db", tmp_path / "g.db"]
    command += ["--cluster", "tcp://127.0.0.1:9", "--exercise", "ex4_5"]  # nothing listens
    done = subprocess.run(
        [sys.executable, "-m", "grader", *map(str, command)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert "checks/ex4_5/probes.py: contains a solution body of ex4_5" in done.stderr
    assert "no Dask scheduler answers" not in done.stderr  # refused before connecting
    assert "Traceback" not in done.stderr


def test_trusted_workers_also_get_hidden_checks_and_solutions():
    bundle = course_bundle(COURSE, trusted=True)
    assert bundle["hidden/ex4_5.py"] == (REPO / "hidden" / "ex4_5.py").read_bytes()
    assert bundle["solutions/ex4_5.toml"] == (REPO / "solutions" / "ex4_5.toml").read_bytes()


def test_an_unpacked_course_is_readable_by_all_but_its_instructor_files(tmp_path):
    bundle = {
        "course.toml": b"title = 't'\n",
        "checks/ex/public.py": b"x = 1\n",
        "hidden/ex.py": b"secret = 2\n",
    }
    (tmp_path / "course").mkdir()
    root = unpack(bundle, tmp_path / "course")
    assert (root / "checks" / "ex" / "public.py").read_bytes() == b"x = 1\n"
    mode = lambda p: stat.S_IMODE(p.stat().st_mode)  # noqa: E731
    assert mode(root) == mode(root / "checks" / "ex") == 0o755
    assert mode(root / "checks" / "ex" / "public.py") == 0o644
    assert mode(root / "hidden") == 0o700 and mode(root / "hidden" / "ex.py") == 0o600


@pytest.mark.parametrize("name", ["../escape.py", "/etc/passwd", "checks/../../x", "a\\b"])
def test_unpacking_refuses_a_path_out_of_its_folder(tmp_path, name):
    (tmp_path / "course").mkdir()
    with pytest.raises(InternalError, match="plain relative path"):
        unpack({name: b""}, tmp_path / "course")


def test_a_workspace_crosses_as_its_files(tmp_path):
    (tmp_path / "exercises").mkdir()
    (tmp_path / "exercises" / "ex4_5.py").write_bytes(b"caf\xe9")
    (tmp_path / "answers").mkdir()
    (tmp_path / "answers" / "ex4_5.toml").write_text("a = 1\n")
    assert folder_files(tmp_path) == {
        "answers/ex4_5.toml": b"a = 1\n",
        "exercises/ex4_5.py": b"caf\xe9",
    }


def test_with_device_cuda_training_exercises_need_a_gpu_worker_and_the_rest_do_not():
    options = BatchOptions(cluster="local:1", device="cuda", course_root=str(REPO))
    exercises = [COURSE.find("ex4_5"), COURSE.find("dropout"), COURSE.find("gradcheck")]
    assert DaskExecutor(options).groups(exercises) == [
        (["dropout"], {"GPU": 1}),
        (["ex4_5", "gradcheck"], {}),
    ]
    cpu = BatchOptions(cluster="local:1", device="cpu", course_root=str(REPO))
    assert DaskExecutor(cpu).groups(exercises) == [(["ex4_5", "dropout", "gradcheck"], {})]


def test_a_worker_grades_on_the_gpu_only_when_it_declares_one():
    assert worker_device("cuda", {"GPU": 1}) == "cuda"
    assert worker_device("cuda", {}) == "cpu"
    assert worker_device("auto", {"GPU": 1}) == "auto"
    assert worker_device("cpu", {"GPU": 1}) == "cpu"


def test_a_workers_refusal_keeps_its_kind_and_names_the_worker():
    ready = {"ready": False, "error": "no namespaces", "kind": "IsolationUnavailable"}
    refusal = _refusal("tcp://w:1", ready)
    assert isinstance(refusal, IsolationUnavailable)
    assert str(refusal) == "Dask worker tcp://w:1: no namespaces"
    assert isinstance(_refusal("tcp://w:1", {"ready": False, "kind": "os.system"}), InternalError)
    assert isinstance(_refusal("tcp://w:1", None), InternalError)


def test_a_grading_process_answers_a_job_without_hidden_checks(tmp_path):
    (tmp_path / "exercises").mkdir()
    (tmp_path / "exercises" / "ex4_5.py").write_text(solution_text("ex4_5"))
    process = GradingProcess("cpu", "process", str(REPO))
    try:
        assert process.wait_ready(120)["ready"] is True
        job = {"id": 1, "workspace": str(tmp_path), "exercises": ["ex4_5"], "hidden": False}
        process.send(job)
        results, error = outcome(process.wait_message(120), 0.0)
    finally:
        process.kill()
    assert not error and [r.exercise for r in results] == ["ex4_5"]
    assert results[0].hidden_not_run == COURSE.hidden_count(COURSE.find("ex4_5"))
    assert all(c.visibility.value == "public" for c in results[0].results)
    assert outcome(None, 12.4)[1] == (
        "internal grader error: the grading worker stopped after 12 s"
    )


def test_cluster_without_dask_installed_says_how_to_install_it(tmp_path):
    shim = tmp_path / "shim" / "distributed"  # what an environment without Dask imports
    shim.mkdir(parents=True)
    (shim / "__init__.py").write_text("raise ImportError(\"No module named 'distributed'\")\n")
    (tmp_path / "subs" / "s1" / "exercises").mkdir(parents=True)
    (tmp_path / "subs" / "s1" / "exercises" / "ex4_5.py").write_text(solution_text("ex4_5"))
    db = tmp_path / "g.db"
    command = [
        "batch",
        tmp_path / "subs",
        "--db",
        db,
        "--cluster",
        "local:2",
        "--exercise",
        "ex4_5",
    ]
    done = subprocess.run(
        [sys.executable, "-m", "grader", *map(str, command)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(Path(shim).parent)},
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines()[-1] == (
        "grade: --cluster needs Dask, which is not installed (No module named "
        "'distributed'): pip install 'grader[dask]'"
    )
    assert not db.exists()  # refused before anything was written


def test_docs_give_remote_workers_the_dask_settings_a_local_cluster_grades_with(tmp_path):
    import dask.config

    text = (REPO / "docs" / "scale.md").read_text(encoding="utf-8")
    section = text.split("## Dask's own diagnostics on grading workers", 1)[1].split("\n## ")[0]
    (tmp_path / "grading.yaml").write_text(section.split("```yaml\n")[1].split("```")[0])
    from_file = dask.config.collect(paths=[str(tmp_path)], env={})
    names = re.findall(r"`(DASK_[A-Z_]+)=([^`]+)`", section)
    from_env = dask.config.collect_env(dict(names))
    assert len(names) == len(GRADING_DASK_CONFIG)
    for config in (from_file, from_env):
        settings = {key: dask.config.get(key, config=config) for key in GRADING_DASK_CONFIG}
        assert settings == GRADING_DASK_CONFIG
