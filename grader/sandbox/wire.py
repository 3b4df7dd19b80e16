"""The wire format between judge and sandbox: framed JSON plus ``.npy`` blobs.

A message is a JSON header and zero or more binary blobs. Values are encoded to
JSON with tagged objects (``{"$tuple": [...]}``, ``{"$ndarray": 0}``, ...);
arrays travel as ``.npy`` bytes and are decoded with ``allow_pickle=False``.
Nothing on either side is ever unpickled, and type checks are exact: a subclass
of float, an object array or a tensor subclass is sent as ``Unsupported``.

Both sides import this module; torch is imported lazily, only where a tensor
is encoded or decoded, so the judge never needs it for plain values.
"""

from __future__ import annotations

import io
import json
import math
import socket
import struct
import sys
from typing import Any

import numpy as np

from grader.sandbox.values import SympyText, TensorData, Unsupported

MAX_HEADER_BYTES = 16 * 1024 * 1024
MAX_BLOB_BYTES = 256 * 1024 * 1024
MAX_BLOBS = 4096
MAX_DEPTH = 64
_LEN = struct.Struct(">Q")


class WireError(Exception):
    """A message that breaks the format (too large, not JSON, bad tag, truncated)."""


# ----------------------------------------------------------------------------- framing


def send_message(sock: socket.socket, header: dict, blobs: list[bytes] = ()) -> None:
    """Send one message: header length, header JSON, blob count, each blob."""
    data = json.dumps(header, allow_nan=False).encode()
    parts = [_LEN.pack(len(data)), data, _LEN.pack(len(blobs))]
    for blob in blobs:
        parts += [_LEN.pack(len(blob)), blob]
    sock.sendall(b"".join(parts))


def recv_message(sock: socket.socket) -> tuple[dict, list[bytes]]:
    """Receive one message; raise EOFError when the peer closed, WireError when malformed."""
    header_len = _read_len(sock, MAX_HEADER_BYTES)
    try:
        header = json.loads(_read_exact(sock, header_len))
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise WireError(f"message header is not valid JSON: {exc}") from None
    if not isinstance(header, dict):
        raise WireError("message header is not a JSON object")
    count = _read_len(sock, MAX_BLOBS)
    blobs = [_read_exact(sock, _read_len(sock, MAX_BLOB_BYTES)) for _ in range(count)]
    return header, blobs


def _read_len(sock: socket.socket, limit: int) -> int:
    (value,) = _LEN.unpack(_read_exact(sock, _LEN.size))
    if value > limit:
        raise WireError(f"message field of {value} bytes exceeds the limit of {limit}")
    return value


def _read_exact(sock: socket.socket, n: int) -> bytes:
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(min(n - len(buf), 1 << 20))
        if not chunk:
            raise EOFError("the other side closed the connection")
        buf += chunk
    return bytes(buf)


# ----------------------------------------------------------------------------- encoding


def encode(value: Any) -> tuple[Any, list[bytes]]:
    """Encode a value as (JSON-ready object, blobs). Never raises for odd values."""
    blobs: list[bytes] = []
    return _encode(value, blobs, 0), blobs


def _encode(value: Any, blobs: list[bytes], depth: int) -> Any:
    if depth > MAX_DEPTH:
        return {"$unsupported": "nesting", "base": "", "text": f"nested deeper than {MAX_DEPTH}"}
    kind = type(value)
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
    if array.dtype.hasobject or array.dtype.fields is not None:
        return _unsupported(array, f"ndarray of dtype {array.dtype}", "ndarray")
    buf = io.BytesIO()
    np.save(buf, np.ascontiguousarray(array).reshape(array.shape), allow_pickle=False)
    blobs.append(buf.getvalue())
    return {"$ndarray": len(blobs) - 1}


def _encode_np_scalar(value: np.generic) -> Any:
    if value.dtype.hasobject or value.dtype.kind not in "biufc":
        return _unsupported(value, type(value).__name__, "numpy scalar")
    item = value.item()
    if isinstance(item, complex):
        item = [item.real, item.imag]
    elif isinstance(item, float) and not math.isfinite(item):
        item = repr(item)
    return {"$npscalar": value.dtype.str, "value": item}


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
    torch tensors; otherwise they stay :class:`TensorData`. Raises WireError
    for anything malformed.
    """
    return _decode(obj, blobs, as_torch, 0)


def _decode(obj: Any, blobs: list[bytes], as_torch: bool, depth: int) -> Any:
    if depth > MAX_DEPTH + 2:
        raise WireError("value nested too deeply")
    if obj is None or type(obj) in (bool, int, float, str):
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
    raise WireError(f"unknown tag {tag!r}")


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
    if text not in ("nan", "inf", "-inf"):
        raise WireError(f"bad special float {text!r}")
    return float(text)


def _decode_ndarray(index: Any, blobs: list[bytes]) -> np.ndarray:
    if type(index) is not int or not 0 <= index < len(blobs):
        raise WireError("array refers to a missing blob")
    try:
        array = np.load(io.BytesIO(blobs[index]), allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise WireError(f"array blob is not a valid .npy: {exc}") from None
    if type(array) is not np.ndarray or array.dtype.hasobject:
        raise WireError("array blob holds an object array")
    return array


def _decode_np_scalar(obj: dict) -> np.generic:
    try:
        dtype = np.dtype(_str(obj["$npscalar"]))
        if dtype.kind not in "biufc":
            raise WireError(f"numpy scalar of dtype {dtype}")
        value = obj["value"]
        if dtype.kind == "c":
            value = complex(*_list(value))
        elif isinstance(value, str):
            value = _decode_special_float(value)
        return dtype.type(value)
    except (TypeError, KeyError, OverflowError) as exc:
        raise WireError(f"malformed numpy scalar: {exc}") from None


def _decode_tensor(obj: dict, blobs: list[bytes], as_torch: bool) -> Any:
    index = obj["$tensor"]
    array = None if index is None else _decode_ndarray(index, blobs)
    data = TensorData(
        array,
        _str(obj.get("dtype")),
        _str(obj.get("device")),
        bool(obj.get("requires_grad", False)),
        _str(obj.get("kind", "Tensor")),
    )
    return to_torch(data) if as_torch else data


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
    return value
