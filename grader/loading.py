"""What a student reads when their code did not load: a module the grader lacks, a ``.py``
whose top level raised.

    advice = missing_module_advice("ModuleNotFoundError", "No module named 'd2l'", ("torchvision",))
    message = import_failure_message(exc, "exercises/ex4_5.py", declared_modules)

The ``.py`` rule (a design choice, see docs/authoring.md, "Modules students may
import"): a ``.py`` file is imported whole, as Python imports a module. An exception at
its top level means there is no module, so none of its functions can be graded; the
message names the line that raised and says exactly that. (A notebook runs cell by cell
instead: see :mod:`grader.notebook.failures`.)
"""

from __future__ import annotations

import re
from collections.abc import Collection

from grader.outcomes import StudentImportFailed, StudentRaised

__all__ = ["exception_text", "import_failure_message", "missing_module", "missing_module_advice"]

_NO_MODULE = re.compile(r"No module named '([A-Za-z_][\w.]*)'")


def missing_module(exc_type: str, message: str) -> str | None:
    """The module a ``ModuleNotFoundError`` names (``d2l`` for ``d2l.torch``), else None."""
    if exc_type != "ModuleNotFoundError":
        return None
    match = _NO_MODULE.search(message)
    return match.group(1).split(".")[0] if match else None


def missing_module_advice(exc_type: str, message: str, declared: Collection[str]) -> str | None:
    """A sentence on what to do about a missing module, or None for another exception.

    ``declared`` are the modules the course provides (``course.toml``'s ``modules``):
    one of those missing is the grading machine's problem, not the student's.
    """
    name = missing_module(exc_type, message)
    if name is None:
        return None
    if name in {module.split(".")[0] for module in declared}:
        return (
            f"`{name}` is one of the modules your course provides, but it is not installed "
            "where grading runs: tell your instructor"
        )
    return (
        f"the module `{name}` is not available where grading runs (the grader installs "
        "nothing): remove the import and what uses it, or ask your instructor to provide it"
    )


def import_failure_message(
    exc: StudentImportFailed, display_name: str, declared: Collection[str]
) -> str:
    """The message of every check when ``display_name`` (a ``.py``) could not be imported."""
    raised = exc.raised
    if raised is None:  # a timeout or a crash: the sandbox's own words say it
        return str(exc)
    advice = missing_module_advice(raised.exc_type, raised.exc_message, declared)
    if advice:
        fix = f"this import works: {advice}"
    elif raised.exc_type == "SyntaxError":
        fix = "the syntax error is fixed"
    else:
        fix = (
            "its top level runs without error (keep only definitions and imports there; "
            'try-out code belongs under `if __name__ == "__main__":`)'
        )
    return (
        f"{display_name} could not be imported: {_where(raised)}raised {exception_text(raised)}. "
        f"A .py file is imported whole, as Python does, so none of its functions can be "
        f"graded until {fix}"
    )


def _where(raised: StudentRaised) -> str:
    """``line 3 (`import d2l`) `` for the top-level line that raised, '' if unknown."""
    top = next((f for f in raised.frames if f.function == "<module>"), None)
    if top is None:
        return ""
    shown = f" (`{top.text}`)" if top.text else ""
    return f"{top.origin or f'line {top.line}'}{shown} "


def exception_text(raised: StudentRaised) -> str:
    """``Type: message``, and the innermost function frame when it was raised inside one."""
    text = f"{raised.exc_type}: {raised.exc_message}" if raised.exc_message else raised.exc_type
    inner = [f for f in raised.frames if f.function != "<module>"]
    return f"{text} ({inner[-1].describe()})" if inner else text
