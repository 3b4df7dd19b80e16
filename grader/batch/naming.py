"""Names a student controls, made safe: student ids, their collision key, file names, display.

**The student id** (:func:`student_id_from_name`) is the display id stored in the gradebook:
the file or folder name, NFC-normalized, with every run of characters other than letters,
combining marks, digits and ``_ . @ -`` replaced by ``_``, leading ``. - @`` dropped, and,
when longer than :data:`~grader.input_limits.MAX_STUDENT_ID_CHARS`, cut and given a hash of
the whole name (``<first 89 characters>-<10 hex digits>``), so that two names agreeing in
their first 100 characters stay two students.

**The collision key** (:func:`collision_key`) decides whether two names are one student: the
whole sanitized name under NFKC normalization and case folding. ``ALICE`` and ``alice``,
``STRASSE`` and ``straße``, ``ﬁona`` and ``fiona`` share a key; the loader then reports each
of them as a problem instead of grading one of them for both.

**File names** (:func:`safe_file_name`) for exports and staging: a name that is already safe
stays as it is; any other (separators, control characters, a leading dot, too long for the
file system) is sanitized, cut to :data:`~grader.input_limits.MAX_FILE_NAME_BYTES` and given
a hash suffix, so that two ids never share a file.

**Display** (:func:`display`): any name (bytes that are not UTF-8 included, decoded with
``surrogateescape`` as Python does for file names) as printable text for a message: invalid
bytes as ``\\xNN``, control characters as escapes, and at most a given length.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterable

from grader.input_limits import MAX_FILE_NAME_BYTES, MAX_STUDENT_ID_CHARS

_ID_PUNCTUATION = frozenset("_.@-")
_HASH_DIGITS = 10


def display(name: str, limit: int = 120) -> str:
    """``name`` as printable, valid UTF-8 text of at most ``limit`` characters.

    Bytes that were not UTF-8 (lone surrogates from ``surrogateescape``) become ``\\xNN``,
    other lone surrogates ``\\udcNN``, control and format characters (line breaks, escape,
    bidirectional overrides) ``\\n``-style escapes; a longer result is cut with ``…``.
    """
    out = []
    for char in name:
        out.append(_escape(char) if _needs_escape(char) else char)
    text = "".join(out)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _needs_escape(char: str) -> bool:
    return unicodedata.category(char) in ("Cc", "Cf", "Cs", "Zl", "Zp", "Co", "Cn")


def _escape(char: str) -> str:
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8 (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    if code < 0x100:
        return {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(char, f"\\x{code:02x}")
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def student_id_from_name(name: str) -> str | None:
    """The display id for a file or folder name, or None if nothing usable is left."""
    text = _sanitized(name)
    if text is None:
        return None
    if len(text) <= MAX_STUDENT_ID_CHARS:
        return text
    keep = MAX_STUDENT_ID_CHARS - _HASH_DIGITS - 1
    return f"{text[:keep]}-{_digest(text)}"


def unnamed_id(name: str) -> str:
    """The id of a submission whose name gives none (``student_id_from_name`` is None):
    ``unnamed-`` and a hash of the raw name, so two such names never merge."""
    return f"unnamed-{_digest(name)}"


def collision_key(name: str) -> str | None:
    """The key under which two names are the same student (NFKC, case-folded), or None."""
    text = _sanitized(name)
    if text is None:
        return None
    folded = unicodedata.normalize("NFKC", text).casefold()
    return unicodedata.normalize("NFKC", folded)


def _sanitized(name: str) -> str | None:
    """The whole name, NFC, unsafe runs as ``_``, leading ``. - @`` dropped (None: empty)."""
    text = unicodedata.normalize("NFC", name).strip()
    out: list[str] = []
    for char in text:
        keep = char in _ID_PUNCTUATION or unicodedata.category(char)[0] in "LMN"
        if keep:
            out.append(char)
        elif not out or out[-1] != "_":
            out.append("_")
    result = "".join(out).lstrip(".-@")
    return result if result.strip("_") else None


def safe_file_name(text: str, max_bytes: int = MAX_FILE_NAME_BYTES, hashed: bool = False) -> str:
    """A valid, unique file name (no extension) for ``text``, at most ``max_bytes`` in UTF-8.

    ``text`` itself when it is safe (and ``hashed`` is false): not empty, no leading dot,
    no path separator, control character, lone surrogate or ``~``, and short enough.
    Otherwise the text with unsafe characters as ``_``, cut to fit, then ``~`` and a hash
    of ``text``: a name holding ``~`` always comes from here, so it never equals a safe one.
    """
    if not hashed and _is_safe_file_name(text, max_bytes):
        return text
    cleaned = "".join(
        "_" if _needs_escape(c) or c in "/\\\0~" or unicodedata.category(c)[0] == "Z" else c
        for c in text
    ).lstrip(".")
    suffix = f"~{_digest(text)}"
    room = max_bytes - len(suffix)
    cut = cleaned.encode("utf-8")[:room].decode("utf-8", "ignore")
    return cut + suffix


def export_names(ids: Iterable[str], max_bytes: int = MAX_FILE_NAME_BYTES) -> dict[str, str]:
    """A file name per id, distinct even on a case-insensitive file system.

    Each id gets :func:`safe_file_name`; ids whose names would be equal ignoring case and
    Unicode compatibility forms (``Alice`` and ``alice`` on macOS) all get the hashed form.
    """
    names = {student: safe_file_name(student, max_bytes) for student in ids}
    groups: dict[str, list[str]] = {}
    for student, name in names.items():
        groups.setdefault(unicodedata.normalize("NFKC", name).casefold(), []).append(student)
    for members in groups.values():
        if len(members) > 1:
            for student in members:
                names[student] = safe_file_name(student, max_bytes, hashed=True)
    return names


def _is_safe_file_name(text: str, max_bytes: int) -> bool:
    if not text or text.startswith(".") or "~" in text:
        return False
    if any(c in "/\\\0" or _needs_escape(c) for c in text):
        return False
    return len(text.encode("utf-8")) <= max_bytes and text == text.strip()


def _digest(text: str) -> str:
    data = text.encode("utf-8", "surrogatepass")
    return hashlib.sha256(data).hexdigest()[:_HASH_DIGITS]
