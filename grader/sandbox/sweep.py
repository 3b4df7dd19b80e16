"""Clearing up after a sandbox process (template side): stray processes and left-over files.

A student's code may leave a background process behind (a double fork that
outlives the timeout) or files in shared places for a later submission to read.
After each sandbox ends, the template:

- kills every process it did not mean to keep: with namespaces, every process in
  its PID namespace but itself (``kill(-1)``, which a fork bomb cannot outrun);
  otherwise every descendant (the template is a child subreaper, so orphans of a
  double fork become its children) outside the sessions of live sandboxes;
- removes files: the sandbox's working directory always; with namespaces the whole
  private ``/tmp``, ``/dev/shm`` and ``/dev/mqueue``; otherwise the entries of
  world-writable directories that the sandbox's uid created since it started;
- removes System V shared memory, semaphores and message queues the same way.

Linux only where it reads ``/proc``; elsewhere it does what it can and never raises.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import stat
import time

WORLD_WRITABLE = ("/tmp", "/var/tmp", "/dev/shm", "/run/lock", "/var/lock", "/dev/mqueue")
NAMESPACE_SCRATCH = ("/tmp", "/dev/shm", "/dev/mqueue")
JUDGE_PREFIX = "grader-"  # the judge's own temporary folders (kept when the uid is shared)
PR_SET_CHILD_SUBREAPER = 36
IPC_RMID = 0


def become_subreaper() -> None:
    """Make orphaned descendants children of this process (Linux; no-op elsewhere)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def kill_all_but_me(rounds: int = 500) -> None:
    """Inside our own PID namespace: SIGKILL every other process (its init aside).

    ``kill(-1)`` signals every process at once, but one being forked at that moment
    can slip through, so it repeats until no live process but us and init is left.
    """
    me = os.getpid()
    for _ in range(rounds):
        with contextlib.suppress(OSError):
            os.kill(-1, signal.SIGKILL)
        if not any(pid not in (1, me) for pid in _live_processes()):
            return
        time.sleep(0.001)


def kill_descendants(keep_sessions: set[int], rounds: int = 500) -> None:
    """SIGKILL live descendants outside ``keep_sessions`` (a sandbox's pid is its session id)."""
    me = os.getpid()
    for _ in range(rounds):
        table = _live_processes()
        victims = [
            pid
            for pid, (_ppid, sid) in table.items()
            if pid != me
            and sid not in keep_sessions
            and pid not in keep_sessions
            and _descends(pid, me, table)
        ]
        if not victims:
            return
        for pid in victims:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.001)


def _descends(pid: int, ancestor: int, table: dict[int, tuple[int, int]]) -> bool:
    seen = set()
    while pid in table and pid not in seen:
        seen.add(pid)
        pid = table[pid][0]
        if pid == ancestor:
            return True
    return False


def _live_processes() -> dict[int, tuple[int, int]]:
    """pid -> (ppid, session id) of every visible process that is not a zombie (or dead).

    Empty without /proc (then nothing is swept).
    """
    table = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return table
    for name in entries:
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat", "rb") as f:
                    fields = f.read().rsplit(b")", 1)[1].split()
            except OSError:
                continue
            if len(fields) > 3 and fields[0] not in (b"Z", b"X"):
                table[int(name)] = (int(fields[1]), int(fields[3]))
    return table


def reap_zombies() -> dict[int, int]:
    """Collect every exited child without blocking; pid -> raw wait status."""
    statuses = {}
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return statuses
        if pid == 0:
            return statuses
        statuses[pid] = status


# ----------------------------------------------------------------------------- files


def remove_tree(path: str) -> None:
    """Remove ``path`` without following symbolic links or crossing into other mounts."""
    try:
        st = os.lstat(path)
    except OSError:
        return
    if not stat.S_ISDIR(st.st_mode):
        with contextlib.suppress(OSError):
            os.unlink(path)
        return
    _empty_dir(path, st.st_dev)
    with contextlib.suppress(OSError):
        os.rmdir(path)


def empty_dir(path: str) -> None:
    """Remove everything inside ``path`` (same rules as :func:`remove_tree`)."""
    try:
        _empty_dir(path, os.lstat(path).st_dev)
    except OSError:
        pass


def _empty_dir(path: str, device: int) -> None:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError:
        return
    try:
        _empty_fd(fd, device)
    finally:
        os.close(fd)


def _empty_fd(fd: int, device: int, depth: int = 0) -> None:
    if depth > 64:
        return
    for name in _listdir_fd(fd):
        try:
            st = os.lstat(name, dir_fd=fd)
        except OSError:
            continue
        if st.st_dev != device:  # a mount point (a bind of the sandbox's own view): keep
            continue
        if stat.S_ISDIR(st.st_mode):
            try:
                sub = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
            except OSError:
                continue
            try:
                _make_writable(sub, st)
                _empty_fd(sub, device, depth + 1)
            finally:
                os.close(sub)
            with contextlib.suppress(OSError):
                os.rmdir(name, dir_fd=fd)
        else:
            with contextlib.suppress(OSError):
                os.unlink(name, dir_fd=fd)


def _listdir_fd(fd: int) -> list[str]:
    try:
        return os.listdir(fd)
    except OSError:
        return []


def _make_writable(fd: int, st: os.stat_result) -> None:
    """A student may chmod 0500 a folder of their own so its files cannot be removed."""
    if st.st_uid == os.geteuid() and not st.st_mode & stat.S_IWUSR:
        with contextlib.suppress(OSError):
            os.fchmod(fd, stat.S_IMODE(st.st_mode) | stat.S_IRWXU)


def clean_world_writable(uid: int, since: float, shared_uid: bool) -> None:
    """Remove top-level entries that ``uid`` created (since ``since``) in world-writable dirs.

    With ``shared_uid`` (the sandbox runs as the judge's own user), only entries
    changed since ``since`` and not named like the judge's folders are removed.
    """
    for folder in WORLD_WRITABLE:
        for name in _listdir(folder):
            path = os.path.join(folder, name)
            try:
                st = os.lstat(path)
            except OSError:
                continue
            if st.st_uid != uid:
                continue
            if shared_uid and (st.st_ctime < since or name.startswith(JUDGE_PREFIX)):
                continue
            remove_tree(path)


def _listdir(folder: str) -> list[str]:
    try:
        return os.listdir(folder)
    except OSError:
        return []


def remove_sysv_ipc(uid: int | None, since: float | None) -> None:
    """Remove System V IPC objects created by ``uid`` (any uid if None) since ``since``."""
    libc = _libc()
    if libc is None:
        return
    for kind, remove in (("shm", libc.shmctl), ("msg", libc.msgctl), ("sem", libc.semctl)):
        for ident, cuid, ctime in _ipc_objects(kind):
            if (uid is None or cuid == uid) and (since is None or ctime >= int(since) - 1):
                with contextlib.suppress(OSError):
                    if kind == "sem":
                        remove(ident, 0, IPC_RMID)
                    else:
                        remove(ident, IPC_RMID, None)


def _ipc_objects(kind: str) -> list[tuple[int, int, int]]:
    """(id, creator uid, change time) of each object in ``/proc/sysvipc/<kind>``."""
    try:
        with open(f"/proc/sysvipc/{kind}") as f:
            lines = f.read().splitlines()
    except OSError:
        return []
    if not lines:
        return []
    header = lines[0].split()
    rows = []
    for line in lines[1:]:
        values = dict(zip(header, line.split(), strict=False))
        try:
            ident = int(values.get("shmid") or values.get("msqid") or values.get("semid"))
            rows.append((ident, int(values["cuid"]), int(values["ctime"])))
        except (KeyError, TypeError, ValueError):
            pass
    return rows


def _libc():
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None
