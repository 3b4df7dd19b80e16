"""Landlock: what a sandbox may open, enforced by the kernel without namespaces or root.

Used at the ``process`` isolation level (Linux 5.13 or later with Landlock enabled;
:func:`abi` is 0 elsewhere). Each sandbox restricts itself, after dropping its
privileges and before the student's module is imported, to:

- read (and map as code) the folders of a :class:`Policy`: system libraries, ``/etc``,
  ``/sys``, the Python installation, and a private copy of the ``grader`` package and the course's
  public ``checks/``; never the course itself, other submissions or the gradebook,
  whatever their file modes (:mod:`grader.sandbox.isolation` builds the policy);
- read, write and create anything under its own working directory only;
- read and write a few device files (``/dev/null``, ``/dev/urandom``, the GPU's);
- read its own ``/proc/<pid>`` and a few global ``/proc`` files, not other processes'
  (no command line naming a submissions folder);
- with ABI 4 or later, no TCP ``bind``/``connect``; with ABI 6 or later, no signal to
  a process outside the sandbox and no abstract Unix socket outside it.

What Landlock does not restrict: ``stat`` and path lookups (a file's existence, size
and times stay visible, not its contents), descriptors opened before the
restriction (the request socket and output pipe), UDP and named Unix sockets.

Everything goes through three system calls via ctypes; nothing here raises:
:func:`restrict` returns False when the kernel refused (the caller then decides).
"""

from __future__ import annotations

import ctypes
import functools
import os
import struct
import sys
from collections.abc import Iterable
from dataclasses import dataclass

SYS_CREATE_RULESET, SYS_ADD_RULE, SYS_RESTRICT_SELF = 444, 445, 446  # every architecture
CREATE_RULESET_VERSION = 1
RULE_PATH_BENEATH = 1

EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
_ABI1_FS = (1 << 13) - 1  # EXECUTE ... MAKE_SYM
REFER, TRUNCATE, IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
NET_BIND_TCP, NET_CONNECT_TCP = 1 << 0, 1 << 1
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1 << 0, 1 << 1
_FILE_RIGHTS = EXECUTE | WRITE_FILE | READ_FILE | TRUNCATE | IOCTL_DEV  # valid on a file
_PROC_FILES = ("cpuinfo", "meminfo", "stat", "loadavg", "uptime", "version", "sys", "driver")


@dataclass(frozen=True)
class Policy:
    """What every sandbox of one template may reach besides its working directory.

    ``read``: folders (or files) to read and execute from; ``devices``: device files
    to read and write. Paths that do not exist are skipped when the rules are made.
    """

    read: tuple[str, ...]
    devices: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {"read": list(self.read), "devices": list(self.devices)}

    @classmethod
    def from_dict(cls, data: dict) -> Policy:
        return cls(tuple(data.get("read", ())), tuple(data.get("devices", ())))


@functools.cache
def abi() -> int:
    """The kernel's Landlock ABI version; 0 when Landlock is unavailable (or not Linux)."""
    libc = _libc()
    if libc is None:
        return 0
    version = libc.syscall(SYS_CREATE_RULESET, None, ctypes.c_size_t(0), CREATE_RULESET_VERSION)
    return max(int(version), 0)


def restrict(policy: Policy, workdir: str) -> bool:
    """Restrict the calling process (and its future children) to ``policy`` plus ``workdir``.

    Needs ``no_new_privs`` (or CAP_SYS_ADMIN). True when the restriction is in force.
    """
    version = abi()
    libc = _libc()
    if version == 0 or libc is None:
        return False
    fs = _fs_rights(version)
    ruleset = _create_ruleset(libc, version, fs)
    if ruleset < 0:
        return False
    try:
        read = EXECUTE | READ_FILE | READ_DIR
        device = (READ_FILE | WRITE_FILE | TRUNCATE | IOCTL_DEV) & fs
        for path in policy.read:
            _allow(libc, ruleset, path, read)
        for path in (*policy.devices, *_dev_basics()):
            _allow(libc, ruleset, path, device)
        for path in _proc_paths():
            _allow(libc, ruleset, path, READ_FILE | READ_DIR)
        if not _allow(libc, ruleset, workdir, fs):
            return False
        return libc.syscall(SYS_RESTRICT_SELF, ruleset, 0) == 0
    finally:
        os.close(ruleset)


def _fs_rights(version: int) -> int:
    rights = _ABI1_FS
    if version >= 2:
        rights |= REFER
    if version >= 3:
        rights |= TRUNCATE
    if version >= 5:
        rights |= IOCTL_DEV
    return rights


def _create_ruleset(libc: ctypes.CDLL, version: int, fs: int) -> int:
    """A ruleset handling ``fs`` rights, TCP (ABI 4+) and signal/socket scopes (ABI 6+)."""
    net = NET_BIND_TCP | NET_CONNECT_TCP if version >= 4 else 0
    scoped = SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL if version >= 6 else 0
    fields = [fs] + ([net] if version >= 4 else []) + ([scoped] if version >= 6 else [])
    attr = ctypes.create_string_buffer(struct.pack(f"<{len(fields)}Q", *fields))
    return int(libc.syscall(SYS_CREATE_RULESET, attr, ctypes.c_size_t(len(attr.raw)), 0))


def _allow(libc: ctypes.CDLL, ruleset: int, path: str, rights: int) -> bool:
    """Add a path-beneath rule; a missing path, or one this process cannot open, is skipped."""
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        if not os.path.isdir(path):
            rights &= _FILE_RIGHTS
        attr = ctypes.create_string_buffer(struct.pack("<Qi", rights, fd))
        return libc.syscall(SYS_ADD_RULE, ruleset, RULE_PATH_BENEATH, attr, 0) == 0
    finally:
        os.close(fd)


def _dev_basics() -> tuple[str, ...]:
    return ("/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom")


def _proc_paths() -> Iterable[str]:
    yield f"/proc/{os.getpid()}"  # /proc/self and /proc/thread-self lead here
    for name in _PROC_FILES:
        yield f"/proc/{name}"


def _libc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None
    libc.syscall.restype = ctypes.c_long
    return libc
