"""Declaring checks: a ``CheckSet`` per exercise and visibility collects decorated functions.

    checks = CheckSet("ex4_5", Visibility.PUBLIC)

    @checks.check(points=2)
    def counts_on_small_networks(sub):
        \"\"\"param_count is exact on small networks\"\"\"
        ...

    @checks.check(points=1, depends=counts_on_small_networks)
    def counts_on_large_networks(sub):
        \"\"\"param_count is exact on large networks\"\"\"

The decorator returns a :class:`Check` (still callable as the function). The docstring's
first line is the title students read. ``depends`` takes check objects (of either set of
the same exercise) that must pass first; otherwise the check is skipped with the reason,
not failed a second time. Declaration mistakes raise :class:`~grader.errors.CourseError`
naming the file, when the module is imported.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from grader.errors import CourseError
from grader.model import Visibility

CheckFunction = Callable[..., None]


@dataclass(frozen=True, eq=False)
class Check:
    """One declared check.

    ``timeout_s`` is the wall-clock limit of each sandbox request the check makes (None:
    the sandbox default); ``training`` marks checks that train a model (they honour
    ``--device``); ``source`` is the file that declared it (for error messages).
    """

    name: str
    title: str
    points: float
    visibility: Visibility
    func: CheckFunction
    exercise_id: str
    depends: tuple[Check, ...] = ()
    timeout_s: float | None = None
    training: bool = False
    source: str = ""

    def __call__(self, sub: object) -> None:
        self.func(sub)

    def __repr__(self) -> str:
        return f"<Check {self.exercise_id}.{self.name} ({self.visibility.value})>"


#: The name this type had before checks became objects; kept for existing imports.
CheckSpec = Check


class CheckSet:
    """The checks of one exercise at one visibility, in declaration order."""

    def __init__(self, exercise_id: str, visibility: Visibility = Visibility.PUBLIC) -> None:
        self.exercise_id = exercise_id
        self.visibility = visibility
        self._checks: dict[str, Check] = {}

    def check(
        self,
        points: float,
        *,
        depends: Check | tuple[Check, ...] = (),
        timeout: float | None = None,
        training: bool = False,
    ) -> Callable[[CheckFunction], Check]:
        """Register the decorated function as a check worth ``points``."""
        needed = depends if isinstance(depends, tuple | list) else (depends,)

        def register(func: CheckFunction) -> Check:
            source = _source_of(func)
            name = func.__name__
            if name in self._checks:
                raise CourseError(f"{source}: check {name!r} is declared twice")
            _validate(name, points, needed, source)
            doc = (func.__doc__ or "").strip()
            if not doc:
                raise CourseError(f"{source}: check {name!r} needs a docstring (its title)")
            spec = Check(
                name=name,
                title=doc.splitlines()[0].strip(),
                points=float(points),
                visibility=self.visibility,
                func=func,
                exercise_id=self.exercise_id,
                depends=tuple(needed),
                timeout_s=timeout,
                training=training,
                source=source,
            )
            self._checks[name] = spec
            return spec

        return register

    def __iter__(self) -> Iterator[Check]:
        return iter(self._checks.values())

    def __len__(self) -> int:
        return len(self._checks)

    def __contains__(self, check: object) -> bool:
        return isinstance(check, Check) and self._checks.get(check.name) is check

    @property
    def max_points(self) -> float:
        return sum(spec.points for spec in self)


def _validate(name: str, points: float, depends: tuple | list, source: str) -> None:
    if isinstance(points, bool) or not isinstance(points, int | float) or not points >= 0:
        raise CourseError(f"{source}: check {name!r}: points must be a number >= 0")
    for dep in depends:
        if not isinstance(dep, Check):
            raise CourseError(
                f"{source}: check {name!r} depends on {dep!r}: give the check object "
                "(the decorated function, imported where needed), not its name"
            )


def _source_of(func: CheckFunction) -> str:
    try:
        return inspect.getsourcefile(func) or func.__module__
    except TypeError:
        return func.__module__
