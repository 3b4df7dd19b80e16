"""Exact and tolerance comparison of plain data, with messages that teach.

Every helper raises :class:`~grader.outcomes.CheckFailed` with a message of the
form ``where: expected X, got Y (hint)``. Kind (Python number, numpy array,
torch tensor), shape, dtype and device are judged before values, so a student
reads the first thing that is wrong, not a wall of numbers.
"""

from __future__ import annotations

import math
from typing import Any, NoReturn

import numpy as np

from grader.outcomes import Mismatch
from grader.sandbox.values import SympyText, TensorData, Unsupported

_NUMBER_KINDS = (int, float)


def fail(where: str, expected: str, got: str, hint: str = "") -> NoReturn:
    """Raise :class:`~grader.outcomes.Mismatch`: ``where: expected X, got Y (hint)``."""
    raise Mismatch(where, expected, got, hint)


def kind_of(value: Any) -> str:
    """A student-readable name of what a value is."""
    if isinstance(value, Unsupported):
        return value.describe()
    if isinstance(value, TensorData):
        return f"a torch {value.kind.lower()}"
    if isinstance(value, np.ndarray):
        return "a numpy array"
    if isinstance(value, np.generic):
        return f"a numpy {type(value).__name__}"
    if isinstance(value, SympyText):
        return "a sympy expression"
    if value is None:
        return "None"
    return f"a Python {type(value).__name__}"


def describe(value: Any, limit: int = 80) -> str:
    """A short rendering of a value for messages (arrays summarised)."""
    if isinstance(value, TensorData):
        return value.describe()
    if isinstance(value, np.ndarray):
        text = f"array {value.dtype}{list(value.shape)}"
        if value.size <= 8:
            text += f" {np.array2string(value, precision=6, separator=', ')}"
        return text
    if isinstance(value, Unsupported):
        return value.describe()
    if isinstance(value, SympyText):
        return value.text if len(value.text) <= limit else value.text[:limit] + "..."
    text = repr(value.item() if isinstance(value, np.generic) else value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _shown(value: Any) -> str:
    """What a value is and what it holds, once: ``a Python float 0.5``, ``None``,
    ``a numpy array float64[3] [1, 2, 3]``, ``a torch tensor float32[2] on cpu``."""
    if value is None:
        return "None"
    if isinstance(value, Unsupported):
        return value.describe()
    if isinstance(value, TensorData | np.ndarray):
        return f"a {'torch' if isinstance(value, TensorData) else 'numpy'} {describe(value)}"
    return f"{kind_of(value)} {describe(value)}"


def device_name(device: str) -> str:
    """How torch names a device a tensor was sent to ("cuda" arrives as "cuda:0")."""
    return "cuda:0" if device == "cuda" else device


def dtype_name(value: Any) -> str:
    """The dtype of a value sent to or returned by the sandbox, as numpy names it
    (``"float32"``); a Python scalar counts as ``"float64"``."""
    if isinstance(value, TensorData):
        return value.dtype.removeprefix("torch.")
    if isinstance(value, np.ndarray):
        return str(value.dtype)
    return "float64"


def like(sent: Any, values: np.ndarray) -> Any:
    """``values`` as the kind the student was given: an expected value for answers that
    must come back like their input (same dtype, a tensor on the same device, a Python
    float for a Python scalar)."""
    if isinstance(sent, TensorData):
        return TensorData(values.astype(dtype_name(sent)), sent.dtype, device_name(sent.device))
    if isinstance(sent, np.ndarray):
        return values.astype(sent.dtype)
    return float(values)


def expect_equal(actual: Any, expected: Any, *, where: str, hint: str = "") -> None:
    """Exact equality, type included (``True`` is not ``1``; ``26371.0`` is not ``26371``)."""
    if type(expected) in (int, float, bool, str) or expected is None:
        if type(actual) is not type(expected):
            fail(where, f"{kind_of(expected)} {expected!r}", _shown(actual), hint)
        if actual != expected:
            fail(where, repr(expected), describe(actual), hint)
        return
    if isinstance(expected, np.ndarray | TensorData):
        _expect_array_like(actual, expected, where, hint)
        if not np.array_equal(_values(actual), _values(expected)):
            index = _first_difference(_values(actual), _values(expected))
            fail(
                where,
                f"{_at(_values(expected), index)}{_at_index(index)}",
                f"{_at(_values(actual), index)}",
                hint,
            )
        return
    if actual != expected:
        fail(where, describe(expected), describe(actual), hint)


def expect_number(actual: Any, *, where: str, integer: bool = False) -> float:
    """Check that ``actual`` is a real Python or numpy number (not bool); return it as float."""
    allowed = (int, np.integer) if integer else (int, float, np.integer, np.floating)
    if isinstance(actual, bool | np.bool_) or not isinstance(actual, allowed):
        wanted = "an integer" if integer else "a number"
        fail(where, wanted, _shown(actual))
    return float(actual)


# ------------------------------------------------------------------ values, whatever holds them
# A check that judges a value converts what came back, whatever holds it; that the
# contract fixes the container (a Python float, a list) is one format check's business,
# so a container slip costs that check's points only. Anything that holds no real
# numbers (a string, None, a bool, a ragged or nested list) converts to None.


def as_number(value: Any) -> float | None:
    """``value`` as a float when it is one real number: a Python or numpy int or float, or
    a one-element numpy array or torch tensor of an integer or float dtype (not a list)."""
    if isinstance(value, TensorData):
        value = value.array
    if isinstance(value, np.ndarray):
        return float(value.reshape(())) if value.size == 1 and value.dtype.kind in "iuf" else None
    if isinstance(value, bool | np.bool_) or not isinstance(
        value, int | float | np.integer | np.floating
    ):
        return None
    try:
        return float(value)
    except OverflowError:  # an int beyond float's range (the wire allows 13,000 bits)
        return None


def as_numbers(value: Any) -> np.ndarray | None:
    """``value`` as a 1-D float64 array when it is a sequence of real numbers: a list or
    tuple of what :func:`as_number` accepts, or a 1-D real numpy array or torch tensor."""
    if isinstance(value, TensorData):
        value = value.array
    if isinstance(value, np.ndarray):
        return value.astype(np.float64) if value.ndim == 1 and value.dtype.kind in "iuf" else None
    if not isinstance(value, list | tuple):
        return None
    numbers = [as_number(v) for v in value]
    return None if None in numbers else np.array(numbers, dtype=np.float64)


def as_array(value: Any) -> np.ndarray | None:
    """``value`` as a float64 array of any shape when it holds real numbers: a numpy array
    or torch tensor of an integer or float dtype, a (nested) list or tuple of Python or
    numpy numbers of one shape, or one such number (shape ``()``)."""
    if isinstance(value, TensorData):
        value = value.array
    if isinstance(value, np.ndarray):
        return value.astype(np.float64) if value.dtype.kind in "iuf" else None
    if not isinstance(value, list | tuple | int | float | np.integer | np.floating):
        return None
    try:
        array = np.asarray(value)  # strings, bools, None, ragged lists: a non-real dtype
    except (TypeError, ValueError):
        return None
    return array.astype(np.float64) if array.dtype.kind in "iuf" else None


def expect_python_float(got: Any, where: str) -> None:
    """``got`` is a Python float (the format a contract fixes; its value is judged elsewhere)."""
    if isinstance(got, float):
        return
    hint = "convert it with float(...)"
    if isinstance(got, TensorData):
        hint = "call .item() on the tensor, or float(...)"
    fail(where, "a Python float", _shown(got), hint)


def expect_list_of_floats(got: Any, where: str, count: int | None = None) -> None:
    """``got`` is a list of Python floats, ``count`` of them when given (the format a
    contract fixes; the values are judged elsewhere)."""
    expected = (
        f"a list of {count} Python floats" if count is not None else "a list of Python floats"
    )
    if not isinstance(got, list):
        hint = "call .tolist() on it" if isinstance(got, np.ndarray | TensorData) else ""
        hint = "list(...)" if isinstance(got, tuple) else hint
        fail(where, expected, _shown(got), hint)
    if count is not None and len(got) != count:
        fail(where, expected, f"a list of {len(got)}")
    for i, value in enumerate(got):
        if not isinstance(value, float):
            hint = "call .item() on a 0-d tensor" if isinstance(value, TensorData) else "float(...)"
            fail(f"{where}[{i}]", "a Python float", _shown(value), hint)


def expect_close(
    actual: Any, expected: Any, *, where: str, rtol: float = 1e-6, atol: float = 0.0, hint: str = ""
) -> None:
    """Closeness within ``|a - e| <= atol + rtol*|e|``; kind, shape, dtype, device first.

    A scalar expected value accepts any real number (Python or numpy scalar); an
    array or tensor expected value needs the same kind, shape, dtype and device.
    Non-finite values must sit exactly where the expected ones do.
    """
    if isinstance(expected, np.ndarray | TensorData):
        _expect_array_like(actual, expected, where, hint)
        got, want = _values(actual), _values(expected)
    else:
        got = np.asarray(expect_number(actual, where=where), dtype=np.float64)
        want = np.asarray(float(expected), dtype=np.float64)
    _expect_values_close(got, want, where, rtol, atol, hint)


def _expect_values_close(
    got: np.ndarray, want: np.ndarray, where: str, rtol: float, atol: float, hint: str
) -> None:
    got64, want64 = _as_float64(got), _as_float64(want)
    bad_finite = ~np.isfinite(got64) & np.isfinite(want64)
    if bad_finite.any():
        index = _index(np.argwhere(bad_finite)[0], got64)
        fail(
            where,
            f"finite values ({_at(want64, index)}{_at_index(index)})",
            f"{_at(got64, index)}",
            hint or "look for overflow or division by zero",
        )
    with np.errstate(invalid="ignore", over="ignore"):
        err = np.abs(got64 - want64)
        ok = (err <= atol + rtol * np.abs(want64)) | (got64 == want64)
        ok |= np.isnan(got64) & np.isnan(want64)
    if ok.all():
        return
    worst = np.where(ok, -np.inf, np.nan_to_num(err, nan=np.inf, posinf=np.inf))
    index = _index(np.unravel_index(int(np.argmax(worst)), got64.shape), got64)
    bad = int((~ok).sum())
    fail(
        where,
        f"{_fmt(_at(want64, index))}{_at_index(index)}",
        f"{_fmt(_at(got64, index))} ({bad} of {ok.size} values off; "
        f"tolerance rtol={rtol:g}, atol={atol:g})",
        hint,
    )


def _expect_array_like(
    actual: Any, expected: np.ndarray | TensorData, where: str, hint: str
) -> None:
    if isinstance(expected, TensorData):
        if not isinstance(actual, TensorData) or (
            actual.array is None and expected.array is not None
        ):
            fail(
                where,
                kind_of(expected),
                _shown(actual),
                hint or "return the same kind of value you were given",
            )
        for label, want, got in (
            ("shape", expected.shape, actual.shape),
            ("dtype", expected.dtype, actual.dtype),
            ("device", expected.device, actual.device),
        ):
            if want != got:
                fail(where, f"{label} {want}", f"{label} {got}", hint)
        return
    if type(actual) is not np.ndarray:
        fail(
            where,
            "a numpy array",
            _shown(actual),
            hint or "return the same kind of value you were given",
        )
    if actual.shape != expected.shape:
        fail(where, f"shape {expected.shape}", f"shape {actual.shape}", hint)
    if actual.dtype != expected.dtype:
        fail(where, f"dtype {expected.dtype}", f"dtype {actual.dtype}", hint)


def _values(value: Any) -> np.ndarray:
    if isinstance(value, TensorData):
        return value.array if value.array is not None else np.empty(0)
    return np.asarray(value)


def _as_float64(array: np.ndarray) -> np.ndarray:
    if array.dtype.kind == "c":
        return np.abs(array).astype(np.float64)
    return array.astype(np.float64)


def _first_difference(got: np.ndarray, want: np.ndarray) -> tuple[int, ...]:
    with np.errstate(invalid="ignore"):
        diff = got != want
        diff &= (
            ~(np.isnan(_as_float64(got)) & np.isnan(_as_float64(want)))
            if got.dtype.kind in "fc" and want.dtype.kind in "fc"
            else diff
        )
    positions = np.argwhere(diff)
    return _index(positions[0], got) if len(positions) else ()


def _at_index(index: tuple[int, ...]) -> str:
    """`` at index (2, 1)``, or nothing for a scalar (index ``()``)."""
    return f" at index {index}" if index else ""


def _index(position: Any, array: np.ndarray) -> tuple[int, ...]:
    return tuple(int(i) for i in position) if array.ndim else ()


def _at(array: np.ndarray, index: tuple[int, ...]) -> Any:
    return array[index].item() if array.ndim else array.item()


def _fmt(value: Any) -> str:
    if isinstance(value, float) and math.isfinite(value):
        return f"{value:.8g}"
    return repr(value)
