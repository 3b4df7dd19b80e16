"""Ways a check can end other than passing, as exceptions that checks raise or let through.

    CheckFailed                 the student's work is wrong; ``str()`` is the message students read
    ├── Mismatch                a value differs (structured: where, expected, actual, hint)
    └── StudentCodeFailed       running the student's code did not give a value
        ├── StudentRaised       their function raised (type, message, their own frames)
        ├── StudentTimeout      it ran past the wall-clock limit
        ├── StudentCrashed      the sandbox process died (exit, signal, memory)
        └── StudentImportFailed their file could not be imported at all

Any other exception escaping a check is the grader's own bug (``Status.ERRORED``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Frame:
    """One traceback frame in the student's own file."""

    file: str
    line: int
    function: str
    text: str
    origin: str = ""  # "line 12", or "cell 3, line 2" for notebooks

    def describe(self) -> str:
        where = f"{self.file}, {self.origin or f'line {self.line}'}, in {self.function}"
        return f"{where}: {self.text}" if self.text else where


class CheckFailed(Exception):
    """The student's work is wrong; the message says expected, got, where and a hint."""


_CLAUSE_STARTS = ("it ", "they ")


class Mismatch(CheckFailed):
    """A value the student's code gave differs from what was expected.

    The fields are the parts of the message, kept apart for reports and tests:
    ``str()`` reads ``where: expected EXPECTED, got ACTUAL (hint)``. ``actual`` is what
    came back (``a Python float``, ``0.5``); written as a clause (``it returned None``,
    ``they differ``) it reads ``expected EXPECTED, but it returned None``.
    """

    def __init__(self, where: str, expected: str, actual: str, hint: str = "") -> None:
        self.where = where
        self.expected = expected
        self.actual = actual
        self.hint = hint
        got = "but" if actual.startswith(_CLAUSE_STARTS) else "got"
        message = f"{where}: expected {expected}, {got} {actual}"
        super().__init__(f"{message} ({hint})" if hint else message)


class StudentCodeFailed(CheckFailed):
    """Student code did not return a value; ``call`` names what was called."""

    def __init__(self, call: str, detail: str) -> None:
        self.call = call
        self.detail = detail
        super().__init__(f"{call} {detail}" if call else detail)


class StudentRaised(StudentCodeFailed):
    """The student's function raised an exception."""

    def __init__(self, call: str, exc_type: str, message: str, frames: tuple[Frame, ...]) -> None:
        self.exc_type = exc_type
        self.exc_message = message
        self.frames = frames
        detail = f"raised {exc_type}: {message}" if message else f"raised {exc_type}"
        if frames:
            detail += f" ({frames[-1].describe()})"
        super().__init__(call, detail)

    @property
    def not_implemented(self) -> bool:
        return self.exc_type == "NotImplementedError"


class StudentTimeout(StudentCodeFailed):
    """The call ran past its wall-clock limit and was killed."""

    def __init__(self, call: str, seconds: float) -> None:
        self.seconds = seconds
        super().__init__(call, f"did not finish within {seconds:g} s (infinite loop?)")


class StudentCrashed(StudentCodeFailed):
    """The sandbox process ended while running the student's code."""

    def __init__(self, call: str, how: str) -> None:
        self.how = how
        super().__init__(call, f"ended the sandbox process ({how})")


class StudentImportFailed(StudentCodeFailed):
    """The student's file could not be imported; every call needing it fails the same way.

    ``raised`` is the exception its top level raised, when it raised one (not for a
    timeout or a crash).
    """

    def __init__(self, detail: str, raised: StudentRaised | None = None) -> None:
        self.raised = raised
        super().__init__("", detail)
