"""The judge's handle on the template process (:mod:`grader.sandbox.zygote`).

    zygote = Zygote.start(limits, isolation="auto")   # returns at once; imports run meanwhile
    handle = zygote.spawn(sock_fd, out_fd)            # a sandbox process serving on sock_fd
    zygote.reap(handle)                               # killed, cleared up, how it ended

The template runs at the isolation level :func:`grader.sandbox.isolation.choose`
picked. If it dies (a student's sandbox may kill its parent when it shares its
uid, or the machine runs out of memory), the next spawn starts a fresh one: the
sandboxes of the old one died with it, and their handles reap as "unknown".
"""

from __future__ import annotations

import json
import logging
import select
import socket
import subprocess
import tempfile
from pathlib import Path

from grader.errors import SandboxStartError
from grader.sandbox import isolation as iso
from grader.sandbox import landlock, seccomp
from grader.sandbox.isolation import Isolation
from grader.sandbox.limits import Limits
from grader.sandbox.public_copy import PublicCopy, make_public_copy

log = logging.getLogger(__name__)

_BOOTSTRAP = (
    "import sys; sys.path.insert(0, sys.argv.pop(2)); "
    "from grader.sandbox.zygote import main; del sys.path[0]; main()"
)
_GENERATION = 1 << 32  # a handle is generation * _GENERATION + pid


class Zygote:
    """A running template process that forks sandboxes on request."""

    def __init__(
        self,
        command: list[str],
        env: dict,
        limits: Limits,
        isolation: Isolation,
        warm: bool = False,
        public_copy: PublicCopy | None = None,
    ) -> None:
        self._command = command
        self._env = env
        self.limits = limits
        self.isolation = isolation
        self.warm = warm
        self._public_copy = public_copy
        self._generation = 0
        self._info: dict | None = None
        self._launch()

    @classmethod
    def start(
        cls,
        limits: Limits | None = None,
        isolation: str = "auto",
        checks_dir: Path | None = None,
        warm: bool = False,
        modules: tuple[str, ...] = (),
    ) -> Zygote:
        """Launch the template process; returns at once (imports continue in the background).

        ``isolation`` is "auto" (the strongest level available here, with a warning
        below namespaces), "strict" (namespaces or IsolationUnavailable) or "process".
        ``checks_dir`` is the course's public folder, mounted as ``grader.course`` in the
        template (and visible, read-only, inside the namespaces): where probes come from.
        ``warm``: before it is ready, the template also pays torch's lazy imports (about
        1 s, once) that each sandbox would otherwise pay when it first makes an optimizer
        or uses a meta tensor: worth it when one template serves many submissions, or
        when the exercises graded need them (see :attr:`grader.exercise.Exercise.warm_template`).
        ``modules`` are the course's extra modules for student code: the template imports
        them once, and :meth:`info` says which could not be imported.
        At the process level the template reads a private copy of it and of the grader
        package instead (:mod:`grader.sandbox.public_copy`), and each sandbox is confined
        to that copy, Python and its own folder by Landlock where the kernel has it.
        """
        limits = limits or Limits()
        public = (str(checks_dir.resolve()),) if checks_dir else ()
        plan = iso.choose(isolation, public)
        use_landlock = limits.landlock and landlock.abi() > 0
        chosen = plan.isolation.with_landlock(use_landlock)
        chosen = chosen.with_seccomp(limits.seccomp and seccomp.available())
        iso.warn_once(chosen)
        env = iso.sandbox_environment()
        env["HOME"] = tempfile.gettempdir()
        config = {
            "level": chosen.level,
            "own_uid": chosen.own_uid,
            "checks": public[0:1],
            "modules": list(modules),
            "warm": warm,
        }
        package_parent, copy = str(iso.package_dir().parent), None
        if chosen.level == iso.PROCESS:
            copy = make_public_copy(iso.package_dir(), checks_dir)
            package_parent, config["checks"] = str(copy.root), [str(copy.checks)]
            if chosen.landlock:
                config["landlock"] = iso.landlock_policy(copy.root).to_dict()
        tail = [package_parent, json.dumps(config)]
        command = [*plan.prefix, iso.PYTHON, "-c", _BOOTSTRAP, "{fd}", *tail]
        try:
            return cls(command, env, limits, chosen, warm, copy)
        except BaseException:
            if copy is not None:
                copy.remove()
            raise

    def info(self, timeout: float = 120.0) -> dict:
        """Wait until the imports are done; torch version, CUDA and seccomp availability, and
        ``modules``: each declared module that could not be imported -> why."""
        if self._info is None:
            self._info = self._receive(timeout, "start")
        return self._info

    def spawn(self, sock_fd: int, out_fd: int) -> int:
        """Fork a sandbox that will serve on ``sock_fd``; returns an opaque handle for :meth:`reap`.

        The handle holds the pid *as the template sees it*: inside a PID namespace that
        number means another process outside, so the judge never signals it.
        """
        if self._info is not None and self._proc.poll() is not None:
            self._relaunch()
        try:
            return self._spawn(sock_fd, out_fd)
        except SandboxStartError:
            if self._info is None:
                raise  # it never started: relaunching would fail the same way
            self._relaunch()
            return self._spawn(sock_fd, out_fd)

    def _spawn(self, sock_fd: int, out_fd: int) -> int:
        self.info()
        request = {"op": "spawn", "limits": self.limits.to_dict()}
        try:
            socket.send_fds(self._ctrl, [json.dumps(request).encode()], [sock_fd, out_fd])
        except OSError as exc:
            raise SandboxStartError(f"the sandbox template process is gone: {exc}") from None
        pid = int(self._receive(30.0, "spawn")["pid"])
        return self._generation * _GENERATION + pid

    def reap(self, handle: int) -> str:
        """Have the template kill that sandbox (and its strays), clear up, and say how it ended."""
        generation, pid = divmod(handle, _GENERATION)
        if generation != self._generation or self._proc.poll() is not None:
            return "unknown"  # it died with the template that forked it
        try:
            self._ctrl.send(json.dumps({"op": "reap", "pid": pid}).encode())
        except OSError:
            return "unknown"
        return str(self._receive(60.0, "reap").get("status", "unknown"))

    def close(self) -> None:
        """Stop the template process (its children die with it); remove the private copy."""
        self._stop_process()
        if self._public_copy is not None:
            self._public_copy.remove()

    def _stop_process(self) -> None:
        self._ctrl.close()
        if self._proc.poll() is None:
            self._proc.kill()
        self._proc.wait()
        self._stderr.close()

    def _launch(self) -> None:
        ctrl, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        command = [a.replace("{fd}", str(theirs.fileno())) for a in self._command]
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 (closed by close())
        try:
            self._proc = subprocess.Popen(
                command,
                pass_fds=(theirs.fileno(),),
                env=self._env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=self._stderr,
            )
        except OSError as exc:
            ctrl.close()
            raise SandboxStartError(f"could not start the sandbox process: {exc}") from exc
        finally:
            theirs.close()
        self._ctrl = ctrl
        self._generation += 1

    def _relaunch(self) -> None:
        log.warning("the sandbox template process ended (%s); starting a new one", self._status())
        self._stop_process()
        self._info = None
        self._launch()

    def _receive(self, timeout: float, what: str) -> dict:
        ready, _, _ = select.select([self._ctrl], [], [], timeout)
        try:
            data = self._ctrl.recv(1 << 16) if ready else b""
        except OSError:
            data = b""
        if not data:
            raise SandboxStartError(
                f"the sandbox template process failed during {what}: {self._stderr_tail()}"
            )
        return json.loads(data)

    def _status(self) -> str:
        code = self._proc.poll()
        return "running" if code is None else f"exit status {code}"

    def _stderr_tail(self) -> str:
        if self._proc.poll() is None:
            self._proc.kill()
        self._proc.wait()
        self._stderr.seek(0)
        err = self._stderr.read().decode(errors="replace")
        return err.strip()[-2000:] or f"exit status {self._proc.returncode}"

    def __enter__(self) -> Zygote:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
