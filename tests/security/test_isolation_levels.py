"""The isolation level: chosen, enforced, reported (results, gradebook, doctor), and what a
sandbox actually sees at each level."""

from __future__ import annotations

import ctypes
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from attack_catalog import SOLUTION, in_param_count
from click.testing import CliRunner
from security_support import JUDGE_SECRET, write_workspace
from support import COURSE, REPO

from grader.api import Session
from grader.batch.gradebook import Gradebook
from grader.cli import cli
from grader.cli_doctor import doctor_command
from grader.errors import IsolationUnavailable, UsageError
from grader.sandbox import Sandbox, SourceSpec, isolation

LOOK_AROUND = '''
import os, socket

def _pids():
    try:
        return sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
    except OSError:  # the process level with Landlock: /proc may not be listed
        return None

def look(course_root):
    """What this sandbox can see and do."""
    try:
        socket.create_connection(("1.1.1.1", 53), timeout=1).close()
        network = "open"
    except OSError as exc:
        network = type(exc).__name__
    try:
        with open(os.path.join(course_root, "attack-write-test"), "w") as f:
            f.write("x")
        write = "written"
    except OSError as exc:
        write = type(exc).__name__
    return {
        "uid": os.getuid(),
        "groups": os.getgroups(),
        "course_visible": os.path.exists(os.path.join(course_root, "solutions")),
        "pids": _pids(),
        "fds": sorted(int(fd) for fd in os.listdir("/proc/self/fd")),
        "environ": dict(os.environ),
        "network": network,
        "write_course_root": write,
        "root_writable": os.access("/", os.W_OK),
    }
'''

FORBIDDEN = """
import os, socket, subprocess

def attempt(what):
    try:
        if what == "fork":
            pid = os.fork()
            if pid == 0:
                os._exit(0)
        elif what == "exec":
            subprocess.run(["/bin/true"])
        elif what == "inet":
            socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        elif what == "kill_template":
            os.kill(os.getppid(), 0)
        elif what == "thread":
            import threading
            thread = threading.Thread(target=lambda: None)
            thread.start()
            thread.join()
        return "allowed"
    except OSError as exc:
        return type(exc).__name__
"""


def sandbox_call(session: Session, tmp_path: Path, code: str, func: str, *args):
    source = tmp_path / "probe.py"
    source.write_text(code)
    box = Sandbox(session.zygote, SourceSpec(source, "probe", "probe.py"))
    try:
        return box.call(func, args)
    finally:
        box.close()


@pytest.fixture
def no_bwrap(monkeypatch):
    """As if bubblewrap were not installed (the level is chosen afresh)."""
    real_which = isolation.shutil.which
    monkeypatch.setattr(isolation, "_PLAN_CACHE", {})
    monkeypatch.setattr(
        isolation.shutil,
        "which",
        lambda name, *a, **k: None if name == "bwrap" else real_which(name, *a, **k),
    )


def test_strict_refuses_to_grade_without_namespaces(no_bwrap):
    with pytest.raises(IsolationUnavailable, match="bubblewrap") as raised:
        Session.start(device="cpu", isolation="strict")
    assert isinstance(raised.value, UsageError) and raised.value.exit_code == 2


def test_auto_falls_back_to_the_process_level_and_says_what_is_unprotected(no_bwrap):
    plan = isolation.choose("auto")
    assert plan.isolation.level == "process"
    assert "bubblewrap (bwrap) is not installed" in plan.tried[0]
    warning = plan.isolation.warning()
    assert warning.startswith("sandbox isolation is process (") and "not protected:" in warning
    assert "\n" not in warning


def test_the_fallback_warning_is_logged_once(no_bwrap, monkeypatch, caplog):
    monkeypatch.setattr(isolation, "_WARNED", set())
    chosen = isolation.choose("auto").isolation
    with caplog.at_level(logging.WARNING, logger="grader.sandbox.isolation"):
        isolation.warn_once(chosen)
        isolation.warn_once(chosen)
    assert len(caplog.records) == 1


def test_an_unknown_isolation_is_a_usage_error():
    with pytest.raises(UsageError, match="--isolation must be one of"):
        isolation.choose("maximal")


def test_every_result_and_the_gradebook_record_the_level(level_session, tmp_path):
    workspace = write_workspace(tmp_path / "ws", "ex4_5", SOLUTION, None)
    result = level_session.grade([COURSE.find("ex4_5")], workspace, include_hidden=False)[0]
    level = level_session.zygote.isolation.level
    assert result.isolation == level_session.isolation and result.isolation.startswith(level)
    assert result.to_dict()["isolation"] == result.isolation
    with Gradebook(tmp_path / "book.sqlite") as book:
        book.record("bob", "h", "1", [result], isolation=level_session.isolation)
        assert book.latest("bob").isolation == result.isolation
        assert book.latest("bob").exercise("ex4_5").isolation == result.isolation


def test_the_judge_is_not_dumpable(level_session):
    if not sys.platform.startswith("linux"):
        pytest.skip("PR_SET_DUMPABLE is Linux only")
    assert ctypes.CDLL(None).prctl(3, 0, 0, 0, 0) == 0  # PR_GET_DUMPABLE


def _under_private_tmp(path: Path) -> bool:
    """True for paths that a namespace sandbox sees inside its own private tmpfs."""
    return any(path.resolve().is_relative_to(p) for p in ("/tmp", "/var/tmp", "/dev/shm"))


def test_what_a_sandbox_sees_at_each_level(level_session, tmp_path):
    seen = sandbox_call(level_session, tmp_path, LOOK_AROUND, "look", str(REPO))
    assert JUDGE_SECRET not in json.dumps(seen["environ"])
    assert set(seen["environ"]) <= {
        *isolation.sandbox_environment(),
        *("HOME", "TMPDIR", "USER", "LOGNAME", "PWD", "TORCHINDUCTOR_CACHE_DIR"),
    }
    assert seen["fds"][:3] == [0, 1, 2] and len(seen["fds"]) <= 5  # + its socket, + listdir's
    assert not (REPO / "attack-write-test").exists()
    namespaces = level_session.zygote.isolation.level == "namespaces"
    if not (namespaces and _under_private_tmp(REPO)):  # there a write lands in its own tmpfs
        assert seen["write_course_root"] != "written"
    if namespaces:
        assert seen["uid"] == 65534 and seen["groups"] == []
        assert not seen["course_visible"]
        assert seen["pids"] is not None and len(seen["pids"]) <= 3  # init, template, itself
        assert seen["network"] != "open" and not seen["root_writable"]
    elif os.geteuid() == 0:
        assert seen["uid"] == level_session.zygote.info()["sandbox_uid"] != 0
        assert seen["groups"] == []


@pytest.mark.parametrize("what", ["fork", "exec", "inet", "kill_template"])
def test_seccomp_denies_processes_internet_and_signals_to_the_template(
    level_session, tmp_path, what
):
    if not level_session.zygote.info().get("seccomp"):
        pytest.skip("libseccomp is not available here: the seccomp layer is off")
    assert sandbox_call(level_session, tmp_path, FORBIDDEN, "attempt", what) == "PermissionError"
    assert sandbox_call(level_session, tmp_path, FORBIDDEN, "attempt", "thread") == "allowed"


@pytest.mark.parametrize("level", ["process", "strict"])
def test_doctor_reports_the_level_and_a_working_sandbox(level):
    if level == "strict" and isolation.shutil.which("bwrap") is None:
        pytest.skip("bubblewrap (bwrap) is not installed: the namespace level is not tested here")
    outcome = CliRunner().invoke(doctor_command, ["--isolation", level])
    assert outcome.exit_code == 0, outcome.output
    expected = "namespaces (" if level == "strict" else "process ("
    assert f"isolation      {expected}" in outcome.output
    assert "smoke test     ok" in outcome.output and "torch" in outcome.output


def test_doctor_strict_without_namespaces_exits_2(no_bwrap):
    outcome = CliRunner().invoke(cli, ["doctor", "--isolation", "strict"])  # via the boundary
    assert outcome.exit_code == 2 and "bubblewrap" in outcome.output


SHOW_EVERYTHING = """
import os, sys
print(dict(os.environ), sys.argv)
for pid in os.listdir("/proc"):
    for part in ("environ", "cmdline"):
        try:
            print(open(f"/proc/{pid}/{part}", "rb").read().decode(errors="replace"))
        except OSError:
            pass
"""


def test_the_cli_judge_environment_never_reaches_a_result(tmp_path):
    secret = "CLI-SECRET-" + os.urandom(8).hex()
    workspace = write_workspace(tmp_path / "ws", "ex4_5", in_param_count(SHOW_EVERYTHING), None)
    env = {**os.environ, "GRADER_SECRET_TOKEN": secret}
    done = subprocess.run(
        [sys.executable, "-m", "grader", "ex4_5", "--submission", str(workspace), "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        cwd=REPO,
    )
    assert done.returncode in (0, 1), done.stderr
    assert secret not in done.stdout and secret not in done.stderr
    assert json.loads(done.stdout)["isolation"]


HUGE_EXPRESSION = """
import sympy
M0, N, L = sympy.symbols("M0 N L", positive=True, integer=True)
return sympy.exp(sympy.exp(sympy.exp(sympy.exp(M0))))
"""


def test_a_hanging_expression_from_student_code_does_not_hang_the_judge(tmp_path):
    marker = '    M0, N, L = sympy.symbols("M0 N L", positive=True, integer=True)\n'
    code = SOLUTION.replace(
        marker, "".join(f"    {line}\n" for line in HUGE_EXPRESSION.split("\n") if line) + marker, 1
    )
    assert code != SOLUTION
    workspace = write_workspace(tmp_path / "ws", "ex4_5", code, None)
    command = [sys.executable, "-m", "grader", "ex4_5", "--submission", str(workspace)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=30, cwd=REPO)
    except subprocess.TimeoutExpired:
        pytest.fail("grading did not finish within 30 s")
    assert done.returncode == 1 and "param_count_expr" in done.stdout


# ----------------------------------------------------------------------------- what stays out
# of reach: other students' work, the gradebook, solutions/, hidden/, .git, the judge's argv

REACH = '''
import os

def reach(paths):
    """Read each path (a folder is listed): its first bytes, or the error's name."""
    seen = {}
    for path in paths:
        try:
            if os.path.isdir(path):
                seen[path] = "listed " + ",".join(sorted(os.listdir(path))[:3])
            else:
                with open(path, "rb") as f:
                    seen[path] = "read " + f.read(16).hex()
        except OSError as exc:
            seen[path] = type(exc).__name__
    return seen
'''
REFUSED = {"PermissionError", "FileNotFoundError"}


def git_object(root: Path) -> Path | None:
    """One object file of the course's repository (a pack or a loose object), if any."""
    for folder in isolation._git_dirs(root):
        for pattern in ("objects/pack/*.pack", "objects/??/*"):
            found = sorted(folder.glob(pattern))
            if found:
                return found[0]
    return None


@pytest.fixture
def world_readable_victims() -> Iterator[list[Path]]:
    """Another student's submission (raw and staged) and a gradebook, all modes 0755/0644,
    in a folder every user may enter: only the isolation can keep them out of reach."""
    root = Path(tempfile.mkdtemp(prefix="victims-", dir="/tmp"))
    paths = []
    for folder in ("submissions/bob/exercises", "staging/bob/exercises"):
        (root / folder).mkdir(parents=True)
        (root / folder / "ex4_5.py").write_text(SOLUTION, encoding="utf-8")
        paths += [root / folder / "ex4_5.py", root / folder]
    with Gradebook(root / "gradebook.sqlite") as book:
        book.record("bob", "h", "1", [], isolation="test")
    paths.append(root / "gradebook.sqlite")
    for path in [root, *root.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    try:
        yield paths
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_student_code_reads_no_other_submission_gradebook_or_instructor_file(
    level_session, tmp_path, world_readable_victims
):
    info = level_session.zygote.info()
    if level_session.zygote.isolation.level == "process" and not info.get("landlock"):
        pytest.skip("no Landlock in this kernel: the warning names what stays readable")
    targets = [*world_readable_victims, REPO / "solutions", REPO / "hidden"]
    targets += [REPO / "solutions" / "ex4_5.py", REPO / "hidden" / "ex4_5.py"]
    targets += [p for p in [git_object(REPO)] if p is not None]
    targets.append(Path(f"/proc/{os.getpid()}/cmdline"))
    seen = sandbox_call(level_session, tmp_path, REACH, "reach", [str(p) for p in targets])
    assert {path: result for path, result in seen.items() if result not in REFUSED} == {}
    assert len(seen) == len(targets)


def test_a_process_level_sandbox_still_imports_and_writes_its_own_folder(level_session, tmp_path):
    code = REACH + "\ndef own():\n    open('x', 'w').write('ok')\n    return reach(['x', '.'])\n"
    seen = sandbox_call(level_session, tmp_path, code, "own")
    assert seen["x"] == "read " + b"ok".hex() and seen["."].startswith("listed ")


WITHOUT_LANDLOCK = """
import json, os, shutil, sys
from pathlib import Path
from grader.api import Session, solution_workspace
from grader.catalog import Course
from grader.sandbox import Limits, Sandbox, SourceSpec

course = Course.at(Path(sys.argv[1]))
limits = Limits(landlock=False, call_timeout_s=10.0)
with Session.start(device="cpu", course=course, isolation="process", limits=limits) as session:
    exercise = course.find("ex4_5")
    workspace = solution_workspace([exercise], course)
    result = session.grade([exercise], workspace, include_hidden=True)[0]
    probe = Path(sys.argv[2])
    box = Sandbox(session.zygote, SourceSpec(probe, "probe", "probe.py"))
    seen = box.call("reach", ([str(course.root / "solutions" / "ex4_5.py")],))
    box.close()
    shutil.rmtree(workspace)
print(json.dumps({"points": sum(r.points for r in result.results),
                  "max": sum(r.max_points for r in result.results),
                  "mechanism": session.isolation, "seen": seen}))
"""


def test_without_landlock_a_course_of_mode_0700_still_grades_and_stays_unreadable(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("without root the sandbox is your own user (documented in security.md)")
    course = tmp_path / "course"
    for name in ("checks", "solutions", "hidden", "exercises", "answers"):
        shutil.copytree(REPO / name, course / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "course.toml", course / "course.toml")
    course.chmod(0o700)
    probe = tmp_path / "probe.py"
    probe.write_text(REACH)
    done = subprocess.run(
        [sys.executable, "-c", WITHOUT_LANDLOCK, str(course), str(probe)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert "landlock" not in report["mechanism"] and "own uid" in report["mechanism"]
    assert report["points"] == report["max"] > 0
    assert set(report["seen"].values()) <= REFUSED


@pytest.fixture
def open_tmp() -> Iterator[Path]:
    """A fresh folder every user may enter (pytest's own tmp_path is private to its user)."""
    root = Path(tempfile.mkdtemp(prefix="open-", dir="/tmp"))
    root.chmod(0o755)
    try:
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_without_landlock_the_warning_names_each_exposed_instructor_folder(open_tmp, monkeypatch):
    course = open_tmp / "course"
    for name in ("solutions", "hidden", ".git/objects"):
        (course / name).mkdir(parents=True)
    for path in open_tmp.rglob("*"):
        path.chmod(0o755)
    monkeypatch.setattr(isolation, "course_root", lambda: str(course))
    monkeypatch.setattr(isolation, "_is_root", lambda: True)
    text = "; ".join(isolation.process_isolation().unprotected)
    for name in ("solutions", "hidden", ".git"):
        assert str(course / name) in text
    assert f"chmod 0700 {course}" in text
    assert "command lines are readable in /proc" in text
    course.chmod(0o700)
    text = "; ".join(isolation.process_isolation().unprotected)
    assert str(course / "solutions") not in text
    assert "a submissions folder or gradebook that is not mode 0700" in text


def test_with_landlock_the_warning_names_only_what_landlock_leaves_open(monkeypatch):
    monkeypatch.setattr(isolation, "_is_root", lambda: True)
    chosen = isolation.process_isolation().with_landlock(True).with_seccomp(True)
    assert chosen.landlock and "landlock" in chosen.mechanism
    text = chosen.warning()
    assert "stat()" in text and "solutions" not in text and "/proc" not in text
    assert any("landlock" in p for p in chosen.protects)


def test_grade_batch_names_a_world_readable_submissions_folder_without_landlock(
    open_tmp, monkeypatch
):
    monkeypatch.setattr(isolation.landlock, "abi", lambda: 0)
    monkeypatch.setattr(isolation, "_is_root", lambda: True)
    plan = isolation.Plan(isolation.Isolation("process", "own uid, rlimits"))
    folder = open_tmp / "submissions"
    folder.mkdir()
    folder.chmod(0o755)
    text = isolation.exposure_warning(plan, [folder, open_tmp / "absent.sqlite"])
    assert str(folder) in text and "absent" not in text and "chmod 0700" in text
    folder.chmod(0o700)
    assert isolation.exposure_warning(plan, [folder]) == ""
    monkeypatch.setattr(isolation.landlock, "abi", lambda: 7)
    folder.chmod(0o755)
    assert isolation.exposure_warning(plan, [folder]) == ""
