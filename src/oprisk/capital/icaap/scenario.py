"""Scenario analysis in the severity: a tail family matched to the workshop's quantiles, spliced
onto the body fitted to internal (and external) losses.

A workshop states, for a scenario of frequency λ_s events a year, the loss exceeded once in T
years; a single loss exceeds it with probability 1/(λ_s·T), so it is the quantile
q = 1 − 1/(λ_s·T) of the scenario's severity (the ``quantile`` column of
``db.scenario_severities``). Quantile matching (Dutta & Babbel 2014, "Scenario analysis in the
measurement of operational risk capital: a change of measure approach", J. Risk and Insurance
81(2); Rosengren 2006) fits the family parameters θ that minimise Σ_k (ln F⁻¹(q_k; θ) − ln x_k)²:
for the lognormal, ln x_k = μ + σ Φ⁻¹(q_k) is a straight line, so the fit is ordinary least
squares in closed form; other families are fitted numerically (scipy ``least_squares``).

The splice (the body-tail split of Cope et al. 2009 and of the spliced LDA in ``docs/lda.md``)
keeps the internal model below the lowest scenario amount u and the scenario's conditional tail
above it, with tail weight p_u = ν_u / λ: ν_u = λ_s·(1 − F_s(u)) is the scenario's expected number
of losses above u a year and λ the unit's frequency of recorded losses, so the model exceeds u as
often as the workshop said (p_u is capped at 1).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import integrate, optimize, stats

from oprisk.capital.lda.families import family_spec, frozen
from oprisk.errors import CapitalError, InsufficientDataError, invalid


@dataclass(frozen=True)
class ScenarioFit:
    """A severity family matched to scenario quantiles; ``residuals`` are ln F⁻¹(q) − ln x."""

    family: str
    params: dict[str, float]
    quantiles: np.ndarray = field(repr=False)
    amounts: np.ndarray = field(repr=False)
    residuals: np.ndarray = field(repr=False)

    def dist(self) -> Any:
        return frozen(self.family, list(self.params.values()))

    def summary(self) -> pd.DataFrame:
        d = self.dist()
        return pd.DataFrame(
            {"quantile": self.quantiles, "amount": self.amounts, "fitted": d.ppf(self.quantiles)}
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "family": self.family,
            "params": self.params,
            "quantiles": self.quantiles.tolist(),
            "amounts": self.amounts.tolist(),
        }


def return_period_quantile(frequency: float, return_period: Any) -> np.ndarray:
    """q = 1 − 1/(λ·T): the single-loss quantile of the 1-in-T-year loss at λ events a year."""
    t = np.asarray(return_period, dtype=float)
    if not (math.isfinite(frequency) and frequency > 0):
        raise CapitalError(invalid("frequency", frequency, "must be a positive number"))
    if np.any(~np.isfinite(t) | (t * frequency <= 1)):
        raise CapitalError(
            invalid(
                "return_period", t.tolist(), f"must exceed 1/frequency = {1 / frequency:g} years"
            )
        )
    return 1.0 - 1.0 / (frequency * t)


def fit_scenario(quantiles: Any, amounts: Any, family: str = "lognormal") -> ScenarioFit:
    """Least squares in log amounts; closed form for the lognormal (needs ≥ 2 distinct points)."""
    q = np.asarray(quantiles, dtype=float).ravel()
    x = np.asarray(amounts, dtype=float).ravel()
    if q.size != x.size:
        raise CapitalError(invalid("amounts", x.size, f"need one amount per quantile ({q.size})"))
    for name, arr, ok in (("quantile", q, (q > 0) & (q < 1)), ("amount", x, x > 0)):
        bad = np.flatnonzero(~np.isfinite(arr) | ~ok)
        if bad.size:
            i = int(bad[0])
            rule = "must be in (0, 1)" if name == "quantile" else "must be positive"
            raise CapitalError(invalid(f"{name}[{i}]", float(arr[i]), rule))
    spec = family_spec(family)
    if len(np.unique(q)) < len(spec.params):
        raise InsufficientDataError(
            invalid(
                "quantiles", q.tolist(), f"need {len(spec.params)} distinct points for {family}"
            )
        )
    order = np.argsort(q)
    if np.any(np.diff(x[order]) <= 0):
        raise CapitalError(
            invalid("amounts", x[order].tolist(), "must rise with the return period")
        )
    ly = np.log(x)
    if family == "lognormal":
        z = stats.norm.ppf(q)
        zc = z - z.mean()
        sigma = float(zc @ (ly - ly.mean()) / (zc @ zc))
        if sigma <= 0:
            raise CapitalError(invalid("amounts", x.tolist(), "imply σ ≤ 0"))
        theta = np.array([float(ly.mean() - sigma * z.mean()), sigma])
    else:
        if family == "gpd":
            raise CapitalError(invalid("family", family, "use a ground-up family for scenarios"))

        def resid(phi: np.ndarray) -> np.ndarray:
            with np.errstate(all="ignore"):
                r = np.log(frozen(family, spec.to_natural(phi)).ppf(q)) - ly
            return np.where(np.isfinite(r), r, 1e3)

        theta0 = spec.start(x, 0.0)
        res = optimize.least_squares(
            resid, spec.to_free(theta0), xtol=1e-14, ftol=1e-14, gtol=1e-14
        )
        theta = spec.to_natural(res.x)
    fitted = np.log(frozen(family, theta).ppf(q)) - ly
    params = {p: float(v) for p, v in zip(spec.params, theta, strict=True)}
    return ScenarioFit(family, params, q, x, fitted)


@dataclass(frozen=True, eq=False)
class ScenarioSplice:
    """Recorded losses (≥ H): the body on [H, u) with weight 1 − p_u, the scenario tail above u.

    ``body`` and ``tail`` are ground-up distributions (scipy-like ``sf``/``isf``); the body is
    conditioned on [H, u), the tail on (u, ∞).
    """

    body: Any
    tail: Any
    threshold: float
    splice_at: float
    tail_weight: float

    def __post_init__(self) -> None:
        if not (0 < self.tail_weight <= 1):
            raise CapitalError(invalid("tail_weight", self.tail_weight, "must be in (0, 1]"))
        if not (self.splice_at > self.threshold >= 0):
            raise CapitalError(
                invalid(
                    "splice_at", self.splice_at, f"must exceed the threshold {self.threshold:g}"
                )
            )

    @property
    def _body_mass(self) -> tuple[float, float]:
        sh, su = float(self.body.sf(self.threshold)), float(self.body.sf(self.splice_at))
        return sh, su

    def sf(self, x: Any) -> Any:
        x = np.asarray(x, dtype=float)
        p, u = self.tail_weight, self.splice_at
        sh, su = self._body_mass
        with np.errstate(all="ignore"):
            body = p + (1 - p) * (self.body.sf(np.maximum(x, self.threshold)) - su) / (sh - su)
            tail = p * self.tail.sf(x) / self.tail.sf(u)
        return np.where(x < self.threshold, 1.0, np.where(x < u, body, tail))

    def cdf(self, x: Any) -> Any:
        return 1.0 - self.sf(x)

    def isf(self, q: Any) -> Any:
        q = np.asarray(q, dtype=float)
        p = self.tail_weight
        sh, su = self._body_mass
        out = np.empty(q.shape)
        in_body = q >= p
        with np.errstate(all="ignore"):  # each branch evaluated only where it applies
            if p < 1:
                r = np.clip((q[in_body] - p) / (1 - p), 0.0, 1.0)
                out[in_body] = np.clip(
                    self.body.isf(su + r * (sh - su)), self.threshold, self.splice_at
                )
            else:
                out[in_body] = self.splice_at
            out[~in_body] = self.tail.isf(q[~in_body] / p * float(self.tail.sf(self.splice_at)))
        return out

    def ppf(self, q: Any) -> Any:
        return self.isf(1.0 - np.asarray(q, dtype=float))

    def rvs(self, size: Any = None, random_state: Any = None) -> Any:
        rng = np.random.default_rng(random_state)
        return self.isf(rng.random(size))

    def mean(self) -> float:
        """H + ∫_H^∞ S(t) dt, the body by quadrature, the tail by the tail's own integral."""
        h, u, p = self.threshold, self.splice_at, self.tail_weight
        body, _ = integrate.quad(lambda t: float(self.sf(t)), h, u, limit=200)
        if not math.isfinite(float(self.tail.mean())):
            return math.inf
        su_tail = float(self.tail.sf(u))
        # ∫_u^∞ S(t) dt in y = ln(t/u): a power or lognormal tail decays fast in y
        tail_excess, _ = integrate.quad(
            lambda y: float(self.tail.sf(u * math.exp(y))) * u * math.exp(y), 0, 200, limit=400
        )
        return h + body + p * tail_excess / su_tail

    def summary(self) -> pd.DataFrame:
        return pd.DataFrame([self.to_dict()])

    def to_dict(self) -> dict[str, Any]:
        return {
            "threshold": self.threshold,
            "splice_at": self.splice_at,
            "tail_weight": self.tail_weight,
            "mean": self.mean(),
        }
