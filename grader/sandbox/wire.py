"""The wire format between judge and sandbox: framed JSON plus ``.npy`` blobs.

A message is a JSON header and zero or more binary blobs. Values are encoded to
JSON with tagged objects (``{"$tuple": [...]}``, ``{"$ndarray": 0}``, ...);
arrays travel as ``.npy`` bytes and are decoded by :mod:`grader.sandbox.npy`
(header checked against the bytes that follow before anything is allocated).
Nothing on either side is ever unpickled, and type checks are exact: a subclass
of float, an object array or a tensor subclass is sent as ``Unsupported``.

Every size is capped *before* it is read: the header (bytes and JSON values), the
number of blobs, each blob and all blobs of one message together. A receiver that
expects a reply checks its request id as soon as the header is read, and
:func:`recv_message` with a ``deadline`` holds it for the whole message, however
slowly the bytes arrive. So one reply costs the judge at most about
``MAX_MESSAGE_BYTES`` plus a header of ``MAX_HEADER_VALUES`` values, and one
request at most its time limit.

Both sides import this module; torch is imported lazily, only where a tensor
is encoded or decoded, so the judge never needs it for plain values.
"""

from __future__ import annotations

import io
import json
import math
import re
import socket
import struct
import sys
import time
from typing import Any

import numpy as np

from grader.sandbox import npy
from grader.sandbox.values import SympyText, TensorData, Unsupported

MAX_HEADER_BYTES = 8 * 1024 * 1024
MAX_HEADER_VALUES = 200_000  # JSON values in one header (a list of 200,000 floats)
MAX_BLOBS = 1024
MAX_BLOB_BYTES = 64 * 1024 * 1024
MAX_MESSAGE_BYTES = 128 * 1024 * 1024  # all blobs of one message together
MAX_DEPTH = 64
MAX_INT_BITS = 13_000  # about 3,900 digits: below Python's 4,300-digit str() limit
_LEN = struct.Struct(">Q")
_DEVICE = re.compile(r"[a-z_]{1,16}(:[0-9]{1,4})?")
#: torch dtype -> the numpy dtype its data travels as (bfloat16 goes as float32).
TENSOR_DTYPES = {
    "torch.bool": "bool",
    "torch.uint8": "uint8",
    "torch.int8": "int8",
    "torch.int16": "int16",
    "torch.int32": "int32",
    "torch.int64": "int64",
    "torch.uint16": "uint16",
    "torch.uint32": "uint32",
    "torch.uint64": "uint64",
    "torch.float16": "float16",
    "torch.bfloat16": "float32",
    "torch.float32": "float32",
    "torch.float64": "float64",
    "torch.complex64": "complex64",
    "torch.complex128": "complex128",
}


class WireError(Exception):
    """A message that breaks the format (too large, not JSON, bad tag, truncated)."""


# ----------------------------------------------------------------------------- framing


def send_message(
    sock: socket.socket, header: dict, blobs: list[bytes] = (), deadline: float | None = None
) -> None:
    """Send one message: header length, header JSON, blob count, each blob.

    With ``deadline`` (a :func:`time.monotonic` value), TimeoutError once it passes
    (a peer that stops reading cannot hold the sender).
    """
    data = json.dumps(header, allow_nan=False).encode()
    parts = [_LEN.pack(len(data)), data, _LEN.pack(len(blobs))]
    for blob in blobs:
        parts += [_LEN.pack(len(blob)), blob]
    if deadline is not None:
        sock.settimeout(_remaining(deadline))
    sock.sendall(b"".join(parts))


def recv_message(
    sock: socket.socket, deadline: float | None = None, expect_id: str | None = None
) -> tuple[dict, list[bytearray]]:
    """Receive one message.

    Raises EOFError when the peer closed, WireError when the message is malformed,
    too large, or (with ``expect_id``) carries another id, and TimeoutError when
    ``deadline`` (a :func:`time.monotonic` value) passes before the whole message
    arrived. Every length is checked before the bytes it announces are read.
    """
    reader = _Reader(sock, deadline)
    header = _parse_header(reader.exact(reader.length(MAX_HEADER_BYTES, "the message header")))
    if expect_id is not None and header.get("id") != expect_id:
        raise WireError("a message that answers no pending request (wrong or missing id)")
    count = reader.length(MAX_BLOBS, "the number of blobs")
    blobs, total = [], 0
    for _ in range(count):
        size = reader.length(MAX_BLOB_BYTES, "a blob")
        total += size
        if total > MAX_MESSAGE_BYTES:
            raise WireError(f"a message of more than {MAX_MESSAGE_BYTES} bytes of data")
        blobs.append(reader.exact(size))
    return header, blobs


def _parse_header(data: bytearray) -> dict:
    values = data.count(b",") + data.count(b":") + data.count(b"[") + data.count(b"{") + 1
    if values > MAX_HEADER_VALUES:
        raise WireError(f"a message of about {values} values (the limit is {MAX_HEADER_VALUES})")
    try:
        header = json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise WireError(f"message header is not valid JSON: {exc}") from None
    if not isinstance(header, dict):
        raise WireError("message header is not a JSON object")
    return header


class _Reader:
    """Exact reads from a socket, all before one deadline (or blocking without one)."""

    def __init__(self, sock: socket.socket, deadline: float | None) -> None:
        self.sock = sock
        self.deadline = deadline

    def length(self, limit: int, what: str) -> int:
        (value,) = _LEN.unpack(self.exact(_LEN.size))
        if value > limit:
            raise WireError(f"{what} of {value} exceeds the limit of {limit}")
        return value

    def exact(self, n: int) -> bytearray:
        buf = bytearray(n)
        view = memoryview(buf)
        got = 0
        while got < n:
            if self.deadline is not None:
                self.sock.settimeout(_remaining(self.deadline))
            count = self.sock.recv_into(view[got:], min(n - got, 1 << 20))
            if not count:
                raise EOFError("the other side closed the connection")
            got += count
        return buf


def _remaining(deadline: float) -> float:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise TimeoutError
    return remaining


# ----------------------------------------------------------------------------- encoding


def encode(value: Any) -> tuple[Any, list[bytes]]:
    """Encode a value as (JSON-ready object, blobs). Never raises for odd values."""
    blobs: list[bytes] = []
    return _encode(value, blobs, 0), blobs


def _encode(value: Any, blobs: list[bytes], depth: int) -> Any:
    if depth > MAX_DEPTH:
        return {"$unsupported": "nesting", "base": "", "text": f"nested deeper than {MAX_DEPTH}"}
    kind = type(value)
    if kind is int and value.bit_length() > MAX_INT_BITS:
        text = f"an integer of {value.bit_length()} bits"
        return {"$unsupported": "int", "base": "", "text": text}
    if value is None or kind in (bool, int, str):
        return value
    if kind is float:
        return value if math.isfinite(value) else {"$float": repr(value)}
    if kind is list:
        return [_encode(v, blobs, depth + 1) for v in value]
    if kind is tuple:
        return {"$tuple": [_encode(v, blobs, depth + 1) for v in value]}
    if kind is dict:
        items = [
            [_encode(k, blobs, depth + 1), _encode(v, blobs, depth + 1)] for k, v in value.items()
        ]
        return {"$dict": items}
    if kind is np.ndarray:
        return _encode_ndarray(value, blobs)
    if isinstance(value, np.generic) and kind.__module__ == "numpy":
        return _encode_np_scalar(value)
    if isinstance(value, TensorData):
        return _encode_tensor_data(value, blobs)
    return _encode_foreign(value, blobs)


def _encode_ndarray(array: np.ndarray, blobs: list[bytes]) -> Any:
    try:
        npy.check_dtype(array.dtype)
    except npy.NpyError:
        return _unsupported(array, f"ndarray of dtype {array.dtype}", "ndarray")
    buf = io.BytesIO()
    np.save(buf, np.ascontiguousarray(array).reshape(array.shape), allow_pickle=False)
    blobs.append(buf.getvalue())
    return {"$ndarray": len(blobs) - 1}


def _encode_np_scalar(value: np.generic) -> Any:
    if value.dtype.hasobject or value.dtype.kind not in "biufc":
        return _unsupported(value, type(value).__name__, "numpy scalar")
    item = value.item()
    if isinstance(item, np.generic):  # long double: no Python type holds it
        item = complex(item) if value.dtype.kind == "c" else float(item)
    if isinstance(item, complex):
        item = [_json_float(item.real), _json_float(item.imag)]
    elif isinstance(item, float):
        item = _json_float(item)
    return {"$npscalar": value.dtype.str, "value": item}


def _json_float(value: float) -> float | str:
    return value if math.isfinite(value) else repr(value)


def _encode_tensor_data(data: TensorData, blobs: list[bytes]) -> Any:
    index = None
    if data.array is not None:
        _encode_ndarray(np.asarray(data.array), blobs)
        index = len(blobs) - 1
    return {
        "$tensor": index,
        "dtype": data.dtype,
        "device": data.device,
        "requires_grad": data.requires_grad,
        "kind": data.kind,
    }


def _encode_foreign(value: Any, blobs: list[bytes]) -> Any:
    """Tensors, sympy expressions and everything else (only in the sandbox's process)."""
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(value, torch.Tensor):
        return _encode_torch(torch, value, blobs)
    sympy = sys.modules.get("sympy")
    if sympy is not None and isinstance(value, sympy.Basic):
        names = sorted(str(s) for s in value.free_symbols)
        return {"$sympy": str(value), "symbols": names}
    for base in (bool, int, float, str, list, tuple, dict, np.ndarray):
        if isinstance(value, base):
            return _unsupported(value, type(value).__qualname__, base.__name__)
    return _unsupported(value, type(value).__qualname__, "")


def _encode_torch(torch: Any, value: Any, blobs: list[bytes]) -> Any:
    if type(value) not in (torch.Tensor, torch.nn.Parameter):
        return _unsupported(value, type(value).__qualname__, "torch.Tensor")
    meta = {
        "dtype": str(value.dtype),
        "device": str(value.device),
        "requires_grad": bool(value.requires_grad),
        "kind": "Parameter" if type(value) is torch.nn.Parameter else "Tensor",
    }
    if value.device.type == "meta":
        return {"$tensor": None, **meta, "shape": list(value.shape)}
    data = value.detach().to("cpu")
    if data.dtype == torch.bfloat16:
        data = data.float()
    _encode_ndarray(data.resolve_conj().resolve_neg().numpy(), blobs)
    return {"$tensor": len(blobs) - 1, **meta}


def _unsupported(value: Any, type_name: str, base: str) -> dict:
    try:
        text = repr(value)[:200]
    except Exception:  # a student's __repr__ may raise anything
        text = "<repr failed>"
    return {"$unsupported": type_name, "base": base, "text": text}


# ----------------------------------------------------------------------------- decoding


def decode(obj: Any, blobs: list[bytes], *, as_torch: bool = False) -> Any:
    """Decode a JSON object from :func:`encode` into plain values.

    With ``as_torch`` (only in the sandbox), tensor descriptions become real
    torch tensors; otherwise they stay :class:`TensorData`, whose data must match
    the dtype it reports. Strings come back as valid Unicode (a lone surrogate
    becomes its escape, the six characters ``\\udcff``). Raises WireError for anything
    malformed, and nothing else.
    """
    try:
        return _decode(obj, blobs, as_torch, 0)
    except (RecursionError, MemoryError) as exc:
        raise WireError(f"value could not be decoded: {type(exc).__name__}") from None


def _decode(obj: Any, blobs: list[bytes], as_torch: bool, depth: int) -> Any:
    if depth > MAX_DEPTH + 2:
        raise WireError("value nested too deeply")
    if type(obj) is str:
        return clean_text(obj)
    if obj is None or type(obj) in (bool, int, float):
        return obj
    if type(obj) is list:
        return [_decode(v, blobs, as_torch, depth + 1) for v in obj]
    if type(obj) is not dict or len(obj) == 0:
        raise WireError(f"unexpected JSON value of type {type(obj).__name__}")
    tag = next(iter(obj))
    if tag == "$tuple":
        return tuple(_decode(v, blobs, as_torch, depth + 1) for v in _list(obj[tag]))
    if tag == "$dict":
        return _decode_dict(obj[tag], blobs, as_torch, depth)
    if tag == "$float":
        return _decode_special_float(obj[tag])
    if tag == "$ndarray":
        return _decode_ndarray(obj[tag], blobs)
    if tag == "$npscalar":
        return _decode_np_scalar(obj)
    if tag == "$tensor":
        return _decode_tensor(obj, blobs, as_torch)
    if tag == "$sympy":
        return SympyText(_str(obj["$sympy"]), tuple(_str(s) for s in _list(obj.get("symbols"))))
    if tag == "$unsupported":
        return Unsupported(_str(obj[tag]), _str(obj.get("base", "")), _str(obj.get("text", "")))
    raise WireError(f"unknown tag {clean_text(tag)[:40]!r}")


def clean_text(text: str) -> str:
    """``text`` as valid Unicode: each lone surrogate (not encodable as UTF-8) becomes its
    escape (``\\udcff``, six characters), so the text stays readable and nothing is lost."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def _decode_dict(items: Any, blobs: list[bytes], as_torch: bool, depth: int) -> dict:
    result = {}
    for pair in _list(items):
        if type(pair) is not list or len(pair) != 2:
            raise WireError("malformed dict entry")
        key = _decode(pair[0], blobs, as_torch, depth + 1)
        try:
            result[key] = _decode(pair[1], blobs, as_torch, depth + 1)
        except TypeError:
            raise WireError("unhashable dict key") from None
    return result


def _decode_special_float(text: Any) -> float:
    if type(text) is not str or text not in ("nan", "inf", "-inf"):
        raise WireError(f"bad special float {clean_text(str(text))[:40]!r}")
    return float(text)


def _decode_ndarray(index: Any, blobs: list[bytes]) -> np.ndarray:
    if type(index) is not int or not 0 <= index < len(blobs):
        raise WireError("array refers to a missing blob")
    try:
        return npy.read_array(blobs[index])
    except npy.NpyError as exc:
        raise WireError(f"array blob refused: {exc}") from None


def _decode_np_scalar(obj: dict) -> np.generic:
    try:
        dtype = np.dtype(_str(obj["$npscalar"]))
        npy.check_dtype(dtype)
    except (TypeError, ValueError, KeyError) as exc:  # NpyError is a ValueError
        raise WireError(f"numpy scalar refused: {exc}") from None
    value = obj.get("value")
    if dtype.kind == "c":
        parts = _list(value)
        if len(parts) != 2:
            raise WireError("malformed complex scalar")
        value = complex(_real(parts[0]), _real(parts[1]))
    elif dtype.kind == "b" and type(value) is not bool:
        raise WireError("a numpy bool scalar whose value is not a bool")
    elif dtype.kind in "iu" and type(value) is not int:
        raise WireError("a numpy integer scalar whose value is not an integer")
    elif dtype.kind == "f":
        value = _real(value)
    try:
        with np.errstate(all="ignore"):
            return dtype.type(value)
    except (TypeError, ValueError, OverflowError) as exc:
        raise WireError(f"numpy scalar refused: {exc}") from None


def _real(value: Any) -> float:
    if type(value) is str:
        return _decode_special_float(value)
    if type(value) not in (int, float):
        raise WireError("a number was expected")
    try:
        return float(value)
    except OverflowError:
        raise WireError("a number out of range") from None


def _decode_tensor(obj: dict, blobs: list[bytes], as_torch: bool) -> Any:
    index = obj["$tensor"]
    array = None if index is None else _decode_ndarray(index, blobs)
    data = TensorData(
        array,
        _str(obj.get("dtype")),
        _str(obj.get("device")),
        obj.get("requires_grad", False) is True,
        _str(obj.get("kind", "Tensor")),
    )
    if as_torch:
        return to_torch(data)
    _check_tensor(data)
    return data


def _check_tensor(data: TensorData) -> None:
    """WireError unless the description is one torch could have made (judge side)."""
    if data.dtype not in TENSOR_DTYPES:
        raise WireError(f"a tensor of unknown dtype {data.dtype[:40]!r}")
    if not _DEVICE.fullmatch(data.device) or data.kind not in ("Tensor", "Parameter"):
        raise WireError("a tensor with a malformed device or kind")
    if data.array is not None and data.array.dtype.name != TENSOR_DTYPES[data.dtype]:
        raise WireError(
            f"a tensor that reports dtype {data.dtype} but whose data is {data.array.dtype.name}"
        )


def to_torch(data: TensorData) -> Any:
    """Build a real tensor from a description (sandbox side only)."""
    import torch

    dtype = getattr(torch, data.dtype.removeprefix("torch."), None)
    if not isinstance(dtype, torch.dtype):
        raise WireError(f"unknown torch dtype {data.dtype!r}")
    if data.array is None:
        return torch.empty(0, dtype=dtype, device="meta")
    tensor = torch.from_numpy(np.array(data.array)).to(dtype=dtype, device=data.device)
    if data.requires_grad:
        tensor.requires_grad_(True)
    return tensor


def _list(value: Any) -> list:
    if type(value) is not list:
        raise WireError("expected a list")
    return value


def _str(value: Any) -> str:
    if type(value) is not str:
        raise WireError("expected a string")
    return clean_text(value)
