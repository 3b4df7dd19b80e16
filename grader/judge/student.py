"""The handle a check holds on the student's sandboxed code.

``sub.call("param_count", 784, 120, 4)`` runs the student's function in the
sandbox and returns plain data; ``sub.probe("build_mlp_facts", ...)`` runs
the exercise's grader-written probe next to it. Failures arrive as
:class:`~grader.outcomes.StudentCodeFailed` exceptions whose message already
names the call, so a check may simply let them through.

A check may attach plots of what it judged with :meth:`StudentCode.figure` (a student's
loss curve next to the reference's); they travel with its result to the reports. The
handle also measures the time spent waiting for the sandbox (:meth:`take_sandbox_time`).

A function (or probe) that ran past its time limit once is given at most
:data:`RETRY_TIMEOUT_S` on later calls of the same submission: a looping
function then costs one full timeout plus about a second per further check that
needs it, instead of a full timeout each (correct code here runs in milliseconds).

A module that could not be imported (or whose re-imports after crashes ran past
their budget, see :class:`~grader.sandbox.Limits`) is recorded here: every later
call or probe of the same submission fails at once with the same message.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from grader.judge.compare import describe
from grader.model import Figure, Series
from grader.outcomes import StudentImportFailed, StudentRaised, StudentTimeout
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
        self._figures: list[Figure] = []
        self._sandbox_s = 0.0
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

        ``label`` names the call in failure messages, as for :meth:`call`. Without one, a
        message names what the student wrote, never the probe (an internal name): ``your
        build_mlp raised ...`` after the outermost of their functions that failed, ``your
        code did not finish ...``, and ``checking your code raised ...`` where no frame of
        their file failed (what their code returned could not be used).
        """
        limit = self._limit(f"probe:{func}", timeout)
        try:
            return self._watch(
                f"probe:{func}",
                lambda: self._box().probe(
                    self._probes_module, func, args, kwargs, limit, label or "your code"
                ),
            )
        except StudentRaised as raised:
            if label is not None:
                raise
            raise _relabelled(raised) from None

    def figure(
        self,
        title: str,
        series: Mapping[str, Sequence[float]],
        *,
        x: Sequence[float] | None = None,
        x_label: str = "",
        y_label: str = "",
        log_y: bool = False,
    ) -> None:
        """Attach a plot to this check's result: ``series`` maps a label ("your run",
        "reference") to its y values, drawn against ``x`` (default 0, 1, 2, ...).

        Give only data the check judged in the trusted process; the figure is as visible
        as the check (a hidden check's figures stay hidden). Non-finite values are kept
        (the reports draw the finite ones).
        """
        lines = []
        for label, ys in series.items():
            y = tuple(float(v) for v in ys)
            xs = tuple(float(v) for v in x) if x is not None else tuple(map(float, range(len(y))))
            lines.append(Series(str(label), xs[: len(y)], y[: len(xs)]))
        self._figures.append(Figure(title, tuple(lines), x_label, y_label, log_y))

    def take_figures(self) -> tuple[Figure, ...]:
        """The figures attached since the last call of this method."""
        figures, self._figures = tuple(self._figures), []
        return figures

    def take_sandbox_time(self) -> float:
        """Seconds spent waiting for the sandbox since the last call of this method."""
        spent, self._sandbox_s = self._sandbox_s, 0.0
        return spent

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
        started = time.monotonic()
        try:
            return request()
        except StudentTimeout:
            self._timed_out.add(key)
            raise
        except StudentImportFailed as failure:
            self._import_failure = failure
            raise
        finally:
            self._sandbox_s += time.monotonic() - started

    def _box(self) -> Sandbox:
        if self._sandbox is None:
            self._sandbox = self._open_sandbox()
        return self._sandbox


def _relabelled(raised: StudentRaised) -> StudentRaised:
    """``raised`` named after the student's outermost failing function."""
    first = raised.frames[0].function if raised.frames else ""
    if not raised.frames:
        label = "checking your code"
    elif first.isidentifier():
        label = f"your {first}"
    else:
        label = "your code"
    return StudentRaised(label, raised.exc_type, raised.exc_message, raised.frames)


def call_text(func: str, args: tuple, kwargs: dict | None = None) -> str:
    """``param_count(784, 120, 4)``: how a call reads in a message."""
    parts = [describe(a, 40) for a in args]
    parts += [f"{k}={describe(v, 40)}" for k, v in (kwargs or {}).items()]
    return f"{func}({', '.join(parts)})"
