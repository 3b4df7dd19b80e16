"""gradcheck — two-sided numerical gradients and gradient checking.

Run `grade show gradcheck` for the statement and `grade gradcheck` to check your work.
θ (`theta`) is a float64 numpy array of any shape; `f` maps an array of θ's shape to a
Python float, and `grad_f` maps it to an array of θ's shape (its analytic gradient).
"""

import numpy as np


def numerical_grad(f, theta, eps=1e-5):
    """The two-sided difference (f(θ + ε·eᵢ) − f(θ − ε·eᵢ)) / 2ε for every coordinate i.

    Returns a float64 array of θ's shape; θ holds the same values afterwards.
    """
    raise NotImplementedError


def one_sided_grad(f, theta, eps=1e-5):
    """The one-sided difference (f(θ + ε·eᵢ) − f(θ)) / ε for every coordinate i.

    Returns a float64 array of θ's shape; θ holds the same values afterwards.
    """
    raise NotImplementedError


def relative_error(a, b):
    """‖a − b‖₂ / (‖a‖₂ + ‖b‖₂), the norms taken over all entries; 0.0 when both are zero."""
    raise NotImplementedError


def check_gradient(f, grad_f, theta, eps=1e-5, tol=1e-6):
    """Compare grad_f(theta) with numerical_grad(f, theta, eps).

    Returns (ok, rel_error, worst_index): rel_error is their relative error, ok is
    rel_error < tol, and worst_index (a tuple) is the index of the coordinate where the
    two gradients differ most.
    """
    raise NotImplementedError


def logistic_loss_and_grad(w, b, X, y):
    """The mean binary cross-entropy of σ(Xw + b) and its analytic gradients.

    w is (d,), b a float, X (n, d), y (n,) of 0s and 1s. Returns (loss, dw, db), stable
    (finite and right) for large |Xw + b|.
    """
    raise NotImplementedError


if __name__ == "__main__":
    theta = np.array([[0.3, -1.2], [2.0, 0.5]])
    print(numerical_grad(lambda t: float(np.sum(np.sin(t))), theta, 1e-3), np.cos(theta))
    print(check_gradient(lambda t: float(np.sum(np.sin(t))), np.cos, theta))
