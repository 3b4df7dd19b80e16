"""Measure the margins behind gradcheck's thresholds (quoted in checks/gradcheck/*.py).

    python bench/gradcheck_margins.py [--seeds 200]

Everything runs in this process on the reference solution (and on the usual wrong
versions of it), through the same trusted-side code the checks use:

- the log-log slopes of the error of the two-sided and one-sided differences over the
  steps the checks use, on many random test functions and points (public.py's bounds);
- how far a float64 difference quotient sits from the closed form, as a share of the
  rounding bound the value checks allow (functions.Smooth.rounding);
- check_gradient's rel_error for a right gradient at ε = 1e-5 (checker.RIGHT_BELOW);
- the logistic gradient: the reference's relative error against the exact gradient, the
  grader's own gradient check (the reference numerical_grad on the 60-digit loss) against
  the exact gradient, and the usual wrong gradients (logistic.RIGHT_BELOW).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from grader.catalog import load_reference
from grader.course.gradcheck import judging, logistic, public
from grader.course.gradcheck.functions import random_smooth, relative_error_of


def one_sided_as_two_sided(f, theta, eps=1e-5):
    return REFERENCE.one_sided_grad(f, theta, eps)


def divided_by_eps(f, theta, eps=1e-5):
    return 2 * REFERENCE.numerical_grad(f, theta, eps)


def two_sided_as_one_sided(f, theta, eps=1e-5):
    return REFERENCE.numerical_grad(f, theta, eps)


def backward(f, theta, eps=1e-5):
    return REFERENCE.one_sided_grad(f, theta, -eps)


def in_place(f, theta, eps=1e-5):
    """θᵢ += ε, θᵢ −= 2ε, θᵢ += ε: the drift-prone way (θ ends within an ulp or so)."""
    grad = np.zeros_like(theta)
    for index in np.ndindex(theta.shape):
        theta[index] += eps
        plus = f(theta)
        theta[index] -= 2 * eps
        grad[index] = (plus - f(theta)) / (2 * eps)
        theta[index] += eps
    return grad


def random_point(seed: int, shape: tuple[int, ...]):
    rng = np.random.default_rng(10_000 + seed)
    return random_smooth(rng, shape, k=rng.uniform(0.5, 2.5)), rng.uniform(-2.5, 2.5, size=shape)


def slopes(seeds: int) -> None:
    variants = {
        "two-sided (reference numerical_grad)": REFERENCE.numerical_grad,
        "one-sided (reference one_sided_grad)": REFERENCE.one_sided_grad,
        "numerical_grad that is one-sided": one_sided_as_two_sided,
        "numerical_grad divided by ε, not 2ε": divided_by_eps,
        "one_sided_grad that is two-sided": two_sided_as_one_sided,
        "one_sided_grad that is backward": backward,
    }
    for name, func in variants.items():
        measured = []
        for seed in range(seeds):
            for shape in ((4,), (3, 2)):
                smooth, theta = random_point(seed, shape)
                grads = [func(smooth.value, theta.copy(), eps) for eps in judging.STEPS]
                measured.append(judging.error_slope(grads, smooth, theta, name)[0])
        print(f"slope, {name}: min {min(measured):.3f} max {max(measured):.3f}")
    for func in (REFERENCE.numerical_grad, REFERENCE.one_sided_grad):
        smooth, theta = public.SLOPE_CASE
        grads = [func(smooth.value, theta.copy(), eps) for eps in judging.STEPS]
        slope = judging.error_slope(grads, smooth, theta, "")[0]
        print(f"slope of {func.__name__} on the public SLOPE_CASE: {slope:.3f}")
    print(f"checks accept two-sided {public.TWO_SIDED_SLOPE}, one-sided {public.ONE_SIDED_SLOPE}")


def rounding(seeds: int) -> None:
    """The largest |quotient − closed form| as a share of the allowed rounding bound."""
    for name, func, one_sided in (
        ("reference numerical_grad", REFERENCE.numerical_grad, False),
        ("in-place numerical_grad", in_place, False),
        ("reference one_sided_grad", REFERENCE.one_sided_grad, True),
    ):
        worst = 0.0
        for seed in range(seeds):
            for shape in ((), (5,), (2, 3, 2), (12,)):
                smooth, theta = random_point(seed, shape)
                for eps in (0.3, 1e-2, 1e-4, 1e-5, 1e-6):
                    got = func(smooth.value, theta.copy(), eps)
                    closed = smooth.one_sided if one_sided else smooth.two_sided
                    bound = smooth.rounding(theta, eps, one_sided=one_sided)
                    bound += judging.RTOL * float(np.max(np.abs(closed(theta, eps))))
                    worst = max(worst, float(np.max(np.abs(got - closed(theta, eps)))) / bound)
        print(f"rounding, {name}: at most {worst:.3f} of the allowed tolerance")


def right_gradient(seeds: int) -> None:
    worst = 0.0
    for seed in range(seeds):
        for shape in ((6,), (2, 2), (3, 4)):
            smooth, theta = random_point(seed, shape)
            _, rel, _ = REFERENCE.check_gradient(smooth.value, smooth.gradient, theta)
            worst = max(worst, rel)
    print(f"check_gradient, right grad_f, eps=1e-5: rel_error at most {worst:.3g} (< 1e-7)")


def logistic_margins(seeds: int) -> None:
    right, grader, wrong = 0.0, 0.0, np.inf
    for seed in range(seeds):
        rng = np.random.default_rng(20_000 + seed)
        n, d = int(rng.integers(5, 40)), int(rng.integers(2, 8))
        scale = float(rng.choice([0.5, 1.0, 8.0, 200.0, 500.0]))
        X, w = rng.normal(size=(n, d)), rng.normal(size=d) * scale
        b, y = float(rng.normal()), (rng.random(n) < 0.5).astype(np.float64)
        _, want_dw, want_db = logistic.exact(w, b, X, y)
        want = np.append(want_dw, want_db)
        _, dw, db = REFERENCE.logistic_loss_and_grad(w, b, X, y)
        right = max(right, relative_error_of(np.append(dw, db), want))
        numeric = REFERENCE.numerical_grad(
            lambda p, X=X, y=y: logistic.exact_loss(p, X, y), np.append(w, b), 1e-5
        )
        grader = max(grader, relative_error_of(numeric, want))
        wrong = min(wrong, relative_error_of(n * want, want))  # summed, not averaged
    print(f"logistic: reference gradient vs exact, rel at most {right:.3g}")
    print(f"logistic: grader's gradient check (eps 1e-5) vs exact, rel at most {grader:.3g}")
    print(f"logistic: a summed (not averaged) gradient, rel at least {wrong:.3g}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=200)
    seeds = parser.parse_args().seeds
    slopes(seeds)
    rounding(seeds // 4)
    right_gradient(seeds)
    logistic_margins(seeds // 4)


REFERENCE = load_reference("gradcheck")

if __name__ == "__main__":
    main()
