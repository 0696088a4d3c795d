"""The severity families: parameters, their scipy distributions and start values for the MLE.

Every family has ``loc = 0`` except ``"gpd"``, the peaks-over-threshold model of the excesses
X − H (its ``loc`` is the threshold, so it needs no truncation term). The optimiser works on free
parameters: the logarithm of every positive parameter, the others as they are.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from scipy import special, stats

from oprisk.errors import CapitalError, invalid

Family = Literal[
    "lognormal", "weibull", "gamma", "loglogistic", "burr", "pareto", "gpd", "loggamma"
]

FAMILIES: tuple[str, ...] = (
    "lognormal",
    "weibull",
    "gamma",
    "loglogistic",
    "burr",
    "pareto",
    "gpd",
    "loggamma",
)


# --- log-gamma: ln X ~ Gamma(shape, rate), X ≥ 1 ------------------------------------------------


class _LogGammaGen(stats.rv_continuous):
    """Log-gamma severity: ln X ~ Gamma(a, rate b), support x ≥ 1 (Pareto-like tail of index b)."""

    def _argcheck(self, a: Any, b: Any) -> Any:
        return (a > 0) & (b > 0)

    def _logpdf(self, x: Any, a: Any, b: Any) -> Any:
        lx = np.log(x)
        return a * np.log(b) + special.xlogy(a - 1, lx) - (b + 1) * lx - special.gammaln(a)

    def _pdf(self, x: Any, a: Any, b: Any) -> Any:
        return np.exp(self._logpdf(x, a, b))

    def _cdf(self, x: Any, a: Any, b: Any) -> Any:
        return special.gammainc(a, b * np.log(x))

    def _sf(self, x: Any, a: Any, b: Any) -> Any:
        return special.gammaincc(a, b * np.log(x))

    def _ppf(self, q: Any, a: Any, b: Any) -> Any:
        return np.exp(special.gammaincinv(a, q) / b)

    def _isf(self, q: Any, a: Any, b: Any) -> Any:
        return np.exp(special.gammainccinv(a, q) / b)

    def _munp(self, n: Any, a: Any, b: Any) -> Any:
        # E[X^n] = E[e^{nY/b}] = (1 − n/b)^(−a) for b > n (the mgf of the gamma), else infinite
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(b > n, np.power(1.0 - n / b, -a), np.inf)

    def _rvs(self, a: Any, b: Any, size: Any = None, random_state: Any = None) -> Any:
        return np.exp(random_state.standard_gamma(a, size) / b)


loggamma_severity = _LogGammaGen(a=1.0, name="loggamma_severity", shapes="a, b")


# --- log-logistic with an accurate tail ----------------------------------------------------------


class _LogLogisticGen(type(stats.fisk)):  # type: ignore[misc]
    """scipy's ``fisk`` with S(x) = 1/(1 + x^c) computed directly.

    ``fisk`` takes S = exp(log1p(−(1 + x^−c)^−1)), which is 11 per cent off at S = 1e-15 and 0 below
    ~1e-16: the tail integral of the mean (and the lattice ES) lost up to a few per cent of E[X]
    for tail indices near 1.
    """

    def _sf(self, x: Any, c: Any) -> Any:
        with np.errstate(over="ignore"):
            return 1.0 / (1.0 + np.power(x, c))

    def _logsf(self, x: Any, c: Any) -> Any:
        with np.errstate(over="ignore"):
            return -np.log1p(np.power(x, c))

    def _isf(self, q: Any, c: Any) -> Any:
        return np.power((1.0 - q) / q, 1.0 / c)


loglogistic_severity = _LogLogisticGen(a=0.0, name="loglogistic_severity")


# --- start values -------------------------------------------------------------------------------


def _log_moments(x: np.ndarray) -> tuple[float, float]:
    y = np.log(x)
    return float(y.mean()), float(max(y.std(), 1e-3))


def pwm_gpd(y: np.ndarray) -> tuple[float, float]:
    """Probability-weighted-moment start for a GPD on excesses y (Hosking & Wallis 1987)."""
    ys = np.sort(y)
    n = ys.size
    p = (np.arange(1, n + 1) - 0.35) / n
    a0 = ys.mean()
    a1 = np.mean(ys * (1 - p))
    denom = a0 - 2 * a1
    if denom <= 0:
        return 0.5, float(max(a0, 1e-12))
    xi = float(np.clip(2 - a0 / denom, -0.4, 0.95))
    beta = float(max(2 * a0 * a1 / denom, 1e-12 * max(a0, 1.0)))
    return xi, beta


def _start_lognormal(x: np.ndarray, h: float) -> np.ndarray:
    m, s = _log_moments(x)
    return np.array([m, s])


def _start_weibull(x: np.ndarray, h: float) -> np.ndarray:
    m, s = _log_moments(x)
    k = math.pi / (s * math.sqrt(6))
    return np.array([k, math.exp(m + 0.5772156649 / k)])


def _start_gamma(x: np.ndarray, h: float) -> np.ndarray:
    mean, var = float(x.mean()), float(x.var())
    a = float(np.clip(mean * mean / max(var, 1e-300), 0.05, 50))
    return np.array([a, mean / a])


def _start_loglogistic(x: np.ndarray, h: float) -> np.ndarray:
    _, s = _log_moments(x)
    return np.array([math.pi / (s * math.sqrt(3)), float(np.median(x))])


def _start_burr(x: np.ndarray, h: float) -> np.ndarray:
    c, scale = _start_loglogistic(x, h)
    return np.array([c, 1.0, scale])


def _start_pareto(x: np.ndarray, h: float) -> np.ndarray:
    xi, beta = pwm_gpd(x - h)
    xi = max(xi, 0.05)
    # Lomax(α, s) truncated at H is a GPD of the excesses with ξ = 1/α and β = (s + H)/α.
    return np.array([1 / xi, max(beta / xi - h, 1e-3 * max(h, float(np.median(x))))])


def _start_gpd(x: np.ndarray, h: float) -> np.ndarray:
    return np.array(pwm_gpd(x - h))


def _start_loggamma(x: np.ndarray, h: float) -> np.ndarray:
    y = np.log(x)
    m, v = float(y.mean()), float(max(y.var(), 1e-6))
    return np.array([m * m / v, m / v])


# --- the table ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FamilySpec:
    """One severity family: parameter names, which are positive, which carry the data's unit."""

    name: str
    params: tuple[str, ...]
    positive: tuple[bool, ...]
    #: True for a parameter in the unit of the losses (a scale); False for a dimensionless shape
    scale: tuple[bool, ...]
    gen: Any
    # θ, threshold -> (shape args, loc, scale) of the scipy generator
    args: Callable[[np.ndarray, float], tuple[tuple[float, ...], float, float]]
    start: Callable[[np.ndarray, float], np.ndarray]
    truncated: bool = True  # False: the threshold is the location (GPD of excesses)
    #: Bounds of the free parameters for the optimiser; a fit that ends on one is degenerate.
    bounds: tuple[tuple[float, float], ...] | None = None

    def free_bounds(self) -> list[tuple[float | None, float | None]]:
        if self.bounds is not None:
            return list(self.bounds)
        # e^±60 covers every amount and shape in use; beyond it the fit has run off
        return [(-60.0, 60.0) if p else (None, None) for p in self.positive]

    def to_natural(self, phi: np.ndarray) -> np.ndarray:
        return np.where(self.positive, np.exp(np.clip(phi, -700, 700)), phi)

    def to_free(self, theta: np.ndarray) -> np.ndarray:
        return np.where(self.positive, np.log(np.maximum(theta, 1e-300)), theta)

    def perturbed(self, theta: np.ndarray, factor: float) -> np.ndarray:
        """A second start: positive parameters scaled by ``factor`` (ξ of the GPD moved instead)."""
        if self.name == "gpd":
            return np.array([0.1 if factor < 1 else 0.7, theta[1] * factor])
        return np.where(self.positive, theta * factor, theta)


_SPECS: dict[str, FamilySpec] = {
    "lognormal": FamilySpec(
        "lognormal",
        ("mu", "sigma"),
        (False, True),
        (False, False),
        stats.lognorm,
        lambda t, h: ((t[1],), 0.0, math.exp(t[0])),
        _start_lognormal,
    ),
    "weibull": FamilySpec(
        "weibull",
        ("shape", "scale"),
        (True, True),
        (False, True),
        stats.weibull_min,
        lambda t, h: ((t[0],), 0.0, t[1]),
        _start_weibull,
    ),
    "gamma": FamilySpec(
        "gamma",
        ("shape", "scale"),
        (True, True),
        (False, True),
        stats.gamma,
        lambda t, h: ((t[0],), 0.0, t[1]),
        _start_gamma,
    ),
    "loglogistic": FamilySpec(
        "loglogistic",
        ("shape", "scale"),
        (True, True),
        (False, True),
        loglogistic_severity,
        lambda t, h: ((t[0],), 0.0, t[1]),
        _start_loglogistic,
    ),
    "burr": FamilySpec(
        "burr",
        ("c", "d", "scale"),
        (True, True, True),
        (False, False, True),
        stats.burr12,
        lambda t, h: ((t[0], t[1]), 0.0, t[2]),
        _start_burr,
    ),
    "pareto": FamilySpec(
        "pareto",
        ("alpha", "scale"),
        (True, True),
        (False, True),
        stats.lomax,
        lambda t, h: ((t[0],), 0.0, t[1]),
        _start_pareto,
    ),
    "gpd": FamilySpec(
        "gpd",
        ("xi", "beta"),
        (False, True),
        (False, True),
        stats.genpareto,
        lambda t, h: ((t[0],), h, t[1]),
        _start_gpd,
        truncated=False,
        # ξ < −1 makes the likelihood unbounded; ξ < −0.5 is already irregular (Smith 1985)
        bounds=((-0.99, 10.0), (-60.0, 60.0)),
    ),
    "loggamma": FamilySpec(
        "loggamma",
        ("shape", "rate"),
        (True, True),
        (False, False),
        loggamma_severity,
        lambda t, h: ((t[0], t[1]), 0.0, 1.0),
        _start_loggamma,
    ),
}


def family_spec(family: str) -> FamilySpec:
    """The table entry of a family, or a :class:`CapitalError` naming the valid ones."""
    try:
        return _SPECS[family]
    except (KeyError, TypeError):
        raise CapitalError(
            invalid("family", family, "must be one of " + ", ".join(FAMILIES))
        ) from None


def frozen(family: str, params: Any, threshold: float = 0.0) -> Any:
    """The scipy frozen distribution of a family with natural parameters ``params``."""
    spec = family_spec(family)
    shapes, loc, scale = spec.args(np.asarray(params, dtype=float), threshold)
    return spec.gen(*shapes, loc=loc, scale=scale)
