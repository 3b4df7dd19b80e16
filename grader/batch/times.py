"""When a submission was handed in: from the LMS's CSV, else from the files' own dates.

``grade batch --submitted-at times.csv`` reads a CSV with a header row and the columns
``student_id`` and ``submitted_at`` (ISO 8601 with a UTC offset, e.g.
``2025-03-14T23:58:00+08:00`` or ``...Z``), as an LMS's submission export gives them: that
file is the authority. Without it, or for a student it does not list, the time is the newest
date of the files the grader read:

- a folder or single files: their modification times (``mtime``);
- a ``.zip``: its entries' dates, in UTC where the zip has the "extended timestamp" field
  (Info-ZIP, macOS), else the zip's local date and time without a zone, which the late policy
  reads in the due date's time zone (:func:`grader.deadlines.parse_time`).

These dates are only as good as whoever made the files: a student can set them to anything,
an unzip or a copy may reset them to "now", and a download from an LMS may stamp them with
the download time. Give ``--submitted-at`` whenever a late policy matters.
"""

from __future__ import annotations

import csv
import io
import os
import struct
import zipfile
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from grader.errors import UsageError
from grader.text_file import UnreadableText, read_utf8

_EXTENDED_TIMESTAMP = 0x5455
_MAX_CSV_BYTES = 32 * 2**20


def newest_mtime(paths: Iterable[Path]) -> str:
    """The newest ``lstat`` modification time of ``paths`` as ISO 8601 UTC ("" if none)."""
    times = []
    for path in paths:
        try:
            times.append(os.lstat(path).st_mtime)
        except OSError:
            continue
    if not times:
        return ""
    return datetime.fromtimestamp(max(times), UTC).isoformat(timespec="seconds")


def newest_zip_time(infos: Iterable[zipfile.ZipInfo]) -> str:
    """The newest date of these zip entries: ISO 8601 UTC when every one carries the
    extended timestamp, else the newest local date without a zone ("" if none)."""
    infos = list(infos)
    exact = [t for t in map(_unix_mtime, infos) if t is not None]
    if infos and len(exact) == len(infos):
        return datetime.fromtimestamp(max(exact), UTC).isoformat(timespec="seconds")
    local = [t for t in map(_local_time, infos) if t is not None]
    return max(local).isoformat() if local else ""


def _unix_mtime(info: zipfile.ZipInfo) -> int | None:
    """The UTC modification time of the extended timestamp extra field, if present."""
    extra, offset = info.extra, 0
    while offset + 4 <= len(extra):
        kind, size = struct.unpack_from("<HH", extra, offset)
        data = extra[offset + 4 : offset + 4 + size]
        if kind == _EXTENDED_TIMESTAMP and len(data) >= 5 and data[0] & 1:
            return struct.unpack_from("<i", data, 1)[0]
        offset += 4 + size
    return None


def _local_time(info: zipfile.ZipInfo) -> datetime | None:
    try:
        return datetime(*info.date_time)
    except ValueError:  # a zip may hold any bytes there (month 0, second 60)
        return None


def read_times_csv(path: Path) -> dict[str, str]:
    """student id -> ISO 8601 time, from the LMS's CSV (see the module docstring).

    Raises:
        UsageError: unreadable, no ``student_id``/``submitted_at`` columns, a time that is
            not ISO 8601 with a UTC offset, a student listed twice.
    """
    rows = list(csv.DictReader(io.StringIO(_text(path), newline="")))
    fields = set(rows[0]) if rows else set()
    if not {"student_id", "submitted_at"} <= fields:
        raise UsageError(f"{path}: needs the columns student_id and submitted_at")
    times: dict[str, str] = {}
    for number, row in enumerate(rows, start=2):
        student, text = (row["student_id"] or "").strip(), (row["submitted_at"] or "").strip()
        if not student:
            continue
        if student in times:
            raise UsageError(f"{path}, line {number}: student {student!r} is listed twice")
        times[student] = _checked_time(text, f"{path}, line {number}")
    return times


def _checked_time(text: str, where: str) -> str:
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{where}: {text!r} is not an ISO 8601 time") from None
    if when.tzinfo is None:
        raise UsageError(f"{where}: {text!r} needs a UTC offset (e.g. +08:00 or Z)")
    return when.isoformat()


def _text(path: Path) -> str:
    try:
        return read_utf8(path, _MAX_CSV_BYTES, str(path))
    except UnreadableText as exc:
        raise UsageError(str(exc)) from None
