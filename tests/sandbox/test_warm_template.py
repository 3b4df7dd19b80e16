"""A warm template pays torch's lazy imports once: its sandboxes start with torch._dynamo
imported (a batch worker's submissions no longer pay ~1 s each for it on their first
optimizer or meta tensor); a template started without ``warm`` leaves them lazy."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from support import COURSE

from grader.api import Session, wants_warm_template
from grader.sandbox import Sandbox, SourceSpec

PROBE_CODE = "import sys\ndef param_count(M0, N, L):\n    return 'torch._dynamo' in sys.modules\n"


def dynamo_imported_at_entry(session: Session, tmp_path: Path) -> bool:
    """Whether a fresh sandbox of ``session`` already holds torch._dynamo."""
    source = tmp_path / "exercises" / "ex4_5.py"
    source.parent.mkdir(exist_ok=True)
    source.write_text(PROBE_CODE, encoding="utf-8")
    box = Sandbox(session.zygote, SourceSpec(source, "ex4_5", "exercises/ex4_5.py"))
    try:
        return box.call("param_count", (1, 1, 1))
    finally:
        box.close()


def test_sandboxes_of_a_warm_template_have_torch_dynamo_imported(tmp_path):
    with Session.start(device="cpu", warm=True) as warm:
        assert dynamo_imported_at_entry(warm, tmp_path) is True
        assert dynamo_imported_at_entry(warm, tmp_path) is True


def test_sandboxes_of_a_plain_template_import_it_lazily(session, tmp_path):
    # A template whose sandboxes run as a uid of their own warms up anyway (they may not
    # be able to read torch's files): lazy only where the sandbox shares the template's uid.
    own_uid = session.zygote.info().get("sandbox_uid") is not None
    assert dynamo_imported_at_entry(session, tmp_path) is own_uid


def test_only_exercises_that_declare_it_ask_for_a_warm_template():
    declared = {e.id for e in COURSE.exercises() if wants_warm_template([e])}
    assert declared == {"dropout", "ex4_7", "ex4_8"}
    assert wants_warm_template([COURSE.find("ex4_5"), COURSE.find("dropout")]) is True
    assert wants_warm_template([COURSE.find("ex4_5")]) is False


def test_grade_id_of_a_declaring_exercise_starts_its_sandbox_with_torch_dynamo(tmp_path):
    # The solution checks at its import, in the sandbox, what the template imported.
    course = tmp_path / "course"
    files = {
        "course.toml": 'title = "warm"\n',
        "checks/warm/exercise.toml": 'title = "warm"\nfunctions = ["f"]\nwarm_template = true\n',
        "checks/warm/__init__.py": "",
        "checks/warm/statement.md": "# warm\n",
        "checks/warm/public.py": WARM_CHECK,
        "exercises/warm.py": "def f():\n    raise NotImplementedError\n",
        "solutions/warm.py": "import sys\n\nAT_ENTRY = 'torch._dynamo' in sys.modules\n\n\n"
        "def f():\n    return AT_ENTRY\n",
    }
    for relative, text in files.items():
        (course / relative).parent.mkdir(parents=True, exist_ok=True)
        (course / relative).write_text(text, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "GRADER_COURSE"}
    done = subprocess.run(
        [sys.executable, "-m", "grader", "warm", "--solution"],
        capture_output=True, text=True, cwd=course, env=env, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


WARM_CHECK = '''\
from grader import CheckSet, Visibility, expect_equal

checks = CheckSet("warm", Visibility.PUBLIC)


@checks.check(points=1)
def dynamo_imported_before_the_student_code(sub):
    """the sandbox starts with torch._dynamo imported"""
    expect_equal(sub.call("f"), True, where="f()")
'''
