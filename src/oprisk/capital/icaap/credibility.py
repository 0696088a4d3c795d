"""Bayesian combination of internal losses with scenario and external information.

Shevchenko & Wüthrich (2006), "The structural modelling of operational risk via Bayesian
inference: combining loss data with expert opinions", J. Operational Risk 1(3), and Lambrigger,
Shevchenko & Wüthrich (2007), "The quantification of operational risk using internal data,
relevant external data and expert opinions", J. Operational Risk 2(3):

**Frequency (Poisson–gamma).** The expert's annual frequency λ_s with a range [low, high] is a
gamma prior Gamma(a, b) (shape a, rate b) with mean λ_s and standard deviation
(high − low)/(2·z), z = Φ⁻¹((1 + coverage)/2) (the range read as a central ``coverage`` interval
of a normal approximation). With N losses in T years the posterior is Gamma(a + N, b + T) and its
mean is the credibility formula (Bühlmann & Gisler 2005, A Course in Credibility Theory, §2)::

    E[λ | N] = (a + N) / (b + T) = Z · N/T + (1 − Z) · λ_s,    Z = T / (T + b)

**Severity (lognormal μ, σ known).** With a normal prior μ ~ N(μ₀, τ₀²) and losses
ln x_i ~ N(μ, σ²) the posterior is normal with precision 1/τ₀² + n/σ² and mean
(μ₀/τ₀² + Σ ln x_i/σ²) / (1/τ₀² + n/σ²). Left truncation at H breaks the conjugacy; the posterior
Π(μ) ∝ φ((μ − μ₀)/τ₀) Π f(x_i; μ, σ)/S(H; μ, σ) is then integrated numerically (adaptive
quadrature on μ₀ ± 12 posterior scales). Independent priors (the scenario's μ and the external
data's μ̂ with its standard error) combine by precision weighting (:func:`combine_normal`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import integrate, special, stats

from oprisk.errors import CapitalError, invalid


@dataclass(frozen=True)
class GammaPosterior:
    """Poisson–gamma credibility: prior Gamma(a, b), data N in T years, posterior Gamma(a+N, b+T)."""

    prior_shape: float
    prior_rate: float
    count: float
    exposure: float

    @property
    def shape(self) -> float:
        return self.prior_shape + self.count

    @property
    def rate(self) -> float:
        return self.prior_rate + self.exposure

    @property
    def mean(self) -> float:
        return self.shape / self.rate

    @property
    def prior_mean(self) -> float:
        return self.prior_shape / self.prior_rate

    @property
    def credibility(self) -> float:
        """Z = T / (T + b): the weight of the internal frequency N/T."""
        return self.exposure / (self.exposure + self.prior_rate)

    def to_dict(self) -> dict[str, Any]:
        return {
            "prior_shape": self.prior_shape,
            "prior_rate": self.prior_rate,
            "prior_mean": self.prior_mean,
            "count": self.count,
            "exposure": self.exposure,
            "posterior_mean": self.mean,
            "credibility": self.credibility,
        }


def _pos(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise CapitalError(invalid(name, value, "must be a finite number"))
    if value <= 0:
        raise CapitalError(invalid(name, value, "must be positive"))
    return float(value)


def gamma_prior(
    frequency: float, low: float, high: float, coverage: float = 0.9
) -> tuple[float, float]:
    """(shape, rate) of the gamma with mean ``frequency`` and sd (high − low)/(2·z_coverage)."""
    f = _pos(frequency, "frequency")
    if not (0 < coverage < 1):
        raise CapitalError(invalid("coverage", coverage, "must be in (0, 1)"))
    if not (math.isfinite(low) and math.isfinite(high) and 0 <= low <= f <= high and high > low):
        raise CapitalError(
            invalid(
                "frequency_low", low, f"must satisfy 0 ≤ low ≤ {f:g} ≤ high = {high!r}, low < high"
            )
        )
    sd = (high - low) / (2 * float(special.ndtri((1 + coverage) / 2)))
    return (f / sd) ** 2, f / sd**2


def poisson_gamma(count: float, exposure: float, prior: tuple[float, float]) -> GammaPosterior:
    """The posterior of λ given ``count`` losses in ``exposure`` years and a Gamma(shape, rate) prior."""
    if not (math.isfinite(count) and count >= 0):
        raise CapitalError(invalid("count", count, "must be ≥ 0"))
    return GammaPosterior(
        _pos(prior[0], "shape"), _pos(prior[1], "rate"), float(count), _pos(exposure, "exposure")
    )


@dataclass(frozen=True)
class NormalPosterior:
    """Posterior of the lognormal μ: mean, standard deviation and how it was computed."""

    mean: float
    sd: float
    method: str  # "conjugate" or "quadrature"

    def to_dict(self) -> dict[str, Any]:
        return {"mean": self.mean, "sd": self.sd, "method": self.method}


def combine_normal(*priors: tuple[float, float]) -> tuple[float, float]:
    """Precision-weighted combination of independent normal opinions ``(mean, sd)``."""
    if not priors:
        raise CapitalError(invalid("priors", priors, "need at least one (mean, sd)"))
    w = np.array([1 / _pos(sd, "sd") ** 2 for _, sd in priors])
    m = np.array([float(mu) for mu, _ in priors])
    return float(w @ m / w.sum()), float(1 / math.sqrt(w.sum()))


def lognormal_mu_posterior(
    losses: Any, sigma: float, prior: tuple[float, float], *, threshold: float = 0.0
) -> NormalPosterior:
    """Posterior of μ for lognormal losses with known σ; conjugate without truncation, else quadrature."""
    s = _pos(sigma, "sigma")
    m0, t0 = float(prior[0]), _pos(prior[1], "prior sd")
    y = np.log(np.asarray(losses, dtype=float).ravel())
    if y.size and not np.all(np.isfinite(y)):
        raise CapitalError(invalid("losses", "non-positive", "must be positive"))
    prec = 1 / t0**2 + y.size / s**2
    mean = (m0 / t0**2 + float(y.sum()) / s**2) / prec
    if threshold <= 0 or y.size == 0:
        return NormalPosterior(mean, 1 / math.sqrt(prec), "conjugate")
    if np.any(y < math.log(threshold)):
        raise CapitalError(
            invalid("losses", float(np.exp(y.min())), f"must be ≥ threshold {threshold:g}")
        )
    lh = math.log(threshold)
    n, s1, s2 = y.size, float(y.sum()), float(y @ y)

    def logpost(mu: float) -> float:
        ll = -0.5 * (s2 - 2 * mu * s1 + n * mu * mu) / s**2 - n * float(
            stats.norm.logsf((lh - mu) / s)
        )
        return ll - 0.5 * ((mu - m0) / t0) ** 2

    # the mode, then the integrals of e^{logpost − max} on a wide window around it
    grid = np.linspace(
        min(m0, mean) - 12 / math.sqrt(prec), max(m0, mean) + 12 / math.sqrt(prec) + 12 * s, 4001
    )
    lp = np.array([logpost(g) for g in grid])
    mode = float(grid[int(np.argmax(lp))])
    top = float(lp.max())
    width = 1 / math.sqrt(prec)
    lo, hi = mode - 40 * width, mode + 40 * width
    opts = {"limit": 400, "epsabs": 0.0, "epsrel": 1e-12, "points": [mode]}
    z, _ = integrate.quad(lambda m: math.exp(logpost(m) - top), lo, hi, **opts)
    m1, _ = integrate.quad(lambda m: m * math.exp(logpost(m) - top), lo, hi, **opts)
    post_mean = m1 / z
    v, _ = integrate.quad(
        lambda m: (m - post_mean) ** 2 * math.exp(logpost(m) - top), lo, hi, **opts
    )
    return NormalPosterior(post_mean, math.sqrt(v / z), "quadrature")
