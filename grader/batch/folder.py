"""Read files a student handed in, on disk, without following links or opening anything odd.

:func:`list_folder` walks one student's folder iteratively (any depth is safe to refuse,
never a ``RecursionError``), never descends into links or noise folders (``.git``,
``__pycache__``...), counts every entry against the limits as it goes, and sorts what it
finds into regular files and refused entries: symbolic links, hard links (a file with more
than one name could be another user's file, e.g. an instructor's solution), named pipes,
sockets and device files. :func:`read_regular` opens a file that way too: ``O_NOFOLLOW``
and ``O_NONBLOCK`` (a named pipe swapped in meanwhile never blocks), and checks what it
opened before reading at most the size limit.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from grader.batch.layout import is_noise
from grader.batch.naming import display
from grader.errors import SubmissionError
from grader.input_limits import Limits, mebibytes

_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_NOCTTY", 0)
)
_CHUNK = 64 * 1024
_KINDS = (
    (stat.S_ISLNK, "symbolic links are not followed"),
    (stat.S_ISFIFO, "a named pipe is not a regular file"),
    (stat.S_ISSOCK, "a socket is not a regular file"),
    (stat.S_ISCHR, "a device file is not a regular file"),
    (stat.S_ISBLK, "a device file is not a regular file"),
)


class Refused(Exception):
    """One file cannot be read; the message (without the file's name) says why."""


@dataclass
class FolderListing:
    """Relative POSIX names of the readable regular files, and (name, reason) of the rest."""

    files: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)


def why_refused(mode: int, links: int) -> str:
    """Why a file of this ``st_mode`` and link count is never read ("" when it may be)."""
    for test, reason in _KINDS:
        if test(mode):
            return reason
    if stat.S_ISREG(mode) and links > 1:
        return f"a hard link (this file has {links} names on this disk; submit a copy)"
    return ""


def list_folder(folder: Path, limits: Limits) -> FolderListing:
    """Every entry under ``folder`` (noise excluded), sorted into readable and refused.

    Raises:
        SubmissionError: more than ``limits.max_entries`` entries, folders nested deeper
            than ``limits.max_depth``, or a folder that cannot be listed.
    """
    listing = FolderListing()
    pending: list[tuple[Path, str, int]] = [(folder, "", 0)]
    count = 0
    while pending:
        path, rel, depth = pending.pop()
        for entry in _entries(path, rel, limits.max_entries - count + 1):
            count += 1
            if count > limits.max_entries:
                raise SubmissionError(f"the folder has more than {limits.max_entries} files")
            name = f"{rel}/{entry.name}" if rel else entry.name
            if _sort_entry(entry, name, listing):
                if depth >= limits.max_depth:
                    raise SubmissionError(
                        f"folders nested more than {limits.max_depth} levels deep "
                        f"(at '{display(name, 60)}')"
                    )
                pending.append((Path(entry.path), name, depth + 1))
    listing.files.sort()
    listing.refused.sort()
    return listing


def _sort_entry(entry: os.DirEntry, name: str, listing: FolderListing) -> bool:
    """File ``entry`` as readable or refused in ``listing``; True when it is a folder."""
    try:
        info = entry.stat(follow_symlinks=False)
    except OSError as exc:  # gone meanwhile, or unreadable
        listing.refused.append((name, f"cannot be read ({exc.strerror or exc})"))
        return False
    if stat.S_ISDIR(info.st_mode):
        return True
    if reason := why_refused(info.st_mode, info.st_nlink):
        listing.refused.append((name, reason))
    else:
        listing.files.append(name)
    return False


def _entries(path: Path, rel: str, at_most: int) -> list[os.DirEntry]:
    """The entries of one folder that are not noise (never opened, never descended), at
    most ``at_most`` of them: a folder of millions of entries is never held in memory."""
    found: list[os.DirEntry] = []
    try:
        with os.scandir(path) as entries:
            for entry in entries:
                if not is_noise(entry.name):
                    found.append(entry)
                    if len(found) >= at_most:
                        break
    except OSError as exc:
        where = display(rel) or "the folder"
        raise SubmissionError(f"{where}: cannot be listed ({exc.strerror or exc})") from exc
    return found


def open_regular(path: Path) -> BinaryIO:
    """``path`` opened for binary reading, refused unless it is a regular file with one name.

    Opened with ``O_NOFOLLOW | O_NONBLOCK`` and checked with ``fstat`` on what was
    opened, so a file swapped for a link or a named pipe after it was listed is refused
    too, and opening never blocks.

    Raises:
        Refused: a link, special file or hard link, or a file that cannot be opened.
    """
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        if os.path.islink(path):
            raise Refused(_KINDS[0][1]) from exc
        raise Refused(f"cannot be read ({exc.strerror or exc})") from exc
    info = os.fstat(fd)
    reason = why_refused(info.st_mode, info.st_nlink)
    if not reason and not stat.S_ISREG(info.st_mode):
        reason = "not a regular file"
    if reason:
        os.close(fd)
        raise Refused(reason)
    os.set_blocking(fd, True)
    return os.fdopen(fd, "rb")


def read_regular(path: Path, max_bytes: int) -> bytes:
    """The bytes of the regular file ``path`` (see :func:`open_regular`).

    Raises:
        Refused: as :func:`open_regular`, or the file is larger than ``max_bytes``.
    """
    chunks: list[bytes] = []
    size = 0
    with open_regular(path) as stream:
        while chunk := stream.read(_CHUNK):  # memory follows the file, not the cap
            size += len(chunk)
            if size > max_bytes:
                raise Refused(f"larger than {mebibytes(max_bytes)}")
            chunks.append(chunk)
    return b"".join(chunks)
