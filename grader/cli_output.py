"""What the ``grade`` commands print besides their results: notes, warnings, progress.

- :func:`note` prints ``grade: note: ...`` on stderr, wrapped to the terminal's width.
- :func:`setup_logging` routes the library's log records to stderr as one readable,
  wrapped line each (``grade: warning: sandbox isolation is ...``), each distinct
  message once per run, never as ``WARNING:grader.sandbox.isolation:``.
- :class:`ProgressBar` shows how far a batch is: on a terminal one line updated in
  place (warnings printed above it), elsewhere one plain line per submission.

Not rich: the result table is a few wrapped lines (:mod:`grader.report.terminal`), the
bar one line; rich would add four packages to every student's install, read ``[...]``
in student text as markup unless each message is escaped, and a pipe would still need
the plain-line form written here.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable
from typing import TextIO

import click

from grader.report.terminal import terminal_width, wrap

__all__ = ["ProgressBar", "note", "say", "setup_logging"]

_ERASE_LINE = "\r\x1b[2K"


def note(text: str) -> None:
    """``grade: note: text`` on stderr, wrapped to the terminal's width."""
    _print_err(_lines("grade: note: ", text))


def say(text: str) -> None:
    """``text`` on stderr, wrapped to the terminal's width (continuations indented)."""
    _print_err(_lines("", text))


def _lines(prefix: str, text: str) -> str:
    return "\n".join(wrap(" ".join(text.split()), terminal_width(), prefix, 4))


def _print_err(text: str) -> None:
    click.echo(text, err=True)


class _OncePerRun(logging.Handler):
    """One wrapped line per distinct message: ``grade: warning: ...``; repeats dropped."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.seen: set[str] = set()
        self.printer: Callable[[str], None] = _print_err

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record must not break a run
            message = str(record.msg)
        if message in self.seen:
            return
        self.seen.add(message)
        level = "warning" if record.levelno < logging.ERROR else "error"
        self.printer(_lines(f"grade: {level}: ", message))


_HANDLER = _OncePerRun()


def setup_logging() -> None:
    """Send WARNING and above to stderr through the once-per-run handler (idempotent).

    With ``GRADER_DEBUG`` set, records keep their logger name and traceback as well.
    """
    root = logging.getLogger()
    if _HANDLER not in root.handlers:
        root.addHandler(_HANDLER)
    if root.level == logging.NOTSET or root.level > logging.WARNING:
        root.setLevel(logging.WARNING)
    if os.environ.get("GRADER_DEBUG") and len(root.handlers) == 1:
        root.addHandler(logging.StreamHandler(sys.stderr))


class ProgressBar:
    """``[####      ] 12/60  20/min  ETA 144 s  alice: graded``, in place on a terminal.

    Elsewhere (a pipe, a log file, CI) each :meth:`advance` prints one plain line. While
    the bar is shown, warnings are printed above it and the bar is drawn again.
    """

    def __init__(self, total: int, stream: TextIO | None = None) -> None:
        self.total = total
        self.stream = stream or sys.stderr
        self.done = 0
        self.started = time.monotonic()
        self.interactive = self.stream.isatty()
        self._line = ""

    def __enter__(self) -> ProgressBar:
        if self.interactive:
            _HANDLER.printer = self.print_above
        return self

    def __exit__(self, *exc: object) -> None:
        _HANDLER.printer = _print_err
        if self.interactive and self._line:
            self.stream.write("\n")
            self.stream.flush()

    def advance(self, label: str) -> None:
        """One more submission done; ``label`` says whose and how it went."""
        self.done += 1
        status = f"[{self.done}/{self.total}] {self._speed()}  {label}"
        if not self.interactive:
            self.stream.write(status + "\n")
        else:
            self._line = self._bar(status)
            self.stream.write(_ERASE_LINE + self._line)
        self.stream.flush()

    def print_above(self, text: str) -> None:
        """``text`` on its own lines above the bar, which is then drawn again."""
        self.stream.write(_ERASE_LINE + text + "\n" + self._line)
        self.stream.flush()

    def _speed(self) -> str:
        elapsed = time.monotonic() - self.started
        rate = self.done / elapsed if elapsed >= 1.0 else 0.0  # too early to say before 1 s
        if not rate:
            return "-/min, ETA -"
        return f"{rate * 60:.0f}/min, ETA {(self.total - self.done) / rate:.0f} s"

    def _bar(self, status: str) -> str:
        """The bar and as much of ``status`` as fits the width (one column spare, so the
        terminal never wraps the line and ``\\r`` returns to its start)."""
        width = terminal_width() - 1
        cells = 20
        filled = round(cells * self.done / max(self.total, 1))
        line = f"[{'#' * filled}{' ' * (cells - filled)}] {status}"
        return line if len(line) <= width else line[: width - 1] + "…"
