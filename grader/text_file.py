"""Reading one small text file someone hands the grader: bounded, UTF-8, one clear error.

Answers files come from students, rosters and submission-time CSVs from an LMS export;
each is read the same way: never more than its limit plus one byte is held, a leading
byte-order mark is dropped, and anything that stops the read is an
:class:`UnreadableText` whose message starts with the label the caller chose (the path
as the reader knows it) and says what to do.
"""

from __future__ import annotations

from pathlib import Path


class UnreadableText(Exception):
    """The file cannot be used as text; ``str()`` is the whole message."""


def read_utf8(path: Path, max_bytes: int, label: str) -> str:
    """The text of ``path``, decoded as UTF-8 without a leading BOM.

    Raises :class:`UnreadableText` when it cannot be opened or read, holds more than
    ``max_bytes`` bytes, or is not valid UTF-8 (naming the line and byte of the first
    bad byte).
    """
    try:
        with path.open("rb") as stream:
            data = stream.read(max_bytes + 1)
    except OSError as error:
        raise UnreadableText(f"{label}: cannot be read ({error.strerror or error})") from None
    if len(data) > max_bytes:
        raise UnreadableText(f"{label}: the file is larger than {max_bytes} bytes")
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise UnreadableText(
            f"{label} (line {line}): not valid UTF-8 (byte 0x{data[error.start]:02x}): "
            "save the file with UTF-8 encoding"
        ) from None
