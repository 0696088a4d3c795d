"""The four data elements of one unit of measure, added one at a time.

Stages (each a frequency and a severity of the unit's *recorded* losses, ≥ the collection
threshold H):

1. ``ild``: internal losses only — Poisson λ = N/T, the severity fitted by left-truncated
   maximum likelihood (a unit with fewer than ``min_losses`` losses takes the severity of its
   pool, e.g. its event type across business lines; a unit without losses has no loss);
2. ``external``: the same frequency; the severity fitted to the internal losses together with the
   scaled external losses, each truncated at its own (scaled) threshold (:func:`fit_pooled`);
3. ``scenarios``: the frequency is the Poisson–gamma credibility mean of the internal count and the
   scenario's frequency; the severity is the stage-2 body spliced with the scenario tail matched to
   the workshop's quantiles (:class:`ScenarioSplice`);
4. ``beicf``: stage 3 with the severity (or frequency) × the control factor.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from oprisk.capital.lda import FrequencyFit, SeverityFit, fit_severity, poisson
from oprisk.errors import CapitalError, ConvergenceWarning, InsufficientDataError, invalid

from .adjust import Stress, scale_frequency, scale_severity
from .credibility import (
    GammaPosterior,
    combine_normal,
    gamma_prior,
    lognormal_mu_posterior,
    poisson_gamma,
)
from .pooled import fit_pooled
from .scenario import ScenarioFit, ScenarioSplice, fit_scenario

STAGES = ("ild", "external", "scenarios", "beicf")
STAGE_LABELS = {
    "ild": "internal losses (ILD)",
    "external": "+ external data",
    "scenarios": "+ scenarios",
    "beicf": "+ BEICF",
    "stress": "stressed",
}


@dataclass(frozen=True)
class ScenarioInput:
    """A workshop's frequency (events/yr, with its range) and severity quantiles."""

    frequency: float
    frequency_low: float
    frequency_high: float
    quantiles: tuple[float, ...]
    amounts: tuple[float, ...]
    family: str = "lognormal"
    ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class UnitData:
    """Everything known about one unit of measure (amounts in the reporting currency)."""

    name: str
    losses: np.ndarray = field(repr=False)
    years: float
    threshold: float
    pool: np.ndarray | None = field(default=None, repr=False)
    external: np.ndarray = field(default_factory=lambda: np.empty(0), repr=False)
    external_thresholds: np.ndarray = field(default_factory=lambda: np.empty(0), repr=False)
    scenario: ScenarioInput | None = None
    control_score: float | None = None
    beicf_factor: float = 1.0


@dataclass(frozen=True)
class UnitModel:
    """The frequency and severity of one unit at each stage (``None``: no loss at that stage)."""

    name: str
    stages: dict[str, tuple[FrequencyFit, Any] | None]
    credibility: GammaPosterior | None = None
    scenario_fit: ScenarioFit | None = None
    tail_weight: float | None = None
    notes: tuple[str, ...] = ()


def _fit(x: np.ndarray, family: str, h: float) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return fit_severity(x, family, threshold=h)  # type: ignore[arg-type]


def _credibility(
    own: np.ndarray,
    h: float,
    sev_ext: Any,
    sfit: ScenarioFit,
    unit: UnitData,
    scenario_mu_sd: float,
    min_losses: int,
) -> SeverityFit:
    """Lognormal with μ from the internal losses and a prior from the scenario and external data.

    σ is the stage-2 fit's (or the scenario's); the prior of μ combines the scenario's matched μ
    (sd ``scenario_mu_sd``) and, with enough external losses, their own truncated fit's μ̂ ± SE;
    the severity is the posterior predictive lognormal: μ_post, √(σ² + sd_post²).
    """
    if sfit.family != "lognormal" or (sev_ext is not None and sev_ext.family != "lognormal"):
        raise CapitalError(
            invalid("scenario_severity", "credibility", "needs lognormal severities")
        )
    sigma = float((sev_ext or sfit).params["sigma"])
    priors = [(sfit.params["mu"], scenario_mu_sd)]
    if unit.external.size >= min_losses:
        ef = fit_pooled(
            unit.external, unit.external_thresholds, bank_threshold=h, min_losses=min_losses
        )
        if math.isfinite(ef.se["mu"]) and ef.se["mu"] > 0:
            priors.append((ef.params["mu"], ef.se["mu"]))
    post = lognormal_mu_posterior(own, sigma, combine_normal(*priors), threshold=h)
    nan2 = np.full((2, 2), np.nan)
    return SeverityFit(
        family="lognormal",
        params={"mu": post.mean, "sigma": math.sqrt(sigma**2 + post.sd**2)},
        se={"mu": math.nan, "sigma": math.nan},
        covariance=nan2,
        loglik=math.nan,
        aic=math.nan,
        bic=math.nan,
        n=int(own.size),
        threshold=h,
        notes=(f"posterior μ {post.mean:.4g} ± {post.sd:.3g} ({post.method})",),
    )


def build_unit(
    unit: UnitData,
    *,
    family: str = "lognormal",
    min_losses: int = 10,
    beicf_on: Literal["severity", "frequency"] = "severity",
    stress: Stress | None = None,
    tail_quantile: float = 0.9,
    scenario_severity: Literal["splice", "credibility"] = "splice",
    scenario_mu_sd: float = 0.5,
) -> UnitModel:
    """The unit's model at every stage (and stressed, when ``stress`` is given)."""
    if beicf_on not in ("severity", "frequency"):
        raise CapitalError(invalid("beicf_on", beicf_on, "must be 'severity' or 'frequency'"))
    if scenario_severity not in ("splice", "credibility"):
        raise CapitalError(
            invalid("scenario_severity", scenario_severity, "must be 'splice' or 'credibility'")
        )
    h, notes = float(unit.threshold), []
    x = np.asarray(unit.losses, dtype=float)
    x = x[x >= h]
    own = x
    if x.size < min_losses and unit.pool is not None:
        own = np.asarray(unit.pool, dtype=float)
        own = own[own >= h]
        notes.append(f"{x.size} internal loss(es): severity from its pool ({own.size})")
    sev_ild = _fit(own, family, h) if own.size >= min_losses else None
    freq_ild = poisson(x.size / unit.years) if x.size else None
    stages: dict[str, tuple[FrequencyFit, Any] | None] = {}
    stages["ild"] = (freq_ild, sev_ild) if freq_ild and sev_ild else None

    sev_ext = sev_ild
    if unit.external.size:
        data = np.concatenate([own, unit.external])
        th = np.concatenate([np.full(own.size, h), unit.external_thresholds])
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                sev_ext = fit_pooled(data, th, family, bank_threshold=h, min_losses=min_losses)
        except InsufficientDataError:
            notes.append(f"{data.size} internal and external losses: too few for a pooled fit")
    stages["external"] = (freq_ild, sev_ext) if freq_ild and sev_ext else None

    freq_sc, sev_sc, cred, sfit, p_u = freq_ild, sev_ext, None, None, None
    s = unit.scenario
    if s is not None:
        cred = poisson_gamma(
            x.size, unit.years, gamma_prior(s.frequency, s.frequency_low, s.frequency_high)
        )
        freq_sc = poisson(cred.mean)
        sfit = fit_scenario(s.quantiles, s.amounts, s.family)
        if scenario_severity == "credibility":
            sev_sc = _credibility(own, h, sev_ext, sfit, unit, scenario_mu_sd, min_losses)
        else:
            above = [a for a in s.amounts if a > h]
            if not above:
                raise CapitalError(
                    invalid("amounts", list(s.amounts), f"scenario amounts must exceed H = {h:g}")
                )
            # the splice point: the lowest stated amount in the tail (quantile ≥ tail_quantile)
            tail_pts = [
                a
                for a, q in zip(s.amounts, s.quantiles, strict=True)
                if a > h and q >= tail_quantile
            ]
            u = float(min(tail_pts) if tail_pts else max(above))
            tail = sfit.dist()
            p_u = min(1.0, s.frequency * float(tail.sf(u)) / cred.mean)
            body = sev_ext.dist() if sev_ext is not None else tail
            sev_sc = ScenarioSplice(body, tail, h, u, p_u)
    stages["scenarios"] = (freq_sc, sev_sc) if freq_sc and sev_sc else None

    k = float(unit.beicf_factor)
    sc = stages["scenarios"]
    if sc is None:
        stages["beicf"] = None
    elif beicf_on == "severity":
        stages["beicf"] = (sc[0], scale_severity(sc[1], k))
    else:
        stages["beicf"] = (scale_frequency(sc[0], k), sc[1])
    if stress is not None:
        b = stages["beicf"]
        stages["stress"] = (
            None
            if b is None
            else (scale_frequency(b[0], stress.frequency), scale_severity(b[1], stress.severity))
        )
    return UnitModel(unit.name, stages, cred, sfit, p_u, tuple(notes))


def merge_scenarios(parts: list[tuple[ScenarioInput, float]]) -> ScenarioInput:
    """Several scenarios (each with the share of its frequency on this unit) as one.

    Independent event sources add: the rate of losses above x is Σ_s w_s·λ_s·S_s(x), so at each
    stated amount the merged quantile is 1 − Σ_s w_s λ_s S_s(x) / Σ_s w_s λ_s (each S_s the
    scenario's quantile-matched family); the ranges add (as if the experts' errors moved
    together, the prudent reading).
    """
    if len(parts) == 1 and parts[0][1] == 1.0:
        return parts[0][0]
    lam = sum(w * s.frequency for s, w in parts)
    low = sum(w * s.frequency_low for s, w in parts)
    high = sum(w * s.frequency_high for s, w in parts)
    if len(parts) == 1:
        s = parts[0][0]
        return ScenarioInput(lam, low, high, s.quantiles, s.amounts, s.family, s.ids)
    dists = [
        (w * s.frequency, fit_scenario(s.quantiles, s.amounts, s.family).dist()) for s, w in parts
    ]
    amounts = sorted({a for s, _ in parts for a in s.amounts})
    q = [1.0 - sum(r * float(d.sf(a)) for r, d in dists) / lam for a in amounts]
    ids = tuple(i for s, _ in parts for i in s.ids)
    return ScenarioInput(lam, low, high, tuple(q), tuple(amounts), parts[0][0].family, ids)


def equicorrelation(n: int, rho: float) -> np.ndarray:
    """The n×n matrix with ρ off the diagonal."""
    if not (math.isfinite(rho) and -1 / max(n - 1, 1) <= rho <= 1):
        raise CapitalError(invalid("correlation", rho, f"must be in [−1/{max(n - 1, 1)}, 1]"))
    return np.full((n, n), float(rho)) + np.eye(n) * (1 - float(rho))
