"""Probes for ex4_5: grader-written code that runs *inside the sandbox* next to student code.

Everything returned here is untrusted data: the judge re-derives every fact.
"""

from __future__ import annotations

import numpy as np
import torch


def mlp_facts(student, M0, N, L, inputs: np.ndarray) -> dict:
    """Build the student's MLP and report its parameters and its output on ``inputs``."""
    model = student.build_mlp(M0, N, L)
    if not isinstance(model, torch.nn.Module):
        return {"is_module": False, "type": type(model).__qualname__}
    linears = [m for m in model.modules() if isinstance(m, torch.nn.Linear)]
    with torch.no_grad():
        output = model(torch.as_tensor(inputs, dtype=torch.float32))
    return {
        "is_module": True,
        "type": type(model).__qualname__,
        "parameter_shapes": [list(p.shape) for p in model.parameters()],
        "linears": [
            {
                "weight": layer.weight.detach().clone(),
                "bias": None if layer.bias is None else layer.bias.detach().clone(),
            }
            for layer in linears
        ],
        "output": output.detach().clone() if isinstance(output, torch.Tensor) else output,
    }


def expr_text(student) -> object:
    """The student's expression, sent back as a sympy value (encoded as text)."""
    return student.param_count_expr()
