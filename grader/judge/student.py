"""The handle a check holds on the student's sandboxed code.

``sub.call("param_count", 784, 120, 4)`` runs the student's function in the
sandbox and returns plain data; ``sub.probe("build_mlp_facts", ...)`` runs
the exercise's grader-written probe next to it. Failures arrive as
:class:`~grader.outcomes.StudentCodeFailed` exceptions whose message already
names the call, so a check may simply let them through.

A function (or probe) that ran past its time limit once is given at most
:data:`RETRY_TIMEOUT_S` on later calls of the same submission: a looping
function then costs one full timeout plus about a second per further check that
needs it, instead of a full timeout each (correct code here runs in milliseconds).

A module that could not be imported (or whose re-imports after crashes ran past
their budget, see :class:`~grader.sandbox.Limits`) is recorded here: every later
call or probe of the same submission fails at once with the same message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from grader.judge.compare import describe
from grader.outcomes import StudentImportFailed, StudentTimeout
from grader.sandbox import Sandbox

RETRY_TIMEOUT_S = 1.0


class StudentCode:
    """One student's module for one exercise, as seen by checks."""

    def __init__(
        self, open_sandbox: Callable[[], Sandbox], probes_module: str, device: str = "cpu"
    ) -> None:
        self._open_sandbox = open_sandbox
        self._sandbox: Sandbox | None = None
        self._probes_module = probes_module
        self.device = device
        self.timeout: float | None = None
        self._timed_out: set[str] = set()
        self._import_failure: StudentImportFailed | None = None

    def call(
        self,
        func: str,
        *args: Any,
        timeout: float | None = None,
        label: str | None = None,
        **kwargs: Any,
    ) -> Any:
        """The value of the student's ``func(*args, **kwargs)``.

        A failure's message starts with ``label``, by default the call written out
        (``param_count(784, 120, 4)``); give a readable label where the arguments are
        not worth showing (weights, data).
        """
        label = label or call_text(func, args, kwargs)
        limit = self._limit(func, timeout)
        return self._watch(func, lambda: self._box().call(func, args, kwargs, limit, label))

    def probe(
        self,
        func: str,
        *args: Any,
        timeout: float | None = None,
        label: str | None = None,
        **kwargs: Any,
    ) -> Any:
        """The value of the probe ``func(student_module, *args, **kwargs)``.

        ``label`` names the call in failure messages, as for :meth:`call`.
        """
        label = label or call_text(func, args, kwargs)
        limit = self._limit(f"probe:{func}", timeout)
        return self._watch(
            f"probe:{func}",
            lambda: self._box().probe(self._probes_module, func, args, kwargs, limit, label),
        )

    def take_output(self) -> str:
        """What the student's code printed since the last call of this method."""
        return self._sandbox.output.take() if self._sandbox else ""

    def close(self) -> None:
        if self._sandbox is not None:
            self._sandbox.close()
            self._sandbox = None

    def _limit(self, key: str, timeout: float | None) -> float | None:
        limit = timeout or self.timeout
        if key in self._timed_out:
            return min(limit, RETRY_TIMEOUT_S) if limit else RETRY_TIMEOUT_S
        return limit

    def _watch(self, key: str, request: Callable[[], Any]) -> Any:
        if self._import_failure is not None:
            raise self._import_failure
        try:
            return request()
        except StudentTimeout:
            self._timed_out.add(key)
            raise
        except StudentImportFailed as failure:
            self._import_failure = failure
            raise

    def _box(self) -> Sandbox:
        if self._sandbox is None:
            self._sandbox = self._open_sandbox()
        return self._sandbox


def call_text(func: str, args: tuple, kwargs: dict | None = None) -> str:
    """``param_count(784, 120, 4)``: how a call reads in a message."""
    parts = [describe(a, 40) for a in args]
    parts += [f"{k}={describe(v, 40)}" for k, v in (kwargs or {}).items()]
    return f"{func}({', '.join(parts)})"
