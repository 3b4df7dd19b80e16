"""Student-controlled text made safe for an output format: JSON, terminals, files.

Anything a student controls (a message quoting their output, a notebook line, a file
name) may hold lone surrogates (text that cannot be UTF-8), control characters and
terminal escape sequences. Reports write it through these functions:

- :func:`json_text`: JSON that is valid UTF-8 whatever it holds: readable non-ASCII text
  stays as it is, a lone surrogate becomes its ``\\udcff`` escape (lossless: a JSON parser
  reads the same string back);
- :func:`utf8_text`: text for a UTF-8 file (CSV, Markdown, HTML): lone surrogates as
  ``\\udcff``;
- :func:`terminal_text`: text for a terminal: also every control character but line breaks
  and tabs (escape sequences included) as ``\\x1b``-style escapes.
"""

from __future__ import annotations

import json
import re

_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def json_text(value: object, indent: int | None = 2) -> str:
    """``json.dumps(value)`` keeping non-ASCII text readable, valid UTF-8 in every case."""
    text = json.dumps(value, indent=indent, ensure_ascii=False)
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def utf8_text(text: str) -> str:
    """``text`` with each lone surrogate written as ``\\udcNN`` (so it encodes as UTF-8)."""
    return _SURROGATE.sub(_escaped, text)


def terminal_text(text: str) -> str:
    """``text`` safe to print on a terminal: control characters (but ``\\n``, ``\\t``) and
    lone surrogates written as escapes, so no student output can move the cursor, set the
    window title or hide a line."""
    return _CONTROL.sub(_escaped, text)
