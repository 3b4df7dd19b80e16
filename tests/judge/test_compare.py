"""Comparison helpers judge kind, shape, dtype and device before values, with clear text."""

from __future__ import annotations

import numpy as np
import pytest

from grader.judge.compare import (
    as_array,
    as_number,
    as_numbers,
    expect_close,
    expect_equal,
    expect_list_of_floats,
    expect_number,
    expect_python_float,
)
from grader.outcomes import CheckFailed, Mismatch
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


def mismatch_of(run) -> str:
    with pytest.raises(Mismatch) as info:
        run()
    return str(info.value)


def test_none_where_an_array_was_expected_reads_once_as_none():
    message = mismatch_of(lambda: expect_close(None, np.zeros(3), where="f(x)"))
    assert message.startswith("f(x): expected a numpy array, got None (")
    assert "None None" not in message


def test_a_scalar_mismatch_names_no_index():
    message = mismatch_of(lambda: expect_close(np.array(1.0), np.array(2.0), where="f(x)"))
    assert message.startswith("f(x): expected 2, got 1 (1 of 1 values off")
    assert "index" not in message
    assert "index" not in mismatch_of(lambda: expect_equal(np.array(1), np.array(2), where="g"))


def test_a_numpy_scalar_is_shown_by_its_value_not_its_repr():
    message = mismatch_of(lambda: expect_close(np.float64(1.5), np.zeros(2), where="f"))
    assert "got a numpy float64 1.5 (" in message


def test_a_clause_as_what_came_back_reads_after_but_not_got():
    message = str(Mismatch("dropout(x, p=1.5)", "ValueError", "it returned a Python float"))
    assert message == "dropout(x, p=1.5): expected ValueError, but it returned a Python float"


# ----------------------------------------------------------------------------- any container
# A value check reads the number(s) from whatever holds them; a format check judges the
# holder once (issue 14: a container slip costs only the format check's points).

T32 = TensorData.of(np.array(0.5, dtype=np.float32))


@pytest.mark.parametrize(
    "value",
    [0.5, np.float32(0.5), np.float64(0.5), np.array(0.5), np.array([0.5]), T32],
    ids=["float", "np32", "np64", "0-d array", "1-element array", "0-d tensor"],
)
def test_a_number_is_read_from_whatever_holds_it(value):
    assert as_number(value) == 0.5
    assert type(as_number(value)) is float


@pytest.mark.parametrize(
    "value",
    ["0.5", None, True, np.bool_(True), [0.5], np.array([1.0, 2.0]), np.array("a"), 10**400],
)
def test_what_holds_no_single_real_number_is_none(value):
    assert as_number(value) is None


def test_a_sequence_of_numbers_is_read_from_lists_tuples_arrays_and_tensors():
    for value in (
        [1, 2.0, np.float32(3)],
        (1.0, 2.0, 3.0),
        np.array([1, 2, 3]),
        TensorData.of(np.array([1, 2, 3], dtype=np.float32)),
        [TensorData.of(np.array(v, dtype=np.float32)) for v in (1, 2, 3)],
    ):
        assert as_numbers(value).tolist() == [1.0, 2.0, 3.0]


@pytest.mark.parametrize(
    "value",
    ["123", None, [1.0, "2"], [[1.0], [2.0]], [1.0, None], np.ones((2, 2)), 3.0, [10**400]],
)
def test_what_is_no_sequence_of_numbers_is_none(value):
    assert as_numbers(value) is None


def test_an_array_is_read_from_nested_lists_and_any_kind():
    assert as_array([[1, 2], [3, 4]]).shape == (2, 2)
    assert as_array(TensorData.of(np.ones((2, 3), dtype=np.float32))).dtype == np.float64
    assert as_array(2).shape == ()
    for garbage in ("w", None, [[1.0], [2.0, 3.0]], [True, False], ["1.5"], {"a": 1}):
        assert as_array(garbage) is None


def test_a_python_float_is_the_only_python_float():
    expect_python_float(0.5, where="f()")
    expect_python_float(np.float64(0.5), where="f()")  # a subclass of float
    assert message_of(expect_python_float, T32, where="f()") == (
        "f(): expected a Python float, got a torch tensor float32[] on cpu "
        "(call .item() on the tensor, or float(...))"
    )
    text = message_of(expect_python_float, np.float32(0.5), where="f()")
    assert (
        text == "f(): expected a Python float, got a numpy float32 0.5 (convert it with float(...))"
    )


def test_a_list_of_floats_names_the_first_element_that_is_not_one():
    expect_list_of_floats([0.5, 1.0], where="f()")
    text = message_of(expect_list_of_floats, [0.5, T32], where="f()")
    assert text.startswith("f()[1]: expected a Python float, got a torch tensor float32[]")
    text = message_of(expect_list_of_floats, (0.5,), where="f()")
    assert text == "f(): expected a list of Python floats, got a Python tuple (0.5,) (list(...))"
    assert "a list of 3 Python floats" in message_of(expect_list_of_floats, [0.5], "f()", 3)
