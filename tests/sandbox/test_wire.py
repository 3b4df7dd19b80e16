"""The wire format: values round-trip exactly, and nothing executable or malformed gets in."""

from __future__ import annotations

import io
import json
import pickle
import socket
import threading
import time

import numpy as np
import pytest
import torch

from grader.sandbox import wire
from grader.sandbox.values import SympyText, TensorData, Unsupported


def round_trip(value):
    obj, blobs = wire.encode(value)
    return wire.decode(obj, blobs)


@pytest.mark.parametrize(
    "value", [None, True, 0, -7, 10**40, 1.5, "texte ü", [1, [2]], (1, (2, 3)), {"a": 1, 2: (3,)}]
)
def test_plain_values_round_trip_with_their_exact_type(value):
    back = round_trip(value)
    assert back == value and type(back) is type(value)


def test_non_finite_floats_round_trip():
    back = round_trip([float("nan"), float("inf"), -float("inf")])
    assert np.isnan(back[0]) and back[1:] == [float("inf"), -float("inf")]


def test_arrays_keep_dtype_and_shape():
    array = np.arange(12, dtype=np.int16).reshape(3, 4)
    back = round_trip(array)
    assert type(back) is np.ndarray and back.dtype == np.int16 and (back == array).all()


def test_numpy_scalars_keep_their_type():
    back = round_trip([np.float32(1.5), np.int64(3), np.bool_(True)])
    assert [type(v) for v in back] == [np.float32, np.int64, np.bool_]


def test_tensors_arrive_as_data_with_dtype_device_and_grad_flag():
    tensor = torch.ones(2, 3, dtype=torch.float64, requires_grad=True)
    back = round_trip(tensor)
    assert isinstance(back, TensorData)
    assert (back.dtype, back.device, back.requires_grad, back.shape) == (
        "torch.float64",
        "cpu",
        True,
        (2, 3),
    )


def test_bfloat16_and_meta_tensors_are_described_not_lost():
    assert round_trip(torch.ones(2, dtype=torch.bfloat16)).dtype == "torch.bfloat16"
    meta = round_trip(torch.empty(3, device="meta"))
    assert meta.device == "meta" and meta.array is None


class LyingFloat(float):
    def __eq__(self, other):
        return True

    __hash__ = float.__hash__


class TensorSubclass(torch.Tensor):
    pass


@pytest.mark.parametrize(
    ("value", "base"),
    [
        (LyingFloat(1.0), "float"),
        (torch.ones(2).as_subclass(TensorSubclass), "torch.Tensor"),
        (np.array([1, "a"], dtype=object), "ndarray"),
        (object(), ""),
    ],
)
def test_subclasses_and_objects_arrive_as_unsupported(value, base):
    back = round_trip(value)
    assert isinstance(back, Unsupported) and back.base == base


def test_sympy_expressions_arrive_as_text():
    import sympy

    x = sympy.Symbol("x")
    back = round_trip(x**2 + 1)
    assert back == SympyText("x**2 + 1", ("x",))


def test_object_array_blob_is_refused_by_the_decoder():
    buf = io.BytesIO()
    np.save(buf, np.array([1, None], dtype=object), allow_pickle=True)
    with pytest.raises(wire.WireError):
        wire.decode({"$ndarray": 0}, [buf.getvalue()])


def test_pickle_bytes_are_never_unpickled():
    payload = pickle.dumps({"score": 100})
    with pytest.raises(wire.WireError):
        wire.decode({"$ndarray": 0}, [payload])


@pytest.mark.parametrize(
    "obj",
    [
        {"$eval": "1"},
        {},
        {"$tuple": "abc"},
        {"$float": "1e9"},
        {"$ndarray": 5},
        {"$npscalar": "O", "value": 1},
    ],
)
def test_malformed_tags_are_wire_errors(obj):
    with pytest.raises(wire.WireError):
        wire.decode(obj, [])


def test_messages_are_framed_over_a_socket():
    a, b = socket.socketpair()
    with a, b:
        obj, blobs = wire.encode((np.arange(3), "x"))
        wire.send_message(a, {"value": obj}, blobs)
        header, got_blobs = wire.recv_message(b)
        assert wire.decode(header["value"], got_blobs)[1] == "x"


def test_oversized_header_is_refused_before_reading_it():
    a, b = socket.socketpair()
    with a, b:
        a.sendall(wire._LEN.pack(wire.MAX_HEADER_BYTES + 1))
        with pytest.raises(wire.WireError):
            wire.recv_message(b)


def test_tensor_descriptions_become_real_tensors_in_the_sandbox():
    obj, blobs = wire.encode(TensorData.of(np.ones(3, dtype=np.float32)))
    tensor = wire.decode(obj, blobs, as_torch=True)
    assert isinstance(tensor, torch.Tensor) and tensor.dtype == torch.float32


def test_zero_dimensional_arrays_and_tensors_keep_their_shape():
    assert round_trip(np.array(2.5)).shape == ()
    assert round_trip(torch.tensor(2.5)).shape == ()


# ----------------------------------------------------------------------------- bounds


def npy_blob(header: dict, data: bytes = b"", version: tuple[int, int] = (1, 0)) -> bytes:
    """A .npy file with a hand-written header (what a student could forge)."""
    text = repr(header).encode("latin1")
    size = 2 if version == (1, 0) else 4
    pad = (64 - (8 + size + len(text) + 1) % 64) % 64
    text += b" " * pad + b"\n"
    return b"\x93NUMPY" + bytes(version) + len(text).to_bytes(size, "little") + text + data


@pytest.mark.parametrize(
    ("header", "data", "reason"),
    [
        ({"descr": "<f8", "fortran_order": False, "shape": (10**6, 10**6)}, b"", "claims shape"),
        ({"descr": "<f8", "fortran_order": False, "shape": (2**62, 4)}, b"", "claims shape"),
        ({"descr": "<f8", "fortran_order": False, "shape": (3,)}, b"\0" * 8, "claims shape"),
        ({"descr": "<f8", "fortran_order": False, "shape": (-1,)}, b"", "bad shape"),
        ({"descr": [("a", "<f8")], "fortran_order": False, "shape": (1,)}, b"\0" * 8, "dtype"),
        ({"descr": "<M8[ns]", "fortran_order": False, "shape": (1,)}, b"\0" * 8, "dtype"),
        ({"descr": "|V8", "fortran_order": False, "shape": (1,)}, b"\0" * 8, "dtype"),
        ({"descr": "<U2", "fortran_order": False, "shape": (1,)}, b"\0" * 8, "dtype"),
        ({"descr": "|O", "fortran_order": False, "shape": (1,)}, b"\0" * 8, "dtype"),
    ],
)
def test_crafted_npy_headers_are_refused_before_anything_is_allocated(header, data, reason):
    with pytest.raises(wire.WireError, match=reason):
        wire.decode({"$ndarray": 0}, [npy_blob(header, data)])


def test_npy_of_another_format_version_or_with_a_broken_header_is_refused():
    good = {"descr": "<f8", "fortran_order": False, "shape": (1,)}
    with pytest.raises(wire.WireError, match="version"):
        wire.decode({"$ndarray": 0}, [npy_blob(good, b"\0" * 8, version=(3, 0))])
    broken = npy_blob(good, b"\0" * 8).replace(b"'shape'", b"'shap\xff'")
    with pytest.raises(wire.WireError, match="header"):
        wire.decode({"$ndarray": 0}, [broken])


def test_a_fortran_order_npy_is_read_as_numpy_would():
    array = np.asfortranarray(np.arange(6, dtype=np.int32).reshape(2, 3))
    buf = io.BytesIO()
    np.save(buf, array)
    back = wire.decode({"$ndarray": 0}, [bytearray(buf.getvalue())])
    assert (back == array).all() and back.flags.writeable


@pytest.mark.parametrize(
    "obj",
    [
        {"$npscalar": "V8", "value": 1},
        {"$npscalar": "(3,)f8", "value": 1.0},
        {"$npscalar": "<M8[ns]", "value": 1},
        {"$npscalar": "not a dtype", "value": 1},
        {"$npscalar": "<f8", "value": [1.0, 2.0]},
        {"$npscalar": "<i8", "value": "nan"},
        {"$npscalar": "<i8", "value": 1.5},
        {"$npscalar": "|b1", "value": "nan"},
        {"$npscalar": "|u1", "value": -1},
        {"$npscalar": "<i8", "value": 10**30},
        {"$npscalar": "<f8", "value": 10**400},
        {"$npscalar": "<c16", "value": [1.0, 2.0, 3.0]},
        {"$npscalar": "<c16", "value": "ab"},
        {"$npscalar": 7, "value": 1},
    ],
)
def test_odd_numpy_scalars_are_wire_errors(obj):
    with pytest.raises(wire.WireError):
        wire.decode(obj, [])


def test_numpy_scalars_of_every_accepted_kind_round_trip():
    values = [np.float16(1.5), np.longdouble(2.5), np.uint64(2**64 - 1), np.complex64(1 - 2j)]
    values.append(np.complex128(complex(float("inf"), float("nan"))))
    back = round_trip(values)
    assert [type(v) for v in back] == [type(v) for v in values]
    assert back[:4] == values[:4] and np.isinf(back[4].real) and np.isnan(back[4].imag)


def tensor_obj(dtype: str, array: np.ndarray, extra: dict) -> tuple[dict, list[bytes]]:
    buf = io.BytesIO()
    np.save(buf, array)
    obj = {"$tensor": 0, "dtype": dtype, "device": "cpu", "requires_grad": False, "kind": "Tensor"}
    return {**obj, **extra}, [buf.getvalue()]


@pytest.mark.parametrize(
    ("dtype", "array", "extra", "reason"),
    [
        ("torch.float32", np.zeros(3, np.int8), {}, "reports dtype torch.float32 but"),
        ("torch.int64", np.zeros(3, np.float64), {}, "reports dtype torch.int64 but"),
        ("torch.evil", np.zeros(3, np.float32), {}, "unknown dtype"),
        ("torch.float32", np.zeros(3, np.float32), {"device": "cpu; rm -rf"}, "device"),
        ("torch.float32", np.zeros(3, np.float32), {"kind": "Liar"}, "kind"),
        ("torch.float32", np.zeros(3, np.float32), {"dtype": 5}, "string"),
    ],
)
def test_a_tensor_whose_description_lies_is_a_wire_error(dtype, array, extra, reason):
    obj, blobs = tensor_obj(dtype, array, extra)
    with pytest.raises(wire.WireError, match=reason):
        wire.decode(obj, blobs)


def test_every_tensor_dtype_torch_sends_is_accepted_by_the_judge():
    for name in wire.TENSOR_DTYPES:
        dtype = getattr(torch, name.removeprefix("torch."))
        back = round_trip(torch.zeros(2, dtype=dtype))
        assert back.dtype == name and back.shape == (2,)


def test_lone_surrogates_arrive_escaped():
    back = wire.decode({"$dict": [["k\udcff", ["a\ud800b", {"$tuple": ["\udfff"]}]]]}, [])
    assert back == {"k\\udcff": ["a\\ud800b", ("\\udfff",)]}
    assert wire.decode("plain ü", []) == "plain ü"


def test_integers_too_long_to_print_are_sent_as_unsupported():
    back = round_trip([10**5000, 10**1000])
    assert isinstance(back[0], Unsupported) and back[1] == 10**1000


def frame(header: dict | bytes, blob_sizes: tuple[int, ...] = (), count: int | None = None):
    data = header if isinstance(header, bytes) else json.dumps(header).encode()
    out = wire._LEN.pack(len(data)) + data
    out += wire._LEN.pack(len(blob_sizes) if count is None else count)
    for size in blob_sizes:
        out += wire._LEN.pack(size)
    return out


def refused(raw: bytes, **kwargs) -> str:
    """The WireError recv_message raises on ``raw`` (the peer then keeps the socket open)."""
    a, b = socket.socketpair()
    with a, b:
        threading.Thread(target=_send_quietly, args=(a, raw), daemon=True).start()
        with pytest.raises(wire.WireError) as raised:
            wire.recv_message(b, deadline=time.monotonic() + 5, **kwargs)
        return str(raised.value)


def _send_quietly(sock: socket.socket, raw: bytes) -> None:
    try:
        sock.sendall(raw)
    except OSError:  # the receiver refused the message and closed
        pass


def test_a_frame_with_another_id_is_refused_before_its_blobs_are_read():
    raw = frame({"id": "forged", "ok": True}, (wire.MAX_BLOB_BYTES,) * 4, count=4)
    assert "answers no pending request" in refused(raw, expect_id="abc")
    assert "answers no pending request" in refused(frame({"ok": True}), expect_id="abc")


def test_blob_count_sizes_and_total_are_capped_before_reading():
    assert "number of blobs" in refused(frame({"id": "a"}, count=wire.MAX_BLOBS + 1))
    assert "a blob of" in refused(frame({"id": "a"}, (wire.MAX_BLOB_BYTES + 1,)))
    sizes = (wire.MAX_BLOB_BYTES,) * (wire.MAX_MESSAGE_BYTES // wire.MAX_BLOB_BYTES + 1)
    a, b = socket.socketpair()
    with a, b:
        a.sendall(frame({"id": "a"}, (), count=len(sizes)) + wire._LEN.pack(sizes[0]))
        sender = threading.Thread(target=_send_blobs, args=(a, sizes), daemon=True)
        sender.start()
        with pytest.raises(wire.WireError, match="bytes of data"):
            wire.recv_message(b, deadline=time.monotonic() + 30)


def _send_blobs(sock: socket.socket, sizes: tuple[int, ...]) -> None:
    chunk = b"\0" * (1 << 20)
    try:
        for index, size in enumerate(sizes):
            if index:
                sock.sendall(wire._LEN.pack(size))
            for _ in range(size // len(chunk)):
                sock.sendall(chunk)
    except OSError:
        pass


def test_a_header_of_too_many_values_is_refused_before_parsing():
    many = b"[" + b"0," * wire.MAX_HEADER_VALUES + b"0]"
    assert "values" in refused(frame(many))


def test_a_message_dripped_byte_by_byte_times_out_at_the_deadline():
    a, b = socket.socketpair()
    stop = threading.Event()

    def drip() -> None:
        a.sendall(wire._LEN.pack(1 << 20))
        while not stop.wait(0.05):
            a.send(b" ")

    with a, b:
        threading.Thread(target=drip, daemon=True).start()
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            wire.recv_message(b, deadline=started + 1.0)
        stop.set()
        assert time.monotonic() - started < 1.5


def test_a_sender_whose_peer_stops_reading_times_out_at_the_deadline():
    a, b = socket.socketpair()
    with a, b:
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            wire.send_message(a, {"id": "x"}, [b"\0" * (64 << 20)], deadline=started + 1.0)
        assert time.monotonic() - started < 1.5
