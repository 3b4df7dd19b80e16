"""Strict ``.npy`` reading for data that crossed the sandbox boundary.

``numpy.load`` trusts the header: a blob that claims a shape of 10^12 elements
makes it allocate that much before it notices the data is missing, and it
accepts structured, sub-array and datetime dtypes that no check expects. Here the
header is parsed first (by numpy's own literal parser, never unpickled), the
dtype must be a plain number or bool, and the shape must account for exactly the
bytes that follow; only then is an array made, as a view of the blob's own bytes
(no copy, nothing allocated beyond what was received).
"""

from __future__ import annotations

import io
import math

import numpy as np
from numpy.lib import format as npy_format

MAX_DIMS = 32
MAX_HEADER_BYTES = 10_000  # numpy's own default limit for a header
ALLOWED_KINDS = "biufc"  # bool, signed and unsigned integers, floats, complex
_MAGIC = b"\x93NUMPY"
_READERS = {
    (1, 0): (npy_format.read_array_header_1_0, 2),
    (2, 0): (npy_format.read_array_header_2_0, 4),
}


class NpyError(ValueError):
    """A blob that is not an acceptable ``.npy`` array (the message says why)."""


def read_array(blob: bytes | bytearray) -> np.ndarray:
    """The array held by ``blob``; NpyError unless its header is valid and exact.

    The result is a view of ``blob`` when ``blob`` is a (writable) bytearray and a
    copy otherwise, so it is always writable.
    """
    shape, fortran, dtype, offset = _header(blob)
    check_dtype(dtype)
    if len(shape) > MAX_DIMS or any(type(n) is not int or n < 0 for n in shape):
        raise NpyError(f"bad shape {shape!r}")
    count = math.prod(shape)
    if count * dtype.itemsize != len(blob) - offset:
        raise NpyError(
            f"its header claims shape {shape} of {dtype} ({count * dtype.itemsize} bytes) "
            f"but {len(blob) - offset} bytes follow"
        )
    array = np.frombuffer(blob, dtype=dtype, count=count, offset=offset)
    array = array.reshape(shape, order="F" if fortran else "C")
    return array if array.flags.writeable else array.copy()


def check_dtype(dtype: np.dtype) -> None:
    """NpyError unless ``dtype`` is a plain bool, integer, float or complex type."""
    if dtype.kind not in ALLOWED_KINDS or dtype.fields is not None or dtype.subdtype is not None:
        raise NpyError(f"arrays of dtype {dtype} are not accepted")


def _header(blob: bytes | bytearray) -> tuple[tuple, bool, np.dtype, int]:
    """(shape, fortran order, dtype, offset of the data), from the first bytes only."""
    if bytes(blob[:6]) != _MAGIC or len(blob) < 10:
        raise NpyError("not a .npy array")
    version = (blob[6], blob[7])
    if version not in _READERS:
        raise NpyError(f".npy format version {version} is not accepted")
    reader, length_bytes = _READERS[version]
    header_len = int.from_bytes(blob[8 : 8 + length_bytes], "little")
    if header_len > MAX_HEADER_BYTES:
        raise NpyError(f".npy header of {header_len} bytes is too long")
    head = io.BytesIO(bytes(blob[6 : 8 + length_bytes + header_len]))
    head.seek(2)
    try:
        shape, fortran, dtype = reader(head, max_header_size=MAX_HEADER_BYTES)
    except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError) as exc:
        raise NpyError(f"bad .npy header: {exc}") from None
    if not isinstance(shape, tuple):
        raise NpyError(f"bad shape {shape!r}")
    return shape, bool(fortran), dtype, 8 + length_bytes + header_len
