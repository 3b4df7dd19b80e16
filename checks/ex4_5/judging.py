"""Trusted-side facts about ex4_5 shared by its public and hidden checks.

Nothing here is secret: it re-derives, from returned plain data, what a
student's model is, and explains wrong counts by the usual mistakes.
"""

from __future__ import annotations

import math

import numpy as np

from grader.judge.compare import expect_close, expect_equal, fail, kind_of
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
    """``param_count(M0, N, L)`` returns exactly ``expected`` as a Python int."""
    got = sub.call("param_count", M0, N, L)
    hint = count_hint(int(M0), int(N), int(L), got)
    if isinstance(got, float) and got == expected:
        hint = "use integer division // so the count stays an int"
    expect_equal(got, expected, where=f"param_count({M0}, {N}, {L})", hint=hint)


def expect_raises(sub, func: str, args: tuple, exc_type: str, why: str) -> None:
    """Calling ``func(*args)`` raises ``exc_type`` (e.g. ValueError for L not dividing N)."""
    from grader.judge.student import call_text
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


def check_mlp(
    facts: object, M0: int, N: int, L: int, inputs: np.ndarray, expected_count: int
) -> None:
    """Judge the facts a probe reported about ``build_mlp(M0, N, L)``."""
    where = f"build_mlp({M0}, {N}, {L})"
    if not isinstance(facts, dict) or facts.get("is_module") is not True:
        got = facts.get("type") if isinstance(facts, dict) else kind_of(facts)
        fail(where, "a torch.nn.Module", f"{got}")
    shapes = facts.get("parameter_shapes")
    if not isinstance(shapes, list) or not all(_is_shape(s) for s in shapes):
        raise CheckFailed(f"{where}: the model's parameters could not be read")
    total = sum(math.prod(s) for s in shapes)
    expect_equal(total, expected_count, where=f"{where}: total number of parameters")
    layers = _linear_layers(facts, where)
    _check_widths(layers, M0, N, L, where)
    _check_forward(layers, facts.get("output"), inputs, where)


def _is_shape(shape: object) -> bool:
    return isinstance(shape, list) and all(type(n) is int and n >= 0 for n in shape)


def _linear_layers(facts: dict, where: str) -> list[tuple[np.ndarray, np.ndarray | None]]:
    layers = []
    for layer in facts.get("linears") or []:
        weight, bias = layer.get("weight"), layer.get("bias")
        if not isinstance(weight, TensorData) or weight.array is None:
            raise CheckFailed(f"{where}: a Linear layer's weight could not be read")
        bias_array = bias.array if isinstance(bias, TensorData) else None
        layers.append((weight.array.astype(np.float64), _as_float(bias_array)))
    return layers


def _as_float(array: np.ndarray | None) -> np.ndarray | None:
    return None if array is None else array.astype(np.float64)


def _check_widths(layers: list, M0: int, N: int, L: int, where: str) -> None:
    w = N // L
    expected = [(w, M0)] + [(w, w)] * (L - 1) + [(1, w)]
    got = [tuple(weight.shape) for weight, _ in layers]
    if len(got) != len(expected):
        fail(where, f"{len(expected)} nn.Linear layers (L={L} hidden + 1 output)", f"{len(got)}")
    for i, (want, shape) in enumerate(zip(expected, got, strict=True)):
        if want != shape:
            fail(
                f"{where}: Linear layer {i + 1}",
                f"weight of shape {want} (out_features={want[0]}, in_features={want[1]})",
                f"shape {shape}",
                "hidden layers have N/L neurons each",
            )
    for i, (weight, bias) in enumerate(layers):
        if bias is None or bias.shape != (weight.shape[0],):
            fail(
                f"{where}: Linear layer {i + 1}",
                f"a bias of shape ({weight.shape[0]},)",
                "no bias" if bias is None else f"shape {bias.shape}",
            )


def _check_forward(layers: list, output: object, inputs: np.ndarray, where: str) -> None:
    h = inputs.astype(np.float64)
    for i, (weight, bias) in enumerate(layers):
        h = h @ weight.T + bias
        if i < len(layers) - 1:
            h = 1.0 / (1.0 + np.exp(-h))
    expected = TensorData(h.astype(np.float32), "torch.float32", "cpu")
    if isinstance(output, TensorData) and output.kind == "Parameter":
        output = TensorData(output.array, output.dtype, output.device, output.requires_grad)
    expect_close(
        output,
        expected,
        where=f"{where}: output on {inputs.shape[0]} test inputs",
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
