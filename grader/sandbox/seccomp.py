"""An optional seccomp filter for the per-submission sandbox process (Linux, libseccomp).

Installed in the forked child after its limits, just before the student's module
is imported. Denied with ``EPERM`` (so Python raises ``PermissionError``):

- new processes and programs: ``fork``, ``vfork``, ``clone`` without ``CLONE_THREAD``,
  ``execve``, ``execveat`` (``clone3`` answers ``ENOSYS`` so libc falls back to
  ``clone``; threads, which torch uses, keep working);
- Internet and raw sockets: ``socket`` for ``AF_INET``, ``AF_INET6``, ``AF_PACKET``;
- reading or writing other processes: ``ptrace``, ``process_vm_readv``/``writev``;
- namespaces, mounts and kernel keyrings (a store that outlives the process):
  ``unshare``, ``setns``, ``mount``, ``umount2``, ``keyctl``, ``add_key``, ``request_key``;
- signalling or re-limiting the template or the judge (a sandbox may share their uid):
  ``kill``, ``tkill``, ``tgkill``, ``rt_sigqueueinfo``, ``rt_tgsigqueueinfo`` aimed at a
  protected pid, ``kill`` of a process group or of everyone (negative pid), any
  ``pidfd_open``/``pidfd_send_signal``, and ``prlimit64`` on another process.

libseccomp is loaded through ctypes when present; :func:`available` says whether
it is. The template compiles the filter once (:func:`compile_filter`, naming the
pids to protect: itself and its parent); each sandbox loads it with one ``prctl``
(:func:`install`). Nothing here raises: both return a falsy value on failure.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import functools
import logging
import os
import socket
import sys

log = logging.getLogger(__name__)

SCMP_ACT_ALLOW = 0x7FFF0000
PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 38, 22, 2
SCMP_CMP_NE = 1
SCMP_CMP_EQ = 4
SCMP_CMP_MASKED_EQ = 7
CLONE_THREAD = 0x00010000

DENIED = (
    "fork",
    "vfork",
    "execve",
    "execveat",
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "unshare",
    "setns",
    "mount",
    "umount2",
    "keyctl",
    "add_key",
    "request_key",
    "pidfd_open",
    "pidfd_send_signal",
)
SIGNAL_CALLS = ("kill", "tkill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo")
LOW_32 = 0xFFFFFFFF
SIGN_32 = 0x80000000
DENIED_SOCKET_FAMILIES = (socket.AF_INET, socket.AF_INET6, getattr(socket, "AF_PACKET", 17))


class _ArgCmp(ctypes.Structure):
    _fields_ = (
        ("arg", ctypes.c_uint),
        ("op", ctypes.c_int),
        ("datum_a", ctypes.c_uint64),
        ("datum_b", ctypes.c_uint64),
    )


def _errno_action(code: int) -> int:
    return 0x00050000 | (code & 0xFFFF)


@functools.cache
def _library() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    name = ctypes.util.find_library("seccomp") or "libseccomp.so.2"
    try:
        lib = ctypes.CDLL(name, use_errno=True)
    except OSError:
        return None
    lib.seccomp_init.restype = ctypes.c_void_p
    lib.seccomp_init.argtypes = (ctypes.c_uint32,)
    lib.seccomp_syscall_resolve_name.argtypes = (ctypes.c_char_p,)
    lib.seccomp_rule_add_array.argtypes = (
        ctypes.c_void_p,
        ctypes.c_uint32,
        ctypes.c_int,
        ctypes.c_uint,
        ctypes.POINTER(_ArgCmp),
    )
    lib.seccomp_export_bpf.argtypes = (ctypes.c_void_p, ctypes.c_int)
    lib.seccomp_release.argtypes = (ctypes.c_void_p,)
    return lib


def available() -> bool:
    """Whether libseccomp can be loaded here (Linux with libseccomp installed)."""
    return _library() is not None


def install(program: bytes) -> bool:
    """Load a filter from :func:`compile_filter` on the calling process (and its future threads)."""
    if not program:
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        return False
    buffer = ctypes.create_string_buffer(program, len(program))
    fprog = _SockFprog(len(program) // 8, ctypes.cast(buffer, ctypes.c_void_p))
    return libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) == 0


@functools.cache
def compile_filter(protected: tuple[int, ...] = ()) -> bytes:
    """The filter as classic BPF (``struct sock_filter`` array); b"" where unavailable.

    ``protected``: pids no sandbox may signal (the template and the judge).
    """
    lib = _library()
    if lib is None or not hasattr(os, "memfd_create"):
        return b""
    ctx = lib.seccomp_init(SCMP_ACT_ALLOW)
    if not ctx:
        return b""
    fd = os.memfd_create("grader-seccomp")
    try:
        if not _add_rules(lib, ctx, protected) or lib.seccomp_export_bpf(ctx, fd) != 0:
            return b""
        os.lseek(fd, 0, os.SEEK_SET)
        program = b""
        while chunk := os.read(fd, 1 << 16):
            program += chunk
        return program if len(program) % 8 == 0 else b""
    finally:
        os.close(fd)
        lib.seccomp_release(ctx)


class _SockFprog(ctypes.Structure):
    _fields_ = (("len", ctypes.c_ushort), ("filter", ctypes.c_void_p))


def _add_rules(lib: ctypes.CDLL, ctx: int, protected: tuple[int, ...]) -> bool:
    deny = _errno_action(errno.EPERM)
    rules: list[tuple[str, int, list[_ArgCmp]]] = [(name, deny, []) for name in DENIED]
    rules.append(("clone", deny, [_ArgCmp(0, SCMP_CMP_MASKED_EQ, CLONE_THREAD, 0)]))
    rules.append(("clone3", _errno_action(errno.ENOSYS), []))
    for family in DENIED_SOCKET_FAMILIES:
        rules.append(("socket", deny, [_ArgCmp(0, SCMP_CMP_EQ, int(family), 0)]))
    rules.append(("kill", deny, [_ArgCmp(0, SCMP_CMP_MASKED_EQ, SIGN_32, SIGN_32)]))
    for name in SIGNAL_CALLS:
        for pid in protected:
            rules.append((name, deny, [_ArgCmp(0, SCMP_CMP_MASKED_EQ, LOW_32, pid & LOW_32)]))
    rules.append(("prlimit64", deny, [_ArgCmp(0, SCMP_CMP_NE, 0, 0)]))
    for name, action, args in rules:
        number = lib.seccomp_syscall_resolve_name(name.encode())
        if number < 0:  # not a system call on this architecture (e.g. fork on arm64)
            continue
        array = (_ArgCmp * len(args))(*args) if args else None
        if lib.seccomp_rule_add_array(ctx, action, number, len(args), array) != 0:
            log.debug("seccomp rule for %s could not be added", name)
            return False
    return True
