"""The template ("zygote") process: pay the heavy imports once, fork a sandbox per request.

Started by the judge as a separate, fresh interpreter, inside bubblewrap at the
``namespaces`` level (see :mod:`grader.sandbox.isolation`). It never holds the
judge's memory: no expected values, no hidden inputs, no student file paths.
It closes every descriptor it inherited but its control socket, makes itself
non-dumpable and a child subreaper, pre-imports numpy, torch (one thread,
before any torch op: forking after a multi-threaded op deadlocks children),
sympy and the modules the course declares for student code (and, in a template
started warm, torch's lazy imports: :func:`_warm_up_lazy_torch`), then serves
requests on a SOCK_SEQPACKET control socket:

- ``spawn``: make a private working directory, fork a child that confines itself
  (:mod:`grader.sandbox.confine`) and serves one student's module over the
  socket passed with the request (:mod:`grader.sandbox.child`); its stdout and
  stderr go to the pipe passed alongside. Replies with the child's pid as seen here.
- ``reap``: kill that child's process group, say how it ended, then clear up
  (:mod:`grader.sandbox.sweep`): stray processes, its working directory, and,
  once no sandbox is live, every scratch place it could have written to.

Only pids this template spawned are ever signalled; the judge never kills by pid
(inside a PID namespace the numbers mean something else outside).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass

from grader.sandbox import landlock, seccomp, sweep
from grader.sandbox.confine import Layers, close_other_fds, confine, die_with_parent
from grader.sandbox.limits import Limits

CONTROL_BUFFER = 1 << 16
PR_SET_DUMPABLE = 4
UID_BASE = 2_000_000_000  # process level as root: each template's sandboxes get BASE + its pid
_COMMON_MODULES = (
    "fractions",
    "decimal",
    "random",
    "statistics",
    "itertools",
    "copy",
    "math",
    "encodings.idna",
)


@dataclass
class _Child:
    workdir: str
    started: float


class Template:
    """The template's state: its mode and the sandboxes it has spawned and not yet reaped."""

    def __init__(self, level: str, own_uid: bool, policy: landlock.Policy | None = None) -> None:
        self.namespaces = level == "namespaces"
        self.uid = UID_BASE + os.getpid() if own_uid else None
        self.policy = policy  # process level with Landlock: what each sandbox may open
        self.children: dict[int, _Child] = {}
        self.exits: dict[int, str] = {}
        self.dirty_since: float | None = None
        self.seccomp = seccomp.compile_filter((os.getpid(), os.getppid()))
        # Folders the template reads from: if one moved (a venv under the sandbox's
        # writable /tmp, renamed by a student), start afresh rather than serve a broken view.
        self.anchors = {sys.prefix, sys.base_prefix, os.path.dirname(os.path.dirname(__file__))}

    def spawn(self, request: dict, fds: list[int]) -> int:
        sock_fd, out_fd = fds[0], fds[1]
        workdir = self._make_workdir()
        started = time.time()
        pid = os.fork()
        if pid == 0:
            _become_sandbox(request, (sock_fd, out_fd), workdir, self)
        os.close(sock_fd)
        os.close(out_fd)
        self.children[pid] = _Child(workdir, started)
        self.dirty_since = min(self.dirty_since or started, started)
        return pid

    def reap(self, pid: int) -> str:
        """Kill the child ``pid`` spawned here, clear up after it, say how it had ended."""
        child = self.children.pop(pid, None)
        if child is None:
            return "unknown"
        for kill in (os.killpg, os.kill):
            try:
                kill(pid, signal.SIGKILL)
            except OSError:
                pass
        status = self.exits.pop(pid, None) or _wait(pid)
        self._clear_up(child)
        return status

    def collect(self) -> None:
        """Reap every exited child; remember how the sandboxes among them ended."""
        for pid, status in sweep.reap_zombies().items():
            if pid in self.children:
                self.exits[pid] = describe_status(status)

    def _make_workdir(self) -> str:
        if self.namespaces:
            return tempfile.mkdtemp(prefix="box-", dir="/tmp")
        workdir = tempfile.mkdtemp(prefix="grader-sandbox-")
        if self.uid is not None:
            os.chown(workdir, self.uid, self.uid)
        return workdir

    def _clear_up(self, child: _Child) -> None:
        live = set(self.children)
        if self.namespaces and not live:
            sweep.kill_all_but_me()
        else:
            sweep.kill_descendants(keep_sessions=live)
        self.collect()
        sweep.remove_tree(child.workdir)
        if live:
            return
        if self.namespaces:
            for folder in sweep.NAMESPACE_SCRATCH:
                sweep.empty_dir(folder)
            sweep.remove_sysv_ipc(None, None)
        else:
            uid = os.getuid() if self.uid is None else self.uid
            since = self.dirty_since or child.started
            sweep.clean_world_writable(uid, since, shared_uid=self.uid is None)
            sweep.remove_sysv_ipc(uid, since if self.uid is None else None)
        self.dirty_since = None
        if not all(os.path.isdir(anchor) for anchor in self.anchors):
            os._exit(75)  # the judge starts a fresh template at the next spawn


def main() -> None:
    """Entry point: ``python -c ... <control fd> <package parent> <config>``; the config is
    JSON: ``{"level", "own_uid", "checks": [<course checks folder>], "modules": [<module the
    course declares>, ...], "landlock": policy, "warm": bool}``."""
    ctrl_fd, config = int(sys.argv[1]), json.loads(sys.argv[2])
    if config.get("checks"):
        from pathlib import Path

        import grader.course

        grader.course.mount(Path(config["checks"][0]))
    close_other_fds((ctrl_fd,))
    ctrl = socket.socket(fileno=ctrl_fd)
    die_with_parent()
    _harden()
    info = _preimport()
    info["modules"] = _import_declared(config.get("modules", []))
    policy = landlock.Policy.from_dict(config["landlock"]) if "landlock" in config else None
    own_uid = bool(config.get("own_uid"))
    template = Template(str(config.get("level")), own_uid, policy)
    info.update(seccomp=bool(template.seccomp), sandbox_uid=template.uid, landlock=bool(policy))
    if own_uid:  # its sandboxes may not be able to import these themselves
        _warm_up_symbolic()
        _warm_up_training()
    if config.get("warm"):  # before "ready": the judge waits for it at start, never in a check
        _warm_up_lazy_torch()
    ctrl.send(json.dumps({"ready": True, **info}).encode())
    while True:
        try:
            data, fds, _flags, _addr = socket.recv_fds(ctrl, CONTROL_BUFFER, 4)
        except OSError:
            return
        if not data:
            return
        template.collect()
        ctrl.send(json.dumps(_handle(template, json.loads(data), fds)).encode())


def _harden() -> None:
    sweep.become_subreaper()
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _preimport() -> dict:
    warnings.simplefilter("ignore")
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    import numpy  # noqa: F401
    import sympy
    import torch

    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    for name in _COMMON_MODULES:
        __import__(name)
    _warm_up(sympy)
    import grader.sandbox.child  # noqa: F401

    cuda = bool(torch.cuda.is_available())
    return {
        "torch": torch.__version__,
        "cuda": cuda,
        "uid": os.getuid(),
    }


def _import_declared(names: list[str]) -> dict[str, str]:
    """Import the course's declared modules once; name -> why, for each that failed.

    Imported here, every sandbox forked later has them (even one whose uid could not
    read their files); a module missing here is missing for every student.
    """
    failed = {}
    for name in names:
        try:
            __import__(name)
        except BaseException as exc:  # an instructor's module: reported, never fatal
            failed[name] = f"{type(exc).__name__}: {exc}"[:300]
    return failed


def _warm_up(sympy) -> None:
    """Pay once, here, the lazy imports and first-call costs every sandbox would pay.

    Also what lets a sandbox that runs as another uid use modules it could not
    read (a Python installed under /root). Never fails the template.
    """
    try:
        x = sympy.Symbol("x", positive=True)
        expr = (x + 1) ** 2 / x
        str(expr), expr.free_symbols  # what sending a sympy value back needs
        _import_probes()
    except Exception:  # a warm-up, nothing more
        pass


def _warm_up_symbolic() -> None:
    """sympy's simplify and diff import their machinery on first use."""
    try:
        import sympy

        x = sympy.Symbol("x", positive=True)
        sympy.simplify(sympy.diff((x + 1) ** 2 / x, x))
    except Exception:  # a warm-up, nothing more
        pass


def _warm_up_training() -> None:
    """A torch optimizer's first use imports some 350 modules (0.8 s).

    Only for sandboxes with a uid of their own, which may not be able to import them.
    Elsewhere each sandbox that trains pays it (warming up here would delay the first
    sandbox of every run; a batch could opt in).
    """
    try:
        import torch

        nn = torch.nn
        model = nn.Sequential(nn.Linear(3, 4), nn.Sigmoid(), nn.Linear(4, 1))
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        loss = torch.nn.functional.mse_loss(model(torch.ones(2, 3)), torch.zeros(2, 1))
        loss.backward()
        optimizer.step()
    except Exception:  # a warm-up, nothing more
        pass


def _warm_up_lazy_torch() -> None:
    """Import torch._dynamo (some 800 modules, about 1 s) before forking.

    torch imports it lazily on the first call of any function wrapped in
    ``torch._disable_dynamo``: the first optimizer, and the Python-implemented kernels
    (e.g. comparisons and type promotion on ``meta`` tensors). A sandbox forked from a
    template without it pays that import again, for every submission. Importing runs no
    torch op and starts no thread, so forking stays safe.
    """
    try:
        import torch._dynamo  # noqa: F401
    except Exception:  # a warm-up, nothing more
        pass


def _import_probes() -> None:
    """Import every exercise's probes module (public grader code)."""
    import importlib
    import pkgutil

    import grader.course

    for info in pkgutil.iter_modules(grader.course.__path__):
        try:
            importlib.import_module(f"grader.course.{info.name}.probes")
        except Exception:  # an exercise being written, or one without probes
            pass


def _handle(template: Template, request: dict, fds: list[int]) -> dict:
    op = request.get("op")
    if op == "spawn" and len(fds) == 2:
        return {"pid": template.spawn(request, fds)}
    for fd in fds:
        os.close(fd)
    if op == "reap":
        return {"status": template.reap(int(request["pid"]))}
    return {"error": f"unknown op {op!r}"}


def _become_sandbox(request: dict, fds: tuple[int, int], workdir: str, template: Template) -> None:
    """The forked child: confine, then serve the student's module; never returns."""
    code = 0
    sock_fd, out_fd = fds
    try:
        from grader.sandbox import child

        limits = Limits.from_dict(request["limits"])
        layers = Layers(template.uid, template.seccomp, template.policy)
        confine(sock_fd, out_fd, workdir, limits, layers)
        child.serve(socket.socket(fileno=sock_fd), workdir)
    except BaseException:
        code = 70
    finally:
        os._exit(code)


def _wait(pid: int) -> str:
    try:
        _pid, status = os.waitpid(pid, 0)
    except ChildProcessError:
        return "unknown"
    return describe_status(status)


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


if __name__ == "__main__":
    main()
