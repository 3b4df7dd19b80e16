"""The judge's side of the sandbox: per-submission handles on sandboxed student code.

    zygote = Zygote.start(limits)              # a fresh interpreter pre-imports torch once
    box = Sandbox(zygote, SourceSpec(...))     # one student's module, in its own process
    box.call("param_count", (784, 120, 4))     # plain data in, plain data out
    box.close()

A crash, ``sys.exit``, ``os._exit`` or timeout fails the request that hit it
and the next request runs in a freshly forked process, as long as the module's
re-imports stay within ``Limits.restart_import_budget_s``. A module that cannot
be imported (or whose re-imports ran past that budget) fails every request the
same way, without re-forking. Each request has one deadline for sending it and
receiving the whole reply; what the reply may hold is bounded by
:mod:`grader.sandbox.wire`.
"""

from __future__ import annotations

import logging
import os
import secrets
import select
import signal
import socket
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.errors import SandboxStartError
from grader.outcomes import (
    Frame,
    StudentCrashed,
    StudentImportFailed,
    StudentRaised,
    StudentTimeout,
)
from grader.sandbox import wire
from grader.sandbox.limits import Limits
from grader.sandbox.template import Zygote

log = logging.getLogger(__name__)

DRAIN_BYTES = 1 << 20  # output read per wake-up; the rest waits in the pipe


@dataclass(frozen=True)
class SourceSpec:
    """Which student file to load: real path, module name, and the name shown in messages.

    ``line_origins``, when given, names where each line of the loaded file came from
    (index 0 is line 1), e.g. ``"cell 3, line 2"`` for code extracted from a notebook;
    traceback frames then point there instead of at the extracted file. ``cells``, when
    given, are a notebook's code cells as ``(number, first line, last line)``: the
    sandbox runs them one by one, and a failing cell costs only itself.
    """

    path: Path
    module_name: str
    display_name: str
    line_origins: tuple[str, ...] | None = None
    cells: tuple[tuple[int, int, int], ...] | None = None

    def origin(self, line: int) -> str:
        """Where line ``line`` of the loaded file came from, as shown to the student."""
        if self.line_origins and 1 <= line <= len(self.line_origins):
            return self.line_origins[line - 1]
        return f"line {line}"

    def load_message(self, time_budget_s: float | None = None) -> tuple[dict, list[bytes]]:
        """The first message to a sandbox: names, cells, and the source bytes as the one blob."""
        header = {"op": "load", "module_name": self.module_name, "display_name": self.display_name}
        if self.cells is not None:
            header["cells"] = [list(cell) for cell in self.cells]
            header["time_budget_s"] = time_budget_s
        header["id"] = secrets.token_hex(8)
        return header, [self.path.read_bytes()]


class Sandbox:
    """One student module in a sandbox process (re-forked after a crash)."""

    def __init__(self, zygote: Zygote, spec: SourceSpec, limits: Limits | None = None) -> None:
        """``limits``: the judge-side time limits to use (default: the template's)."""
        self._zygote = zygote
        self._spec = spec
        self._limits = limits or zygote.limits
        self._process: _Process | None = None
        self._import_error: StudentImportFailed | None = None
        self.imports = 0  # processes that imported the module and said they were ready
        self.import_seconds = 0.0  # the time those imports took, together
        self.output = _OutputBuffer(self._limits.output_bytes)
        #: The notebook cells that failed when the code was last loaded: (cell number,
        #: what it raised), as the sandbox reported them (untrusted: for messages only).
        self.failed_cells: tuple[tuple[int, StudentRaised], ...] = ()

    def call(
        self,
        func: str,
        args: tuple = (),
        kwargs: dict | None = None,
        timeout: float | None = None,
        label: str = "",
    ) -> Any:
        """Run ``func(*args, **kwargs)`` from the student's module; return its plain-data value."""
        request = {"op": "call", "func": func}
        return self._request(request, args, kwargs or {}, timeout, label or func)

    def probe(
        self,
        module: str,
        func: str,
        args: tuple = (),
        kwargs: dict | None = None,
        timeout: float | None = None,
        label: str = "",
    ) -> Any:
        """Run the grader-written ``module.func(student_module, *args)`` inside the sandbox."""
        request = {"op": "probe", "module": module, "func": func}
        return self._request(request, args, kwargs or {}, timeout, label or func)

    def close(self) -> None:
        """End the sandbox process (the template removes its working directory)."""
        self._stop()

    def _request(
        self, request: dict, args: tuple, kwargs: dict, timeout: float | None, label: str
    ) -> Any:
        process = self._ensure_process()
        request["payload"], blobs = wire.encode((list(args), dict(kwargs)))
        request["id"] = secrets.token_hex(8)
        limit = timeout or self._limits.call_timeout_s
        deadline = time.monotonic() + limit
        try:
            wire.send_message(process.sock, request, blobs, deadline)
            header, reply_blobs = process.reply_to(request["id"], deadline, self.output)
        except TimeoutError:
            self._stop()
            raise StudentTimeout(label, limit) from None
        except (EOFError, OSError, wire.WireError) as exc:
            how = self._stop()
            raise StudentCrashed(label, _crash_text(how, exc)) from None
        return self._unpack(header, reply_blobs, label)

    def _unpack(self, header: dict, blobs: list[bytes], label: str) -> Any:
        if header.get("ok") is True:
            try:
                return wire.decode(header.get("value"), blobs)
            except wire.WireError as exc:
                self._stop()  # what follows on the channel cannot be trusted either
                raise StudentCrashed(label, f"sent back malformed data: {exc}") from None
        raise _raised(label, header.get("error"), self._spec)

    def _ensure_process(self) -> _Process:
        if self._import_error is not None:
            raise self._import_error
        if self._process is None:
            self._check_restart_budget()
            self._process = self._start_process()
        return self._process

    def _check_restart_budget(self) -> None:
        """After a crash or timeout, a fresh process imports the module again: refuse once
        those imports have cost ``restart_import_budget_s`` (a slow import that is followed
        by a crash would otherwise be paid once per check)."""
        budget = self._limits.restart_import_budget_s
        if self.imports == 0 or self.import_seconds < budget:
            return
        self._import_error = StudentImportFailed(
            f"not run: the sandbox process ended {self.imports} time(s) and importing "
            f"{self._spec.display_name} took {self.import_seconds:.1f} s in all, more than the "
            f"{budget:g} s allowed for restarts (code at the top level of your file runs at "
            'every restart: move slow code into a function or under `if __name__ == "__main__":`)'
        )
        raise self._import_error

    def _start_process(self) -> _Process:
        load = self._spec.load_message(self._limits.import_timeout_s)
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        out_r, out_w = os.pipe()
        try:
            pid = self._zygote.spawn(theirs.fileno(), out_w)
        finally:
            theirs.close()
            os.close(out_w)
        process = _Process(pid, ours, out_r)
        self._await_ready(process, load)
        return process

    def _await_ready(self, process: _Process, load: tuple[dict, list[bytes]]) -> None:
        name = self._spec.display_name
        header, blobs = load
        started = time.monotonic()
        deadline = started + self._limits.import_timeout_s
        try:
            wire.send_message(process.sock, header, blobs, deadline)
            header, _ = process.reply_to(header["id"], deadline, self.output)
        except TimeoutError:
            self._process = process
            self._stop()
            self._import_error = StudentImportFailed(
                f"importing {name} did not finish within {self._limits.import_timeout_s:g} s "
                "(code at the top level of your file runs at import: move it into a function "
                'or under `if __name__ == "__main__":`)'
            )
            raise self._import_error from None
        except (EOFError, OSError, wire.WireError) as exc:
            self._process = process
            how = self._stop()
            self._import_error = StudentImportFailed(
                f"importing {name} ended the sandbox process ({_crash_text(how, exc)})"
            )
            raise self._import_error from None
        if header.get("ready") is not True:
            self._process = process
            self._stop()
            error = _raised("", header.get("error"), self._spec)
            self._import_error = StudentImportFailed(
                f"importing {name} failed: {error.detail}", raised=error
            )
            raise self._import_error
        self.failed_cells = _failed_cells(header.get("cells"), self._spec)
        self.imports += 1
        self.import_seconds += time.monotonic() - started

    def _stop(self) -> str:
        """Have the template kill and reap the current process; return how it ended ('' if none)."""
        process, self._process = self._process, None
        if process is None:
            return ""
        try:
            how = self._zygote.reap(process.pid)
        except SandboxStartError:
            how = "unknown"
        process.drain(self.output)
        process.close()
        return how


class _Process:
    """One forked sandbox process: its pid, request socket and output pipe."""

    def __init__(self, pid: int, sock: socket.socket, out_fd: int) -> None:
        self.pid = pid
        self.sock = sock
        self.out_fd = out_fd
        os.set_blocking(out_fd, False)

    def reply_to(
        self, request_id: str, deadline: float, output: _OutputBuffer
    ) -> tuple[dict, list[bytes]]:
        """The reply carrying ``request_id``, collecting output meanwhile.

        The whole reply must arrive before ``deadline`` (a :func:`time.monotonic`
        value; TimeoutError after it), however slowly it is fed. Ids are random and
        checked before anything else is read: a frame carrying another id (one the
        student's code wrote on the channel) is a WireError, never an answer.
        """
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            readable, _, _ = select.select([self.sock, self.out_fd], [], [], remaining)
            if self.out_fd in readable:
                self.drain(output)
            if self.sock in readable:
                message = wire.recv_message(self.sock, deadline, request_id)
                self.drain(output)
                return message

    def drain(self, output: _OutputBuffer, limit: int = DRAIN_BYTES) -> None:
        """Move what the process printed into ``output``: at most ``limit`` bytes per call,
        so a process that prints without end cannot keep the judge here."""
        while limit > 0:
            try:
                chunk = os.read(self.out_fd, 1 << 16)
            except (BlockingIOError, OSError):
                return
            if not chunk:
                return
            output.add(chunk)
            limit -= len(chunk)

    def close(self) -> None:
        self.sock.close()
        os.close(self.out_fd)


class _OutputBuffer:
    """Keeps the first and last ``limit/2`` bytes of what the student printed."""

    def __init__(self, limit: int) -> None:
        self._half = max(limit // 2, 1)
        self._head = bytearray()
        self._tail = bytearray()
        self._total = 0

    def add(self, chunk: bytes) -> None:
        self._total += len(chunk)
        room = self._half - len(self._head)
        if room > 0:
            self._head += chunk[:room]
            chunk = chunk[room:]
        self._tail = (self._tail + chunk)[-self._half :]

    def take(self) -> str:
        """Return the captured text (trimmed in the middle if long) and start afresh."""
        head, tail = self._head.decode(errors="replace"), self._tail.decode(errors="replace")
        dropped = self._total - len(self._head) - len(self._tail)
        self._head, self._tail, self._total = bytearray(), bytearray(), 0
        if dropped > 0:
            return f"{head}\n... [{dropped} bytes of output not shown] ...\n{tail}"
        return head + tail


def _raised(label: str, error: Any, spec: SourceSpec) -> StudentRaised:
    """The exception the sandbox described (untrusted: any JSON, any text), as plain text."""
    if not isinstance(error, dict):
        return StudentRaised(label, "Error", "sent back an unreadable error", ())
    frames = error.get("frames")
    frames = tuple(
        Frame(
            spec.display_name,
            _int(f.get("line")),
            _text(f.get("function", ""), 100),
            _text(f.get("text", ""), 200),
            spec.origin(_int(f.get("line"))),
        )
        for f in (frames[-20:] if isinstance(frames, list) else ())
        if isinstance(f, dict)
    )
    kind = _text(error.get("type"), 100) or "Error"
    message = _text(error.get("message"), 2000)
    return StudentRaised(label, kind, message, frames)


def _text(value: Any, limit: int) -> str:
    """A short, valid-Unicode text from an untrusted JSON value."""
    return wire.clean_text(value if isinstance(value, str) else "")[:limit]


def _failed_cells(report: Any, spec: SourceSpec) -> tuple[tuple[int, StudentRaised], ...]:
    """The sandbox's report of failed cells, kept only for cells ``spec`` names."""
    numbers = {cell[0] for cell in spec.cells or ()}
    if not isinstance(report, list):
        return ()
    return tuple(
        (item["cell"], _raised("", item.get("error"), spec))
        for item in report[: len(numbers)]
        if isinstance(item, dict) and type(item.get("cell")) is int and item["cell"] in numbers
    )


def _int(value: Any) -> int:
    return value if type(value) is int else 0


def _crash_text(how: str, exc: BaseException) -> str:
    if isinstance(exc, wire.WireError):
        return f"sent malformed data: {exc}"
    if how in ("", "unknown"):
        return "the process ended"
    if how == "exit code 0":
        return "exit code 0: the code called os._exit or closed the sandbox's channel"
    if how == f"killed by {signal.SIGKILL.name}":
        return "killed by SIGKILL: out of memory or a resource limit?"
    if how == f"killed by {signal.SIGXCPU.name}":
        return "killed by SIGXCPU: the CPU-time limit was reached"
    return how
