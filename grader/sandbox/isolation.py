"""Which kernel isolation the sandbox gets, and the command that starts the template in it.

Two levels, chosen once per judge process (see ``docs/security.md``):

``namespaces``
    The template process (and so every sandbox forked from it) runs inside
    bubblewrap: no network, a private ``/tmp``, ``/dev/shm`` and IPC, its own PID
    namespace (the judge's processes are invisible), uid 65534 without
    capabilities, and a read-only view of the Python installation and the
    ``grader`` package only: no course repository, solutions, hidden checks or
    other submissions. Started by root, a small launcher (:mod:`grader.sandbox.launch`)
    makes bubblewrap run as uid 65534 outside the namespace too.
``process``
    Where namespaces are unavailable: each sandbox runs as a uid of its own when
    the judge is root (otherwise as the judge's user) with rlimits, a fresh private
    working directory, and what it leaves in world-writable places removed. The
    template reads a private copy of the ``grader`` package and the course's public
    ``checks/`` (:mod:`grader.sandbox.public_copy`), never the course, so the course
    may be mode 0700; where the kernel has Landlock, each sandbox can open only that
    copy, Python, system libraries and its working directory
    (:mod:`grader.sandbox.landlock`), whatever other files' modes. A one-line warning
    says what this level does not protect, naming the exposed folders.

``choose("auto")`` takes the strongest that works here, ``choose("strict")`` raises
:class:`~grader.errors.IsolationUnavailable` below namespaces, ``choose("process")``
forces the fallback (tests use it to exercise that level).
"""

from __future__ import annotations

import glob
import logging
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path

from grader.errors import IsolationUnavailable, UsageError
from grader.sandbox import landlock

log = logging.getLogger(__name__)

#: This interpreter, as an absolute path without `..` (inside the namespaces only bound
#: folders exist, so a path through an unbound one, e.g. `tests/../.venv`, would not).
PYTHON = os.path.abspath(sys.executable)

CHOICES = ("auto", "strict", "process")
NAMESPACES, PROCESS = "namespaces", "process"
SANDBOX_UID = 65534  # "nobody": the uid inside (and, from root, outside) the namespaces
TMP_BYTES = 256 * 1024**2  # the sandbox's /tmp (tmpfs: counts against memory)
SHM_BYTES = 64 * 1024**2
NO_NETWORK_ISOLATION = "no network isolation"
TCP_ONLY = "only TCP is denied (landlock): UDP and Unix sockets of other programs stay reachable"
_DEVICE_GLOBS = ("/dev/nvidia*", "/dev/dri")
_SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
_SYSTEM_FILES = ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime")
_HEAVY_MODULES = ("numpy", "torch", "sympy", "mpmath")

PROTECTS = {
    NAMESPACES: (
        "no network",
        "private /tmp, /dev/shm, HOME and IPC, wiped after each submission",
        "read-only view of Python and the grader package only: no course files, solutions, "
        "hidden checks or other submissions",
        "the judge's and other processes are invisible; uid 65534 without capabilities",
    ),
    PROCESS: (
        "rlimits (memory, CPU, file size, open files), wall-clock timeouts",
        "a fresh private working directory and HOME per submission",
        "files left in /tmp, /var/tmp and /dev/shm removed after each submission",
        "the template reads a private copy of the grader package and the public checks/, "
        "never the course folder",
    ),
}
LANDLOCK_PROTECTS = (
    "landlock: files can be opened only in Python, system libraries, the private copy and "
    "the sandbox's own folder: no course files (solutions/, hidden/, .git), other "
    "submissions, gradebook or other processes' /proc entries, whatever their modes",
)


@dataclass(frozen=True)
class Isolation:
    """The isolation one template process gets: level, how, and what it does not cover."""

    level: str
    mechanism: str
    unprotected: tuple[str, ...] = ()
    own_uid: bool = False  # process level as root: each sandbox runs as SANDBOX_UID_BASE + pid
    landlock: bool = False  # process level: each sandbox restricts what it may open

    @property
    def label(self) -> str:
        """Recorded with every result, e.g. ``namespaces (bubblewrap, uid 65534)``."""
        return f"{self.level} ({self.mechanism})"

    @property
    def protects(self) -> tuple[str, ...]:
        return PROTECTS[self.level] + (LANDLOCK_PROTECTS if self.landlock else ())

    def with_landlock(self, on: bool) -> Isolation:
        """This isolation with the Landlock layer (process level only; else unchanged)."""
        if not on or self.level != PROCESS:
            return self
        return process_isolation(landlock=True)

    def with_seccomp(self, on: bool) -> Isolation:
        """This isolation with the seccomp layer noted (it denies Internet sockets too)."""
        if not on:
            return self
        unprotected = tuple(
            "only Internet sockets are denied (seccomp): Unix sockets of other programs "
            "stay reachable"
            if u in (NO_NETWORK_ISOLATION, TCP_ONLY)
            else u
            for u in self.unprotected
        )
        return replace(self, mechanism=f"{self.mechanism}, seccomp", unprotected=unprotected)

    def warning(self) -> str:
        """One line for a level below namespaces ('' at namespaces)."""
        if not self.unprotected:
            return ""
        advice = "see docs/security.md"
        if self.level != NAMESPACES:
            advice = f"install bubblewrap for kernel isolation: {advice}"
        return (
            f"sandbox isolation is {self.label}; not protected: {'; '.join(self.unprotected)} "
            f"({advice})"
        )


@dataclass(frozen=True)
class Plan:
    """An isolation and the command prefix that starts the template process inside it."""

    isolation: Isolation
    prefix: tuple[str, ...] = ()
    tried: tuple[str, ...] = field(default_factory=tuple)  # why stronger ones were not used


def choose(requested: str = "auto", public: tuple[str, ...] = ()) -> Plan:
    """The plan for ``requested`` ("auto", "strict" or "process"); see the module docstring.

    ``public`` are folders the sandbox may read besides Python and the grader package
    (the course's public checks and probes), bound read-only at the namespaces level.
    """
    if requested not in CHOICES:
        raise UsageError(f"--isolation must be one of {', '.join(CHOICES)}, not {requested!r}")
    if requested == PROCESS:
        return Plan(process_isolation())
    plan = _namespace_plan(public)
    if plan.isolation.level == NAMESPACES:
        return plan
    if requested == "strict":
        raise IsolationUnavailable(
            "--isolation strict: kernel isolation (namespaces) is not available here: "
            + "; ".join(plan.tried)
            + " (see docs/security.md)"
        )
    return plan


def process_isolation(landlock: bool = False) -> Isolation:
    """The fallback level: a uid of its own as root, else the judge's user, plus rlimits,
    plus Landlock where asked (the caller checks :func:`grader.sandbox.landlock.abi`)."""
    if landlock:
        return _landlocked()
    if not _is_root():
        return Isolation(
            PROCESS,
            "same user, rlimits",
            (
                NO_NETWORK_ISOLATION,
                "student code runs as your user: it can read and write every file you can "
                "(solutions/, hidden/, .git, the gradebook, other submissions)",
            ),
        )
    unprotected = [NO_NETWORK_ISOLATION, *_readable_by_others()]
    unprotected.append(
        "other processes' command lines are readable in /proc (grade batch's names the "
        "submissions folder)"
    )
    return Isolation(PROCESS, "own uid, rlimits", (*unprotected, *_python_note()), own_uid=True)


def _landlocked() -> Isolation:
    unprotected = [TCP_ONLY if landlock.abi() >= 4 else NO_NETWORK_ISOLATION]
    unprotected.append(
        "stat() and path lookups are not restricted: the names, sizes and times of any "
        "file stay visible (not their contents), and so do process ids"
    )
    if not _is_root():
        if landlock.abi() < 6:
            unprotected.append(
                "student code runs as your user: without seccomp it could signal your "
                "processes (Landlock scopes signals from Linux 6.12)"
            )
        return Isolation(PROCESS, "same user, rlimits, landlock", tuple(unprotected), landlock=True)
    return Isolation(
        PROCESS,
        "own uid, rlimits, landlock",
        (*unprotected, *_python_note()),
        own_uid=True,
        landlock=True,
    )


def _readable_by_others() -> list[str]:
    """What other users (so a sandbox's own uid) may read of the course's instructor-only
    files, named one by one; and the general rule for every other file."""
    root = Path(course_root())
    git = _git_dirs(root)
    exposed = exposed_paths([root / "solutions", root / "hidden", *git])
    found = []
    if exposed:
        outside = [str(g) for g in git if not _inside(str(g), str(root)) and str(g) in exposed]
        folders = " ".join([str(root), *outside[-1:]])
        found.append(
            f"readable by other users, so by student code: {', '.join(exposed)} "
            f"(chmod 0700 {folders}: the sandbox reads a private copy, never the course)"
        )
    found.append(
        "every file other users may read stays readable: a submissions folder or "
        "gradebook that is not mode 0700 (grade batch names them)"
    )
    return found


def _python_note() -> list[str]:
    unreadable = [p for p in _python_dirs() if not _world_readable(p)]
    if not unreadable:
        return []
    return [
        f"{unreadable[0]} is not readable by other users, so student code can import "
        "only what the template pre-imported"
    ]


def exposure_warning(plan: Plan, paths: list[Path]) -> str:
    """One line naming those of ``paths`` (a submissions folder, a gradebook) that student
    code could read at ``plan``'s level: '' at namespaces or with Landlock, or if none."""
    chosen = plan.isolation
    if chosen.level != PROCESS or landlock.abi() > 0:
        return ""
    if not _is_root():
        exposed = [str(p) for p in paths if p.exists()]
        who = "student code runs as your user"
    else:
        exposed = exposed_paths(paths)
        who = "other users may read them, so student code can"
    if not exposed:
        return ""
    return (
        f"at the process isolation level without Landlock, {who}: {', '.join(exposed)} "
        "(chmod 0700 them, or install bubblewrap: see docs/security.md)"
    )


def exposed_paths(paths: list[Path]) -> list[str]:
    """Those of ``paths`` that exist and that a user with no special rights could read."""
    return [str(p) for p in paths if p.exists() and _world_readable(str(p))]


def _git_dirs(root: Path) -> list[Path]:
    """The repository data of a course checkout: ``.git``, or a worktree's git and common dirs."""
    dot_git = root / ".git"
    if not dot_git.is_file():
        return [dot_git]
    try:
        text = dot_git.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return []
    if not text.startswith("gitdir:"):
        return []
    gitdir = (root / text.removeprefix("gitdir:").strip()).resolve()
    common = gitdir / "commondir"
    dirs = [gitdir]
    if common.is_file():
        dirs.append((gitdir / common.read_text(encoding="utf-8").strip()).resolve())
    return dirs


def landlock_policy(public_copy: Path) -> landlock.Policy:
    """What each sandbox may open at the process level: system libraries, Python, the
    private copy of the package and public checks (plus its working directory, always)."""
    paths = [p for p in _SYSTEM_DIRS if os.path.isdir(p)]
    paths += [*_SYSTEM_FILES, "/etc", "/sys"]  # /sys: CPU and GPU facts libraries read
    paths += _python_dirs()
    paths.append(str(public_copy))
    devices = sorted(d for pattern in _DEVICE_GLOBS for d in glob.glob(pattern))
    return landlock.Policy(tuple(dict.fromkeys(paths)), tuple(devices))


# ----------------------------------------------------------------------------- namespaces

_PLAN_CACHE: dict[tuple[str, ...], Plan] = {}


def _namespace_plan(public: tuple[str, ...]) -> Plan:
    """The first bubblewrap variant that passes a smoke run, else the process plan."""
    if public in _PLAN_CACHE:
        return _PLAN_CACHE[public]
    tried: list[str] = []
    plan = None
    bwrap = shutil.which("bwrap")
    if not sys.platform.startswith("linux"):
        tried.append(f"no Linux namespaces on {sys.platform}")
    elif bwrap is None:
        tried.append("bubblewrap (bwrap) is not installed")
    else:
        for candidate in _bwrap_candidates(bwrap, public):
            problem = _smoke(candidate)
            if problem is None:
                plan = Plan(candidate.isolation, candidate.prefix, tuple(tried))
                break
            tried.append(f"{candidate.isolation.mechanism}: {problem}")
    plan = plan or Plan(process_isolation(), (), tuple(tried))
    _PLAN_CACHE[public] = plan
    return plan


def _bwrap_candidates(bwrap: str, public: tuple[str, ...]) -> list[Plan]:
    features = _bwrap_features(bwrap)
    binds = _ro_binds(public)
    if not _is_root():
        mechanism = "bubblewrap, uid 65534 inside, your user outside"
        return [Plan(Isolation(NAMESPACES, mechanism), _bwrap_argv(bwrap, features, binds))]
    sources = [src for src, _dst in binds]
    staged = [(f"/tmp/{i}", dst) for i, (_src, dst) in enumerate(binds)]
    launcher = [
        PYTHON,
        "-I",
        "-S",
        str(Path(__file__).with_name("launch.py")),
        str(SANDBOX_UID),
        "/tmp",
        *sources,
        "--",
    ]
    return [
        Plan(
            Isolation(NAMESPACES, "bubblewrap, uid 65534"),
            (*launcher, *_bwrap_argv(bwrap, features, staged)),
        ),
        Plan(
            Isolation(
                NAMESPACES,
                "bubblewrap, uid 65534 inside, root outside",
                ("RLIMIT_NPROC is not enforced for uid 0 outside the namespace (fork bombs)",),
            ),
            _bwrap_argv(bwrap, features, binds),
        ),
    ]


def _bwrap_argv(bwrap: str, features: str, binds: list[tuple[str, str]]) -> tuple[str, ...]:
    argv = [bwrap, "--unshare-all", "--unshare-user", "--die-with-parent", "--new-session"]
    if "--disable-userns" in features:
        argv.append("--disable-userns")
    argv += ["--cap-drop", "ALL", "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID)]
    argv += ["--hostname", "sandbox"]
    argv += [*_sized(features, TMP_BYTES), "--tmpfs", "/tmp", "--proc", "/proc", "--dev", "/dev"]
    argv += [*_sized(features, SHM_BYTES), "--tmpfs", "/dev/shm", "--mqueue", "/dev/mqueue"]
    for src, dst in binds:
        argv += ["--ro-bind", src, dst]
    argv += _symlinks()
    for device in sorted(glob.glob("/dev/nvidia*")):
        argv += ["--dev-bind-try", device, device]
    argv += ["--remount-ro", "/"]  # the root itself: only /tmp, /dev/shm, /dev/mqueue are writable
    argv += ["--clearenv", *_env_args(), "--chdir", "/tmp", "--"]
    return tuple(argv)


def _sized(features: str, size: int) -> list[str]:
    return ["--size", str(size)] if "--size" in features else []


def _env_args() -> list[str]:
    env = sandbox_environment()
    path = f"{Path(PYTHON).parent}:/usr/local/bin:/usr/bin:/bin"
    env.update(HOME="/tmp", TMPDIR="/tmp", USER="nobody", LOGNAME="nobody", PATH=path)
    return [arg for key, value in sorted(env.items()) for arg in ("--setenv", key, value)]


def sandbox_environment() -> dict[str, str]:
    """The template's whole environment: a few harmless variables, nothing of the judge's."""
    passed = ("PATH", "LANG", "LC_ALL", "CUDA_VISIBLE_DEVICES", "OPENBLAS_CORETYPE", "SYSTEMROOT")
    env = {k: os.environ[k] for k in passed if k in os.environ}
    env.update(
        OMP_NUM_THREADS="1",
        MKL_NUM_THREADS="1",
        PYTHONDONTWRITEBYTECODE="1",
        PYTHONNOUSERSITE="1",
        PYTHONHASHSEED="0",
    )
    return env


def _ro_binds(public: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """(host path, sandbox path) pairs: system libraries, Python, the grader package and
    the course's public folders only."""
    paths = [p for p in _SYSTEM_DIRS if os.path.isdir(p) and not os.path.islink(p)]
    paths += [p for p in _SYSTEM_FILES if os.path.exists(p)]
    paths += _python_dirs()
    paths.append(str(package_dir()))
    paths += [p for p in public if os.path.isdir(p)]
    kept: list[str] = []
    for path in sorted({os.path.realpath(p) for p in paths} | set(paths), key=len):
        if os.path.exists(path) and not any(_inside(path, k) for k in kept):
            kept.append(path)
    return [(p, p) for p in kept]


def _python_dirs() -> list[str]:
    """The Python prefixes and the site directories holding the pre-imported libraries."""
    found = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    found.add(str(Path(sys.executable).resolve().parents[1]))
    for name in _HEAVY_MODULES:
        module = sys.modules.get(name)
        origin = getattr(module, "__file__", None)
        if origin is None:
            try:
                import importlib.util

                spec = importlib.util.find_spec(name)
                origin = spec.origin if spec else None
            except (ImportError, ValueError):
                origin = None
        if origin:
            found.add(str(Path(origin).resolve().parents[1]))
    forbidden = [course_root()]
    holder = package_dir().parent  # a clone: the folder holding grader/ may hold solutions/
    if any((holder / name).exists() for name in ("solutions", "hidden", "exercises")):
        forbidden.append(str(holder))
    return [p for p in found if not any(_inside(f, p) for f in forbidden)]


def package_dir() -> Path:
    """The ``grader`` package directory (bound read-only into the sandbox)."""
    return Path(__file__).resolve().parents[1]


def course_root() -> str:
    """The course root (solutions/, hidden/): never bound, nor any folder holding it."""
    from grader.catalog import active

    return str(active().root)


def _world_readable(path: str) -> bool:
    """Whether a user with no special rights can list ``path`` (every parent searchable)."""
    current = Path(path).resolve()
    for folder in (current, *current.parents):
        try:
            mode = folder.stat().st_mode
        except OSError:
            return False
        if not mode & 0o001 or (folder == current and not mode & 0o004):
            return False
    return True


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _symlinks() -> list[str]:
    argv = []
    for link in _SYSTEM_DIRS:
        if os.path.islink(link):
            argv += ["--symlink", os.readlink(link), link]
    return argv


def _bwrap_features(bwrap: str) -> str:
    try:
        done = subprocess.run([bwrap, "--help"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return done.stdout + done.stderr


def _smoke(plan: Plan) -> str | None:
    """Start this Python under the plan; None when it worked, else the last line of the failure."""
    try:
        done = subprocess.run(
            [*plan.prefix, PYTHON, "-I", "-S", "-c", "pass"],
            capture_output=True,
            text=True,
            timeout=30,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return str(exc)
    if done.returncode == 0:
        return None
    lines = (done.stderr or done.stdout).strip().splitlines()
    return lines[-1] if lines else f"exit status {done.returncode}"


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def warn_once(isolation: Isolation) -> None:
    """Log the level's warning once per judge process."""
    text = isolation.warning()
    if text and text not in _WARNED:
        _WARNED.add(text)
        log.warning("%s", text)


_WARNED: set[str] = set()
