"""The sandbox side: load the student's code and answer calls with plain data.

Runs only inside a forked, limited sandbox process. Whatever it sends back is
untrusted (the student's code shares this process and may have patched
anything here); the judge decodes it strictly and judges it.

How the code is loaded depends on where it came from:

- a ``.py`` file is imported whole, as Python imports a module: an exception at its
  top level means there is no module (every request fails with that error);
- a notebook's code arrives with its cells (line spans of the one source) and runs
  cell by cell, as Jupyter runs it: a cell that raises, or does not compile, or runs
  past its share of the time (:class:`CellTimeout`), is reported and the next cell
  still runs; the module is whatever the cells defined.
"""

from __future__ import annotations

import contextlib
import importlib
import linecache
import os
import re
import signal
import socket
import sys
import time
import traceback
from collections.abc import Iterator
from types import ModuleType
from typing import Any

from grader.sandbox import wire

_PROBE_MODULE = re.compile(r"grader\.course\.[a-z0-9_]+\.probes")
_PUBLIC_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
MAX_REPORTED_CELLS = 50
#: A notebook's cells together may use this share of the load's time budget, and one
#: cell this share (at least CELL_MIN_S): a looping cell costs that cell, not the load.
CELLS_SHARE, CELL_SHARE, CELL_MIN_S = 0.8, 0.25, 1.0


class CellTimeout(BaseException):
    """A notebook cell ran past its time (a BaseException: ``except Exception`` in the
    cell does not swallow it)."""


def serve(sock: socket.socket, workdir: str) -> None:
    """Receive the student's source, load it, report readiness, answer requests until EOF.

    The first message is ``{"op": "load", "module_name", "display_name"}`` with the
    source as its one blob, and for a notebook ``"cells"`` (``[number, first line, last
    line]`` of each code cell) and ``"time_budget_s"`` (the load's time limit): the
    sandbox never needs the path of the student's file, and a copy is written at
    ``<workdir>/<display_name>`` (its ``__file__``). The reply says ``ready`` (a module
    exists), the ``error`` that prevented it, and the notebook ``cells`` that failed.
    """
    try:
        header, blobs = wire.recv_message(sock)
    except (EOFError, OSError, wire.WireError):
        return
    spec = {
        "module_name": str(header.get("module_name", "student")),
        "display_name": str(header.get("display_name", "student.py")),
    }
    cells = _cell_spans(header.get("cells"))
    budget = header.get("time_budget_s")
    budget = budget if type(budget) in (int, float) and budget > 0 else None
    module, error, failed = _load_student(spec, blobs[0] if blobs else b"", workdir, cells, budget)
    reply = {"ready": error is None, "error": error, "cells": failed, "id": header.get("id")}
    wire.send_message(sock, reply)
    if module is None:
        return
    while True:
        try:
            header, blobs = wire.recv_message(sock)
        except (EOFError, OSError, wire.WireError):
            return
        reply, reply_blobs = _answer(header, blobs, module, spec)
        reply["id"] = header.get("id")
        _flush_output()
        wire.send_message(sock, reply, reply_blobs)


def _cell_spans(value: Any) -> list[tuple[int, int, int]] | None:
    """``[[number, first, last], ...]`` as tuples; None (import whole) if absent or malformed."""
    if not isinstance(value, list):
        return None
    spans = [tuple(item) for item in value if isinstance(item, list) and len(item) == 3]
    if len(spans) != len(value) or not all(type(n) is int for span in spans for n in span):
        return None
    return spans


def _load_student(
    spec: dict, data: bytes, workdir: str, cells: list | None, budget: float | None
) -> tuple[ModuleType | None, dict | None, list[dict]]:
    """(module, None, failed cells) when a module exists; (None, error, []) otherwise."""
    try:
        module, source = _new_module(spec, data, workdir)
        if cells is None:
            exec(compile(source, spec["display_name"], "exec"), module.__dict__)
            return module, None, []
        return module, None, _run_cells(module, source, cells, spec, budget)
    except BaseException as exc:  # SystemExit and KeyboardInterrupt are the student's too
        return None, _describe(exc, spec), []
    finally:
        _flush_output()


def _new_module(spec: dict, data: bytes, workdir: str) -> tuple[ModuleType, str]:
    """An empty module for the student's code (in ``sys.modules``), and the source text."""
    name, display = spec["module_name"], spec["display_name"]
    path = _write_copy(workdir, display, data)
    source = data.decode("utf-8")
    lines = source.splitlines(keepends=True)
    linecache.cache[display] = (len(source), None, lines, display)
    module = ModuleType(name)
    module.__file__ = path
    sys.modules[name] = module
    return module, source


def _run_cells(
    module: ModuleType, source: str, cells: list, spec: dict, budget: float | None
) -> list[dict]:
    """Run each cell in turn in ``module``; the failures, as ``{"cell", "error"}`` dicts.

    A cell is compiled with as many blank lines before it as precede it in ``source``,
    so line numbers (tracebacks, syntax errors) are those of the whole source.
    """
    lines = source.splitlines(keepends=True)
    clock = _CellClock(budget)
    failed: list[dict] = []
    for number, first, last in cells:
        code = "\n" * max(first - 1, 0) + "".join(lines[max(first - 1, 0) : max(last, 0)])
        try:
            with clock.limit():
                compiled = compile(code, spec["display_name"], "exec")
                exec(compiled, module.__dict__)
        except BaseException as exc:  # the cell's failure; the next cell still runs
            if len(failed) < MAX_REPORTED_CELLS:
                failed.append({"cell": number, "error": _describe(exc, spec)})
        finally:
            _flush_output()
    return failed


class _CellClock:
    """Time limits for a notebook's cells within the load's budget (none without one)."""

    def __init__(self, budget: float | None) -> None:
        self.deadline = time.monotonic() + budget * CELLS_SHARE if budget else None
        self.per_cell = max(budget * CELL_SHARE, CELL_MIN_S) if budget else 0.0

    @contextlib.contextmanager
    def limit(self) -> Iterator[None]:
        """Run the body under this cell's limit; CellTimeout when it runs past it."""
        if self.deadline is None:
            yield
            return
        seconds = min(self.per_cell, self.deadline - time.monotonic())
        if seconds <= 0.01:
            raise CellTimeout("not run: the cells above it used all the time for this notebook")
        previous = signal.signal(signal.SIGALRM, _time_is_up(seconds)) or signal.SIG_DFL
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)


def _time_is_up(seconds: float):
    def handler(_signum: int, _frame: Any) -> None:
        raise CellTimeout(f"stopped after {seconds:.3g} s, the most one cell may run")

    return handler


def _write_copy(workdir: str, display_name: str, data: bytes) -> str:
    """Write the source at ``workdir/display_name`` (no absolute parts, no ``..``)."""
    parts = [p for p in display_name.replace("\\", "/").split("/") if p not in ("", ".", "..")]
    path = os.path.join(workdir, *(parts or ["student.py"]))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    return path


def _answer(header: dict, blobs: list[bytes], module: ModuleType, spec: dict) -> tuple[dict, list]:
    try:
        target = _resolve(header, module)
        args, kwargs = wire.decode(header.get("payload"), blobs, as_torch=True)
        value = target(*args, **kwargs)
    except BaseException as exc:
        return {"ok": False, "error": _describe(exc, spec)}, []
    try:
        encoded, out_blobs = wire.encode(value)
    except BaseException as exc:
        error = _describe(exc, spec)
        error["message"] = f"the returned value could not be sent back: {error['message']}"
        return {"ok": False, "error": error}, []
    return {"ok": True, "value": encoded}, out_blobs


def _resolve(header: dict, module: ModuleType) -> Any:
    op, func = header.get("op"), header.get("func", "")
    if not isinstance(func, str) or not _PUBLIC_NAME.fullmatch(func):
        raise ValueError(f"bad function name {func!r}")
    if op == "call":
        target = getattr(module, func, None)
        if not callable(target):
            raise AttributeError(f"your file defines no function named {func!r}")
        return target
    if op == "probe":
        probe_module = header.get("module", "")
        if not isinstance(probe_module, str) or not _PROBE_MODULE.fullmatch(probe_module):
            raise ValueError(f"bad probe module {probe_module!r}")
        probe = getattr(importlib.import_module(probe_module), func)
        return lambda *a, **k: probe(module, *a, **k)
    raise ValueError(f"unknown operation {op!r}")


def _describe(exc: BaseException, spec: dict) -> dict:
    """Type, message and the student's own frames of an exception, as plain data."""
    try:
        message = str(exc)
    except BaseException:
        message = "<message could not be shown>"
    if isinstance(exc, SystemExit):
        message = f"the code called sys.exit({exc.code!r})"
    frames = _student_frames(exc, spec["display_name"])
    if isinstance(exc, SyntaxError) and exc.lineno:
        frames.append(
            {
                "file": spec["display_name"],
                "line": exc.lineno,
                "function": "<module>",
                "text": (exc.text or "").strip(),
            }
        )
        message = exc.msg
    return {"type": type(exc).__name__, "message": message[:2000], "frames": frames[-5:]}


def _student_frames(exc: BaseException, display_name: str) -> list[dict]:
    try:
        summary = traceback.extract_tb(exc.__traceback__)
    except BaseException:
        return []
    return [
        {
            "file": display_name,
            "line": fs.lineno or 0,
            "function": fs.name,
            "text": (fs.line or "").strip()[:200],
        }
        for fs in summary
        if fs.filename == display_name
    ]


def _flush_output() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:
            pass
