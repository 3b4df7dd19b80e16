"""Read one student's ``.zip`` without trusting it.

Nothing is ever extracted by member name: callers get the bytes of the members
they ask for and write them to paths they compute themselves. Before the archive's
directory is read, the file's own size, the number of entries its end record claims
and the size of its directory are capped (:func:`check_directory`), so a small file
claiming millions of entries costs nothing. Then every member is checked: absolute
paths, ``..`` components and drive letters (zip slip) make the whole archive
unreadable, as do names nested deeper or longer than the limits; symbolic links and
other special files are reported and skipped; each member's size and the total size
are capped (zip bombs), and the caps are enforced while decompressing, not trusted
from the headers. Every way :mod:`zipfile` fails on a corrupt archive is listed in
:func:`open_errors`.
"""

from __future__ import annotations

import logging
import lzma
import stat
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from grader.batch.naming import display
from grader.errors import SubmissionError
from grader.input_limits import Limits, mebibytes

__all__ = ["Limits", "ZipListing", "check_directory", "list_members", "open_errors"]

logger = logging.getLogger(__name__)

_CHUNK = 64 * 1024
_END = struct.Struct("<4s4H2LH")  # end of central directory record
_END_SIGNATURE = b"PK\x05\x06"
_LOCATOR = struct.Struct("<4sLQL")  # zip64 end of central directory locator
_END64 = struct.Struct("<4sQ2H2L4Q")  # zip64 end of central directory record
_MAX_COMMENT = 1 << 16
#: File types a zip can declare besides regular files and folders, by their stat test.
_SPECIAL_KINDS = (
    (stat.S_ISLNK, "symbolic links are not followed"),
    (stat.S_ISFIFO, "a named pipe is not a regular file"),
    (stat.S_ISCHR, "a device file is not a regular file"),
    (stat.S_ISBLK, "a device file is not a regular file"),
    (stat.S_ISSOCK, "a socket is not a regular file"),
)


@dataclass(frozen=True)
class ZipListing:
    """The regular files of an archive, by safe relative POSIX path, and the refused ones.

    ``refused`` holds ``(path, reason)`` for symbolic links and special files.
    """

    files: dict[str, zipfile.ZipInfo]
    refused: tuple[tuple[str, str], ...]


def check_directory(path: Path, stream: BinaryIO, limits: Limits) -> None:
    """Refuse a zip too large, or claiming too many entries, before its directory is read.

    Reads only the end record (and the zip64 one), found as :mod:`zipfile` finds it.

    Raises:
        SubmissionError: the file, its entry count or its directory is over the limits.
    """
    size = stream.seek(0, 2)
    if size > limits.max_zip_bytes:
        raise SubmissionError(
            f"{display(path.name)}: the zip is {mebibytes(size)} "
            f"(at most {mebibytes(limits.max_zip_bytes)})"
        )
    found = _directory_claims(stream, size)
    if found is None:
        return  # no end record: zipfile reports the archive as unreadable
    entries, directory_bytes = found
    if entries > limits.max_entries:
        raise SubmissionError(f"zip has {entries} entries (at most {limits.max_entries})")
    if directory_bytes > limits.max_zip_directory_bytes:
        raise SubmissionError(
            f"{display(path.name)}: the zip's list of entries takes "
            f"{mebibytes(directory_bytes)} (at most {mebibytes(limits.max_zip_directory_bytes)})"
        )


def _directory_claims(stream: BinaryIO, size: int) -> tuple[int, int] | None:
    """(entries, directory bytes) the end record claims, or None without one."""
    start = max(size - _MAX_COMMENT - _END.size, 0)
    stream.seek(start)
    tail = stream.read()
    if tail[-_END.size : -_END.size + 4] == _END_SIGNATURE and tail[-2:] == b"\0\0":
        at = len(tail) - _END.size
    else:
        at = tail.rfind(_END_SIGNATURE)
    if at < 0 or len(tail) - at < _END.size:
        return None
    fields = _END.unpack_from(tail, at)
    entries, directory_bytes = fields[4], fields[5]
    zip64 = _zip64_claims(stream, start + at)
    return zip64 if zip64 is not None else (entries, directory_bytes)


def _zip64_claims(stream: BinaryIO, end_at: int) -> tuple[int, int] | None:
    """(entries, directory bytes) of a zip64 end record just before ``end_at``, if any."""
    locator_at = end_at - _LOCATOR.size
    record_at = locator_at - _END64.size
    if record_at < 0:
        return None
    stream.seek(record_at)
    data = stream.read(_END64.size + _LOCATOR.size)
    if data[_END64.size : _END64.size + 4] != b"PK\x06\x07" or data[:4] != b"PK\x06\x06":
        return None
    fields = _END64.unpack_from(data)
    return fields[7], fields[8]


def safe_relative(name: str, limits: Limits | None = None) -> str:
    """``name`` as a relative POSIX path, or raise :class:`SubmissionError`.

    Rejects absolute paths, Windows drive letters and backslash separators that
    hide them, any ``..`` component, and (with ``limits``) a path nested deeper than
    ``limits.max_depth`` or holding a name longer than ``limits.max_name_bytes``.
    """
    unified = name.replace("\\", "/")
    path = PurePosixPath(unified)
    shown = display(name)
    if unified.startswith("/") or (len(unified) > 1 and unified[1] == ":"):
        raise SubmissionError(f"unsafe path in zip: '{shown}' is absolute")
    if ".." in path.parts:
        raise SubmissionError(f"unsafe path in zip: '{shown}' leaves the archive's folder")
    parts = [part for part in path.parts if part not in ("", ".")]
    if limits is not None:
        _check_shape(shown, parts, limits)
    return "/".join(parts)


def _check_shape(shown: str, parts: list[str], limits: Limits) -> None:
    if len(parts) > limits.max_depth + 1:
        raise SubmissionError(
            f"zip entry '{shown}' is nested {len(parts) - 1} folders deep "
            f"(at most {limits.max_depth})"
        )
    if any(len(part.encode("utf-8", "surrogatepass")) > limits.max_name_bytes for part in parts):
        raise SubmissionError(
            f"zip entry '{shown}' has a name longer than {limits.max_name_bytes} bytes"
        )


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
    refused: list[tuple[str, str]] = []
    total = 0
    for info in infos:
        rel = safe_relative(info.filename, limits)
        if not rel or info.filename.endswith("/"):  # a folder (is_dir() fails on "")
            continue
        if info.flag_bits & 0x1:
            shown = display(rel)
            raise SubmissionError(f"zip entry '{shown}' is encrypted; submit an unencrypted zip")
        reason = _special_kind(info)
        if reason:
            refused.append((rel, reason))
            continue
        total += info.file_size
        files[rel] = info
    if total > limits.max_total_bytes:
        limit = mebibytes(limits.max_total_bytes)
        raise SubmissionError(f"zip unpacks to {mebibytes(total)} (at most {limit})")
    return ZipListing(files=files, refused=tuple(refused))


def _special_kind(info: zipfile.ZipInfo) -> str:
    """Why a member that is not a regular file is refused ("" for a regular file).

    The file type is in the high 16 bits of the external attributes (zips made on
    Unix); a type of 0 means "not recorded": a regular file.
    """
    mode = info.external_attr >> 16
    return next((reason for test, reason in _SPECIAL_KINDS if test(mode)), "")


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
    """The exceptions that mean "this archive is corrupt or unsupported".

    :mod:`zipfile` raises many kinds for a damaged archive: ``BadZipFile``; ``ValueError``
    (a name marked UTF-8 that is not, a negative offset); ``zlib.error``, ``lzma.LZMAError``
    and ``OSError`` (bz2) from a damaged or oddly configured compressed stream;
    ``EOFError`` when it ends early; ``NotImplementedError`` for an unknown compression;
    ``struct.error`` for a truncated header; ``OverflowError`` for absurd offsets.
    """
    return (
        zipfile.BadZipFile,
        zlib.error,
        lzma.LZMAError,
        EOFError,
        NotImplementedError,
        RuntimeError,
        OSError,
        ValueError,
        struct.error,
        OverflowError,
    )


def _check_size(name: str, size: int, limits: Limits) -> None:
    if size > limits.max_file_bytes:
        raise SubmissionError(
            f"zip entry '{display(name)}' is larger than {mebibytes(limits.max_file_bytes)} "
            "when unpacked"
        )
