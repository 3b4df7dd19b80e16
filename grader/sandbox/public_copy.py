"""A private copy of what a process-level sandbox reads: the ``grader`` package and the
course's public ``checks/``.

At the ``process`` isolation level the template and its sandboxes import these from
a fresh folder (``$TMPDIR/grader-public-*``, readable by every user, written by the
judge's user), never from the course: the course folder may then be mode 0700 (its
``solutions/``, ``hidden/`` and ``.git`` out of a sandbox uid's reach even without
Landlock), and with Landlock (:mod:`grader.sandbox.landlock`) this copy is the only
part of the course a sandbox can open. Caches and dot files are not copied.

The folder's name holds the judge's pid: a judge that was killed (a batch worker
past its watchdog) cannot remove its copy, so each new copy first removes those
of judges of the same user that are gone.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

PREFIX = "grader-public-"  # a judge-owned name: never swept as a sandbox's left-over
_NAME = re.compile(rf"{PREFIX}(\d+)-")


@dataclass(frozen=True)
class PublicCopy:
    """Where the copy is: ``root`` holds ``grader/`` (so ``root`` goes on sys.path) and
    ``checks/`` (mounted as ``grader.course``)."""

    root: Path

    @property
    def checks(self) -> Path:
        return self.root / "checks"

    def remove(self) -> None:
        """Delete the copy (idempotent)."""
        shutil.rmtree(self.root, ignore_errors=True)


def make_public_copy(package: Path, checks: Path | None) -> PublicCopy:
    """Copy ``package`` (the grader package folder) and ``checks`` into a new folder.

    Folders become mode 0755 and files 0644 whatever the originals' modes, so a
    sandbox's own uid can read them; the copy's owner is the judge's user.
    """
    remove_stale()
    root = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-"))
    try:
        _copy(package, root / "grader")
        if checks is not None and checks.is_dir():
            _copy(checks, root / "checks")
        else:
            (root / "checks").mkdir()
        _open_up(root)
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise
    return PublicCopy(root)


def remove_stale(folder: str | None = None) -> None:
    """Remove copies in ``folder`` (default: the temporary folder) left by judges of this
    user that no longer run. Never raises."""
    folder = folder or tempfile.gettempdir()
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            match = _NAME.match(entry.name)
            if match and _owned_by_me(entry) and not _alive(int(match.group(1))):
                shutil.rmtree(entry.path, ignore_errors=True)


def _owned_by_me(entry: os.DirEntry) -> bool:
    try:
        return entry.is_dir(follow_symlinks=False) and entry.stat().st_uid == os.getuid()
    except OSError:
        return False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists, as another user's
        return True
    return True


def _copy(source: Path, target: Path) -> None:
    def ignore(_folder: str, names: list[str]) -> set[str]:
        return {n for n in names if n.startswith(".") or n == "__pycache__" or n.endswith(".pyc")}

    shutil.copytree(source, target, ignore=ignore, symlinks=True)


def _open_up(root: Path) -> None:
    os.chmod(root, 0o755)
    for folder, dirs, files in os.walk(root):
        for name, mode in [(d, 0o755) for d in dirs] + [(f, 0o644) for f in files]:
            path = os.path.join(folder, name)
            if not os.path.islink(path):  # a link keeps pointing where it did (and no further)
                os.chmod(path, mode)
