"""Annual loss frequency: Poisson and negative binomial over an observation window with exposure.

The window counts every year in it, including years without a single loss, and partial first or
last years count by their share of the year (exposure in years). Counting only the years that had
losses overstates λ. With left truncation at H only losses above H are seen; the ground-up
frequency is λ_full = λ_obs / (1 − F(H; θ̂)) [basel-oprisk.md §7.5]. The negative binomial is
closed under this thinning with the same dispersion, so only its mean is grossed up.
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import optimize, special

from oprisk.errors import CapitalError, DataQualityWarning, InsufficientDataError, invalid

from .severity import SeverityFit

FrequencyFamily = Literal["poisson", "negbin"]


@dataclass(frozen=True)
class FrequencyFit:
    """An annual frequency model.

    Attributes
    ----------
    family
        ``"poisson"`` or ``"negbin"``.
    mean
        Expected number of losses per year (λ) the model uses.
    dispersion
        Negative-binomial size r (variance = λ + λ²/r); ``None`` for Poisson.
    mean_se
        Standard error of ``mean`` (NaN when not estimated).
    observed_mean
        λ of the recorded losses (above the threshold), before any gross-up.
    prob_above_threshold
        1 − F(H) used for the gross-up (1.0 if not grossed up).
    untruncated
        True when ``mean`` is the ground-up frequency λ_obs / (1 − F(H)).
    n_losses, exposure
        Losses counted and years of exposure (None for a model given by its parameters).
    periods
        Per period: start, end, exposure (years), count.
    """

    family: str
    mean: float
    dispersion: float | None = None
    mean_se: float = math.nan
    observed_mean: float = math.nan
    prob_above_threshold: float = 1.0
    untruncated: bool = False
    threshold: float = 0.0
    n_losses: int | None = None
    exposure: float | None = None
    periods: pd.DataFrame | None = None

    @property
    def variance(self) -> float:
        if self.dispersion is None:
            return self.mean
        return self.mean + self.mean**2 / self.dispersion

    def pmf(self, k: Any) -> Any:
        k = np.asarray(k)
        if self.dispersion is None:
            return np.exp(special.xlogy(k, self.mean) - self.mean - special.gammaln(k + 1))
        r, p = self.dispersion, self.dispersion / (self.dispersion + self.mean)
        return np.exp(
            special.gammaln(k + r)
            - special.gammaln(r)
            - special.gammaln(k + 1)
            + r * math.log(p)
            + special.xlog1py(k, -p)
        )

    def rvs(self, size: Any, random_state: Any = None) -> np.ndarray:
        rng = np.random.default_rng(random_state)
        if self.dispersion is None:
            return rng.poisson(self.mean, size)
        r = self.dispersion
        return rng.negative_binomial(r, r / (r + self.mean), size)

    def pgf(self, z: Any) -> Any:
        """Probability generating function E[z^N] (complex z allowed)."""
        if self.dispersion is None:
            return np.exp(self.mean * (z - 1))
        return (1 + self.mean / self.dispersion * (1 - z)) ** (-self.dispersion)

    def summary(self) -> pd.DataFrame:
        df = pd.DataFrame([{k: v for k, v in self.to_dict().items() if k != "periods"}])
        return df

    def to_dict(self) -> dict[str, Any]:
        return {
            "family": self.family,
            "mean": self.mean,
            "dispersion": self.dispersion,
            "variance": self.variance,
            "mean_se": self.mean_se,
            "observed_mean": self.observed_mean,
            "prob_above_threshold": self.prob_above_threshold,
            "untruncated": self.untruncated,
            "threshold": self.threshold,
            "n_losses": self.n_losses,
            "exposure": self.exposure,
            "periods": None if self.periods is None else self.periods.to_dict("records"),
        }


def poisson(mean: float) -> FrequencyFit:
    """A Poisson frequency with a given λ (no fit)."""
    lam = _positive(mean, "mean")
    return FrequencyFit("poisson", lam, observed_mean=lam)


def negative_binomial(mean: float, dispersion: float) -> FrequencyFit:
    """A negative-binomial frequency with mean λ and size r (variance λ + λ²/r)."""
    lam = _positive(mean, "mean")
    return FrequencyFit("negbin", lam, _positive(dispersion, "dispersion"), observed_mean=lam)


def _positive(value: Any, name: str) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise CapitalError(invalid(name, value, "must be a positive number")) from None
    if not (math.isfinite(v) and v > 0):
        raise CapitalError(invalid(name, value, "must be a positive finite number"))
    return v


def _as_date(value: Any, name: str) -> dt.date:
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError):
        raise CapitalError(invalid(name, value, "must be a date")) from None
    if ts is pd.NaT:
        raise CapitalError(invalid(name, value, "must be a date"))
    return ts.date()


def counts_by_year(dates: Any, start: Any, end: Any) -> pd.DataFrame:
    """Losses per calendar year of the window [start, end] (both inclusive), with exposure.

    Every year overlapping the window has a row, with ``count`` 0 if it had no loss; partial
    years have exposure = days inside the window / days in the year.
    """
    d0, d1 = _as_date(start, "start"), _as_date(end, "end")
    if d1 < d0:
        raise CapitalError(invalid("end", str(d1), f"must not be before start {d0}"))
    ds = pd.to_datetime(pd.Series(list(dates) if not isinstance(dates, pd.Series) else dates))
    if ds.isna().any():
        raise CapitalError(invalid("dates", "NaT", f"{int(ds.isna().sum())} missing date(s)"))
    dd = ds.dt.date
    outside = (dd < d0) | (dd > d1)
    if outside.any():
        raise CapitalError(
            invalid(
                "dates",
                str(dd[outside].iloc[0]),
                f"must lie in the window {d0} … {d1}; {int(outside.sum())} outside",
            )
        )
    years = ds.dt.year.value_counts()
    rows = []
    for y in range(d0.year, d1.year + 1):
        ys, ye = dt.date(y, 1, 1), dt.date(y, 12, 31)
        a, b = max(ys, d0), min(ye, d1)
        days_in_year = (ye - ys).days + 1
        rows.append(
            {
                "year": y,
                "start": a,
                "end": b,
                "exposure": ((b - a).days + 1) / days_in_year,
                "count": int(years.get(y, 0)),
            }
        )
    return pd.DataFrame(rows)


def fit_frequency(
    dates: Any = None,
    *,
    start: Any = None,
    end: Any = None,
    counts: Any = None,
    exposure: Any = None,
    family: FrequencyFamily = "poisson",
    severity: SeverityFit | None = None,
    untruncated: bool = False,
) -> FrequencyFit:
    """Fit the annual frequency from loss dates in a window, or from counts per period.

    Parameters
    ----------
    dates, start, end
        Dates of the recorded losses and the observation window (inclusive); years without
        losses count (``counts_by_year``).
    counts, exposure
        Alternatively, losses per period and each period's length in years (default 1 each).
    family
        ``"poisson"`` (λ̂ = Σ counts / Σ exposure) or ``"negbin"`` (MLE of mean and size r with
        exposure-scaled means). Without over-dispersion the negative binomial falls back to
        Poisson with a :class:`DataQualityWarning`.
    severity, untruncated
        With ``untruncated=True`` the mean is grossed up by 1 / P(X > H) of the severity fit.
    """
    if family not in ("poisson", "negbin"):
        raise CapitalError(invalid("family", family, "must be one of poisson, negbin"))
    if dates is not None:
        if counts is not None:
            raise CapitalError(
                invalid("counts", "given", "pass either dates (with start, end) or counts")
            )
        if start is None or end is None:
            raise CapitalError(
                invalid("start" if start is None else "end", None, "is required with dates")
            )
        periods = counts_by_year(dates, start, end)
    elif counts is not None:
        c = np.asarray(counts, dtype=float).reshape(-1)
        e = np.ones_like(c) if exposure is None else np.asarray(exposure, dtype=float).reshape(-1)
        if c.size == 0:
            raise InsufficientDataError(invalid("counts", [], "need at least one period"))
        if e.shape != c.shape:
            raise CapitalError(
                invalid("exposure", e.size, f"must have one value per count ({c.size})")
            )
        if np.any(~np.isfinite(c)) or np.any(c < 0) or np.any(c != np.round(c)):
            raise CapitalError(invalid("counts", c.tolist()[:5], "must be whole numbers >= 0"))
        if np.any(~np.isfinite(e)) or np.any(e <= 0):
            raise CapitalError(invalid("exposure", e.tolist()[:5], "must be positive (years)"))
        periods = pd.DataFrame({"period": np.arange(c.size), "exposure": e, "count": c.astype(int)})
    else:
        raise CapitalError(invalid("dates", None, "pass dates with start and end, or counts"))

    c = periods["count"].to_numpy(float)
    e = periods["exposure"].to_numpy(float)
    total, years = float(c.sum()), float(e.sum())
    if total == 0:
        raise InsufficientDataError(
            invalid("counts", 0, f"no losses in {years:g} years; λ cannot be estimated")
        )
    lam = total / years
    lam_se = math.sqrt(lam / years)
    r: float | None = None
    if family == "negbin":
        r, lam, lam_se = _fit_negbin(c, e, lam)
        if r is None:
            warnings.warn(
                f"no over-dispersion in {c.size} periods (variance ≤ mean): negative binomial "
                "falls back to Poisson",
                DataQualityWarning,
                stacklevel=2,
            )
            family = "poisson"
            lam_se = math.sqrt(lam / years)
    if c.size < 5:
        warnings.warn(
            f"frequency estimated from {c.size} period(s); at least 5 years are expected "
            "[Basel II §672]",
            DataQualityWarning,
            stacklevel=2,
        )
    fit = FrequencyFit(
        family=family,
        mean=lam,
        dispersion=r,
        mean_se=lam_se,
        observed_mean=lam,
        n_losses=int(total),
        exposure=years,
        periods=periods,
    )
    if untruncated:
        if severity is None:
            raise CapitalError(
                invalid("severity", None, "a severity fit is required with untruncated=True")
            )
        fit = gross_up(fit, severity)
    return fit


def gross_up(frequency: FrequencyFit, severity: SeverityFit) -> FrequencyFit:
    """λ_full = λ_obs / P(X > H): the ground-up frequency implied by a truncated severity fit."""
    q = severity.prob_above_threshold
    if not 0 < q <= 1:
        raise CapitalError(
            invalid("severity", severity.family, f"P(X > H) = {q:g}; cannot gross up")
        )
    return replace(
        frequency,
        mean=frequency.observed_mean / q,
        mean_se=frequency.mean_se / q,
        prob_above_threshold=q,
        untruncated=True,
        threshold=severity.threshold,
    )


def _fit_negbin(c: np.ndarray, e: np.ndarray, lam0: float) -> tuple[float | None, float, float]:
    """MLE of (λ, r) with N_i ~ NB(r, mean λ e_i); (None, λ̂_Poisson, ·) without over-dispersion."""
    rates = c / e
    var = float(np.average((rates - lam0) ** 2, weights=e)) if c.size > 1 else 0.0
    if c.size < 2 or var <= lam0 / np.mean(e):
        return None, lam0, math.nan

    def nll(phi: np.ndarray) -> float:
        lam, r = math.exp(phi[0]), math.exp(phi[1])
        m = lam * e
        ll = (
            special.gammaln(c + r)
            - special.gammaln(r)
            - special.gammaln(c + 1)
            + r * np.log(r / (r + m))
            + special.xlogy(c, m / (r + m))
        )
        return -float(ll.sum())

    r0 = max(lam0 * lam0 / max(var - lam0, 1e-9), 1e-3)
    res = optimize.minimize(
        nll, np.log([lam0, r0]), method="Nelder-Mead", options={"xatol": 1e-9, "fatol": 1e-12}
    )
    lam, r = math.exp(res.x[0]), math.exp(res.x[1])
    if r > 1e6:
        return None, lam0, math.nan
    var_lam = lam + lam * lam / r
    return r, lam, math.sqrt(var_lam / float(e.sum()))
