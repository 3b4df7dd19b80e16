"""Resource limits for one sandbox process, and how to apply them (sandbox side).

``memory_bytes`` caps the address space *added* to what the template process
had mapped when it forked (torch alone maps about 700 MiB), so the cap means
the same whatever was pre-imported. ``RLIMIT_NPROC`` is ignored by Linux for
uid 0; the sandbox runs as another uid outside its namespace except in the
weaker bubblewrap variant, whose warning says so (:mod:`grader.sandbox.isolation`).
"""

from __future__ import annotations

import os
import resource
from dataclasses import asdict, dataclass

GIB = 1024**3
MIB = 1024**2


@dataclass(frozen=True)
class Limits:
    """Per-sandbox limits. Times in seconds, sizes in bytes.

    ``call_timeout_s`` is the default wall-clock limit of one request; the exercises'
    plain calls answer in milliseconds, so 5 s leaves a margin of hundreds even on a
    loaded machine, while a looping function costs little. Training checks declare
    their own, longer limit. After a crash or timeout the module is imported again in
    a fresh process, until those re-imports have taken ``restart_import_budget_s``
    together (a correct module imports in milliseconds); later calls then fail at once.
    """

    call_timeout_s: float = 5.0
    import_timeout_s: float = 20.0
    restart_import_budget_s: float = 10.0  # re-imports after crashes and timeouts, together
    cpu_seconds: int = 600
    memory_bytes: int = 2 * GIB
    file_size_bytes: int = 64 * MIB
    open_files: int = 256
    extra_processes: int = 64
    output_bytes: int = 16 * 1024
    apply_memory_limit: bool = True
    seccomp: bool = True  # the optional seccomp layer (grader.sandbox.seccomp), where available
    landlock: bool = (
        True  # process level: the Landlock layer (grader.sandbox.landlock), where available
    )

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Limits:
        return cls(**data)


def apply_limits(limits: Limits) -> None:
    """Set the rlimits of the current (sandbox) process. Lowering only; never raises."""
    if limits.apply_memory_limit:
        _set(resource.RLIMIT_AS, _mapped_bytes() + limits.memory_bytes)
    _set(resource.RLIMIT_CPU, limits.cpu_seconds)
    _set(resource.RLIMIT_FSIZE, limits.file_size_bytes)
    _set(resource.RLIMIT_NOFILE, limits.open_files)
    _set(resource.RLIMIT_CORE, 0)
    _set(resource.RLIMIT_NPROC, _processes_of_this_user() + limits.extra_processes)


def _set(which: int, value: int) -> None:
    soft, hard = resource.getrlimit(which)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    try:
        resource.setrlimit(which, (value, value))
    except (ValueError, OSError):
        resource.setrlimit(which, (min(value, soft) if soft >= 0 else value, hard))


def _mapped_bytes() -> int:
    """Virtual memory of this process now (Linux); 0 where unknown."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _processes_of_this_user() -> int:
    uid = os.getuid()
    count = 0
    try:
        for entry in os.scandir("/proc"):
            if entry.name.isdigit():
                try:
                    count += entry.stat().st_uid == uid
                except OSError:
                    pass
    except OSError:
        return 256
    return count
