"""The wire format: values round-trip exactly, and nothing executable or malformed gets in."""

from __future__ import annotations

import io
import pickle
import socket

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
