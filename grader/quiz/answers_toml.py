"""Parse the TOML of an answers file within limits, so that no content can raise.

Python's :mod:`tomllib` recurses once per nested array or inline table (a few thousand
levels raise ``RecursionError``) and converts integers with ``int`` (over 4,300 digits it
raises ``ValueError``; a few hundred digits already cannot become a float). Both the loader
(:mod:`grader.batch.validate`) and the quiz (:mod:`grader.quiz.answers`) parse through
:func:`load_toml`, which refuses those texts with one clear sentence. Limits:
:data:`~grader.input_limits.MAX_TOML_DEPTH`, :data:`~grader.input_limits.MAX_TOML_INT_DIGITS`.
"""

from __future__ import annotations

import tomllib

from grader.input_limits import MAX_TOML_DEPTH, MAX_TOML_INT_DIGITS

__all__ = ["TomlRefused", "load_toml"]


class TomlRefused(ValueError):
    """A TOML text that cannot be used; the message says why (it names no file)."""


def load_toml(text: str) -> dict:
    """Parse an answers file's text within the limits of :mod:`grader.input_limits`.

    Never raises anything but :class:`TomlRefused`: invalid TOML, arrays or tables
    nested deeper than ``MAX_TOML_DEPTH`` (Python's parser recurses: a few thousand
    levels would raise ``RecursionError``), or an integer of more than
    ``MAX_TOML_INT_DIGITS`` digits (over 4,300 digits Python's ``int`` raises
    ``ValueError`` inside the parser; a huge one also cannot become a float).
    """
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise TomlRefused(f"not valid TOML: {error}") from None
    except (RecursionError, MemoryError):
        raise TomlRefused(_too_deep()) from None
    except ValueError:  # int(): "Exceeds the limit (4300 digits)"
        raise TomlRefused(_too_long()) from None
    _check_limits(table)
    return table


def _check_limits(table: dict) -> None:
    """Walk the parsed values without recursion; raise TomlRefused past a limit."""
    pending: list[tuple[object, int]] = [(table, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict | list):
            if depth > MAX_TOML_DEPTH:
                raise TomlRefused(_too_deep())
            items = value.values() if isinstance(value, dict) else value
            pending.extend((item, depth + 1) for item in items)
        elif isinstance(value, int) and abs(value) >= 10**MAX_TOML_INT_DIGITS:
            raise TomlRefused(_too_long())


def _too_deep() -> str:
    return f"not usable TOML: arrays or tables nested more than {MAX_TOML_DEPTH} levels deep"


def _too_long() -> str:
    return f"not usable TOML: an integer with more than {MAX_TOML_INT_DIGITS} digits"
