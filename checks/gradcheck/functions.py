"""The test functions f handed to the student's code, and their difference quotients in closed form.

Every check uses one family of smooth functions of an array θ of any shape:

    f(θ) = Σ a⊙sin θ + Σ c⊙θ³ + ½ θ̃ᵀAθ̃ + Σ b⊙θ + k·sin(Σ u⊙θ)

(θ̃ is θ flattened, A is symmetric). The coupling terms (A and the sine of Σ u⊙θ) make
each partial derivative depend on every coordinate; sin and θ³ have nonzero third
derivatives, so the truncation error of a difference quotient is visible.

A probe builds f (and its gradient) inside the sandbox from the parameters the judge
sends. The judge computes, in float64, the exact gradient and the exact value of the
two-sided and one-sided difference quotients of f at a step ε, term by term from
trigonometric and polynomial identities: no finite difference is ever evaluated here,
so the expected values carry no rounding of their own.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

UNIT_ROUNDOFF = 2.0**-53


@dataclass(frozen=True, eq=False)
class Smooth:
    """f(θ) = Σ a⊙sin θ + Σ c⊙θ³ + ½ θ̃ᵀAθ̃ + Σ b⊙θ + k·sin(Σ u⊙θ) for θ of ``a.shape``.

    ``a``, ``c``, ``b``, ``u`` have θ's shape; ``A`` is symmetric (n, n) with n = θ.size.
    """

    a: np.ndarray
    c: np.ndarray
    b: np.ndarray
    u: np.ndarray
    A: np.ndarray
    k: float

    @property
    def shape(self) -> tuple[int, ...]:
        return self.a.shape

    def to_data(self) -> dict:
        """The parameters as plain data (what a check sends to a probe)."""
        return {"a": self.a, "c": self.c, "b": self.b, "u": self.u, "A": self.A, "k": self.k}

    @classmethod
    def from_data(cls, data: dict) -> Smooth:
        arrays = {key: np.asarray(data[key], dtype=np.float64) for key in ("a", "c", "b", "u", "A")}
        return cls(k=float(data["k"]), **arrays)

    def reshaped(self, shape: tuple[int, ...]) -> Smooth:
        """The same function of θ reshaped to ``shape`` (same size): f(θ) = f_flat(θ.ravel())."""
        a, c, b, u = (np.reshape(v, shape) for v in (self.a, self.c, self.b, self.u))
        return Smooth(a=a, c=c, b=b, u=u, A=self.A, k=self.k)

    def _theta(self, theta: object) -> np.ndarray:
        t = np.asarray(theta, dtype=np.float64)
        if t.shape != self.shape:
            raise ValueError(
                f"f takes an array of θ's shape {self.shape}, but was given one of shape {t.shape}"
            )
        return t

    def value(self, theta: object) -> float:
        """f(θ), a Python float."""
        t = self._theta(theta)
        flat = t.ravel()
        total = np.sum(self.a * np.sin(t)) + np.sum(self.c * t**3) + np.sum(self.b * t)
        return float(total + 0.5 * flat @ self.A @ flat + self.k * np.sin(np.sum(self.u * t)))

    def gradient(self, theta: object) -> np.ndarray:
        """∇f(θ), exactly (float64), of θ's shape."""
        t = self._theta(theta)
        s = np.sum(self.u * t)
        quadratic = (self.A @ t.ravel()).reshape(self.shape)
        return np.asarray(
            self.a * np.cos(t)
            + 3 * self.c * t**2
            + quadratic
            + self.b
            + self.k * np.cos(s) * self.u
        )

    def two_sided(self, theta: object, eps: float) -> np.ndarray:
        """(f(θ + εeᵢ) − f(θ − εeᵢ)) / 2ε for every coordinate i, from closed forms.

        sin(x+ε) − sin(x−ε) = 2 cos x sin ε; (x+ε)³ − (x−ε)³ = 6x²ε + 2ε³; the
        quadratic and linear terms are differenced exactly.
        """
        t = self._theta(theta)
        s = np.sum(self.u * t)
        quadratic = (self.A @ t.ravel()).reshape(self.shape)
        return np.asarray(
            self.a * np.cos(t) * (np.sin(eps) / eps)
            + self.c * (3 * t**2 + eps**2)
            + quadratic
            + self.b
            + self.k * np.cos(s) * np.sin(self.u * eps) / eps
        )

    def one_sided(self, theta: object, eps: float) -> np.ndarray:
        """(f(θ + εeᵢ) − f(θ)) / ε for every coordinate i, from closed forms.

        sin(x+ε) − sin x = 2 cos(x + ε/2) sin(ε/2); (x+ε)³ − x³ = 3x²ε + 3xε² + ε³;
        ½(θ+εeᵢ)ᵀA(θ+εeᵢ) − ½θᵀAθ = ε(Aθ)ᵢ + ½A_ii ε².
        """
        t = self._theta(theta)
        s = np.sum(self.u * t)
        quadratic = (self.A @ t.ravel() + 0.5 * np.diag(self.A) * eps).reshape(self.shape)
        return np.asarray(
            self.a * 2 * np.cos(t + eps / 2) * np.sin(eps / 2) / eps
            + self.c * (3 * t**2 + 3 * t * eps + eps**2)
            + quadratic
            + self.b
            + self.k * 2 * np.cos(s + self.u * eps / 2) * np.sin(self.u * eps / 2) / eps
        )

    def rounding(self, theta: object, eps: float, one_sided: bool = False) -> float:
        """A bound on how far a float64 difference quotient may sit from the closed form.

        Each evaluation of f rounds by at most about (n + 10)·u·M, where M bounds the sum
        of the absolute values of f's terms; θᵢ ± ε itself rounds by u·|θᵢ ± ε|, which moves
        f by |∂f/∂θᵢ| times that. Divided by the quotient's denominator, with a factor 8
        of headroom.
        """
        t = self._theta(theta)
        flat = np.abs(t.ravel()) + eps
        terms = (
            np.sum(np.abs(self.a))
            + np.sum(np.abs(self.c).ravel() * flat**3)
            + 0.5 * flat @ np.abs(self.A) @ flat
            + np.sum(np.abs(self.b).ravel() * flat)
            + abs(self.k)
        )
        slope = float(np.max(np.abs(self.gradient(t)), initial=0.0)) + 1.0
        per_value = (t.size + 10) * UNIT_ROUNDOFF * terms + slope * UNIT_ROUNDOFF * flat.max()
        return 8 * (2 if one_sided else 1) * per_value / eps


def relative_error_of(a: object, b: object) -> float:
    """The statement's ‖a − b‖₂ / (‖a‖₂ + ‖b‖₂) over all entries; 0.0 when both are zero."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    denominator = np.sqrt(np.sum(a * a)) + np.sqrt(np.sum(b * b))
    if denominator == 0:
        return 0.0
    return float(np.sqrt(np.sum((a - b) ** 2)) / denominator)


def random_smooth(rng: np.random.Generator, shape: tuple[int, ...], k: float = 1.0) -> Smooth:
    """A member of the family with parameters of order 1 (seeded by ``rng``)."""
    n = int(np.prod(shape, dtype=int))
    M = rng.normal(scale=0.5, size=(n, n))
    return Smooth(
        a=np.asarray(rng.uniform(0.5, 2.0, size=shape) * rng.choice([-1.0, 1.0], size=shape)),
        c=np.asarray(rng.uniform(-0.5, 0.5, size=shape)),
        b=np.asarray(rng.normal(size=shape)),
        u=np.asarray(rng.normal(scale=0.7, size=shape)),
        A=(M + M.T) / 2,
        k=k,
    )
