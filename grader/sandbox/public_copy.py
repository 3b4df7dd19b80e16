"""A private copy of what a process-level sandbox reads: the ``grader`` package and the
course's public ``checks/``.

At the ``process`` isolation level the template and its sandboxes import these from
a fresh folder (``$TMPDIR/grader-public-*``, readable by every user, written by the
judge's user), never from the course: the course folder may then be mode 0700 (its
``solutions/``, ``hidden/`` and ``.git`` out of a sandbox uid's reach even without
Landlock), and with Landlock (:mod:`grader.sandbox.landlock`) this copy is the only
part of the course a sandbox can open. Caches and dot files are not copied.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

PREFIX = "grader-public-"  # a judge-owned name: never swept as a sandbox's left-over


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
    root = Path(tempfile.mkdtemp(prefix=PREFIX))
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


def _copy(source: Path, target: Path) -> None:
    def ignore(_folder: str, names: list[str]) -> set[str]:
        return {n for n in names if n.startswith(".") or n == "__pycache__" or n.endswith(".pyc")}

    shutil.copytree(source, target, ignore=ignore, symlinks=True)


def _open_up(root: Path) -> None:
    os.chmod(root, 0o755)
    for folder, dirs, files in os.walk(root):
        for name in dirs:
            os.chmod(os.path.join(folder, name), 0o755)
        for name in files:
            os.chmod(os.path.join(folder, name), 0o644)
