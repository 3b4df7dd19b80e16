"""The symbolic ladder in a child process, so that a hang or blow-up cannot stall the grader.

Parent side: :class:`SymbolicJudge` starts ``python -m grader.judge.symbolic_worker``
lazily (no ``os.fork()`` of a possibly multi-threaded grader), keeps it for later
comparisons, waits at most the time limit plus a grace period for each reply, and kills
and forgets a worker that overruns or dies; the next request starts a fresh one.
Only strings and plain data cross the pipe: the child parses the student's text itself
with the safe parser, and nothing is pickled. Reading with a deadline uses ``select``
on the pipe (POSIX).

Child side: :func:`main` answers one JSON request per line on stdin with one JSON reply
per line on stdout, after a first ``{"ready": true}`` line once sympy is imported::

    {"op": "compare", "student": str, "reference": str, "symbols": {name: domain},
     "functions": [name, ...], "time_limit_s": float, "seed": int}  -> Verdict.to_dict()
    {"op": "check", "text": str, "symbols": ..., "functions": ...}
        -> {"ok": true} | {"ok": false, "message": str, "token": str}
    {"op": "evaluate", "text": str, "symbols": ..., "functions": ..., "point": {name: int},
     "time_limit_s": float}
        -> {"ok": true, "value": str} | {"ok": false, "message": str}
    anything that fails                                              -> {"error": str}

The child caps its own address space (:data:`MEMORY_LIMIT_BYTES`) so that a blow-up
ends in a MemoryError rather than in the machine swapping.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import select
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from grader.errors import InternalError
from grader.judge.symbolic import Equivalence, Verdict, decide, timeout_message
from grader.quiz.expr_parser import DEFAULT_FUNCTIONS, Domain, ExpressionError, parse_expression

__all__ = ["MEMORY_LIMIT_BYTES", "SymbolicJudge", "main", "shared_judge"]

logger = logging.getLogger(__name__)

MEMORY_LIMIT_BYTES = 2 * 1024**3
_PACKAGE_ROOT = Path(__file__).resolve().parents[2]  # the folder holding grader/


class SymbolicJudge:
    """A reusable worker process for symbolic comparisons under time limits.

    ``command`` replaces the worker's command line (tests use it to stand in a worker
    that hangs). Methods are safe to call from several threads (one request at a
    time). :meth:`close` ends the worker; the judge can still be used afterwards.
    """

    def __init__(
        self,
        command: Sequence[str] | None = None,
        *,
        grace_s: float = 1.0,
        start_timeout_s: float = 30.0,
    ) -> None:
        self._command = list(command or [sys.executable, "-m", "grader.judge.symbolic_worker"])
        self._grace_s = grace_s
        self._start_timeout_s = start_timeout_s
        self._process: subprocess.Popen[bytes] | None = None
        self._owner_pid = 0
        self._ready = False  # the worker has said it is ready
        self._buffer = bytearray()
        self._lock = threading.Lock()
        self.restarts = 0  # workers killed after a timeout or a crash

    def compare(
        self,
        student: str,
        reference: str,
        symbols: Mapping[str, Domain],
        *,
        functions: frozenset[str] = DEFAULT_FUNCTIONS,
        time_limit_s: float = 5.0,
        seed: int = 0,
    ) -> Verdict:
        """The ladder's verdict on ``student`` against ``reference`` within ``time_limit_s``.

        A worker that does not answer in time (or dies) gives an UNDECIDED verdict with
        the "could not decide" message. Raises :class:`InternalError` if the worker
        reports a failure of its own (e.g. a reference that does not parse).
        """
        request = {
            "op": "compare",
            "student": student,
            "reference": reference,
            "symbols": {name: domain.value for name, domain in symbols.items()},
            "functions": sorted(functions),
            "time_limit_s": time_limit_s,
            "seed": seed,
        }
        reply = self._call(request, time_limit_s)
        if reply is None:
            return Verdict(Equivalence.UNDECIDED, "time limit", timeout_message(time_limit_s))
        return Verdict.from_dict(reply)

    def check(
        self,
        text: str,
        symbols: Mapping[str, Domain],
        *,
        functions: frozenset[str] = DEFAULT_FUNCTIONS,
        time_limit_s: float = 2.0,
    ) -> str | None:
        """None if ``text`` is an allowed expression, else the parser's message."""
        request = {
            "op": "check",
            "text": text,
            "symbols": {name: domain.value for name, domain in symbols.items()},
            "functions": sorted(functions),
        }
        reply = self._call(request, time_limit_s)
        if reply is None:
            return timeout_message(time_limit_s)
        return None if reply["ok"] else str(reply["message"])

    def evaluate(
        self,
        text: str,
        symbols: Mapping[str, Domain],
        point: Mapping[str, int],
        *,
        functions: frozenset[str] = DEFAULT_FUNCTIONS,
        time_limit_s: float = 2.0,
    ) -> str:
        """The exact value of expression ``text`` at ``point`` (e.g. ``"26371"``, ``"7/2"``).

        Returns a sentence starting with "could not" when the text does not parse, the
        value is undefined, or it takes longer than ``time_limit_s`` (the worker is
        then killed): a student's expression can never stall the judge.
        """
        request = {
            "op": "evaluate",
            "text": text,
            "symbols": {name: domain.value for name, domain in symbols.items()},
            "functions": sorted(functions),
            "point": {name: int(value) for name, value in point.items()},
            "time_limit_s": time_limit_s,
        }
        reply = self._call(request, time_limit_s)
        if reply is None:
            return f"could not be evaluated within {time_limit_s:g} s"
        return str(reply["value"]) if reply["ok"] else f"could not be evaluated: {reply['message']}"

    def close(self) -> None:
        """End the worker (if any); a later request starts a new one."""
        with self._lock:
            self._stop(kill=False)

    def __enter__(self) -> SymbolicJudge:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- one request ------------------------------------------------------------------

    def _call(self, request: dict, time_limit_s: float) -> dict | None:
        """The worker's reply, or None after a timeout or a crash (the worker is killed)."""
        line = (json.dumps(request) + "\n").encode()
        with self._lock:
            process = self._ensure_started()
            try:
                assert process.stdin is not None
                process.stdin.write(line)
                process.stdin.flush()
            except OSError:
                reply = None
            else:
                reply = self._read_line(time.monotonic() + time_limit_s + self._grace_s)
            if reply is None:
                logger.warning("symbolic worker timed out or died; restarting it")
                self.restarts += 1
                self._stop(kill=True)
                return None
        data = json.loads(reply)
        if "error" in data:
            raise InternalError(f"the symbolic worker failed: {data['error']}")
        return data

    def start(self) -> None:
        """Start the worker now without waiting for it (it imports sympy meanwhile).

        Optional: the first request starts it anyway. A runner may call this early so
        that the worker's start overlaps with other work.
        """
        with self._lock:
            self._spawn()

    def _spawn(self) -> None:
        if self._process is not None and self._owner_pid != os.getpid():
            _INHERITED.append(self._process)  # a forked copy: the worker is the parent's
            self._process, self._buffer = None, bytearray()
        if self._process is not None and self._process.poll() is not None:
            self._stop(kill=False)  # it died between requests: start afresh
        if self._process is None:
            self._process = subprocess.Popen(
                self._command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                cwd=_PACKAGE_ROOT,
                env={**os.environ, "PYTHONHASHSEED": "0"},
            )
            self._owner_pid, self._ready = os.getpid(), False

    def _ensure_started(self) -> subprocess.Popen[bytes]:
        """The running worker, started and ready; raises InternalError if it cannot be."""
        self._spawn()
        assert self._process is not None
        if not self._ready:
            if self._read_line(time.monotonic() + self._start_timeout_s) is None:
                self._stop(kill=True)
                raise InternalError("the symbolic worker did not start")
            self._ready = True
        return self._process

    def _read_line(self, deadline: float) -> bytes | None:
        """The next line from the worker, or None at the deadline or at end of file."""
        assert self._process is not None and self._process.stdout is not None
        descriptor = self._process.stdout.fileno()
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([descriptor], [], [], remaining)[0]:
                return None
            chunk = os.read(descriptor, 1 << 16)
            if not chunk:
                return None
            self._buffer += chunk
        line, _, rest = self._buffer.partition(b"\n")
        self._buffer = bytearray(rest)
        return bytes(line)

    def _stop(self, *, kill: bool) -> None:
        process, self._process, self._buffer = self._process, None, bytearray()
        if process is None:
            return
        if kill:
            process.kill()
        for stream in (process.stdin, process.stdout):
            if stream is not None:
                stream.close()  # the worker sees end of file and exits
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


_INHERITED: list[subprocess.Popen[bytes]] = []  # workers of a parent we were forked from
_shared: SymbolicJudge | None = None
_shared_lock = threading.Lock()


def shared_judge() -> SymbolicJudge:
    """The process-wide judge, started on first use and closed at exit."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = SymbolicJudge()
            atexit.register(_shared.close)
        return _shared


# --- child side ---------------------------------------------------------------------------


def main() -> None:
    """Serve requests on stdin until end of file (the worker process's entry point)."""
    import warnings

    warnings.simplefilter("ignore")
    _limit_memory()
    _send({"ready": True})
    for line in sys.stdin:
        _send(handle(line))


def handle(line: str) -> dict:
    """The reply to one request line; never raises."""
    try:
        request = json.loads(line)
        symbols = {name: Domain(value) for name, value in request["symbols"].items()}
        functions = frozenset(request["functions"])
        if request["op"] == "check":
            return _check(request["text"], symbols, functions)
        if request["op"] == "evaluate":
            return _evaluate(request, symbols, functions)
        verdict = decide(
            request["student"],
            request["reference"],
            symbols,
            functions=functions,
            time_limit_s=float(request["time_limit_s"]),
            seed=int(request["seed"]),
        )
        return verdict.to_dict()
    except Exception as error:  # a reply must always go back
        return {"error": f"{type(error).__name__}: {error}"}


def _check(text: str, symbols: dict[str, Domain], functions: frozenset[str]) -> dict:
    try:
        parse_expression(text, symbols, functions=functions)
    except ExpressionError as error:
        return {"ok": False, "message": str(error), "token": error.token}
    return {"ok": True}


def _evaluate(request: dict, symbols: dict[str, Domain], functions: frozenset[str]) -> dict:
    """The exact value of an expression at an integer point, under the request's time limit."""
    import sympy

    from grader.judge.symbolic import evaluate_at

    try:
        expr = parse_expression(request["text"], symbols, functions=functions)
    except ExpressionError as error:
        return {"ok": False, "message": str(error)}
    point = {name: sympy.Integer(int(value)) for name, value in request["point"].items()}
    value = evaluate_at(expr, point, float(request["time_limit_s"]))
    if value is None:
        return {"ok": False, "message": "the value is undefined or took too long"}
    return {"ok": True, "value": str(value)}


def _send(reply: dict) -> None:
    sys.stdout.write(json.dumps(reply) + "\n")
    sys.stdout.flush()


def _limit_memory() -> None:
    try:
        import resource

        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        soft = (
            MEMORY_LIMIT_BYTES if hard == resource.RLIM_INFINITY else min(hard, MEMORY_LIMIT_BYTES)
        )
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
    except (ImportError, ValueError, OSError):
        logger.debug("could not limit the symbolic worker's memory")


if __name__ == "__main__":
    main()
