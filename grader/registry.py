"""Declaring checks: a ``CheckSet`` per exercise and visibility collects decorated functions.

    checks = CheckSet("ex4_5", Visibility.PUBLIC)

    @checks.check(points=2)
    def counts_on_small_networks(sub):
        \"\"\"param_count is exact on small networks\"\"\"
        ...

The docstring's first line is the title students see. ``depends`` names checks
(of any set of the same exercise) that must pass first; otherwise this one is
skipped with the reason, not failed a second time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from grader.model import Visibility

CheckFunction = Callable[..., None]


@dataclass(frozen=True)
class CheckSpec:
    """One declared check.

    ``timeout_s`` is the wall-clock limit of each sandbox request the check
    makes (None: the sandbox default); ``training`` marks checks that train a
    model (they honour ``--device``).
    """

    name: str
    title: str
    points: float
    visibility: Visibility
    func: CheckFunction
    depends: tuple[str, ...] = ()
    timeout_s: float | None = None
    training: bool = False


class CheckSet:
    """The checks of one exercise at one visibility, in declaration order."""

    def __init__(self, exercise_id: str, visibility: Visibility = Visibility.PUBLIC) -> None:
        self.exercise_id = exercise_id
        self.visibility = visibility
        self._checks: dict[str, CheckSpec] = {}

    def check(
        self,
        points: float,
        *,
        depends: tuple[str, ...] | str = (),
        timeout: float | None = None,
        training: bool = False,
    ) -> Callable[[CheckFunction], CheckFunction]:
        """Register the decorated function as a check worth ``points``."""
        if isinstance(depends, str):
            depends = (depends,)

        def register(func: CheckFunction) -> CheckFunction:
            name = func.__name__
            if name in self._checks:
                raise ValueError(f"{self.exercise_id}: check {name!r} declared twice")
            title = (func.__doc__ or name).strip().splitlines()[0].strip()
            self._checks[name] = CheckSpec(
                name, title, float(points), self.visibility, func, tuple(depends), timeout, training
            )
            return func

        return register

    def __iter__(self) -> Iterator[CheckSpec]:
        return iter(self._checks.values())

    def __len__(self) -> int:
        return len(self._checks)

    @property
    def max_points(self) -> float:
        return sum(spec.points for spec in self)
