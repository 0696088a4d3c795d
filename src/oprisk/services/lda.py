"""The Loss Distribution Approach on the loss store: units of measure, fits, aggregation.

Data set (RTS 2018/959 Art 29, reference §7): the gross loss of each event in the reporting
currency as known at the cut-off and accounted up to the end of ``year`` (insurance recoveries are
not netted), grouped losses aggregated to their root, dated by the first accounting date, over an
observation window of ``years`` calendar years ending with ``year``. Withdrawn events, gains, near
misses and credit-boundary losses are left out and counted. Losses below the collection
``threshold`` are left out: the severity fits treat it as left truncation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from oprisk.capital.profiles import DEFAULT_THRESHOLD
from oprisk.errors import InsufficientDataError, invalid

if TYPE_CHECKING:
    from oprisk.ports import AsOf, Queries

UoM = Literal["bl-et", "et", "bl", "cause"]
UOM_COLUMNS: dict[str, list[str]] = {
    "bl-et": ["business_line_l1", "event_type_l1"],
    "et": ["event_type_l1"],
    "bl": ["business_line_l1"],
    "cause": ["cause"],
}
DEFAULT_FAMILIES = ("lognormal", "weibull", "loglogistic", "gamma", "burr", "pareto")


def loss_data(
    queries: Queries, year: int, *, as_of: AsOf = None, years: int = 10
) -> tuple[pd.DataFrame, dict[str, int]]:
    """One row per (root) event first accounted in the window: gross loss (reporting currency) and date."""
    df = queries.losses(as_of=as_of, accounted_until=date(year, 12, 31))
    start = date(year - years + 1, 1, 1)
    dropped = {
        "gain": int(df.gain.sum()),
        "near_miss": int(df.near_miss.sum()),
        "credit_boundary": int(df.credit_boundary.sum()),
    }
    df = df[~(df.gain | df.near_miss | df.credit_boundary)].copy()
    if df.gross_loss_reporting.isna().any():
        missing = df[df.gross_loss_reporting.isna()]
        raise InsufficientDataError(
            f"no FX rate to {queries.reporting_currency} for {len(missing)} event(s) in "
            f"{sorted(set(missing.currency))}, e.g. {missing.event_id.iloc[0]!r}: record the rates first"
        )
    df["group_id"] = df.root_event_id.fillna(df.event_id).where(
        df.root_event_id.notna(), df.event_id
    )
    roots = df.set_index("event_id")
    agg = df.groupby("group_id", sort=True).agg(
        gross_loss=("gross_loss_reporting", "sum"),
        first_accounted_on=("first_accounted_on", "min"),
        members=("event_id", "count"),
    )
    for col in ("business_line_l1", "event_type_l1", "cause"):
        agg[col] = [
            str(roots.at[g, col]) if g in roots.index else str(df[df.group_id == g][col].iloc[0])
            for g in agg.index
        ]
    window = (pd.Timestamp(start), pd.Timestamp(date(year, 12, 31)))
    agg = agg[agg.first_accounted_on.between(*window)]
    return agg.reset_index(), dropped


@dataclass(frozen=True)
class UnitFit:
    unit: str
    n: int
    family: str
    params: dict[str, float]
    frequency: float
    expected_loss: float
    var: float
    es: float
    var_se: float | None
    comparison: pd.DataFrame = field(repr=False)

    def summary(self) -> pd.DataFrame:
        """The severity families compared for this unit (the chosen one is ``family``)."""
        return self.comparison

    def _repr_html_(self) -> str:
        import html

        return f"<p>{html.escape(repr(self))}</p>" + self.comparison.to_html()


@dataclass(frozen=True)
class LdaRun:
    """An LDA computation from the store, with its cut-off, data set, fits and aggregate figures."""

    year: int
    cutoff_position: int
    cutoff_time: datetime | None
    currency: str
    threshold: float
    uom: str
    confidence_level: float
    method: str
    n_simulations: int
    random_state: int
    copula: str
    units: list[UnitFit]
    thin_units: pd.DataFrame
    portfolio_var: float
    portfolio_es: float
    sum_standalone_var: float
    diversification_benefit: float
    excluded: dict[str, int]
    notes: list[str]

    def __repr__(self) -> str:
        return (
            f"<LdaRun {self.year}, {len(self.units)} units by {self.uom}, {self.method} "
            f"{self.n_simulations:,} years, as known at position {self.cutoff_position}: "
            f"VaR {self.confidence_level:.1%} {self.portfolio_var:,.0f} {self.currency} "
            f"({self.copula}), ES {self.portfolio_es:,.0f}; summary() per unit>"
        )

    def plot(self) -> Any:
        """Each unit's stand-alone VaR beside the portfolio VaR (the diversification benefit)."""
        from oprisk.plots.lda import units_plot

        return units_plot(self)

    def summary(self) -> pd.DataFrame:
        rows = [
            {
                "unit": u.unit,
                "losses": u.n,
                "severity": u.family,
                "parameters": ", ".join(f"{k}={v:.4g}" for k, v in u.params.items()),
                "frequency": u.frequency,
                "expected_loss": u.expected_loss,
                f"VaR {self.confidence_level:.1%}": u.var,
                f"ES {self.confidence_level:.1%}": u.es,
            }
            for u in self.units
        ]
        return pd.DataFrame(rows)

    def to_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "cutoff": {
                "position": self.cutoff_position,
                "time": self.cutoff_time.isoformat() if self.cutoff_time else None,
            },
            "currency": self.currency,
            "threshold": self.threshold,
            "uom": self.uom,
            "confidence_level": self.confidence_level,
            "method": self.method,
            "n_simulations": self.n_simulations,
            "random_state": self.random_state,
            "copula": self.copula,
            "units": [
                {
                    "unit": u.unit,
                    "n": u.n,
                    "family": u.family,
                    "params": u.params,
                    "frequency": u.frequency,
                    "expected_loss": u.expected_loss,
                    "var": u.var,
                    "es": u.es,
                    "var_se": u.var_se,
                }
                for u in self.units
            ],
            "thin_units": self.thin_units.to_dict(orient="records"),
            "portfolio": {
                "var": self.portfolio_var,
                "es": self.portfolio_es,
                "sum_standalone_var": self.sum_standalone_var,
                "diversification_benefit": self.diversification_benefit,
            },
            "excluded": self.excluded,
            "notes": self.notes,
        }

    def _repr_html_(self) -> str:
        head = (
            f"<p>LDA {self.year}, cut-off position {self.cutoff_position}, threshold {self.threshold:,.0f} "
            f"{self.currency}, {self.method} {self.n_simulations:,} years, seed {self.random_state}; "
            f"portfolio VaR {self.confidence_level:.1%} = {self.portfolio_var:,.0f} ({self.copula})</p>"
        )
        return head + self.summary().to_html(index=False, float_format=lambda v: f"{v:,.0f}")


def lda(
    queries: Queries,
    year: int,
    *,
    as_of: AsOf = None,
    uom: UoM = "et",
    threshold: float = float(DEFAULT_THRESHOLD),
    confidence_level: float = 0.999,
    method: Literal["mc", "fft", "panjer"] = "mc",
    n_simulations: int = 200_000,
    random_state: int = 2026,
    years: int = 10,
    min_losses: int = 30,
    families: tuple[str, ...] = DEFAULT_FAMILIES,
    copula: Literal["independence", "comonotonic", "gaussian", "t"] = "gaussian",
    correlation: float | np.ndarray = 0.2,
) -> LdaRun:
    """Fit and aggregate every unit of measure with enough data; list the thin ones with a pooling hint."""
    from oprisk.capital.lda import (
        aggregate,
        aggregate_units,
        compare_severities,
        fit_frequency,
        fit_severity,
    )

    if uom not in UOM_COLUMNS:
        raise InsufficientDataError(invalid("uom", uom, "must be one of " + ", ".join(UOM_COLUMNS)))
    position, when = queries.cutoff(as_of)
    data, dropped = loss_data(queries, year, as_of=position, years=years)
    data = data[data.gross_loss >= threshold]
    keys = UOM_COLUMNS[uom]
    data["unit"] = data[keys].astype(str).agg("×".join, axis=1)
    counts = data.groupby("unit").size()
    thin = counts[counts < min_losses]
    hint = (
        "pool with other units of the same event type (uom=et)"
        if uom == "bl-et"
        else "pool into a wider unit"
    )
    thin_df = pd.DataFrame({"unit": thin.index, "losses": thin.values, "suggestion": hint})
    start, end = date(year - years + 1, 1, 1), date(year, 12, 31)
    fitted: list[UnitFit] = []
    models: dict[str, tuple[Any, Any]] = {}
    for unit, g in data[data.unit.isin(counts[counts >= min_losses].index)].groupby("unit"):
        x = g.gross_loss.to_numpy(float)
        table = compare_severities(x, families, threshold=threshold)  # type: ignore[arg-type]
        ok = table[table["error"].isna()] if "error" in table else table
        if ok.empty:
            continue
        family = str(ok.iloc[0]["family"]) if "family" in ok else str(ok.index[0])
        sev = fit_severity(x, family, threshold=threshold)  # type: ignore[arg-type]
        freq = fit_frequency(list(g.first_accounted_on), start=start, end=end)
        res = aggregate(
            freq,
            sev,
            method,
            confidence_levels=(confidence_level,),
            n_simulations=n_simulations,
            random_state=random_state,
        )
        se = res.var_se.get(confidence_level) if res.var_se else None
        fitted.append(
            UnitFit(
                str(unit),
                len(x),
                family,
                {k: float(v) for k, v in sev.params.items()},
                float(freq.mean),
                float(res.expected_loss),
                float(res.var[confidence_level]),
                float(res.es[confidence_level]),
                None if se is None else float(se),
                table,
            )
        )
        models[str(unit)] = (freq, sev)
    if not models:
        raise InsufficientDataError(
            f"no unit of measure has {min_losses} losses above {threshold:,.0f} in {start.year}–{year}: "
            f"try uom='et' or a lower min_losses"
        )
    n = len(models)
    corr = (
        correlation
        if isinstance(correlation, np.ndarray)
        else np.full((n, n), float(correlation)) + np.eye(n) * (1 - float(correlation))
    )
    port = aggregate_units(
        models,
        copula=copula,
        correlation=corr if copula in ("gaussian", "t") else None,
        df=4 if copula == "t" else None,
        confidence_levels=(confidence_level,),
        n_simulations=n_simulations,
        random_state=random_state,
    )
    notes = [f"{k}: {v} event(s) left out" for k, v in dropped.items() if v]
    return LdaRun(
        year,
        position,
        when,
        queries.reporting_currency,
        float(threshold),
        uom,
        confidence_level,
        method,
        n_simulations,
        random_state,
        copula,
        fitted,
        thin_df,
        float(port.var[confidence_level]),
        float(port.es[confidence_level]),
        float(port.sum_standalone_var[confidence_level])
        if isinstance(port.sum_standalone_var, dict)
        else float(port.sum_standalone_var),
        float(port.diversification_benefit[confidence_level])
        if isinstance(port.diversification_benefit, dict)
        else float(port.diversification_benefit),
        dropped,
        notes,
    )
