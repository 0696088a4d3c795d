"""Spliced severity: a body between the collection threshold H and u, a GPD tail above u.

The tail is the peaks-over-threshold model of extreme-value theory (Pickands–Balkema–de Haan);
the body is either the empirical distribution of the losses in [H, u) or a parametric family
truncated at H on the left and u on the right. The tail weight is the empirical share of losses
≥ u [RTS 2018/959 Art 31: body–tail threshold with statistical support; sub-exponential tail].
Choosing u: :func:`mean_excess` (linear above a good u for a GPD tail) and :func:`gpd_stability`
(ξ and the modified scale β − ξu stay flat above a good u).

The spliced distribution is the model of *recorded* losses (conditional on X ≥ H); pair it with
the observed frequency, not a grossed-up one.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from oprisk.errors import CapitalError, ConvergenceWarning, FitError, InsufficientDataError, invalid

from ._checks import MIN_LOSSES, above_threshold, loss_array, threshold_value
from .severity import SeverityFit, fit_severity


@dataclass(frozen=True, eq=False)
class SplicedSeverity:
    """Body on [H, u) with probability 1 − w, GPD tail above u with probability w.

    ``body`` is a :class:`SeverityFit` right-truncated at u, or ``None`` for the empirical body
    (then ``body_losses`` holds the sorted losses in [H, u)). Scipy-like methods: ``cdf``, ``sf``,
    ``isf``, ``ppf``, ``rvs``, ``mean``.
    """

    threshold: float
    tail_threshold: float
    weight: float
    tail: SeverityFit
    body: SeverityFit | None
    body_losses: np.ndarray = field(repr=False)
    n: int

    def _body_sf(self, x: np.ndarray) -> np.ndarray:
        if self.body is not None:
            return np.asarray(self.body.truncated().sf(x), dtype=float)
        b = self.body_losses
        return 1.0 - np.searchsorted(b, x, side="right") / b.size

    def _body_isf(self, q: np.ndarray) -> np.ndarray:
        if self.body is not None:
            return np.asarray(self.body.truncated().isf(q), dtype=float)
        b = self.body_losses
        idx = np.clip(np.ceil((1.0 - q) * b.size).astype(np.int64) - 1, 0, b.size - 1)
        return b[idx]

    def sf(self, x: Any) -> Any:
        x = np.asarray(x, dtype=float)
        w, u = self.weight, self.tail_threshold
        tail = w * np.asarray(self.tail.dist().sf(np.maximum(x, u)), dtype=float)
        body = w + (1 - w) * self._body_sf(np.clip(x, self.threshold, u))
        out = np.where(x >= u, tail, body)
        return np.where(x < self.threshold, 1.0, out)

    def cdf(self, x: Any) -> Any:
        return 1.0 - self.sf(x)

    def isf(self, q: Any) -> Any:
        q = np.asarray(q, dtype=float)
        w = self.weight
        with np.errstate(all="ignore"):
            tail = self.tail.dist().isf(np.clip(q / w, 0.0, 1.0))
            body = self._body_isf(np.clip((q - w) / (1 - w), 0.0, 1.0))
        return np.where(q <= w, tail, body)

    def ppf(self, q: Any) -> Any:
        return self.isf(1.0 - np.asarray(q, dtype=float))

    def rvs(self, size: Any = None, random_state: Any = None) -> Any:
        rng = np.random.default_rng(random_state)
        return self.isf(1.0 - rng.random(size))

    def mean(self) -> float:
        xi, beta = self.tail.params["xi"], self.tail.params["beta"]
        if xi >= 1:
            return math.inf
        tail_mean = self.tail_threshold + beta / (1 - xi)
        if self.body is not None:
            body_mean = self.body.truncated().mean()
        else:
            body_mean = float(self.body_losses.mean())
        return (1 - self.weight) * body_mean + self.weight * tail_mean

    def summary(self) -> pd.DataFrame:
        body = self.body
        rows = (
            [
                {"part": "body", "parameter": k, "estimate": v, "se": body.se[k]}
                for k, v in body.params.items()
            ]
            if body is not None
            else []
        )
        rows += [
            {"part": "tail", "parameter": k, "estimate": v, "se": self.tail.se[k]}
            for k, v in self.tail.params.items()
        ]
        rows.append(
            {"part": "tail", "parameter": "weight", "estimate": self.weight, "se": math.nan}
        )
        df = pd.DataFrame(rows)
        df.attrs.update(self.to_dict())
        return df

    def to_dict(self) -> dict[str, Any]:
        return {
            "family": "spliced",
            "threshold": self.threshold,
            "tail_threshold": self.tail_threshold,
            "weight": self.weight,
            "n": self.n,
            "body": "empirical" if self.body is None else self.body.to_dict(),
            "tail": self.tail.to_dict(),
        }


def fit_spliced(
    losses: Any,
    tail_threshold: float,
    *,
    threshold: float = 0.0,
    body: str = "lognormal",
    min_tail: int = 20,
    min_losses: int = MIN_LOSSES,
) -> SplicedSeverity:
    """Fit a body on [threshold, tail_threshold) and a GPD to the losses ≥ tail_threshold.

    ``body`` is ``"empirical"`` or a family name accepted by :func:`fit_severity` (fitted with
    left truncation at ``threshold`` and right truncation at ``tail_threshold``).
    """
    h = threshold_value(threshold)
    u = threshold_value(tail_threshold, "tail_threshold")
    if u <= h:
        raise CapitalError(
            invalid("tail_threshold", tail_threshold, f"must be above threshold {h:g}")
        )
    x = above_threshold(loss_array(losses), h, min_losses=min_losses)
    tail_x = x[x >= u]
    if tail_x.size < min_tail:
        raise InsufficientDataError(
            invalid(
                "tail_threshold",
                u,
                f"leaves {tail_x.size} losses in the tail; at least {min_tail} are needed (min_tail)",
            )
        )
    body_x = np.sort(x[x < u])
    if body_x.size == 0:
        raise InsufficientDataError(invalid("tail_threshold", u, "leaves no losses in the body"))
    tail = fit_severity(tail_x, "gpd", threshold=u, min_losses=min_tail)
    body_fit = None
    if body != "empirical":
        body_fit = fit_severity(body_x, body, threshold=h, upper=u, min_losses=min_losses)  # type: ignore[arg-type]
    return SplicedSeverity(
        threshold=h,
        tail_threshold=u,
        weight=tail_x.size / x.size,
        tail=tail,
        body=body_fit,
        body_losses=body_x,
        n=int(x.size),
    )


def _default_thresholds(x: np.ndarray, min_exceed: int) -> np.ndarray:
    xs = np.sort(x)
    top = xs[max(0, xs.size - min_exceed)]
    return (
        np.unique(np.quantile(xs[xs < top], np.linspace(0, 1, 40)))
        if xs.size > min_exceed
        else xs[:1]
    )


def mean_excess(
    losses: Any, thresholds: Sequence[float] | None = None, *, min_exceed: int = 10
) -> pd.DataFrame:
    """Empirical mean excess e(u) = E[X − u | X > u] with its standard error, per threshold.

    For a GPD tail with ξ < 1, e(u) = (β + ξu)/(1 − ξ) is linear in u with slope ξ/(1 − ξ).
    """
    x = loss_array(losses)
    us = _default_thresholds(x, min_exceed) if thresholds is None else np.asarray(thresholds, float)
    rows = []
    for u in us:
        ex = x[x > u] - u
        m = ex.size
        rows.append(
            {
                "threshold": float(u),
                "n_exceed": int(m),
                "mean_excess": float(ex.mean()) if m else math.nan,
                "se": float(ex.std(ddof=1) / math.sqrt(m)) if m > 1 else math.nan,
            }
        )
    return pd.DataFrame(rows)


def gpd_stability(
    losses: Any, thresholds: Sequence[float] | None = None, *, min_exceed: int = 20
) -> pd.DataFrame:
    """GPD fits above a range of thresholds: ξ, β and the modified scale β − ξu with SEs.

    Above a threshold where the GPD holds, ξ and β − ξu are constant up to sampling error.
    ``degenerate`` marks thresholds whose fit is degenerate or failed (see :class:`SeverityFit`).
    """
    x = loss_array(losses)
    us = _default_thresholds(x, min_exceed) if thresholds is None else np.asarray(thresholds, float)
    rows = []
    for u in us:
        row: dict[str, Any] = {"threshold": float(u), "n_exceed": int(np.sum(x >= u))}
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                f = fit_severity(x, "gpd", threshold=float(u), min_losses=min_exceed)
        except (FitError, InsufficientDataError):
            row.update(
                xi=math.nan,
                xi_se=math.nan,
                beta=math.nan,
                beta_se=math.nan,
                modified_scale=math.nan,
                degenerate=True,
            )
        else:
            xi, beta = f.params["xi"], f.params["beta"]
            row.update(
                xi=xi,
                xi_se=f.se["xi"],
                beta=beta,
                beta_se=f.se["beta"],
                modified_scale=beta - xi * float(u),
                degenerate=f.degenerate,  # the reasons: fit_severity(..., "gpd") at that u
            )
        rows.append(row)
    return pd.DataFrame(rows)
