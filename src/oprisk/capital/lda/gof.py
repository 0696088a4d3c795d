"""Goodness of fit on the left-truncated distribution, with parametric-bootstrap p-values.

A sample recorded above H must be tested against the *conditional* fitted distribution
[basel-oprisk.md §7.6]. Following Chernobai, Rachev & Fabozzi (2005) every statistic is computed on

    z_i = (F(x_i) − F(H)) / (1 − F(H))      (sorted, i = 1 … n)

    KS      = √n · max(D⁺, D⁻)
    AD      = −n − (1/n) Σ (2i − 1) [ln z_i + ln(1 − z_{n+1−i})]
    AD_up   = 2 Σ ln(1 − z_i) + (1/n) Σ (1 + 2(n − i)) / (1 − z_i)      (upper-tail AD)
    CvM     = 1/(12n) + Σ (z_i − (2i − 1)/(2n))²

Their null distributions depend on the family and on estimated parameters, so p-values come from
a parametric bootstrap: draw n losses from the fitted truncated distribution, *refit*, recompute
the statistic; p = (1 + #{T* ≥ T}) / (B + 1). Each bootstrap sample has its own child of
``SeedSequence(random_state)``, so p-values are deterministic for a seed.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from oprisk.errors import CapitalError, ConvergenceWarning, FitError, InsufficientDataError, invalid

from ._checks import MIN_LOSSES, above_threshold, loss_array, positive_int, threshold_value
from .families import FAMILIES, Family, family_spec
from .severity import SeverityFit, fit_severity

STATISTICS: tuple[str, ...] = ("ks", "ad", "ad_up", "cvm")


def gof_statistics(z: np.ndarray) -> dict[str, float]:
    """KS, AD, upper-tail AD and CvM of probability-integral transforms ``z`` (any order)."""
    z = np.clip(np.sort(np.asarray(z, dtype=float)), 1e-15, 1 - 1e-15)
    n = z.size
    i = np.arange(1, n + 1)
    d_plus = np.max(i / n - z)
    d_minus = np.max(z - (i - 1) / n)
    ks = math.sqrt(n) * max(d_plus, d_minus)
    ad = -n - np.sum((2 * i - 1) * (np.log(z) + np.log1p(-z[::-1]))) / n
    ad_up = 2 * np.sum(np.log1p(-z)) + np.sum((1 + 2 * (n - i)) / (1 - z)) / n
    cvm = 1 / (12 * n) + np.sum((z - (2 * i - 1) / (2 * n)) ** 2)
    return {"ks": float(ks), "ad": float(ad), "ad_up": float(ad_up), "cvm": float(cvm)}


def _z(fit: SeverityFit, x: np.ndarray) -> np.ndarray:
    return np.asarray(fit.truncated().cdf(x), dtype=float)


@dataclass(frozen=True)
class GoodnessOfFit:
    """Goodness-of-fit statistics of one fit and, if bootstrapped, their p-values.

    ``statistics`` and ``p_values`` are keyed ``ks``, ``ad``, ``ad_up``, ``cvm``; p-values are NaN
    without a bootstrap. ``n_failed`` counts bootstrap refits that did not converge (skipped).
    """

    family: str
    n: int
    threshold: float
    statistics: dict[str, float]
    p_values: dict[str, float]
    n_bootstrap: int
    n_failed: int
    random_state: int | None

    def summary(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "statistic": list(self.statistics),
                "value": list(self.statistics.values()),
                "p_value": [self.p_values[k] for k in self.statistics],
            }
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "family": self.family,
            "n": self.n,
            "threshold": self.threshold,
            "statistics": dict(self.statistics),
            "p_values": dict(self.p_values),
            "n_bootstrap": self.n_bootstrap,
            "n_failed": self.n_failed,
            "random_state": self.random_state,
        }


def goodness_of_fit(
    fit: SeverityFit,
    losses: Any,
    *,
    n_bootstrap: int = 0,
    random_state: int | None = None,
) -> GoodnessOfFit:
    """KS, AD, upper-tail AD and CvM of ``fit`` on ``losses`` (those ≥ the fit's threshold).

    ``n_bootstrap`` > 0 adds parametric-bootstrap p-values (each replicate refitted); pass an
    integer ``random_state`` to make them reproducible.
    """
    x = loss_array(losses)
    x = x[(x >= fit.threshold) & (x < fit.upper)]
    if x.size == 0:
        raise InsufficientDataError(
            invalid(
                "threshold",
                fit.threshold,
                f"is above every one of the {loss_array(losses).size} losses",
            )
        )
    stats_obs = gof_statistics(_z(fit, x))
    nan = dict.fromkeys(STATISTICS, math.nan)
    if n_bootstrap == 0:
        return GoodnessOfFit(fit.family, x.size, fit.threshold, stats_obs, nan, 0, 0, random_state)
    b = positive_int(n_bootstrap, "n_bootstrap")
    model = fit.truncated()
    exceed = dict.fromkeys(STATISTICS, 0)
    done = failed = 0
    for child in np.random.SeedSequence(random_state).spawn(b):
        sample = model.rvs(x.size, random_state=np.random.default_rng(child))
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                refit = fit_severity(
                    sample,
                    fit.family,  # type: ignore[arg-type]
                    threshold=fit.threshold,
                    upper=fit.upper,
                    min_losses=2,
                    start=list(fit.params.values()),
                )
        except (FitError, InsufficientDataError):
            failed += 1
            continue
        s = gof_statistics(_z(refit, sample))
        for k in STATISTICS:
            exceed[k] += s[k] >= stats_obs[k]
        done += 1
    if failed > 0.1 * b:
        warnings.warn(
            f"{failed} of {b} bootstrap refits of the {fit.family} fit failed; p-values use {done}",
            ConvergenceWarning,
            stacklevel=2,
        )
    p = {k: (1 + exceed[k]) / (1 + done) for k in STATISTICS}
    return GoodnessOfFit(fit.family, x.size, fit.threshold, stats_obs, p, b, failed, random_state)


def compare_severities(
    losses: Any,
    families: Sequence[Family] | None = None,
    *,
    threshold: float = 0.0,
    n_bootstrap: int = 0,
    random_state: int | None = None,
    min_losses: int = MIN_LOSSES,
) -> pd.DataFrame:
    """Fit several families (left-truncated at ``threshold``) and rank them by AIC.

    Returns one row per family and one column per parameter name (``mu``, ``sigma``, ``shape``,
    ``scale``, ``c``, ``d``, ``alpha``, ``xi``, ``beta``, ``rate``; NaN where a family has no such
    parameter), then n, log-likelihood, AIC, ΔAIC, BIC, the four truncated goodness-of-fit
    statistics, their p-values (NaN without ``n_bootstrap``), ``degenerate`` and ``notes``, and
    ``error``. Degenerate fits (see :class:`SeverityFit`) are ranked after the others, families
    that could not be fitted last (NaNs and the reason in ``error``); ΔAIC is measured from the
    best non-degenerate fit.
    """
    fams = list(FAMILIES if families is None else families)
    if not fams:
        raise CapitalError(invalid("families", families, "must name at least one family"))
    h = threshold_value(threshold)
    x = loss_array(losses)
    above_threshold(x, h, min_losses=min_losses)  # fail early with the data error, not per family
    rows = []
    names: list[str] = []
    for fam in fams:
        for p in family_spec(fam).params:
            if p not in names:
                names.append(p)
    for fam in fams:
        row: dict[str, Any] = {"family": fam}
        try:
            with warnings.catch_warnings():
                # a degenerate fit is reported in its row (degenerate, notes), not as a warning
                warnings.simplefilter("ignore", ConvergenceWarning)
                fit = fit_severity(x, fam, threshold=h, min_losses=min_losses)  # type: ignore[arg-type]
                gof = goodness_of_fit(fit, x, n_bootstrap=n_bootstrap, random_state=random_state)
        except FitError as exc:
            row.update({"degenerate": True, "notes": "", "error": str(exc), "aic": math.inf})
            rows.append(row)
            continue
        row.update(
            {
                **fit.params,
                "n": fit.n,
                "loglik": fit.loglik,
                "aic": fit.aic,
                "bic": fit.bic,
                **gof.statistics,
                **{f"p_{k}": v for k, v in gof.p_values.items()},
                "degenerate": fit.degenerate,
                "notes": "; ".join(fit.notes),
                "error": None,
            }
        )
        rows.append(row)
    df = pd.DataFrame(rows)
    failed = df["error"].notna()
    df = (
        df.assign(_rank_failed=failed, _rank_degenerate=df["degenerate"].astype(bool))
        .sort_values(["_rank_failed", "_rank_degenerate", "aic"], kind="stable")
        .drop(columns=["_rank_failed", "_rank_degenerate"])
        .reset_index(drop=True)
    )
    good = df.loc[~df["degenerate"].astype(bool) & df["error"].isna(), "aic"]
    best = float(good.iloc[0]) if len(good) else float(df["aic"].iloc[0])
    df.insert(df.columns.get_loc("aic") + 1, "delta_aic", df["aic"] - best)
    df["aic"] = df["aic"].replace(math.inf, math.nan)
    df["delta_aic"] = df["delta_aic"].replace(math.inf, math.nan)
    columns = ["family", *names, "n", "loglik", "aic", "delta_aic", "bic", *STATISTICS]
    columns += [f"p_{k}" for k in STATISTICS] + ["degenerate", "notes", "error"]
    df = df.reindex(columns=columns)
    df["degenerate"] = df["degenerate"].astype(bool)
    df.attrs["threshold"] = h
    return df
