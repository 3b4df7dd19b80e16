"""The judge's side of the sandbox: a template process and per-submission handles.

    zygote = Zygote.start(limits)              # a fresh interpreter pre-imports torch once
    box = Sandbox(zygote, SourceSpec(...))     # one student's module, in its own process
    box.call("param_count", (784, 120, 4))     # plain data in, plain data out
    box.close()

A crash, ``sys.exit``, ``os._exit`` or timeout fails the request that hit it
and the next request runs in a freshly forked process. A module that cannot
be imported fails every request the same way, without re-forking.
"""

from __future__ import annotations

import json
import logging
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
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

log = logging.getLogger(__name__)

_BOOTSTRAP = (
    "import sys; sys.path.insert(0, sys.argv.pop(2)); "
    "from grader.sandbox.zygote import main; del sys.path[0]; main()"
)
_PASSED_ENV = (
    "PATH",
    "LANG",
    "LC_ALL",
    "CUDA_VISIBLE_DEVICES",
    "OPENBLAS_CORETYPE",
    "OPENBLAS_L2_SIZE",
    "SYSTEMROOT",
)


@dataclass(frozen=True)
class SourceSpec:
    """Which student file to load: real path, module name, and the name shown in messages.

    ``line_origins``, when given, names where each line of the loaded file came from
    (index 0 is line 1), e.g. ``"cell 3, line 2"`` for code extracted from a notebook;
    traceback frames then point there instead of at the extracted file.
    """

    path: Path
    module_name: str
    display_name: str
    line_origins: tuple[str, ...] | None = None

    def origin(self, line: int) -> str:
        """Where line ``line`` of the loaded file came from, as shown to the student."""
        if self.line_origins and 1 <= line <= len(self.line_origins):
            return self.line_origins[line - 1]
        return f"line {line}"

    def to_dict(self) -> dict:
        return {
            "module_path": str(self.path),
            "module_name": self.module_name,
            "display_name": self.display_name,
        }


class Zygote:
    """A running template process that forks sandboxes on request."""

    def __init__(self, proc: subprocess.Popen, ctrl: socket.socket, limits: Limits) -> None:
        self._proc = proc
        self._ctrl = ctrl
        self.limits = limits
        self._info: dict | None = None

    @classmethod
    def start(cls, limits: Limits | None = None) -> Zygote:
        """Launch the template process; returns at once (imports continue in the background)."""
        ctrl, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        package_parent = str(Path(__file__).resolve().parents[2])
        env = {k: os.environ[k] for k in _PASSED_ENV if k in os.environ}
        env.update(
            OMP_NUM_THREADS="1",
            MKL_NUM_THREADS="1",
            PYTHONDONTWRITEBYTECODE="1",
            PYTHONNOUSERSITE="1",
            HOME=tempfile.gettempdir(),
        )
        cmd = [sys.executable, "-c", _BOOTSTRAP, str(theirs.fileno()), package_parent]
        try:
            proc = subprocess.Popen(
                cmd,
                pass_fds=(theirs.fileno(),),
                env=env,
                stdin=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
        except OSError as exc:
            raise SandboxStartError(f"could not start the sandbox process: {exc}") from exc
        finally:
            theirs.close()
        return cls(proc, ctrl, limits or Limits())

    def info(self, timeout: float = 120.0) -> dict:
        """Wait until the imports are done; return torch version and CUDA availability."""
        if self._info is None:
            self._info = self._receive(timeout, "start")
        return self._info

    def spawn(self, spec: SourceSpec, workdir: Path, sock_fd: int, out_fd: int) -> int:
        """Fork a sandbox serving ``spec``; returns its pid."""
        self.info()
        request = {
            "op": "spawn",
            "spec": spec.to_dict(),
            "workdir": str(workdir),
            "limits": self.limits.to_dict(),
        }
        socket.send_fds(self._ctrl, [json.dumps(request).encode()], [sock_fd, out_fd])
        return int(self._receive(30.0, "spawn")["pid"])

    def reap(self, pid: int) -> str:
        """Kill the sandbox's process group and say how it had ended."""
        _kill_group(pid)
        self._ctrl.send(json.dumps({"op": "reap", "pid": pid}).encode())
        return str(self._receive(30.0, "reap").get("status", "unknown"))

    def close(self) -> None:
        """Stop the template process (its children die with it)."""
        self._ctrl.close()
        if self._proc.poll() is None:
            self._proc.kill()
        self._proc.wait()
        if self._proc.stderr:
            self._proc.stderr.close()

    def _receive(self, timeout: float, what: str) -> dict:
        ready, _, _ = select.select([self._ctrl], [], [], timeout)
        data = self._ctrl.recv(1 << 16) if ready else b""
        if not data:
            raise SandboxStartError(
                f"the sandbox template process failed during {what}: {self._stderr_tail()}"
            )
        return json.loads(data)

    def _stderr_tail(self) -> str:
        if self._proc.poll() is None:
            self._proc.kill()
        self._proc.wait()
        err = self._proc.stderr.read().decode(errors="replace") if self._proc.stderr else ""
        return err.strip()[-2000:] or f"exit status {self._proc.returncode}"

    def __enter__(self) -> Zygote:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Sandbox:
    """One student module in a sandbox process (re-forked after a crash)."""

    def __init__(self, zygote: Zygote, spec: SourceSpec) -> None:
        self._zygote = zygote
        self._spec = spec
        self._limits = zygote.limits
        self._workdir = Path(tempfile.mkdtemp(prefix="grader-sandbox-"))
        self._process: _Process | None = None
        self._import_error: StudentImportFailed | None = None
        self.output = _OutputBuffer(self._limits.output_bytes)

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
        """End the sandbox process and remove its working directory."""
        self._stop()
        shutil.rmtree(self._workdir, ignore_errors=True)

    def _request(
        self, request: dict, args: tuple, kwargs: dict, timeout: float | None, label: str
    ) -> Any:
        process = self._ensure_process()
        request["payload"], blobs = wire.encode((list(args), dict(kwargs)))
        limit = timeout or self._limits.call_timeout_s
        try:
            wire.send_message(process.sock, request, blobs)
            header, reply_blobs = process.receive(limit, self.output)
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
                raise StudentCrashed(label, f"sent back malformed data: {exc}") from None
        raise _raised(label, header.get("error"), self._spec)

    def _ensure_process(self) -> _Process:
        if self._import_error is not None:
            raise self._import_error
        if self._process is None:
            self._process = self._start_process()
        return self._process

    def _start_process(self) -> _Process:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        out_r, out_w = os.pipe()
        try:
            pid = self._zygote.spawn(self._spec, self._workdir, theirs.fileno(), out_w)
        finally:
            theirs.close()
            os.close(out_w)
        process = _Process(pid, ours, out_r)
        self._await_ready(process)
        return process

    def _await_ready(self, process: _Process) -> None:
        name = self._spec.display_name
        try:
            header, _ = process.receive(self._limits.import_timeout_s, self.output)
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
            self._import_error = StudentImportFailed(f"importing {name} failed: {error.detail}")
            raise self._import_error

    def _stop(self) -> str:
        """Kill and reap the current process; return how it ended ('' if none)."""
        process, self._process = self._process, None
        if process is None:
            return ""
        process.drain(self.output)
        process.close()
        try:
            return self._zygote.reap(process.pid)
        except SandboxStartError:
            return "unknown"


class _Process:
    """One forked sandbox process: its pid, request socket and output pipe."""

    def __init__(self, pid: int, sock: socket.socket, out_fd: int) -> None:
        self.pid = pid
        self.sock = sock
        self.out_fd = out_fd
        os.set_blocking(out_fd, False)

    def receive(self, timeout: float, output: _OutputBuffer) -> tuple[dict, list[bytes]]:
        """Wait for one reply, collecting output meanwhile; TimeoutError past ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            readable, _, _ = select.select([self.sock, self.out_fd], [], [], remaining)
            if self.out_fd in readable:
                self.drain(output)
            if self.sock in readable:
                self.sock.settimeout(max(deadline - time.monotonic(), 0.01))
                try:
                    message = wire.recv_message(self.sock)
                except TimeoutError:
                    raise
                self.drain(output)
                return message

    def drain(self, output: _OutputBuffer) -> None:
        while True:
            try:
                chunk = os.read(self.out_fd, 1 << 16)
            except (BlockingIOError, OSError):
                return
            if not chunk:
                return
            output.add(chunk)

    def close(self) -> None:
        self.sock.close()
        _kill_group(self.pid)
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
    if not isinstance(error, dict):
        return StudentRaised(label, "Error", "sent back an unreadable error", ())
    frames = tuple(
        Frame(
            spec.display_name,
            _int(f.get("line")),
            str(f.get("function", ""))[:100],
            str(f.get("text", ""))[:200],
            spec.origin(_int(f.get("line"))),
        )
        for f in error.get("frames", [])
        if isinstance(f, dict)
    )
    return StudentRaised(
        label, str(error.get("type", "Error"))[:100], str(error.get("message", ""))[:2000], frames
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


def _kill_group(pid: int) -> None:
    for kill in (os.killpg, os.kill):
        try:
            kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError, OSError):
            pass
