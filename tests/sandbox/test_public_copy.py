"""The private copy a process-level template reads: public code only, readable by any uid,
links kept as links, and copies of judges that are gone cleaned up by the next one."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from grader.sandbox import public_copy


def test_the_copy_holds_the_package_and_checks_readable_by_everyone(tmp_path: Path):
    package, checks = tmp_path / "grader", tmp_path / "checks" / "ex"
    (package / "__pycache__").mkdir(parents=True)
    checks.mkdir(parents=True)
    (package / "__init__.py").write_text("X = 1\n")
    (package / "__pycache__" / "x.pyc").write_bytes(b"\0")
    (package / ".secret").write_text("no")
    (checks / "public.py").write_text("Y = 2\n")
    (checks / "public.py").chmod(0o600)
    (checks / "link.py").symlink_to(tmp_path / "solutions.py")
    copy = public_copy.make_public_copy(package, tmp_path / "checks")
    try:
        files = sorted(p.relative_to(copy.root).as_posix() for p in copy.root.rglob("*"))
        assert files == ["checks", "checks/ex", "checks/ex/link.py", "checks/ex/public.py",
                         "grader", "grader/__init__.py"]  # fmt: skip
        assert stat.S_IMODE(copy.root.stat().st_mode) == 0o755
        assert stat.S_IMODE((copy.checks / "ex" / "public.py").stat().st_mode) == 0o644
        assert (copy.checks / "ex" / "link.py").is_symlink()  # not followed to its target
        assert copy.root.name.startswith(f"{public_copy.PREFIX}{os.getpid()}-")
    finally:
        copy.remove()
    assert not copy.root.exists()


def test_copies_of_judges_that_are_gone_are_removed(tmp_path: Path):
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], text=True,
                          capture_output=True, check=True)  # fmt: skip
    stale = tmp_path / f"{public_copy.PREFIX}{gone.stdout.strip()}-abc"
    live = tmp_path / f"{public_copy.PREFIX}{os.getpid()}-def"
    other = tmp_path / "grader-batch-xyz"
    for folder in (stale, live, other):
        folder.mkdir()
    public_copy.remove_stale(str(tmp_path))
    assert not stale.exists() and live.exists() and other.exists()
