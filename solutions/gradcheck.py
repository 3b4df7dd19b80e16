"""gradcheck — two-sided numerical gradients and gradient checking (reference solution).

The two-sided difference (f(θ + εeᵢ) − f(θ − εeᵢ)) / 2ε cancels the f''·ε² terms of the
Taylor expansions and errs by O(ε²); the one-sided (f(θ + εeᵢ) − f(θ)) / ε errs by O(ε).
"""

import numpy as np


def numerical_grad(f, theta, eps=1e-5):
    """The two-sided difference for every coordinate of theta (any shape); theta unchanged."""
    theta = np.asarray(theta, dtype=np.float64)
    grad = np.zeros(theta.shape, dtype=np.float64)
    for index in np.ndindex(theta.shape):
        step = np.zeros(theta.shape)
        step[index] = eps
        grad[index] = (f(theta + step) - f(theta - step)) / (2 * eps)
    return grad


def one_sided_grad(f, theta, eps=1e-5):
    """The one-sided difference (f(θ + εeᵢ) − f(θ)) / ε for every coordinate; theta unchanged."""
    theta = np.asarray(theta, dtype=np.float64)
    base = f(theta)
    grad = np.zeros(theta.shape, dtype=np.float64)
    for index in np.ndindex(theta.shape):
        step = np.zeros(theta.shape)
        step[index] = eps
        grad[index] = (f(theta + step) - base) / eps
    return grad


def relative_error(a, b):
    """‖a − b‖₂ / (‖a‖₂ + ‖b‖₂) over all entries, and 0.0 when both are zero."""
    a = np.ravel(np.asarray(a, dtype=np.float64))
    b = np.ravel(np.asarray(b, dtype=np.float64))
    scale = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if scale == 0.0 else float(np.linalg.norm(a - b) / scale)


def check_gradient(f, grad_f, theta, eps=1e-5, tol=1e-6):
    """(ok, rel_error, worst_index): grad_f(theta) against the two-sided numerical gradient."""
    theta = np.asarray(theta, dtype=np.float64)
    numeric = numerical_grad(f, theta, eps)
    analytic = np.asarray(grad_f(theta), dtype=np.float64).reshape(theta.shape)
    error = relative_error(numeric, analytic)
    worst = np.unravel_index(int(np.argmax(np.abs(numeric - analytic))), theta.shape)
    return bool(error < tol), error, tuple(int(i) for i in worst)


def _sigmoid(z):
    """σ(z) with exp taken only of −|z| (no overflow)."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def logistic_loss_and_grad(w, b, X, y):
    """Mean binary cross-entropy of σ(Xw + b) and its gradients (loss, dw, db).

    −y·log σ(z) − (1 − y)·log(1 − σ(z)) = log(1 + e^z) − y·z, and log(1 + e^z) is
    np.logaddexp(0, z), which never overflows.
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    z = X @ np.asarray(w, dtype=np.float64) + b
    loss = np.mean(np.logaddexp(0.0, z) - y * z)
    residual = (_sigmoid(z) - y) / len(y)
    return float(loss), X.T @ residual, float(residual.sum())
