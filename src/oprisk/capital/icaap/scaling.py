"""External losses brought to the bank's size: a power law in a size indicator.

Shih, Samad-Khan & Medapa (2000), "Is the size of an operational loss related to firm size?",
Operational Risk 2(1), and Dahen & Dionne (2010), "Scaling models for the severity and frequency
of external operational loss data", J. Banking & Finance 34(7), relate a loss to its firm's size by
``L = a · size^α · ε``. A loss of a firm of size ``s`` is therefore brought to the bank's size
``S`` as ``L · (S / s)^α``; the source's reporting threshold scales by the same factor, so every
fit that uses the scaled losses truncates each one at its own scaled threshold.

α is estimated here as the ordinary least-squares slope of ln L on ln size (Shih et al. report
α ≈ 0.23 for the OpVar database); with losses truncated at a threshold the slope is biased
towards zero (Dahen & Dionne use a truncated regression), so α can also be set.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, special

from oprisk.errors import CapitalError, FitError, InsufficientDataError, invalid

#: a size exponent beyond this is not a scaling law but a fit that ran off (Shih et al.: 0.23)
MAX_ALPHA = 2.0


@dataclass(frozen=True)
class ScalingFit:
    """ln loss = intercept + alpha · ln size + ε, fitted by least squares."""

    alpha: float
    alpha_se: float
    intercept: float
    n: int
    r_squared: float
    method: str = "ols"

    def summary(self) -> pd.DataFrame:
        return pd.DataFrame([self.to_dict()])

    def to_dict(self) -> dict[str, Any]:
        return {
            "alpha": self.alpha,
            "alpha_se": self.alpha_se,
            "intercept": self.intercept,
            "n": self.n,
            "r_squared": self.r_squared,
            "method": self.method,
        }


def _positive_array(values: Any, name: str) -> np.ndarray:
    arr = np.asarray(values, dtype=float).ravel()
    bad = np.flatnonzero(~np.isfinite(arr) | (arr <= 0))
    if bad.size:
        i = int(bad[0])
        raise CapitalError(
            invalid(f"{name}[{i}]", float(arr[i]), "must be a positive finite number")
        )
    return arr


def _truncated(
    y: np.ndarray, x: np.ndarray, lh: np.ndarray, start: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """MLE of (a, α, ln s) for ln L ~ N(a + α ln size, s²) truncated below at ln h, with the
    covariance of (a at the mean ln size, α, ln s). The mean is fitted at the centre of ln size,
    where it is not correlated with the slope: fitted at ln size = 0 (far from the data) the two
    move together and the optimiser stops short along their ridge."""
    centre = float(x.mean())
    xc = x - centre

    def nll(p: np.ndarray) -> float:
        b, alpha, ls = p
        s = math.exp(ls)
        m = b + alpha * xc
        z = (y - m) / s
        return float(0.5 * z @ z + y.size * ls + np.sum(special.log_ndtr(-(lh - m) / s)))

    at_centre = np.array([start[0] + start[1] * centre, start[1], start[2]])
    p = optimize.minimize(nll, at_centre, method="BFGS", options={"gtol": 1e-9}).x
    # observed information by central differences of the objective
    k, eps = p.size, 1e-4
    hess = np.empty((k, k))
    for i in range(k):
        for j in range(k):
            ei, ej = np.eye(k)[i] * eps, np.eye(k)[j] * eps
            hess[i, j] = (
                nll(p + ei + ej) - nll(p + ei - ej) - nll(p - ei + ej) + nll(p - ei - ej)
            ) / (4 * eps * eps)
    return np.array([p[0] - p[1] * centre, p[1], p[2]]), np.linalg.inv(hess)


def fit_scaling(losses: Any, sizes: Any, thresholds: Any = None) -> ScalingFit:
    """The exponent α of loss on firm size, with its standard error.

    Without ``thresholds``: OLS of ln loss on ln size. With each loss's reporting threshold: the
    truncated-normal regression (Hausman & Wise 1977, Econometrica 45(4); the form Dahen & Dionne
    2010 use), whose likelihood conditions each loss on exceeding its threshold — OLS on such data
    is biased towards α = 0. ``r_squared`` is that of the OLS fit in both cases.
    """
    y = np.log(_positive_array(losses, "losses"))
    x = np.log(_positive_array(sizes, "sizes"))
    if x.size != y.size:
        raise CapitalError(invalid("sizes", x.size, f"must have one size per loss ({y.size})"))
    if x.size < 3 or np.ptp(x) == 0:
        raise InsufficientDataError(
            invalid("sizes", x.size, "need at least 3 losses from firms of different sizes")
        )
    xc, yc = x - x.mean(), y - y.mean()
    sxx = float(xc @ xc)
    alpha = float(xc @ yc) / sxx
    intercept = float(y.mean() - alpha * x.mean())
    resid = y - intercept - alpha * x
    s2 = float(resid @ resid) / (x.size - 2)
    r2 = 1.0 - float(resid @ resid) / float(yc @ yc) if float(yc @ yc) > 0 else math.nan
    if thresholds is None:
        return ScalingFit(alpha, math.sqrt(s2 / sxx), intercept, int(x.size), r2)
    h = np.asarray(thresholds, dtype=float).ravel()
    if h.size != y.size or np.any(~np.isfinite(h) | (h < 0)) or np.any(np.exp(y) < h):
        raise CapitalError(
            invalid(
                "thresholds", h.size, f"need one threshold ≥ 0 and ≤ its loss per loss ({y.size})"
            )
        )
    with np.errstate(divide="ignore"):
        lh = np.log(h)
    p, cov = _truncated(y, x, lh, np.array([intercept, alpha, 0.5 * math.log(s2)]))
    var = float(cov[1, 1])
    if not (np.all(np.isfinite(p)) and math.isfinite(var) and var > 0 and abs(p[1]) <= MAX_ALPHA):
        # losses piled at their thresholds leave the truncated likelihood flat: the mean runs off
        raise FitError(
            f"truncated scaling regression on n={y.size} losses is not determined "
            f"(α = {p[1]:.3g}, variance {var:.3g}): set alpha or fit without thresholds"
        )
    return ScalingFit(
        float(p[1]), math.sqrt(float(cov[1, 1])), float(p[0]), int(x.size), r2, "truncated"
    )


def scale_factor(size_source: Any, size_bank: float, alpha: float) -> np.ndarray:
    """``(size_bank / size_source)^α`` per loss."""
    if not (isinstance(alpha, int | float) and math.isfinite(alpha)):
        raise CapitalError(invalid("alpha", alpha, "must be a finite number"))
    bank = float(_positive_array([size_bank], "size_bank")[0])
    return np.power(bank / _positive_array(size_source, "size_indicator"), float(alpha))


def scale_losses(
    amounts: Any, thresholds: Any, size_source: Any, size_bank: float, alpha: float
) -> tuple[np.ndarray, np.ndarray]:
    """Scaled losses and their scaled thresholds: both × (size_bank / size_source)^α."""
    k = scale_factor(size_source, size_bank, alpha)
    x = _positive_array(amounts, "amount")
    h = np.asarray(thresholds, dtype=float).ravel()
    if not (x.size == h.size == k.size):
        raise CapitalError(
            invalid("thresholds", h.size, f"need one threshold and size per loss ({x.size})")
        )
    if np.any(~np.isfinite(h) | (h < 0)):
        i = int(np.flatnonzero(~np.isfinite(h) | (h < 0))[0])
        raise CapitalError(invalid(f"threshold[{i}]", float(h[i]), "must be ≥ 0 and finite"))
    return x * k, h * k
