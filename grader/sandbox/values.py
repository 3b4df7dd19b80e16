"""Plain-data stand-ins for what crosses the sandbox boundary.

The judge never holds a live student object: tensors arrive as numpy arrays with
their torch metadata, sympy expressions as text (parsed later by the safe
parser), and anything else as a description of what it was.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class TensorData:
    """A torch tensor as data: values plus the metadata a check may judge.

    ``dtype`` is torch's name (``"torch.float32"``); ``device`` its string
    (``"cpu"``, ``"cuda:0"``, ``"meta"``); ``array`` is None for tensors without
    data (meta). ``kind`` is ``"Tensor"`` or ``"Parameter"``.
    """

    array: np.ndarray | None
    dtype: str
    device: str
    requires_grad: bool = False
    kind: str = "Tensor"

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.array.shape) if self.array is not None else ()

    def describe(self) -> str:
        """Short text such as ``tensor float32[3, 4] on cpu``."""
        shape = ", ".join(str(n) for n in self.shape)
        return f"{self.kind.lower()} {self.dtype.removeprefix('torch.')}[{shape}] on {self.device}"

    @classmethod
    def of(cls, array: np.ndarray, dtype: str | None = None, device: str = "cpu") -> TensorData:
        """A tensor description to *send* to the sandbox (decoded there as a torch tensor)."""
        return cls(np.asarray(array), dtype or f"torch.{np.asarray(array).dtype}", device)


@dataclass(frozen=True)
class SympyText:
    """A sympy expression the student returned, as ``str(expr)`` plus its symbol names."""

    text: str
    symbols: tuple[str, ...]


@dataclass(frozen=True)
class Unsupported:
    """A value of a type that may not cross the boundary (or a subclass of one that may).

    ``type_name`` is the object's type, ``base`` the allowed type it subclasses
    (empty if none), ``text`` a short, untrusted repr.
    """

    type_name: str
    base: str = ""
    text: str = ""

    def describe(self) -> str:
        if self.base:
            return f"a {self.type_name} (a subclass of {self.base}, which is not accepted)"
        return f"a {self.type_name}"
