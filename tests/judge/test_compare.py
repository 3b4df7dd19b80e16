"""Comparison helpers judge kind, shape, dtype and device before values, with clear text."""

from __future__ import annotations

import numpy as np
import pytest

from grader.judge.compare import expect_close, expect_equal, expect_number
from grader.outcomes import CheckFailed
from grader.sandbox.values import TensorData, Unsupported


def message_of(func, *args, **kwargs) -> str:
    with pytest.raises(CheckFailed) as info:
        func(*args, **kwargs)
    return str(info.value)


def test_int_expected_refuses_float_with_both_kinds_named():
    text = message_of(expect_equal, 26371.0, 26371, where="param_count(784, 120, 4)")
    assert text == (
        "param_count(784, 120, 4): expected a Python int 26371, got a Python float 26371.0"
    )


def test_wrong_int_shows_expected_got_and_hint():
    text = message_of(
        expect_equal,
        26251,
        26371,
        where="param_count(784, 120, 4)",
        hint="did you count the biases?",
    )
    assert text == (
        "param_count(784, 120, 4): expected 26371, got 26251 (did you count the biases?)"
    )


def test_bool_is_not_an_int():
    assert "Python bool" in message_of(expect_equal, True, 1, where="f()")


def test_unsupported_values_are_named():
    text = message_of(expect_equal, Unsupported("Liar", "int"), 3, where="f()")
    assert "subclass of int" in text


def test_close_states_tolerance_and_worst_index():
    got = np.array([1.0, 2.0, 3.5])
    text = message_of(expect_close, got, np.array([1.0, 2.0, 3.0]), where="f(x)", rtol=1e-6)
    assert "at index (2,)" in text and "rtol=1e-06" in text and "1 of 3 values off" in text


def test_close_accepts_values_within_tolerance():
    expect_close(np.array([1.0 + 1e-9]), np.array([1.0]), where="f", rtol=1e-6)
    expect_close(np.float32(0.5), 0.5, where="f", rtol=1e-6)


def test_close_reports_shape_before_values():
    text = message_of(expect_close, np.zeros(3), np.zeros((3, 1)), where="f")
    assert "shape (3, 1)" in text and "shape (3,)" in text


def test_close_reports_kind_numpy_versus_tensor():
    expected = TensorData(np.zeros(3, np.float32), "torch.float32", "cpu")
    text = message_of(expect_close, np.zeros(3, np.float32), expected, where="f")
    assert "a torch tensor" in text and "a numpy array" in text


def test_close_reports_device_and_dtype_of_tensors():
    expected = TensorData(np.zeros(3, np.float32), "torch.float32", "cuda:0")
    got = TensorData(np.zeros(3, np.float32), "torch.float32", "cpu")
    assert "device cuda:0" in message_of(expect_close, got, expected, where="f")
    got64 = TensorData(np.zeros(3, np.float64), "torch.float64", "cuda:0")
    assert "dtype torch.float32" in message_of(expect_close, got64, expected, where="f")


def test_nan_where_a_finite_value_is_expected_is_named():
    text = message_of(expect_close, np.array([np.nan, 1.0]), np.array([0.5, 1.0]), where="f")
    assert "finite values" in text and "nan" in text


def test_nan_scalar_is_not_close_to_anything():
    assert "nan" in message_of(expect_close, float("nan"), 1.0, where="f")


def test_number_refuses_strings_and_bools():
    assert "expected a number" in message_of(expect_number, "3", where="f")
    assert "expected an integer" in message_of(expect_number, True, where="f", integer=True)
