"""A warm template pays torch's lazy imports once: its sandboxes start with torch._dynamo
imported (a batch worker's submissions no longer pay ~1 s each for it on their first
optimizer or meta tensor); a template started without ``warm`` leaves them lazy."""

from __future__ import annotations

from pathlib import Path

from grader.api import Session
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
