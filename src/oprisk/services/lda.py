"""The Loss Distribution Approach on the loss store: units of measure, fits, aggregation.

Data set (RTS 2018/959 Art 29, reference §7): the gross loss of each event in the reporting
currency as known at the cut-off and accounted up to the end of ``year`` (insurance recoveries are
not netted), grouped losses aggregated to their root, dated by the first accounting date, over an
observation window of ``years`` calendar years ending with ``year``. Withdrawn events, gains, near
misses and credit-boundary losses are left out and counted. Losses below the collection
``threshold`` are left out: the severity fits treat it as left truncation.
"""

from __future__ import annotations

import math
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from oprisk.capital.profiles import DEFAULT_THRESHOLD
from oprisk.errors import InsufficientDataError, invalid
from oprisk.progress import ProgressOption
from oprisk.progress import progress as progress_of

if TYPE_CHECKING:
    from oprisk.capital.lda.bootstrap import BootstrapResult
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
    # a group takes its root event's classification, or its first member's where the root is
    # not in the data (vectorised: a lookup per group was most of the run on 250,000 events)
    roots = roots[~roots.index.duplicated()]
    first = df.drop_duplicates("group_id").set_index("group_id")
    has_root = agg.index.isin(roots.index)
    for col in ("business_line_l1", "event_type_l1", "cause"):
        own = roots[col].reindex(agg.index).astype(object)
        member = first[col].reindex(agg.index).astype(object)
        agg[col] = [str(v) for v in np.where(has_root, own, member)]
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
    #: how the unit's distribution was computed: "fft", "panjer" or "mc"
    method: str = "mc"

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
    portfolio_var_se: float = math.nan
    #: local processes or the Dask scheduler the run used, and how many workers
    where: str = "this process"
    n_workers: int = 1
    #: units simulated by Monte Carlo under method="auto", and why
    monte_carlo_units: dict[str, str] = field(default_factory=dict)
    bootstrap: BootstrapResult | None = None

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
                "method": u.method,
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
                    "method": u.method,
                }
                for u in self.units
            ],
            "thin_units": self.thin_units.to_dict(orient="records"),
            "portfolio": {
                "var": self.portfolio_var,
                "es": self.portfolio_es,
                "sum_standalone_var": self.sum_standalone_var,
                "diversification_benefit": self.diversification_benefit,
                "var_se": self.portfolio_var_se,
            },
            "monte_carlo_units": self.monte_carlo_units,
            "bootstrap": None if self.bootstrap is None else self.bootstrap.to_dict(),
            "workers": {"where": self.where, "n_workers": self.n_workers},
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


def _fit_unit(args: tuple[Any, ...]) -> tuple[Any, ...]:
    """Compare the families on one unit's losses, fit the best and the frequency (one task)."""
    from oprisk.capital.lda import compare_severities, fit_frequency, fit_severity

    x, dates, families, threshold, start, end = args
    table = compare_severities(x, families, threshold=threshold)
    ok = table[table["error"].isna()] if "error" in table else table
    if ok.empty:
        return table, None, None, None
    family = str(ok.iloc[0]["family"]) if "family" in ok else str(ok.index[0])
    sev = fit_severity(x, family, threshold=threshold)  # type: ignore[arg-type]
    freq = fit_frequency(list(pd.to_datetime(dates).date), start=start, end=end)
    return table, family, sev, freq


def lda(
    queries: Queries,
    year: int,
    *,
    as_of: AsOf = None,
    uom: UoM = "et",
    threshold: float = float(DEFAULT_THRESHOLD),
    confidence_level: float = 0.999,
    method: Literal["auto", "mc", "fft", "panjer"] = "auto",
    n_simulations: int = 200_000,
    random_state: int = 2026,
    years: int = 10,
    min_losses: int = 30,
    families: tuple[str, ...] = DEFAULT_FAMILIES,
    copula: Literal["independence", "comonotonic", "gaussian", "t"] = "gaussian",
    correlation: float | np.ndarray = 0.2,
    n_workers: int | None = None,
    scheduler: Any = None,
    bootstrap: int = 0,
    bootstrap_simulations: int = 100_000,
    progress: ProgressOption = False,
) -> LdaRun:
    """Fit and aggregate every unit of measure with enough data; list the thin ones with a pooling hint.

    Each unit's distribution is computed once (:func:`oprisk.capital.lda.portfolio.aggregate_portfolio`):
    by FFT (``method="auto"``/``"fft"``) or Panjer where the grid's error estimates allow, by Monte
    Carlo elsewhere or for every unit with ``method="mc"``. The fits and the aggregation run on
    ``n_workers`` local processes (default: every core) or on the Dask cluster at ``scheduler``;
    the figures do not depend on either. ``bootstrap=B`` adds a 95 % interval for the portfolio
    VaR from B refits on resampled losses (each with ``bootstrap_simulations`` years).
    ``progress``: a step per stage (reading, fitting, aggregating, bootstrap) with the elapsed
    time (:mod:`oprisk.progress`; silent by default).
    """
    from oprisk.capital.lda.bootstrap import UnitData, bootstrap_portfolio
    from oprisk.capital.lda.parallel import Runner
    from oprisk.capital.lda.portfolio import aggregate_portfolio

    bar = progress_of(progress, desc="lda", unit="stages")
    bar.grow(3 + bool(bootstrap))
    with bar if bar is not progress else nullcontext():  # a caller's reporter stays open
        if uom not in UOM_COLUMNS:
            raise InsufficientDataError(
                invalid("uom", uom, "must be one of " + ", ".join(UOM_COLUMNS))
            )
        if isinstance(bootstrap, bool) or not isinstance(bootstrap, int) or bootstrap < 0:
            raise InsufficientDataError(invalid("bootstrap", bootstrap, "must be an integer ≥ 0"))
        bar.set_description("lda: reading the losses")
        position, when = queries.cutoff(as_of)
        data, dropped = loss_data(queries, year, as_of=position, years=years)
        data = data[data.gross_loss >= threshold]
        bar.update()
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
        groups = [
            (str(unit), g.gross_loss.to_numpy(float), g.first_accounted_on.to_numpy())
            for unit, g in data[data.unit.isin(counts[counts >= min_losses].index)].groupby("unit")
        ]
        with Runner(n_workers, scheduler) as runner:
            bar.set_description(f"lda: fitting {len(groups)} units")
            fits = runner.map(
                _fit_unit, [(x, d, tuple(families), threshold, start, end) for _, x, d in groups]
            )
            models: dict[str, tuple[Any, Any]] = {}
            chosen: dict[str, tuple[int, str, pd.DataFrame]] = {}
            for (unit, x, _), (table, family, sev, freq) in zip(groups, fits, strict=True):
                if family is not None:
                    models[unit] = (freq, sev)
                    chosen[unit] = (len(x), family, table)
            if not models:
                raise InsufficientDataError(
                    f"no unit of measure has {min_losses} losses above {threshold:,.0f} in "
                    f"{start.year}–{year}: try uom='et' or a lower min_losses"
                )
            n = len(models)
            corr = (
                correlation
                if isinstance(correlation, np.ndarray)
                else np.full((n, n), float(correlation)) + np.eye(n) * (1 - float(correlation))
            )
            dependence = dict(
                copula=copula,
                correlation=corr if copula in ("gaussian", "t") else None,
                df=4 if copula == "t" else None,
            )
            bar.update()
            bar.set_description(f"lda: aggregating {n} units, {n_simulations:,} years")
            port = aggregate_portfolio(
                models,
                confidence_levels=(confidence_level,),
                n_simulations=n_simulations,
                random_state=random_state,
                method=method,
                runner=runner,
                **dependence,  # type: ignore[arg-type]
            )
            bar.update()
            boot = None
            if bootstrap:
                bar.set_description(f"lda: bootstrap, {bootstrap} refits")
                unit_data = {
                    u: UnitData(
                        next(x for name, x, _ in groups if name == u),
                        chosen[u][1],
                        chosen[u][0] / float(models[u][0].mean),
                        float(threshold),
                    )
                    for u in models
                }
                boot = bootstrap_portfolio(
                    unit_data,
                    n_replicates=bootstrap,
                    confidence_level=confidence_level,
                    n_simulations=bootstrap_simulations,
                    random_state=random_state,
                    method=method,
                    runner=runner,
                    **dependence,  # type: ignore[arg-type]
                )
                bar.update()
            where, workers = runner.where, runner.n_workers
        a = confidence_level
        fitted = []
        rows = port.standalone.set_index("unit")
        for unit in port.units:
            freq, sev = models[unit]
            rec = rows.loc[unit]
            fitted.append(
                UnitFit(
                    unit,
                    chosen[unit][0],
                    chosen[unit][1],
                    {k: float(v) for k, v in sev.params.items()},
                    float(freq.mean),
                    float(rec["expected_loss"]),
                    float(rec[f"var_{a}"]),
                    float(rec[f"es_{a}"]),
                    float(rec[f"var_se_{a}"]),
                    chosen[unit][2],
                    str(rec["method"]),
                )
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
            float(port.var[a]),
            float(port.es[a]),
            float(port.sum_standalone_var[a]),
            float(port.diversification_benefit[a]),
            dropped,
            notes,
            float(port.var_se[a]),
            where,
            workers,
            dict(port.details["monte_carlo_units"]),
            boot,
        )
