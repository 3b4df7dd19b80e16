"""Nothing a submission leaves behind reaches the next one, at either isolation level.

A first submission writes a secret token everywhere it can (working directory, HOME,
/tmp, /var/tmp, /dev/shm, System V shared memory) and a second one looks for it.
With seccomp and Landlock off (so that the kill sweeps and rlimits are what stops
them), a fork bomb, a double-forked daemon and a tmpfs fill are each followed by a fresh sandbox
that must see no other process of its uid and none of the files.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from attack_catalog import (
    DAEMON,
    FILL_TMPFS,
    FORK_BOMB,
    SOLUTION,
    in_build_mlp_small,
    in_param_count,
)
from security_support import LEVELS, grade_text, start_session
from support import by_name

from grader.model import Status
from grader.sandbox import Limits, Sandbox, SourceSpec

WRITE_EVERYWHERE = """
import ctypes, os
token = b"__TOKEN__"
for folder in (os.getcwd(), os.path.expanduser("~"), "/tmp", "/var/tmp", "/dev/shm", "/run/lock"):
    try:
        os.makedirs(os.path.join(folder, "cache-dir"), exist_ok=True)
        with open(os.path.join(folder, "cache-dir", "token"), "wb") as f:
            f.write(token)
        with open(os.path.join(folder, "cache-token"), "wb") as f:
            f.write(token)
        os.chmod(os.path.join(folder, "cache-dir"), 0o500)
    except OSError:
        pass
libc = ctypes.CDLL(None, use_errno=True)
libc.shmat.restype = ctypes.c_void_p
shmid = libc.shmget(0x47524144, 4096, 0o1666)
if shmid >= 0:
    address = libc.shmat(shmid, None, 0)
    if address not in (None, ctypes.c_void_p(-1).value):
        ctypes.memmove(address, token, len(token))
"""

LOOK_EVERYWHERE = """
import ctypes, os
seen = []
for folder in (os.getcwd(), os.path.expanduser("~"), "/tmp", "/var/tmp", "/dev/shm", "/run/lock"):
    for root, dirs, files in os.walk(folder):
        for name in files:
            try:
                with open(os.path.join(root, name), "rb") as f:
                    seen.append(f.read(200))
            except OSError:
                pass
libc = ctypes.CDLL(None, use_errno=True)
libc.shmat.restype = ctypes.c_void_p
shmid = libc.shmget(0x47524144, 0, 0o666)
if shmid >= 0:
    address = libc.shmat(shmid, None, 0)
    if address not in (None, ctypes.c_void_p(-1).value):
        seen.append(ctypes.string_at(address, 64))
print(b"\\n".join(seen).decode(errors="replace"))
"""

SURVEY = '''
import os

def survey():
    """Live processes of my uid but me, my parent and init; entries in the scratch places."""
    me, uid = os.getpid(), os.getuid()
    others = []
    for pid in os.listdir("/proc"):
        if pid.isdigit() and int(pid) not in (me, os.getppid(), 1):
            try:
                with open(f"/proc/{pid}/stat") as f:
                    state = f.read().rsplit(")", 1)[1].split()[0]
                if os.stat(f"/proc/{pid}").st_uid == uid and state not in "ZX":
                    others.append(int(pid))
            except OSError:
                pass
    import grader

    package = os.path.dirname(grader.__file__) + os.sep  # bubblewrap's mount points lead to it
    files = []
    for folder in ("/tmp", "/dev/shm", "/var/tmp", "/run/lock"):
        if not os.path.isdir(folder):
            continue
        for name in os.listdir(folder):
            path = os.path.join(folder, name)
            try:
                mount_point = package.startswith(path + os.sep)
                if os.lstat(path).st_uid == uid and path != os.getcwd() and not mount_point:
                    files.append(path)
            except OSError:
                pass
    return {"processes": others, "files": files}
'''


@pytest.fixture(scope="module", params=LEVELS)
def unfiltered_session(request) -> Iterator:
    """A session without the seccomp and Landlock layers: forks work and a sandbox may
    write in /tmp at the process level, so the sweeps must do the job (and the survey may
    list /proc and /tmp)."""
    limits = Limits(call_timeout_s=2.0, seccomp=False, landlock=False)
    session = start_session(request.param, limits)
    try:
        yield session
    finally:
        session.close()


def survey(session, tmp_path: Path) -> dict:
    """What a fresh sandbox of ``session`` sees of processes and files of its uid."""
    source = tmp_path / "survey.py"
    source.write_text(SURVEY)
    box = Sandbox(session.zygote, SourceSpec(source, "survey", "survey.py"))
    try:
        return box.call("survey")
    finally:
        box.close()


def host_entries_of(uid: int | None) -> list[str]:
    """Entries of ``uid`` in the host's world-writable places (process level)."""
    if uid is None:
        return []
    found = []
    for folder in ("/tmp", "/var/tmp", "/dev/shm", "/run/lock"):
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        found += [f"{folder}/{n}" for n in names if _owner(f"{folder}/{n}") == uid]
    return found


def _owner(path: str) -> int | None:
    try:
        return os.lstat(path).st_uid
    except OSError:
        return None


def test_nothing_is_cached_for_the_next_submission(level_session, tmp_path):
    token = f"cached-{secrets.token_hex(8)}"
    writer = in_param_count(WRITE_EVERYWHERE.replace("__TOKEN__", token), SOLUTION)
    written = grade_text(level_session, tmp_path / "writer", "ex4_5", writer)
    assert by_name(written)["param_count_small"].status is Status.PASSED
    assert host_entries_of(level_session.zygote.info().get("sandbox_uid")) == []
    reader = in_param_count(LOOK_EVERYWHERE, SOLUTION)
    read = grade_text(level_session, tmp_path / "reader", "ex4_5", reader)
    outputs = "".join(r.output for r in read.results)
    assert token not in outputs


@pytest.mark.parametrize(
    "attack",
    [FORK_BOMB, DAEMON, FILL_TMPFS],
    ids=["fork_bomb", "double_forked_daemon", "tmpfs_fill"],
)
def test_no_process_or_file_outlives_its_submission(unfiltered_session, tmp_path, attack):
    result = grade_text(unfiltered_session, tmp_path / "ws", "ex4_5", in_build_mlp_small(attack))
    assert by_name(result)["build_mlp_small"].points == 0
    assert by_name(result)["param_count_small"].status is Status.PASSED
    assert survey(unfiltered_session, tmp_path) == {"processes": [], "files": []}
    assert host_entries_of(unfiltered_session.zygote.info().get("sandbox_uid")) == []
