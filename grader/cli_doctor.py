"""``grade doctor``: what isolation student code gets on this machine, and a smoke test.

Prints the isolation level the sandbox would run at (and why no stronger one),
what it protects and what it does not, the seccomp layer, Python, torch and
CUDA, whether the modules the course declares for student code import inside the
sandbox, then starts a real sandbox and reports what it could see and do.
Exit codes: 0 fine, 2 the requested level is unavailable (``--isolation strict``),
3 the sandbox did not work.
"""

from __future__ import annotations

import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import click

from grader.sandbox import Limits, Sandbox, SourceSpec, Zygote, landlock, seccomp
from grader.sandbox import isolation as iso
from grader.sandbox.hardening import harden_judge_process

SMOKE_MODULE = '''
import os, socket

def _read(path):
    try:
        if os.path.isdir(path):
            os.listdir(path)
        else:
            open(path, "rb").close()
        return "READABLE"
    except FileNotFoundError:
        return "not visible"
    except OSError as exc:
        return f"not readable ({type(exc).__name__})"

def facts(course_root, judge_pid):
    """What a sandbox sees: its uid, the network, the course files, the judge."""
    try:
        socket.create_connection(("1.1.1.1", 53), timeout=1).close()
        network = "reachable"
    except OSError as exc:
        network = f"blocked ({type(exc).__name__})"
    return {
        "uid": os.getuid(),
        "network": network,
        "solutions": _read(os.path.join(course_root, "solutions")),
        "hidden": _read(os.path.join(course_root, "hidden")),
        ".git": _read(os.path.join(course_root, ".git")),
        "judge": _read(f"/proc/{judge_pid}/cmdline"),
        "cwd": os.getcwd(),
    }
'''


@click.command("doctor")
@click.option(
    "--isolation",
    type=click.Choice(iso.CHOICES),
    default="auto",
    show_default=True,
    help="The level to check: auto, strict (namespaces or fail) or process.",
)
def doctor_command(isolation: str) -> None:
    """Check the sandbox on this machine: isolation level, torch, CUDA, a smoke test."""
    harden_judge_process()
    plan = iso.choose(isolation)  # IsolationUnavailable: exit code 2, at the CLI's boundary
    chosen = plan.isolation.with_landlock(landlock.abi() > 0)
    chosen = chosen.with_seccomp(seccomp.available())
    _describe(chosen, plan.tried)
    sys.exit(_smoke_test(isolation))


def _describe(chosen: iso.Isolation, tried: tuple[str, ...]) -> None:
    click.echo(f"isolation      {chosen.label}")
    _list("protects", chosen.protects)
    _list("not protected", chosen.unprotected or ("nothing listed for this level",))
    if tried:
        _list("not used", tried)
    state = "on (fork/exec, Internet sockets, ptrace denied)" if seccomp.available() else "off"
    click.echo(f"seccomp        {state}{'' if seccomp.available() else ' (libseccomp not found)'}")
    click.echo(f"landlock       {_landlock_state(chosen)}")
    click.echo(f"python         {platform.python_version()} ({sys.executable})")


def _landlock_state(chosen: iso.Isolation) -> str:
    version = landlock.abi()
    if not version:
        return "off (not in this kernel, or disabled: Linux 5.13+ with lsm=...,landlock)"
    if chosen.landlock:
        return f"on (ABI {version}): each sandbox opens only Python, the grader copy, its folder"
    return f"available (ABI {version}), not needed at this level"


def _list(title: str, items: tuple[str, ...]) -> None:
    for index, item in enumerate(items):
        click.echo(f"{title if index == 0 else '':14} - {item}")


def _course_modules() -> tuple[str, ...]:
    """The modules this command's course declares for student code (none outside a course)."""
    from grader.cli_context import current_course
    from grader.errors import GraderError

    try:
        return current_course().modules
    except GraderError:
        return ()


def _module_lines(modules: tuple[str, ...], missing: dict) -> tuple[str, ...]:
    if not modules:
        return ("none declared (course.toml `modules`)",)
    return tuple(
        f"{name}: MISSING in the sandbox ({missing[name]}): install it into {sys.prefix}"
        if name in missing
        else f"{name}: imports in the sandbox"
        for name in modules
    )


def _smoke_test(isolation: str) -> int:
    """Start a template and one sandbox; print what it saw. 0 when it worked, else 3."""
    with tempfile.TemporaryDirectory(prefix="grader-doctor-") as tmp:
        source = Path(tmp) / "smoke.py"
        source.write_text(SMOKE_MODULE, encoding="utf-8")
        try:
            modules = _course_modules()
            with Zygote.start(Limits(), isolation, modules=modules) as zygote:
                info = zygote.info()
                cuda = "available" if info.get("cuda") else "not available"
                click.echo(f"torch          {info.get('torch')}, CUDA {cuda}")
                _list("modules", _module_lines(modules, info.get("modules") or {}))
                started = time.perf_counter()
                box = Sandbox(zygote, SourceSpec(source, "smoke", "smoke.py"))
                try:
                    facts = box.call("facts", (iso.course_root(), os.getpid()))
                finally:
                    box.close()
        except Exception as exc:  # the doctor reports whatever went wrong, in one line
            click.echo(f"smoke test     FAILED: {type(exc).__name__}: {exc}")
            return 3
    elapsed = (time.perf_counter() - started) * 1000
    click.echo(f"smoke test     ok: a sandbox answered in {elapsed:.0f} ms")
    for key in ("uid", "network", "solutions", "hidden", ".git", "judge"):
        click.echo(f"  {key:12} {facts.get(key)}")
    return 0
