"""The sandbox side: import the student's file and answer calls with plain data.

Runs only inside a forked, limited sandbox process. Whatever it sends back is
untrusted (the student's code shares this process and may have patched
anything here); the judge decodes it strictly and judges it.
"""

from __future__ import annotations

import importlib
import linecache
import os
import re
import socket
import sys
import traceback
from types import ModuleType
from typing import Any

from grader.sandbox import wire

_PROBE_MODULE = re.compile(r"grader\.course\.[a-z0-9_]+\.probes")
_PUBLIC_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


def serve(sock: socket.socket, workdir: str) -> None:
    """Receive the student's source, import it, report readiness, answer requests until EOF.

    The first message is ``{"op": "load", "module_name", "display_name"}`` with the
    source as its one blob: the sandbox never needs the path of the student's file,
    and a copy is written at ``<workdir>/<display_name>`` (its ``__file__``).
    """
    try:
        header, blobs = wire.recv_message(sock)
    except (EOFError, OSError, wire.WireError):
        return
    spec = {
        "module_name": str(header.get("module_name", "student")),
        "display_name": str(header.get("display_name", "student.py")),
    }
    module, error = _import_student(spec, blobs[0] if blobs else b"", workdir)
    wire.send_message(sock, {"ready": error is None, "error": error, "id": header.get("id")})
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


def _import_student(spec: dict, data: bytes, workdir: str) -> tuple[ModuleType | None, dict | None]:
    name, display = spec["module_name"], spec["display_name"]
    try:
        path = _write_copy(workdir, display, data)
        source = data.decode("utf-8")
        lines = source.splitlines(keepends=True)
        linecache.cache[display] = (len(source), None, lines, display)
        module = ModuleType(name)
        module.__file__ = path
        sys.modules[name] = module
        exec(compile(source, display, "exec"), module.__dict__)
        return module, None
    except BaseException as exc:  # SystemExit and KeyboardInterrupt are the student's too
        return None, _describe(exc, spec)
    finally:
        _flush_output()


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
