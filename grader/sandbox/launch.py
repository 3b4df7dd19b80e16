"""Root-only launcher: start bubblewrap as an unprivileged user that can still see Python.

Run as ``python -I -S launch.py UID STAGE_ROOT SOURCE... -- /path/to/bwrap ARGS...`` by the
judge when it runs as root. Bubblewrap started by root maps the sandbox's uid to
root outside the namespace; started by an ordinary uid it maps to that uid, which
is what we want, but then it cannot bind directories that uid cannot reach (a
Python installed under ``/root``). So this script, still root:

1. enters a private mount namespace (nothing it mounts is seen outside);
2. opens each SOURCE, mounts a small tmpfs on STAGE_ROOT (bubblewrap also keeps its
   own scratch folder there) and bind-mounts each SOURCE, through its descriptor, on
   ``STAGE_ROOT/<index>`` (bubblewrap's command line already names those paths);
3. drops to UID/GID (no supplementary groups; capabilities go with uid 0);
4. executes bubblewrap, which creates the sandbox as that uid.

Standalone on purpose: it imports nothing from the grader, so ``-I -S`` starts it
in a few milliseconds. Exit status 111 and one line on stderr when a step fails.
"""

from __future__ import annotations

import ctypes
import os
import sys

CLONE_NEWNS = 0x00020000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_BIND, MS_REC, MS_PRIVATE = 1, 2, 4, 4096, 16384, 1 << 18


def main(argv: list[str]) -> None:
    """Parse ``UID STAGE_ROOT SOURCE... -- COMMAND...`` and run the steps above."""
    split = argv.index("--")
    uid, stage_root, sources, command = int(argv[0]), argv[1], argv[2:split], argv[split + 1 :]
    libc = ctypes.CDLL(None, use_errno=True)
    _check(libc.unshare(CLONE_NEWNS), "unshare(CLONE_NEWNS)")
    _mount(libc, None, "/", None, MS_REC | MS_PRIVATE)
    # Hold every source before the tmpfs hides STAGE_ROOT (a venv may live under /tmp).
    held = [(os.open(src, os.O_PATH | os.O_CLOEXEC), os.path.isdir(src)) for src in sources]
    _mount(libc, "tmpfs", stage_root, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777,size=1m")
    for index, (fd, is_dir) in enumerate(held):
        target = os.path.join(stage_root, str(index))
        if is_dir:
            os.mkdir(target, 0o755)
        else:
            os.close(os.open(target, os.O_CREAT | os.O_WRONLY, 0o644))
        _mount(libc, f"/proc/self/fd/{fd}", target, None, MS_BIND | MS_REC)
        os.close(fd)
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    os.execv(command[0], command)  # an absolute path: nothing left to import as UID


def _mount(libc, source, target, fstype, flags, data=None) -> None:
    enc = [None if s is None else s.encode() for s in (source, target, fstype, data)]
    _check(libc.mount(enc[0], enc[1], enc[2], flags, enc[3]), f"mount {target}")


def _check(result: int, what: str) -> None:
    if result != 0:
        raise OSError(ctypes.get_errno(), f"{what}: {os.strerror(ctypes.get_errno())}")


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except (OSError, ValueError, IndexError) as exc:
        sys.stderr.write(f"grader sandbox launcher: {exc}\n")
        sys.exit(111)
