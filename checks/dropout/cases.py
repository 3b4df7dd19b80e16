"""The inputs of the dropout checks, and its statistical tests as data.

Public and hidden checks run these tests on the student's outputs; the repeatability
test and ``bench/dropout_repeatability.py`` run the very same tests on the reference
with many seeds. Every input is nonzero, so kept elements are the nonzero outputs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from grader.course.dropout import judging, stat_tests
from grader.judge.compare import dtype_name
from grader.sandbox.values import TensorData

Data = np.ndarray | TensorData


def where(x: Data, p: float, extra: str = "") -> str:
    """``dropout(tensor float32[100, 100], p=0.7)``: how a call reads in a message."""
    kind = "tensor" if isinstance(x, TensorData) else "array"
    return f"dropout({kind} {dtype_name(x)}{list(x.shape)}, p={p}{extra})"


@dataclass(frozen=True)
class Case:
    """One input: backend ("numpy" or "torch"), dtype, shape, drop probability, input seed.

    With ``same_rows`` every row equals the first: rows are independent draws of one x.
    """

    backend: str
    dtype: str
    shape: tuple[int, ...]
    p: float
    seed: int
    same_rows: bool = False

    def input(self, device: str = "cpu") -> Data:
        """The input, as a numpy array or as a tensor to send to ``device``."""
        rng = np.random.default_rng(self.seed)
        if self.same_rows:
            row = judging.make_input(rng, (1, *self.shape[1:]))
            values = np.repeat(row, self.shape[0], axis=0)
        else:
            values = judging.make_input(rng, self.shape)
        if self.backend == "numpy":
            return values.astype(self.dtype)
        return TensorData.of(values, f"torch.{self.dtype}", device)


Judge = Callable[[object, Data, Case, float], None]
#: Attaches a figure of what a judge looks at: (sub, output, input, case, budget).
Plot = Callable[[object, object, Data, Case, float], None]


def keep_rate(y: object, x: Data, case: Case, budget: float) -> None:
    """Kept count ~ Binomial(n, 1-p); exact tails."""
    values = judging.output_values(y, x, where(x, case.p))
    stat_tests.expect_keep_rate(values, case.p, where(x, case.p), budget)


def mean_preserved(y: object, x: Data, case: Case, budget: float) -> None:
    """Mean of x'/x overall and per column; exact tails (see stat_tests.expect_mean_preserved)."""
    values = judging.output_values(y, x, where(x, case.p))
    row = judging.input_values(x)[0]
    stat_tests.expect_mean_preserved(values, row, case.p, case.dtype, where(x, case.p), budget)


def plot_keep_rate(sub, y: object, x: Data, case: Case, budget: float) -> None:
    """Attach the kept fraction of the first k rows, k = 1..rows (the last point is the
    rate the check judges), beside 1 − p and the range the overall rate is accepted in."""
    values = judging.output_values(y, x, where(x, case.p))
    kept = (values != 0).reshape(values.shape[0], -1)
    rows, per_row = kept.shape
    lo, hi = stat_tests.acceptance(kept.size, 1.0 - case.p, budget)
    sub.figure(
        f"{where(x, case.p)}: fraction of elements kept",
        {
            "your dropout": np.cumsum(kept.sum(axis=1)) / (per_row * np.arange(1, rows + 1)),
            "expected keep rate 1 − p": [1.0 - case.p] * rows,
            "accepted at the end: lowest": [lo / kept.size] * rows,
            "accepted at the end: highest": [hi / kept.size] * rows,
        },
        x=range(1, rows + 1),
        x_label="rows counted",
        y_label="fraction kept so far",
    )


def plot_mean(sub, y: object, x: Data, case: Case, budget: float) -> None:
    """Attach the mean of x′/x per column with the range each column is accepted in."""
    values = judging.output_values(y, x, where(x, case.p))
    ratios = values / judging.input_values(x)[0]
    rows, columns = ratios.shape
    keep = 1.0 - case.p
    lo, hi = stat_tests.acceptance(rows, keep, budget / 2 / columns)
    sub.figure(
        f"{where(x, case.p)}: mean of x′/x over the {rows} draws of each column",
        {
            "your dropout": ratios.mean(axis=0),
            "expected E[x′]/x = 1": [1.0] * columns,
            "accepted: lowest": [lo / (rows * keep)] * columns,
            "accepted: highest": [hi / (rows * keep)] * columns,
        },
        x_label="column",
        y_label="mean of x′/x",
    )


def independent(y: object, x: Data, case: Case, budget: float) -> None:
    """Agreements of paired neighbours ~ Binomial(pairs, (1-p)^2 + p^2); exact tails."""
    values = judging.output_values(y, x, where(x, case.p))
    stat_tests.expect_independent(values, case.p, where(x, case.p), budget)


def values_rate_and_independence(y: object, x: Data, case: Case, budget: float) -> None:
    """Values 0 or x/(1-p), then keep rate and independence with half the budget each."""
    judging.expect_zero_or_scaled(y, x, case.p, where(x, case.p))
    keep_rate(y, x, case, budget / 2)
    independent(y, x, case, budget / 2)


@dataclass(frozen=True)
class StatisticalTest:
    """A statistical check: its cases, how each output is judged, and the budget per case.

    The check's false-failure probability is at most ``budget * len(cases)`` (union bound).
    ``plot``, if given, attaches a figure of each output before it is judged.
    """

    cases: tuple[Case, ...]
    judge: Judge
    budget: float
    probe_seed: int
    plot: Plot | None = None

    @property
    def false_failure(self) -> float:
        return self.budget * len(self.cases)

    def for_backend(self, backend: str) -> StatisticalTest:
        """The same test on the cases of one backend ("numpy" or "torch") only: the numpy
        and the torch paths of a solution are scored by separate checks."""
        return replace(self, cases=tuple(c for c in self.cases if c.backend == backend))

    def run(self, sub) -> None:
        """Run every case through the student's dropout (in the sandbox) and judge it."""
        for case in self.cases:
            x = case.input(sub.device)
            y = sub.probe("run", x, case.p, self.probe_seed, label=where(x, case.p))
            if self.plot is not None:
                self.plot(sub, y, x, case, self.budget)
            self.judge(y, x, case, self.budget)


KEEP_RATE = StatisticalTest(
    (Case("numpy", "float64", (100, 100), 0.3, 4), Case("torch", "float32", (100, 100), 0.7, 5)),
    keep_rate,
    budget=5e-8,
    probe_seed=12,
    plot=plot_keep_rate,
)
MEAN = StatisticalTest(
    (
        Case("numpy", "float64", (1000, 20), 0.5, 6, same_rows=True),
        Case("torch", "float32", (1000, 20), 0.2, 6, same_rows=True),
    ),
    mean_preserved,
    budget=5e-8,
    probe_seed=13,
    plot=plot_mean,
)
INDEPENDENT = StatisticalTest(
    (Case("numpy", "float64", (200, 100), 0.5, 7), Case("torch", "float32", (10, 40, 50), 0.4, 8)),
    independent,
    budget=5e-8,
    probe_seed=14,
)
MODULE = Case("torch", "float32", (100, 100), 0.5, 30)  # Dropout() and Dropout(0.2)
MODULE_BUDGET = 5e-8  # per module: two modules, 1e-7 for the check
