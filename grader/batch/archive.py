"""Read one student's ``.zip`` without trusting it.

Nothing is ever extracted by member name: callers get the bytes of the members
they ask for and write them to paths they compute themselves. Before any byte is
read, every member is checked: absolute paths, ``..`` components and drive letters
(zip slip) make the whole archive unreadable; symbolic links are reported and
skipped; the number of members, each member's size and the total size are capped
(zip bombs), and the caps are enforced while decompressing, not trusted from the
headers.
"""

from __future__ import annotations

import logging
import stat
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import PurePosixPath

from grader.errors import SubmissionError

logger = logging.getLogger(__name__)

_CHUNK = 64 * 1024


@dataclass(frozen=True)
class Limits:
    """Caps on what one submission may contain (bytes are uncompressed sizes)."""

    max_entries: int = 2000
    max_file_bytes: int = 5 * 2**20
    max_total_bytes: int = 50 * 2**20


@dataclass(frozen=True)
class ZipListing:
    """The regular files of an archive, by safe relative POSIX path."""

    files: dict[str, zipfile.ZipInfo]
    symlinks: tuple[str, ...]


def safe_relative(name: str) -> str:
    """``name`` as a relative POSIX path, or raise :class:`SubmissionError`.

    Rejects absolute paths, Windows drive letters and backslash separators that
    hide them, and any ``..`` component.
    """
    unified = name.replace("\\", "/")
    path = PurePosixPath(unified)
    if unified.startswith("/") or (len(unified) > 1 and unified[1] == ":"):
        raise SubmissionError(f"unsafe path in zip: {name!r} is absolute")
    if ".." in path.parts:
        raise SubmissionError(f"unsafe path in zip: {name!r} leaves the archive's folder")
    return "/".join(part for part in path.parts if part not in ("", "."))


def list_members(zf: zipfile.ZipFile, limits: Limits) -> ZipListing:
    """Check every member of ``zf`` and list its regular files.

    Raises:
        SubmissionError: an unsafe name, too many members, a declared total size
            over the limit, or an encrypted member. (A single member's size is
            capped when it is read, see :func:`read_member`.)
    """
    infos = zf.infolist()
    if len(infos) > limits.max_entries:
        raise SubmissionError(f"zip has {len(infos)} entries (at most {limits.max_entries})")
    files: dict[str, zipfile.ZipInfo] = {}
    symlinks: list[str] = []
    total = 0
    for info in infos:
        rel = safe_relative(info.filename)
        if info.is_dir() or not rel:
            continue
        if info.flag_bits & 0x1:
            raise SubmissionError(f"zip entry {rel!r} is encrypted; submit an unencrypted zip")
        if stat.S_ISLNK(info.external_attr >> 16):
            symlinks.append(rel)
            continue
        total += info.file_size
        files[rel] = info
    if total > limits.max_total_bytes:
        limit = _mb(limits.max_total_bytes)
        raise SubmissionError(f"zip unpacks to {_mb(total)} (at most {limit})")
    return ZipListing(files=files, symlinks=tuple(symlinks))


def read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits) -> bytes:
    """The decompressed bytes of one member, stopping at ``limits.max_file_bytes``.

    The size declared in the header is not trusted: decompression stops as soon
    as the cap is passed. A CRC mismatch surfaces as :class:`zipfile.BadZipFile`.
    """
    chunks: list[bytes] = []
    size = 0
    with zf.open(info) as member:
        while chunk := member.read(_CHUNK):
            size += len(chunk)
            _check_size(info.filename, size, limits)
            chunks.append(chunk)
    return b"".join(chunks)


def open_errors() -> tuple[type[BaseException], ...]:
    """The exceptions that mean "this archive is corrupt or unsupported"."""
    return (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, OSError)


def _check_size(name: str, size: int, limits: Limits) -> None:
    if size > limits.max_file_bytes:
        raise SubmissionError(
            f"zip entry {name!r} is larger than {_mb(limits.max_file_bytes)} when unpacked"
        )


def _mb(n_bytes: int) -> str:
    return f"{n_bytes / 2**20:.1f} MB"
