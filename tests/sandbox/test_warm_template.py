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


def test_a_template_is_warm_only_where_more_than_one_sandbox_would_pay_the_imports():
    declared = {e.id for e in COURSE.exercises() if wants_warm_template([e], sandboxes_each=2)}
    assert declared == {"dropout", "ex4_7", "ex4_8"}
    ex4_5, dropout, ex4_7 = map(COURSE.find, ("ex4_5", "dropout", "ex4_7"))
    assert wants_warm_template([dropout]) is False  # one sandbox pays it, and only if needed
    assert wants_warm_template([ex4_5, dropout]) is False
    assert wants_warm_template([ex4_5, dropout, ex4_7]) is True  # grade all
    assert wants_warm_template([ex4_5], sandboxes_each=10) is False


def test_grade_all_of_two_declaring_exercises_starts_their_sandboxes_with_torch_dynamo(tmp_path):
    # Each solution checks at its import, in the sandbox, what the template imported.
    course = tmp_path / "course"
    files = {"course.toml": 'title = "warm"\n'}
    for name in ("warm_a", "warm_b"):
        files.update(
            {
                f"checks/{name}/exercise.toml": (
                    f'title = "{name}"\nfunctions = ["f"]\nwarm_template = true\n'
                ),
                f"checks/{name}/__init__.py": "",
                f"checks/{name}/statement.md": f"# {name}\n",
                f"checks/{name}/public.py": WARM_CHECK.format(name=name),
                f"exercises/{name}.py": "def f():\n    raise NotImplementedError\n",
                f"solutions/{name}.py": AT_ENTRY,
            }
        )
    for relative, text in files.items():
        (course / relative).parent.mkdir(parents=True, exist_ok=True)
        (course / relative).write_text(text, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "GRADER_COURSE"}
    done = subprocess.run(
        [sys.executable, "-m", "grader", "all", "--solution"],
        capture_output=True, text=True, cwd=course, env=env, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


AT_ENTRY = (
    "import sys\n\nAT_ENTRY = 'torch._dynamo' in sys.modules\n\n\ndef f():\n    return AT_ENTRY\n"
)
WARM_CHECK = '''\
from grader import CheckSet, Visibility, expect_equal

checks = CheckSet("{name}", Visibility.PUBLIC)


@checks.check(points=1)
def dynamo_imported_before_the_student_code(sub):
    """the sandbox starts with torch._dynamo imported"""
    expect_equal(sub.call("f"), True, where="f()")
'''
