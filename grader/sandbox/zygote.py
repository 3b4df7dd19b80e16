"""The template ("zygote") process: pay the heavy imports once, fork a sandbox per request.

Started by the judge as a separate, fresh interpreter (it never holds the
judge's memory: no expected values, no hidden inputs). It pre-imports numpy,
torch (one thread, before any torch op: forking after a multi-threaded op
deadlocks children) and sympy, then serves requests on a SOCK_SEQPACKET
control socket:

- ``spawn``: fork a child that starts a new session, applies the limits,
  moves into its private working directory and serves the student's module
  over the socket passed with the request (see :mod:`grader.sandbox.child`);
  its stdout and stderr go to the pipe passed alongside.
- ``reap``: report how a child ended (exit code or signal).
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import socket
import sys
import warnings

CONTROL_BUFFER = 1 << 16


def main() -> None:
    """Entry point: ``python -c ... <control fd>`` (see grader.sandbox.parent)."""
    ctrl = socket.socket(fileno=int(sys.argv[1]))
    _die_with_parent()
    info = _preimport()
    ctrl.send(json.dumps({"ready": True, **info}).encode())
    exits: dict[int, str] = {}
    while True:
        try:
            data, fds, _flags, _addr = socket.recv_fds(ctrl, CONTROL_BUFFER, 4)
        except OSError:
            return
        if not data:
            return
        request = json.loads(data)
        _collect_exits(exits)
        reply = _handle(request, fds, exits)
        ctrl.send(json.dumps(reply).encode())


def _preimport() -> dict:
    warnings.simplefilter("ignore")
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    import numpy  # noqa: F401
    import sympy  # noqa: F401
    import torch

    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    import grader.sandbox.child
    import grader.sandbox.limits  # noqa: F401

    cuda = bool(torch.cuda.is_available())
    return {"torch": torch.__version__, "cuda": cuda, "pid": os.getpid()}


def _handle(request: dict, fds: list[int], exits: dict[int, str]) -> dict:
    if request.get("op") == "spawn":
        return {"pid": _spawn(request, fds)}
    if request.get("op") == "reap":
        return {"status": _reap(int(request["pid"]), exits)}
    for fd in fds:
        os.close(fd)
    return {"error": f"unknown op {request.get('op')!r}"}


def _spawn(request: dict, fds: list[int]) -> int:
    sock_fd, out_fd = fds[0], fds[1]
    pid = os.fork()
    if pid == 0:
        _become_sandbox(request, sock_fd, out_fd)  # never returns
    os.close(sock_fd)
    os.close(out_fd)
    return pid


def _become_sandbox(request: dict, sock_fd: int, out_fd: int) -> None:
    code = 0
    try:
        from grader.sandbox import child
        from grader.sandbox.limits import Limits, apply_limits

        os.setsid()
        _die_with_parent()
        os.dup2(out_fd, 1)
        os.dup2(out_fd, 2)
        os.close(out_fd)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.chdir(request["workdir"])
        os.environ.update(HOME=request["workdir"], TMPDIR=request["workdir"])
        apply_limits(Limits.from_dict(request["limits"]))
        child.serve(socket.socket(fileno=sock_fd), request["spec"])
    except BaseException:
        code = 70
    finally:
        os._exit(code)


def _reap(pid: int, exits: dict[int, str]) -> str:
    if pid not in exits:
        try:
            _pid, status = os.waitpid(pid, 0)
            exits[pid] = describe_status(status)
        except ChildProcessError:
            return "unknown"
    return exits.pop(pid)


def _collect_exits(exits: dict[int, str]) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        exits[pid] = describe_status(status)


def describe_status(status: int) -> str:
    """Text such as ``exit code 0`` or ``killed by SIGSEGV``."""
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        try:
            name = signal.Signals(sig).name
        except ValueError:
            name = str(sig)
        return f"killed by {name}"
    return f"exit code {os.WEXITSTATUS(status)}"


def _die_with_parent() -> None:
    """Ask Linux to SIGKILL this process when its parent dies (no-op elsewhere)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


if __name__ == "__main__":
    main()
