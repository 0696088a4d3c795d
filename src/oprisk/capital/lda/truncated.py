"""The conditional distribution of a loss given that it was recorded (X ≥ H, optionally X < u)."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import integrate, stats

from ._quadrature import integral, tail_integral


@dataclass(frozen=True, eq=False)
class TruncatedDistribution:
    """The conditional distribution of X given ``lower ≤ X`` (and ``X < upper`` if given).

    Scipy-like: ``cdf``, ``sf``, ``pdf``, ``logpdf``, ``ppf``, ``isf``, ``rvs``, ``mean``. Tail
    probabilities use the base ``sf`` so extreme quantiles keep their precision.
    """

    base: Any
    lower: float
    upper: float = math.inf

    @property
    def _mass(self) -> float:
        return float(
            self.base.sf(self.lower) - (self.base.sf(self.upper) if self.upper < math.inf else 0.0)
        )

    def sf(self, x: Any) -> Any:
        x = np.asarray(x, dtype=float)
        su = self.base.sf(self.upper) if self.upper < math.inf else 0.0
        out = (self.base.sf(np.clip(x, self.lower, self.upper)) - su) / self._mass
        return np.clip(out, 0.0, 1.0)

    def cdf(self, x: Any) -> Any:
        return 1.0 - self.sf(x)

    def pdf(self, x: Any) -> Any:
        x = np.asarray(x, dtype=float)
        inside = (x >= self.lower) & (x < self.upper)
        return np.where(inside, self.base.pdf(x) / self._mass, 0.0)

    def logpdf(self, x: Any) -> Any:
        with np.errstate(divide="ignore"):
            return np.log(self.pdf(x))

    def isf(self, q: Any) -> Any:
        q = np.asarray(q, dtype=float)
        su = self.base.sf(self.upper) if self.upper < math.inf else 0.0
        return self.base.isf(su + q * self._mass)

    def ppf(self, q: Any) -> Any:
        return self.isf(1.0 - np.asarray(q, dtype=float))

    def rvs(self, size: Any = None, random_state: Any = None) -> Any:
        rng = np.random.default_rng(random_state)
        return self.isf(1.0 - rng.random(size))  # 1 − U ∈ (0, 1]

    def mean(self) -> float:
        """E[X | lower ≤ X < upper]; ``inf`` when the tail is heavier than 1/x."""
        dist = self.base.dist.name if hasattr(self.base, "dist") else ""
        if dist == "lognorm" and self.upper == math.inf:
            s = float(self.base.kwds.get("s", self.base.args[0] if self.base.args else 1.0))
            mu = math.log(float(self.base.kwds.get("scale", 1.0)))
            if self.lower <= 0:
                return math.exp(mu + s * s / 2)
            a = (math.log(self.lower) - mu) / s
            return math.exp(mu + s * s / 2 + stats.norm.logsf(a - s) - stats.norm.logsf(a))
        if self.upper == math.inf:
            base_mean = float(self.base.mean())
            if not math.isfinite(base_mean):
                return math.inf
            if self.lower <= 0:
                return base_mean
            # E[X | X ≥ H] = H + ∫_H^∞ P(X > x | X ≥ H) dx, by the heavy-tail-safe rule
            val, _ = tail_integral(self.sf, self.lower)
            return self.lower + val
        if self.lower > 0:
            return self.lower + integral(self.sf, self.lower, self.upper)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            val, _ = integrate.quad(lambda t: float(self.sf(t)), 0.0, self.upper, limit=200)
        return val
