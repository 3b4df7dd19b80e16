"""Probes for ex4_1: grader-written code that runs *inside the sandbox* next to student code.

Everything returned here is untrusted data: the judge re-derives every fact.
"""

from __future__ import annotations

import warnings

import numpy as np
import torch

CAPTURED = ("sigmoid", "sigmoid_grad", "weight_grad")


def call_capturing(student, func: str, *args) -> dict:
    """The student's ``func(*args)`` with numpy's overflow/invalid/divide warnings recorded.

    The sandbox ignores warnings by default, so they are turned on and collected
    here and returned as text. Underflow (exp(-1e4) == 0) is not a problem.
    """
    if func not in CAPTURED:
        raise ValueError(f"call_capturing cannot call {func!r}")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with np.errstate(over="warn", divide="warn", invalid="warn", under="ignore"):
            value = getattr(student, func)(*args)
    texts = [f"{w.category.__name__}: {w.message}" for w in caught]
    return {"value": value, "warnings": texts}


def train_on_device(student, X, y, lr: float, steps: int, device: str) -> object:
    """``train_neuron`` called with a ``torch.device`` object (which cannot cross the wire)."""
    return student.train_neuron(X, y, lr, steps, device=torch.device(device))
