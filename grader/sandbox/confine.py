"""Turning a freshly forked copy of the template into a sandbox process (sandbox side).

In order, before any student code runs: a new session (its own process group),
death with the template, every inherited descriptor closed but the request
socket and the output pipe (which becomes stdout and stderr; stdin reads
/dev/null), its private working directory as cwd, HOME and TMPDIR, a uid of its
own where the template asks for one (process level as root), no new privileges,
the rlimits, the Landlock restriction where the template has a policy (process
level; failing to apply it fails the sandbox, never silently), and the seccomp
filter where available.
"""

from __future__ import annotations

import ctypes
import os
import signal
from dataclasses import dataclass

from grader.sandbox import landlock, seccomp
from grader.sandbox.limits import Limits, apply_limits

PR_SET_PDEATHSIG = 1
PR_CAPBSET_DROP = 24
PR_SET_NO_NEW_PRIVS = 38


@dataclass(frozen=True)
class Layers:
    """The template's confinement layers: a uid of its own (None: keep the template's),
    its compiled seccomp filter (b"" for none) and its Landlock policy (None for none)."""

    uid: int | None
    seccomp: bytes
    policy: landlock.Policy | None = None


def confine(sock_fd: int, out_fd: int, workdir: str, limits: Limits, layers: Layers) -> None:
    """Apply every step above to the calling process; raises OSError if one fails."""
    os.setsid()
    die_with_parent()
    close_other_fds((sock_fd, out_fd))
    os.dup2(out_fd, 1)
    os.dup2(out_fd, 2)
    os.close(out_fd)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    os.chdir(workdir)
    os.environ.update(HOME=workdir, TMPDIR=workdir)
    if layers.uid is not None:
        drop_privileges(layers.uid)
    _prctl(PR_SET_NO_NEW_PRIVS, 1)
    apply_limits(limits)
    if layers.policy is not None and not landlock.restrict(layers.policy, workdir):
        raise OSError("could not apply the Landlock restriction")
    if limits.seccomp and layers.seccomp:
        seccomp.install(layers.seccomp)


def close_other_fds(keep: tuple[int, ...]) -> None:
    """Close every descriptor from 3 up except those in ``keep``."""
    low = 3
    for fd in sorted(f for f in keep if f >= 3):
        os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, _max_fd())


def drop_privileges(uid: int) -> None:
    """Become ``uid``/``gid`` with no supplementary groups, no capabilities, none to regain."""
    for cap in range(64):  # empty the bounding set while we still may (CAP_SETPCAP)
        _prctl(PR_CAPBSET_DROP, cap)
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    if os.getuid() != uid or os.geteuid() != uid:
        raise OSError("could not drop privileges")
    die_with_parent()  # a change of credentials clears the parent-death signal


def die_with_parent() -> None:
    """Ask Linux to SIGKILL this process when its parent dies (no-op elsewhere)."""
    _prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL))


def _prctl(option: int, value: int) -> None:
    try:
        ctypes.CDLL(None, use_errno=True).prctl(option, value, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _max_fd() -> int:
    try:
        return min(os.sysconf("SC_OPEN_MAX"), 1 << 20)
    except (OSError, ValueError):
        return 4096
