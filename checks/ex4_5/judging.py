"""Trusted-side facts about ex4_5 shared by its public and hidden checks.

Nothing here is secret: it chooses the weights a student's model is run with and
computes what it must output, and explains wrong counts by the usual mistakes.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from grader.judge.compare import describe, expect_close, expect_equal, fail, kind_of
from grader.judge.student import call_text
from grader.outcomes import CheckFailed
from grader.sandbox.values import SympyText, TensorData

SYMBOLS = ("M0", "N", "L")


def _domains():
    from grader.quiz.expr_parser import Domain

    return dict.fromkeys(SYMBOLS, Domain.POSITIVE_INTEGER)


def count(M0: int, N: int, L: int) -> int:
    """The parameter count, for hint arithmetic and public literals' sanity."""
    w = N // L
    return (M0 * w + w) + (L - 1) * (w * w + w) + (w + 1)


def count_hint(M0: int, N: int, L: int, got: object) -> str:
    """Name the usual mistake that produces ``got``, or ''."""
    if not isinstance(got, int | float) or isinstance(got, bool):
        return ""
    w = N // L
    right = count(M0, N, L)
    mistakes = {
        right - (N + 1): "did you count the biases?",
        right - N: "did you count the hidden layers' biases?",
        right - 1: "did you count the output neuron's bias?",
        right
        + w * w
        + w: "one hidden-to-hidden layer too many: L hidden layers have L-1 between them",
        right - (w * w + w): "one hidden-to-hidden layer too few",
        M0 * N + N * N // L + N + 1: "each hidden layer has N/L neurons, not N",
    }
    return mistakes.get(got, "") if got != right else ""


def expect_count(sub, M0: int, N: int, L: int, expected: int) -> None:
    """``param_count(M0, N, L)`` has the value ``expected``, in any integer-valued number.

    The count is the concept: a numpy integer or an integral float of the right value
    earns it; that the contract wants a Python int is :func:`expect_python_int`'s check.
    """
    got = sub.call("param_count", M0, N, L)
    where = call_text("param_count", (M0, N, L))
    value = _as_count(got)
    if value is None:
        fail(where, f"the integer {expected}", f"{kind_of(got)} {describe(got)}")
    expect_equal(value, expected, where=where, hint=count_hint(int(M0), int(N), int(L), value))


def _as_count(got: object) -> int | None:
    """``got`` as a Python int when it is a whole number (int, numpy integer, float), else None."""
    if isinstance(got, bool | np.bool_):
        return None
    if isinstance(got, int | np.integer):
        return int(got)
    if isinstance(got, float | np.floating) and math.isfinite(got) and float(got).is_integer():
        return int(got)
    return None


def expect_python_int(sub, M0: int, N: int, L: int) -> None:
    """``param_count(M0, N, L)`` returns a Python ``int`` (its value is judged elsewhere)."""
    got = sub.call("param_count", M0, N, L)
    if type(got) is int:
        return
    hint = "convert the result with int(...)"
    if isinstance(got, float | np.floating):
        hint = "use integer division // so the count stays an int"
    fail(
        call_text("param_count", (M0, N, L)),
        "a Python int",
        f"{kind_of(got)} {describe(got)}",
        hint,
    )


def expect_raises(sub, func: str, args: tuple, exc_type: str, why: str) -> None:
    """Calling ``func(*args)`` raises ``exc_type`` (e.g. ValueError for L not dividing N)."""
    from grader.outcomes import StudentRaised

    where = call_text(func, args)
    try:
        got = sub.call(func, *args)
    except StudentRaised as exc:
        if exc.not_implemented or exc.exc_type == exc_type:
            if exc.not_implemented:
                raise
            return
        fail(where, f"{exc_type} ({why})", f"{exc.exc_type}: {exc.exc_message}")
    fail(where, f"{exc_type} ({why})", f"it returned {kind_of(got)}")


# ----------------------------------------------------------------------------- build_mlp
# The judge never scores what the sandbox says about the model: it chooses the weights,
# the probe loads them into the student's layers, and the output the model gives must be
# the one the judge computes from those weights with the architecture the statement fixes.
# A model that only *describes* the right network (parameters(), state_dict(), modules())
# while its forward computes something else gives another output.


def mlp_weights(M0: int, N: int, L: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """The judge's (W, b) for each layer of build_mlp(M0, N, L), input side first (float32).

    Weights are uniform in ±2/√fan_in (pre-activations of about unit size: no layer
    saturates), biases uniform in ±1, so every weight changes the output.
    """
    rng = np.random.default_rng(seed)
    width = N // L
    sizes = [M0] + [width] * L + [1]
    layers = []
    for fan_in, fan_out in itertools.pairwise(sizes):
        bound = 2.0 / math.sqrt(fan_in)
        weight = rng.uniform(-bound, bound, size=(fan_out, fan_in)).astype(np.float32)
        layers.append((weight, rng.uniform(-1.0, 1.0, size=fan_out).astype(np.float32)))
    return layers


def mlp_forward(layers: list[tuple[np.ndarray, np.ndarray]], inputs: np.ndarray) -> np.ndarray:
    """The required network in float64: Linear -> sigmoid per hidden layer, Linear out."""
    h = inputs.astype(np.float64)
    for i, (weight, bias) in enumerate(layers):
        h = h @ weight.astype(np.float64).T + bias.astype(np.float64)
        if i < len(layers) - 1:
            h = 1.0 / (1.0 + np.exp(-h))
    return h


def expect_mlp(sub, M0: int, N: int, L: int, seed: int, samples: int) -> None:
    """``build_mlp(M0, N, L)`` with the judge's weights gives the judge's outputs."""
    m0, n, l_ = int(M0), int(N), int(L)
    layers = mlp_weights(m0, n, l_, seed)
    inputs = np.random.default_rng(seed + 1).normal(size=(samples, m0)).astype(np.float32)
    sent = [[TensorData.of(weight), TensorData.of(bias)] for weight, bias in layers]
    where = call_text("build_mlp", (M0, N, L))
    report = sub.probe("mlp_facts", M0, N, L, sent, TensorData.of(inputs), label=where)
    check_mlp(report, m0, n, l_, layers, inputs, where)


def check_mlp(
    report: object,
    M0: int,
    N: int,
    L: int,
    layers: list[tuple[np.ndarray, np.ndarray]],
    inputs: np.ndarray,
    where: str,
) -> None:
    """Judge a ``mlp_facts`` report: the reported shapes may only fail the model; passing
    takes the output the judge computes from its own ``layers`` on ``inputs``."""
    if not isinstance(report, dict) or report.get("is_module") is not True:
        got = report.get("type") if isinstance(report, dict) else kind_of(report)
        fail(where, "a torch.nn.Module", f"{got}")
    shapes = report.get("parameter_shapes")
    if not isinstance(shapes, list) or not all(_is_shape(s) for s in shapes):
        raise CheckFailed(f"{where}: the model's parameters could not be read")
    expected_count = sum(w.size + b.size for w, b in layers)
    total = sum(math.prod(s) for s in shapes)
    expect_equal(total, expected_count, where=f"{where}: total number of parameters")
    _check_widths(report.get("layers"), M0, N, L, where)
    if "output" not in report:
        raise CheckFailed(f"{where}: the model's output could not be read")
    _check_forward(report["output"], mlp_forward(layers, inputs), len(inputs), where)


def _is_shape(shape: object) -> bool:
    return isinstance(shape, list) and all(type(n) is int and n >= 0 for n in shape)


def _check_widths(reported: object, M0: int, N: int, L: int, where: str) -> None:
    """The nn.Linear layers, in the order the forward uses them, have the right shapes."""
    if not isinstance(reported, list) or not all(_is_layer(x) for x in reported):
        raise CheckFailed(f"{where}: the model's nn.Linear layers could not be read")
    w = N // L
    expected = [(w, M0)] + [(w, w)] * (L - 1) + [(1, w)]
    if len(reported) != len(expected):
        fail(
            where,
            f"{len(expected)} nn.Linear layers (L={L} hidden + 1 output)",
            f"{len(reported)}",
        )
    for i, (want, (weight, bias)) in enumerate(zip(expected, reported, strict=True)):
        if want != tuple(weight):
            fail(
                f"{where}: Linear layer {i + 1}",
                f"weight of shape {want} (out_features={want[0]}, in_features={want[1]})",
                f"shape {tuple(weight)}",
                "hidden layers have N/L neurons each",
            )
        if bias != [want[0]]:
            fail(
                f"{where}: Linear layer {i + 1}",
                f"a bias of shape ({want[0]},)",
                "no bias" if bias is None else f"shape {tuple(bias)}",
            )


def _is_layer(layer: object) -> bool:
    return (
        isinstance(layer, list)
        and len(layer) == 2
        and _is_shape(layer[0])
        and (layer[1] is None or _is_shape(layer[1]))
    )


def _check_forward(output: object, expected: np.ndarray, samples: int, where: str) -> None:
    want = TensorData(expected.astype(np.float32), "torch.float32", "cpu")
    if isinstance(output, TensorData) and output.kind == "Parameter":
        output = TensorData(output.array, output.dtype, output.device, output.requires_grad)
    expect_close(
        output,
        want,
        where=f"{where}: output on {samples} test inputs, with weights the grader loaded",
        rtol=1e-4,
        atol=1e-5,
        hint="the forward pass must be Linear -> sigmoid for each hidden layer, "
        "then the output Linear with no activation, using the model's own layers",
    )


def parse_student_expr(value: object, where: str):
    """Parse the returned expression text with the safe parser (never sympify)."""
    from grader.quiz.expr_parser import Domain, ExpressionError, parse_expression

    if not isinstance(value, SympyText):
        fail(where, "a sympy expression", kind_of(value))
    extra = sorted(set(value.symbols) - set(SYMBOLS))
    if extra:
        fail(where, "an expression in M0, N, L only", f"other symbols: {', '.join(extra)}")
    try:
        return parse_expression(value.text, dict.fromkeys(SYMBOLS, Domain.POSITIVE_INTEGER))
    except ExpressionError as exc:
        raise CheckFailed(f"{where}: the expression could not be read: {exc}") from None


def expect_expr_value(text: str, M0: int, N: int, L: int, expected: int, where: str) -> None:
    """The expression ``text`` evaluates to ``expected`` at (M0, N, L).

    Evaluated in the symbolic worker under a time limit: a student's expression such
    as ``exp(exp(exp(exp(M0))))`` may take forever and must not stall the judge.
    """
    from grader.judge.symbolic_worker import shared_judge

    value = shared_judge().evaluate(text, _domains(), {"M0": M0, "N": N, "L": L})
    if value != str(expected):
        hint = count_hint(M0, N, L, int(value)) if value.lstrip("-").isdigit() else ""
        fail(f"{where} at M0={M0}, N={N}, L={L}", str(expected), value, hint)


def expect_equivalent(student_text: str, reference_text: str, where: str) -> None:
    """The student's expression equals the reference (symbolic ladder in a worker process)."""
    from grader.judge.symbolic import Equivalence
    from grader.judge.symbolic_worker import shared_judge

    verdict = shared_judge().compare(student_text, reference_text, _domains())
    if verdict.outcome is Equivalence.EQUAL:
        return
    if verdict.outcome is Equivalence.DIFFERENT and verdict.point:
        at = ", ".join(f"{name}={value}" for name, value in verdict.point)
        fail(
            f"{where} at {at}",
            verdict.expected,
            verdict.actual,
            "the expression is not the parameter count for every M0, N, L",
        )
    raise CheckFailed(f"{where}: {verdict.message or 'could not be shown equal to the count'}")
