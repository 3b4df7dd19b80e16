"""Public checks of dropout: shipped to students, with their (public) expected values.

The numpy path and the torch path of ``dropout`` are scored by separate checks (suffix
``_numpy`` / ``_torch``): a slip in one branch costs that branch's points only. What
every solution does before branching (validating p, returning x when not training or
p = 0) is one check on both kinds. The points table and its reasons are in statement.md.

False-failure probability of each statistical check (the chance that a correct solution,
whose random draws differ from the reference's, fails it), from exact binomial tails
(grader.judge.stats.binomial_acceptance) and the union bound over a check's tests:

- keep_rate_is_one_minus_p_numpy / _torch: one case each, 5e-8.
- mean_is_preserved_numpy / _torch: one case each, 5e-8 (2.5e-8 for the overall mean,
  2.5e-8/20 per column).
- drops_are_independent_numpy / _torch: one case each, 5e-8 (split over the axes).
- dropout_module_train_eval: 2 keep-rate tests x 5e-8 = 1e-7; the "two calls give
  different masks" parts fail a correct solution with probability below 0.68^10000.
- uses_the_generator_numpy / _torch: fail a correct solution only if independent masks
  of 2,000 elements coincide: below 2 x 2^-2000.
The hidden statistical checks: one case each, 2.5e-8 + 2.5e-8 = 5e-8.
All are far below the required 1e-6, and bench/dropout_repeatability.py reruns them on
the reference with new seeds (2,000 runs: no failure). Seeds are fixed, so a given
submission always gets the same verdict. The training check is not a statistical test
with a proven bound; its threshold rests on measured margins (see training.py).
"""

from __future__ import annotations

import numpy as np

from grader.course.dropout import cases, judging, training
from grader.course.dropout.cases import where
from grader.course.dropout.judging import make_input
from grader.judge.compare import fail, kind_of
from grader.model import Visibility
from grader.outcomes import StudentRaised
from grader.registry import CheckSet
from grader.sandbox.values import TensorData

checks = CheckSet("dropout", Visibility.PUBLIC)


def tensor(array: np.ndarray, dtype: str, sub) -> TensorData:
    """Send ``array`` as a torch tensor of ``dtype`` on the grading device."""
    return TensorData.of(array, f"torch.{dtype}", sub.device)


def numpy_input(seed: int, shape: tuple[int, ...], dtype: str = "float64") -> np.ndarray:
    return make_input(np.random.default_rng(seed), shape).astype(dtype)


def run(sub, x, p, seed: int, training: bool = True, with_generator: bool = True) -> object:
    """The student's ``dropout(x, p, training, generator)`` through probes.run; a failure
    reads ``dropout(array float64[60, 50], p=0.3)``."""
    extra = "" if training else ", training=False"
    extra += "" if with_generator else ", no generator"
    return sub.probe(
        "run",
        x,
        p,
        seed,
        training=training,
        with_generator=with_generator,
        label=where(x, p, extra),
    )


NUMPY, TORCH = "numpy", "torch"


def _values(sub, backend: str) -> None:
    inputs = {
        NUMPY: ((numpy_input(1, (60, 50)), 0.3), (numpy_input(2, (60, 50), "float32"), 0.5)),
        TORCH: (
            (tensor(numpy_input(3, (60, 50)), "float32", sub), 0.25),
            (tensor(numpy_input(4, (60, 50)), "float64", sub), 0.6),
        ),
    }
    for x, p in inputs[backend]:
        judging.expect_zero_or_scaled(run(sub, x, p, 11), x, p, where(x, p))


@checks.check(points=1)
def values_zero_or_scaled_numpy(sub) -> None:
    """numpy: every element of dropout(x, p) is 0 or x/(1−p)"""
    _values(sub, NUMPY)


@checks.check(points=1)
def values_zero_or_scaled_torch(sub) -> None:
    """torch: every element of dropout(x, p) is 0 or x/(1−p)"""
    _values(sub, TORCH)


@checks.check(points=1, false_failure=1e-7)
def keep_rate_is_one_minus_p_numpy(sub) -> None:
    """numpy: the fraction of kept elements is 1−p (statistical test, false failure ≤ 1e-7)"""
    cases.KEEP_RATE.for_backend(NUMPY).run(sub)


@checks.check(points=1, false_failure=1e-7)
def keep_rate_is_one_minus_p_torch(sub) -> None:
    """torch: the fraction of kept elements is 1−p (statistical test, false failure ≤ 1e-7)"""
    cases.KEEP_RATE.for_backend(TORCH).run(sub)


@checks.check(points=1, false_failure=1e-7)
def mean_is_preserved_numpy(sub) -> None:
    """numpy: E[x′] = x, the mean of many draws is x (statistical test, ≤ 1e-7)"""
    cases.MEAN.for_backend(NUMPY).run(sub)


@checks.check(points=1, false_failure=1e-7)
def mean_is_preserved_torch(sub) -> None:
    """torch: E[x′] = x, the mean of many draws is x (statistical test, ≤ 1e-7)"""
    cases.MEAN.for_backend(TORCH).run(sub)


@checks.check(points=1, false_failure=1e-7)
def drops_are_independent_numpy(sub) -> None:
    """numpy: elements are dropped independently, not with a mask shared across rows (≤ 1e-7)"""
    cases.INDEPENDENT.for_backend(NUMPY).run(sub)


@checks.check(points=1, false_failure=1e-7)
def drops_are_independent_torch(sub) -> None:
    """torch: elements are dropped independently, not with a mask shared across rows (≤ 1e-7)"""
    cases.INDEPENDENT.for_backend(TORCH).run(sub)


def _generator(sub, x) -> None:
    # A correct solution fails only if two independent masks of 2,000 elements coincide:
    # probability ((1-p)^2 + p^2)^2000 = 2^-2000 at p = 0.5.
    facts = sub.probe("generator_facts", x, 0.5, 15, label=where(x, 0.5))
    judging.judge_generator_facts(facts, x, where(x, 0.5))


@checks.check(points=1)
def uses_the_generator_numpy(sub) -> None:
    """numpy: the mask comes from `generator`: same seed, same mask; new draws differ"""
    _generator(sub, numpy_input(9, (40, 50)))


@checks.check(points=1)
def uses_the_generator_torch(sub) -> None:
    """torch: the mask comes from `generator`: same seed, same mask; new draws differ"""
    _generator(sub, tensor(numpy_input(10, (40, 50)), "float32", sub))


@checks.check(points=1)
def p_zero_or_not_training_returns_x(sub) -> None:
    """dropout(x, 0) and dropout(x, p, training=False) return x unchanged (numpy and torch)"""
    for x in (numpy_input(16, (5, 7), "float32"), tensor(numpy_input(17, (5, 7)), "float32", sub)):
        judging.expect_equals_input(run(sub, x, 0.0, 16), x, where(x, 0.0), "p = 0 drops nothing")
        judging.expect_equals_input(
            run(sub, x, 0.5, 16, training=False),
            x,
            where(x, 0.5, ", training=False"),
            "when not training, dropout is the identity",
        )


def expect_zeros(y: object, x: object, label: str) -> None:
    """y is like x (kind, shape, dtype, device) and all zeros, without nan."""
    values = judging.output_values(y, x, label)
    if values.any():
        fail(label, "all zeros", f"{int((values != 0).sum())} nonzero elements")


@checks.check(points=1)
def p_one_gives_zeros_numpy(sub) -> None:
    """numpy: dropout(x, 1) is all zeros, with no nan from 0/0"""
    x = numpy_input(18, (6, 8))
    expect_zeros(run(sub, x, 1.0, 17), x, where(x, 1.0))


@checks.check(points=1)
def p_one_gives_zeros_torch(sub) -> None:
    """torch: dropout(x, 1) is all zeros, with no nan from 0/0, and a zero gradient"""
    for dtype in ("float32", "float16"):
        x = tensor(numpy_input(19, (6, 8)), dtype, sub)
        expect_zeros(run(sub, x, 1.0, 17), x, where(x, 1.0))
    x = tensor(numpy_input(20, (6, 8)), "float32", sub)
    facts = sub.probe("gradient_facts", x, tensor(np.ones((6, 8)), "float32", sub), 1.0, 18)
    judging.expect_gradient(facts, x, 1.0, np.ones((6, 8)), where(x, 1.0))


@checks.check(points=1)
def invalid_p_raises_value_error(sub) -> None:
    """dropout and Dropout raise ValueError for p outside [0, 1] or nan"""
    for x in (numpy_input(21, (3, 4)), tensor(numpy_input(22, (3, 4)), "float32", sub)):
        for p in (-0.1, 1.5, float("nan")):
            expect_value_error(sub, "dropout", (x, p), where(x, p))
    expect_value_error(sub, "Dropout", (1.5,), "Dropout(1.5)")


def expect_value_error(
    sub, func: str, args: tuple, label: str, hint: str = "check p before anything else", **kw
) -> None:
    """``func(*args, **kw)`` raises ValueError (a stub's NotImplementedError propagates)."""
    try:
        got = sub.call(func, *args, **kw)
    except StudentRaised as exc:
        if exc.not_implemented:
            raise
        if exc.exc_type == "ValueError":
            return
        fail(label, "ValueError (p must be in [0, 1])", f"{exc.exc_type}: {exc.exc_message}")
    fail(label, "ValueError (p must be in [0, 1])", f"it returned {kind_of(got)}", hint)


def _not_modified(sub, x) -> None:
    for p in (0.5, 1.0):
        facts = sub.probe("run_keeping_input", x, p, 19, label=where(x, p))
        judging.expect_equals_input(
            facts.get("x_after") if isinstance(facts, dict) else facts,
            x,
            f"x after {where(x, p)}",
            "build a new array/tensor (x * mask / (1−p)); do not use *=, [...] = or mul_ on x",
        )


@checks.check(points=1)
def input_not_modified_numpy(sub) -> None:
    """numpy: dropout never modifies x in place"""
    _not_modified(sub, numpy_input(23, (20, 30)))


@checks.check(points=1)
def input_not_modified_torch(sub) -> None:
    """torch: dropout never modifies x in place"""
    _not_modified(sub, tensor(numpy_input(24, (20, 30)), "float32", sub))


@checks.check(points=1)
def dtype_kept_numpy(sub) -> None:
    """numpy: the result is a numpy array of x's dtype (float32 stays float32)"""
    x = numpy_input(25, (8, 9), "float32")
    judging.output_values(run(sub, x, 0.5, 20), x, where(x, 0.5))


@checks.check(points=2)
def dtype_and_device_kept(sub) -> None:
    """torch: the result is a tensor of x's dtype, on x's device (mask made on x's device)"""
    for x in (
        tensor(numpy_input(26, (8, 9)), "float16", sub),
        tensor(numpy_input(27, (8, 9)), "float64", sub),
    ):
        judging.output_values(run(sub, x, 0.5, 20), x, where(x, 0.5))
    # No GPU needed: on the meta device, a mask made with torch.rand(x.shape) (on the CPU)
    # raises a device-mismatch error or gives a CPU result (see probes.meta_facts).
    for dtype in ("float32", "float64"):
        label = f"dropout(tensor {dtype}[4, 5] on meta, p=0.5)"
        facts = sub.probe("meta_facts", [4, 5], dtype, 0.5, label=label)
        judging.judge_meta_facts(facts, dtype, label)


@checks.check(points=2)
def gradient_is_mask_over_keep(sub) -> None:
    """the gradient of dropout(x, p) with respect to x is mask/(1−p)"""
    weights = np.random.default_rng(28).normal(size=(30, 40))
    for p, dtype in ((0.3, "float64"), (0.6, "float32")):
        x = tensor(numpy_input(29, (30, 40)), dtype, sub)
        facts = sub.probe("gradient_facts", x, tensor(weights, dtype, sub), p, 21)
        judging.expect_gradient(facts, x, p, weights, where(x, p))


@checks.check(points=2, false_failure=1e-7)
def dropout_module_train_eval(sub) -> None:
    """Dropout drops in train() mode and is the identity in eval() mode (≤ 1e-7)"""
    x = cases.MODULE.input(sub.device)
    for p, label in ((None, "Dropout() (default p=0.5)"), (0.2, "Dropout(0.2)")):
        facts = sub.probe("module_facts", x, p, 22)
        judging.judge_module_facts(facts, x, p or 0.5, cases.MODULE_BUDGET, label)


@checks.check(points=3, depends=dropout_module_train_eval, timeout=60, training=True)
def network_with_dropout_trains(sub) -> None:
    """a small network with your Dropout trains, and is deterministic in eval() mode"""
    X, y = training.xor_data(31, training.TRAIN_SIZE)
    held_out = training.xor_data(32, training.HELD_OUT_SIZE)  # never sent to the sandbox
    X_probe = X[:16]
    facts = sub.probe(
        "train_network",
        TensorData.of(X, "torch.float32"),
        TensorData.of(y, "torch.int64"),
        TensorData.of(X_probe, "torch.float32"),
        sub.device,
        33,
        training.STEPS,
        training.P,
    )
    training.judge_training(facts, X_probe, held_out, f"network with Dropout({training.P})")
