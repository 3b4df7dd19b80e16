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

Two declarations are for the author's tools (``grade selftest``), not for grading:
``budget`` is the time the check should take on the reference solution, on one CPU
thread (default :data:`DEFAULT_BUDGET_S`, or :data:`DEFAULT_TRAINING_BUDGET_S` for a
``training=True`` check); ``false_failure`` is the proven probability that a correct
solution fails a statistical check (at most :data:`MAX_FALSE_FAILURE`; ``0`` states that
a check using a statistical helper is nevertheless exact):

    @checks.check(points=2, false_failure=1e-7)
    def keep_rate_is_one_minus_p(sub): ...
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from grader.errors import CourseError
from grader.model import Visibility

CheckFunction = Callable[..., None]

DEFAULT_BUDGET_S = 0.2  # a plain check, on the reference solution, one CPU thread
DEFAULT_TRAINING_BUDGET_S = 10.0  # a check that trains a model ("seconds on one thread")
MAX_FALSE_FAILURE = 1e-6  # the most a statistical check may fail a correct solution


@dataclass(frozen=True, eq=False)
class Check:
    """One declared check.

    ``timeout_s`` is the wall-clock limit of each sandbox request the check makes (None:
    the sandbox default); ``training`` marks checks that train a model (they honour
    ``--device``); ``source`` is the file that declared it (for error messages).
    ``budget_s`` is the time it should take on the reference solution (seconds, one CPU
    thread); ``false_failure`` the declared false-failure probability of a statistical
    check (None: not declared statistical).
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
    budget_s: float = DEFAULT_BUDGET_S
    false_failure: float | None = None

    @property
    def statistical(self) -> bool:
        """Declared statistical: it may fail a correct solution with a stated probability."""
        return bool(self.false_failure)

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
        budget: float | None = None,
        false_failure: float | None = None,
    ) -> Callable[[CheckFunction], Check]:
        """Register the decorated function as a check worth ``points``.

        ``depends``: the checks that must pass first (objects); ``timeout``: seconds per
        sandbox request; ``training``: it trains a model (honours ``sub.device``);
        ``budget``: seconds it should take on the reference (see the module docstring);
        ``false_failure``: its proven false-failure probability, if statistical.
        """
        needed = depends if isinstance(depends, tuple | list) else (depends,)
        if budget is None:
            budget = DEFAULT_TRAINING_BUDGET_S if training else DEFAULT_BUDGET_S

        def register(func: CheckFunction) -> Check:
            source = _source_of(func)
            name = func.__name__
            if name in self._checks:
                raise CourseError(f"{source}: check {name!r} is declared twice")
            _validate(name, points, needed, source)
            _validate_declarations(name, timeout, budget, false_failure, source)
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
                budget_s=float(budget),
                false_failure=None if false_failure is None else float(false_failure),
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


def _validate_declarations(
    name: str,
    timeout: float | None,
    budget: float,
    false_failure: float | None,
    source: str,
) -> None:
    for label, value in (("timeout", timeout), ("budget", budget)):
        if value is not None and not (_is_number(value) and value > 0):
            raise CourseError(f"{source}: check {name!r}: {label} must be a number of seconds > 0")
    if false_failure is not None and not (
        _is_number(false_failure) and 0 <= false_failure <= MAX_FALSE_FAILURE
    ):
        raise CourseError(
            f"{source}: check {name!r}: false_failure must be a probability between 0 and "
            f"{MAX_FALSE_FAILURE:g} (the course's standard), got {false_failure!r}"
        )


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _source_of(func: CheckFunction) -> str:
    try:
        return inspect.getsourcefile(func) or func.__module__
    except TypeError:
        return func.__module__
