"""The ICAAP run on the store: internal losses, external losses, scenarios and control scores as
known at one knowledge cut-off, combined by :mod:`oprisk.capital.icaap` (docs/icaap.md).

Every input is read at the same log position, so the same call with the same cut-off and seed
gives the same figures whatever was recorded later.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from oprisk.capital.icaap import (
    IcaapResult,
    ScenarioInput,
    Stress,
    UnitData,
    beicf_factor,
    fit_scaling,
    icaap_run,
    merge_scenarios,
    scale_losses,
)
from oprisk.capital.profiles import DEFAULT_THRESHOLD
from oprisk.domain.taxonomy import BUSINESS_LINES, EVENT_TYPES
from oprisk.errors import FitError, InsufficientDataError, MissingInputError, invalid
from oprisk.services import external_losses as ext_service
from oprisk.services import scenarios as scn_service
from oprisk.services.assessments import assessments
from oprisk.services.lda import loss_data

if TYPE_CHECKING:
    from oprisk.ports import AsOf, Queries, Transactions

#: The units of measure: Basel business lines (BL9, reporting only, left out) × event types.
BUSINESS_LINES_L1 = tuple(c.code for c in BUSINESS_LINES.level(1) if c.basel)
EVENT_TYPES_L1 = tuple(c.code for c in EVENT_TYPES.level(1))


@dataclass(frozen=True, eq=False, repr=False)
class IcaapRun(IcaapResult):
    """An :class:`~oprisk.capital.icaap.IcaapResult` from the store, with its cut-off and year."""

    year: int = 0

    def plot(self, ax: Any = None) -> Any:
        """Waterfall of the total VaR from internal losses only to all four elements (and stressed)."""
        from oprisk.plots.icaap import waterfall

        return waterfall(self, ax=ax)


def _unit(bl: Any, et: Any) -> str:
    return f"{bl}×{et}"


def _scenario_inputs(
    uow: Transactions,
    currency: str,
    position: int,
    internal_counts: pd.Series,
    statuses: tuple[str, ...],
) -> tuple[dict[str, list[tuple[ScenarioInput, float]]], dict[str, int]]:
    """Each unit's scenarios with the share of the scenario's frequency that falls on it.

    A scenario of an event type without a business line is shared by that event type's units in
    proportion to their internal losses (equally when there are none); likewise for a business line
    without an event type.
    """
    # approved only (the default): the latest approved revision, even while a draft revision of
    # it is under review
    only = tuple(statuses) == ("approved",)
    sc = scn_service.scenarios(uow, position, approved_only=only)
    used = sc[sc.status.isin(statuses)]
    sev = scn_service.scenario_severities(uow, currency, position, approved_only=only)
    known = scn_service.scenarios(uow, position)
    out: dict[str, list[tuple[ScenarioInput, float]]] = {}
    for s in used.itertuples():
        pts = sev[sev.scenario_id == s.scenario_id].sort_values("quantile")
        if pts.amount_reporting.isna().any():
            raise InsufficientDataError(
                f"no FX rate from {s.currency} to {currency} for scenario {s.scenario_id!r} "
                f"(workshop {pd.Timestamp(s.workshop_on):%Y-%m-%d}): record the rates first"
            )
        inp = ScenarioInput(
            float(s.frequency), float(s.frequency_low), float(s.frequency_high),
            tuple(float(q) for q in pts["quantile"]), tuple(float(a) for a in pts.amount_reporting),
            ids=(str(s.scenario_id),),
        )  # fmt: skip
        bls = [s.business_line] if s.business_line else list(BUSINESS_LINES_L1)
        ets = [s.event_type] if s.event_type else list(EVENT_TYPES_L1)
        units = [_unit(b, e) for b in bls for e in ets]
        counts = np.array([float(internal_counts.get(u, 0)) for u in units])
        shares = counts / counts.sum() if counts.sum() > 0 else np.full(len(units), 1 / len(units))
        for u, w in zip(units, shares, strict=True):
            if w > 0:
                out.setdefault(u, []).append((inp, float(w)))
    skipped = {"scenarios_not_used": int((~known.scenario_id.isin(used.scenario_id)).sum())}
    return out, skipped


def icaap(
    queries: Queries,
    uow: Transactions,
    *,
    year: int | None = None,
    as_of: AsOf = None,
    confidence: float = 0.999,
    dependence: Literal["independence", "comonotonic", "gaussian", "t"] = "gaussian",
    correlation: float = 0.2,
    seed: int = 2026,
    sims: int = 1_000_000,
    stress: Stress | str | None = None,
    threshold: float = float(DEFAULT_THRESHOLD),
    years: int = 10,
    family: str = "lognormal",
    min_losses: int = 10,
    bank_size: float | None = None,
    alpha: float | None = None,
    beicf_on: Literal["severity", "frequency"] = "severity",
    beicf_bounds: tuple[float, float] = (0.8, 1.2),
    scenario_status: tuple[str, ...] = ("approved",),
    scenario_severity: Literal["splice", "credibility"] = "splice",
    scenario_mu_sd: float = 0.5,
    tail_quantile: float = 0.9,
    n_workers: int | None = None,
    engine: Literal["mc", "portfolio"] = "mc",
) -> IcaapRun:
    """VaR and ES per business line × event type and in total: ILD → + external → + scenarios → + BEICF."""
    if isinstance(stress, str):
        stress = Stress.parse(stress)
    position, when = queries.cutoff(as_of)
    if year is None:
        known = queries.losses(as_of=position)
        if known.empty or known.first_accounted_on.isna().all():
            raise InsufficientDataError(f"no loss is accounted as known at position {position}")
        year = int(pd.Timestamp(known.first_accounted_on.max()).year)
    data, dropped = loss_data(queries, year, as_of=position, years=years)
    data = data[data.gross_loss >= threshold].copy()
    data["unit"] = [
        _unit(b, e) for b, e in zip(data.business_line_l1, data.event_type_l1, strict=True)
    ]
    counts = data.groupby("unit").size()
    pools = {et: g.gross_loss.to_numpy(float) for et, g in data.groupby("event_type_l1")}
    scenarios, skipped = _scenario_inputs(
        uow, queries.reporting_currency, position, counts, scenario_status
    )
    notes = [f"{k}: {v} event(s) left out" for k, v in dropped.items() if v]
    notes += [
        f"{v} scenario(s) with no {' or '.join(scenario_status)} revision: left out"
        for v in skipped.values()
        if v
    ]

    ext = ext_service.external_losses(uow, queries.reporting_currency, position)
    if ext.amount_reporting.isna().any():
        notes.append(
            f"{int(ext.amount_reporting.isna().sum())} external loss(es) without an FX rate: left out"
        )
        ext = ext[ext.amount_reporting.notna()]
    scaling: dict[str, Any] = {"alpha": alpha, "bank_size": bank_size, "n": len(ext)}
    ext_x = ext_h = np.empty(0)
    if len(ext):
        if bank_size is None:
            raise MissingInputError(
                invalid("bank_size", None, f"is needed to scale {len(ext)} external loss(es): the bank's "
                        f"size indicator in {queries.reporting_currency}, the measure the sources give")
            )  # fmt: skip
        if alpha is None:
            try:
                fit = fit_scaling(
                    ext.amount_reporting, ext.size_indicator, ext.threshold.fillna(0.0)
                )
            except FitError as err:
                fit = fit_scaling(ext.amount_reporting, ext.size_indicator)
                notes.append(f"{err}; least squares used instead (biased towards 0)")
            alpha = fit.alpha
            scaling.update(
                alpha=fit.alpha, alpha_se=fit.alpha_se, method=fit.method, estimated=True
            )
        ext_x, ext_h = scale_losses(
            ext.amount_reporting, ext.threshold.fillna(0.0), ext.size_indicator, bank_size, alpha
        )

    scores = assessments(uow, position)
    latest = {
        str(r.unit): float(r.composite) for r in scores.itertuples()
    }  # sorted by date: last wins
    units: list[UnitData] = []
    for bl in BUSINESS_LINES_L1:
        for et in EVENT_TYPES_L1:
            name = _unit(bl, et)
            own = data.gross_loss[data.unit == name].to_numpy(float)
            mask = (ext.event_type == et).to_numpy() & (
                ext.business_line.isna() | (ext.business_line == bl)
            ).to_numpy()
            sc = scenarios.get(name, [])
            if not (own.size or sc):  # external data alone give a unit no frequency
                continue
            score = next((latest[k] for k in (name, bl, et) if k in latest), None)
            units.append(UnitData(
                name, own, float(years), float(threshold), pool=pools.get(et),
                external=ext_x[mask], external_thresholds=ext_h[mask],
                scenario=merge_scenarios(sc) if sc else None, control_score=score,
                beicf_factor=1.0 if score is None else beicf_factor(score, beicf_bounds),
            ))  # fmt: skip
    if not units:
        raise InsufficientDataError(
            f"no internal loss, external loss or scenario is known at position {position}"
        )
    res = icaap_run(
        units, confidence=confidence, dependence=dependence, correlation=correlation,
        n_simulations=sims, random_state=seed, stress=stress, family=family, min_losses=min_losses,
        beicf_on=beicf_on, beicf_bounds=beicf_bounds, currency=queries.reporting_currency,
        n_workers=n_workers or os.cpu_count() or 1, scenario_severity=scenario_severity, scenario_mu_sd=scenario_mu_sd,
        tail_quantile=tail_quantile, engine=engine,
    )  # fmt: skip
    no_score = [u.name for u in units if u.control_score is None]
    if no_score:
        notes.append(f"{len(no_score)} unit(s) without a control assessment: BEICF factor 1")
    inputs = {
        "year": year, "window": [date(year - years + 1, 1, 1).isoformat(), date(year, 12, 31).isoformat()],
        "threshold": float(threshold), "internal_losses": len(data), "external_losses": len(ext),
        "scenarios": sorted({i for v in scenarios.values() for s, _ in v for i in s.ids}),
        "assessed_units": sorted(latest), "scaling": scaling, "scenario_severity": scenario_severity,
        "scenario_mu_sd": scenario_mu_sd, "tail_quantile": tail_quantile,
        "scenario_status": list(scenario_status), "min_losses": min_losses, "engine": engine,
    }  # fmt: skip
    base = {f.name: getattr(res, f.name) for f in fields(IcaapResult)}
    base.update(
        cutoff_position=position, cutoff_time=when, inputs=inputs, notes=(*notes, *res.notes)
    )
    return IcaapRun(**base, year=year)


__all__ = ["IcaapRun", "icaap"]
