"""Hardening of the judge (trusted) process itself.

:func:`harden_judge_process` marks the judge non-dumpable
(``prctl(PR_SET_DUMPABLE, 0)``): a process of the same user can then no longer
ptrace it or read ``/proc/<pid>/mem``, ``environ`` or its descriptors, which is
what a sandbox running as the judge's own user (the process level without root)
could otherwise do to read expected values from the judge's memory. It also
disables core dumps of the judge. Idempotent; a no-op where prctl is absent.
"""

from __future__ import annotations

import ctypes
import sys

PR_SET_DUMPABLE = 4
PR_GET_DUMPABLE = 3


def harden_judge_process() -> bool:
    """Make this process non-dumpable; True when it is (always False off Linux)."""
    libc = _libc()
    if libc is None:
        return False
    libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    return libc.prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 0


def _libc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None
