"""Builders of hostile (or merely careless) submissions, shared by the loader, fuzz and batch
tests: each writes the bytes or files that once crashed or hung the batch (issue 13)."""

from __future__ import annotations

import io
import os
import socket
import stat
import struct
import zipfile
from pathlib import Path

DEEP = 3000  # folder or TOML nesting: far past Python's recursion limit


def deep_toml() -> bytes:
    """An answers file whose array is nested thousands of levels deep."""
    return b"x = " + b"[" * DEEP + b"]" * DEEP + b"\n"


def huge_int_toml(digits: int = 5000) -> bytes:
    """An answers file holding an integer of ``digits`` digits (over 4300: ValueError)."""
    return b"x = " + b"7" * digits + b"\n"


def zip_bytes(files: dict[str, bytes], method: int = zipfile.ZIP_STORED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def _headers(data: bytearray, signature: bytes):
    at = data.find(signature)
    while at >= 0:
        yield at
        at = data.find(signature, at + 4)


def zip_with_invalid_utf8_name(files: dict[str, bytes]) -> bytes:
    """``files`` plus a member whose name has the UTF-8 flag but bytes that are not UTF-8."""
    data = bytearray(zip_bytes({**files, "notes_XX.txt": b"hello"}))
    data = bytearray(data.replace(b"notes_XX.txt", b"notes_\xff\xfe.txt"))
    for at in _headers(data, b"PK\x01\x02"):
        flags = struct.unpack_from("<H", data, at + 8)[0]
        struct.pack_into("<H", data, at + 8, flags | 0x800)
    return bytes(data)


def zip_with_corrupt_lzma(files: dict[str, bytes]) -> bytes:
    """``files`` compressed with LZMA, each member's LZMA properties made invalid."""
    data = bytearray(zip_bytes(files, zipfile.ZIP_LZMA))
    for at in _headers(data, b"PK\x03\x04"):
        name_len, extra_len = struct.unpack_from("<HH", data, at + 26)
        props = at + 30 + name_len + extra_len + 4  # after the LZMA version and size fields
        data[props : props + 5] = b"\xff" * 5
    return bytes(data)


def windows_zip(files: dict[str, bytes], stray_name: str) -> bytes:
    """A zip as Windows tools make it: ``stray_name`` stored as GBK bytes, no UTF-8 flag."""
    encoded = stray_name.encode("gbk")
    placeholder = b"Q" * len(encoded)  # same length: every offset in the zip still holds
    data = zip_bytes({**files, placeholder.decode() + ".txt": b"x"})
    return data.replace(placeholder, encoded)


def zip_with_member_type(files: dict[str, bytes], name: str, mode: int, data: bytes) -> bytes:
    """``files`` plus a member ``name`` whose Unix file type is ``mode`` (link, FIFO...)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for rel, content in files.items():
            zf.writestr(rel, content)
        info = zipfile.ZipInfo(name)
        info.create_system = 3
        info.external_attr = (mode | 0o644) << 16
        zf.writestr(info, data)
    return buffer.getvalue()


def write_directory_claim(path: Path, size: int, entries: int, directory_bytes: int) -> Path:
    """A sparse file of ``size`` bytes ending in end records claiming ``entries`` entries in
    a directory of ``directory_bytes`` (zip64 records when the count needs them)."""
    tail = b""
    if entries > 0xFFFF:
        record_at = size - 22 - 20 - 56
        tail += struct.pack("<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, entries, entries,
                            directory_bytes, 0)  # fmt: skip
        tail += struct.pack("<4sLQL", b"PK\x06\x07", 0, record_at, 1)
    count = min(entries, 0xFFFF)
    tail += struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count, count,
                        min(directory_bytes, 0xFFFFFFFF), 0, 0)  # fmt: skip
    with path.open("wb") as out:
        out.truncate(size - len(tail))
        out.seek(size - len(tail))
        out.write(tail)
    return path


def zip_with_tiny_entries(count: int, claimed: int | None = None) -> bytes:
    """A zip whose central directory holds ``count`` minimal entries (46 bytes + a
    one-byte name each, no data), its end record claiming ``claimed`` (default: count)."""
    claimed = count if claimed is None else claimed
    record = struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 0, 0, 0, 0, 0, 0,
                         1, 0, 0, 0, 0, 0, 0) + b"a"  # fmt: skip
    directory = record * count
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, min(claimed, 0xFFFF),
                      min(claimed, 0xFFFF), len(directory), 0, 0)  # fmt: skip
    return directory + end


def nest_folders(root: Path, depth: int = DEEP) -> None:
    """``root/d/d/.../d`` ``depth`` levels deep (made relative to folder descriptors, so
    no path is ever longer than PATH_MAX)."""
    root.mkdir(parents=True, exist_ok=True)
    fd = os.open(root, os.O_RDONLY)
    try:
        for _ in range(depth):
            os.mkdir("d", dir_fd=fd)
            inner = os.open("d", os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = inner
    finally:
        os.close(fd)


def remove_nested(root: Path) -> None:
    """Remove what :func:`nest_folders` made (iteratively: rmtree recurses)."""
    chain = [os.open(root, os.O_RDONLY)]
    try:
        while "d" in os.listdir(chain[-1]):
            chain.append(os.open("d", os.O_RDONLY, dir_fd=chain[-1]))
        for parent in reversed(chain[:-1]):
            os.close(chain.pop())
            os.rmdir("d", dir_fd=parent)
    finally:
        for fd in chain:
            os.close(fd)


def make_socket_file(path: Path) -> None:
    """A Unix-domain socket file at ``path`` (no privilege needed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    here = os.getcwd()
    os.chdir(path.parent)  # socket paths are limited to about 100 bytes
    try:
        server = socket.socket(socket.AF_UNIX)
        server.bind(path.name)
        server.close()
    finally:
        os.chdir(here)


def make_device_file(path: Path) -> bool:
    """A character device (like /dev/null) at ``path``; False where that needs privileges."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.mknod(path, stat.S_IFCHR | 0o644, os.makedev(1, 3))
    except PermissionError:
        return False
    return True
