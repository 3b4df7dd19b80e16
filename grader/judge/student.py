"""The handle a check holds on the student's sandboxed code.

``sub.call("param_count", 784, 120, 4)`` runs the student's function in the
sandbox and returns plain data; ``sub.probe("build_mlp_facts", ...)`` runs
the exercise's grader-written probe next to it. Failures arrive as
:class:`~grader.outcomes.StudentCodeFailed` exceptions whose message already
names the call, so a check may simply let them through.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from grader.judge.compare import describe
from grader.sandbox import Sandbox


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
        return self._box().call(func, args, kwargs, timeout or self.timeout, label)

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
        return self._box().probe(
            self._probes_module, func, args, kwargs, timeout or self.timeout, label
        )

    def take_output(self) -> str:
        """What the student's code printed since the last call of this method."""
        return self._sandbox.output.take() if self._sandbox else ""

    def close(self) -> None:
        if self._sandbox is not None:
            self._sandbox.close()
            self._sandbox = None

    def _box(self) -> Sandbox:
        if self._sandbox is None:
            self._sandbox = self._open_sandbox()
        return self._sandbox


def call_text(func: str, args: tuple, kwargs: dict | None = None) -> str:
    """``param_count(784, 120, 4)``: how a call reads in a message."""
    parts = [describe(a, 40) for a in args]
    parts += [f"{k}={describe(v, 40)}" for k, v in (kwargs or {}).items()]
    return f"{func}({', '.join(parts)})"
