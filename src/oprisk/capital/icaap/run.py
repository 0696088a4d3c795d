"""The ICAAP attribution: the same portfolio simulation at each stage of the data elements.

Every stage is aggregated with :func:`oprisk.capital.lda.aggregate_units` (Monte Carlo, one
stream per unit, the units coupled by the chosen copula) with the *same* seed, so the steps of the
attribution are not blurred by simulation noise more than they must be (common random numbers;
a unit's stream is its position among the units that have losses at that stage).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from oprisk.capital.lda import aggregate_units
from oprisk.capital.lda.portfolio import aggregate_portfolio
from oprisk.errors import CapitalError, InsufficientDataError, invalid

from .adjust import Stress
from .model import STAGE_LABELS, STAGES, UnitData, UnitModel, build_unit, equicorrelation
from .result import IcaapResult

Dependence = Literal["independence", "comonotonic", "gaussian", "t"]


def _corr(names: list[str], all_names: list[str], correlation: Any) -> np.ndarray:
    if isinstance(correlation, int | float) and not isinstance(correlation, bool):
        return equicorrelation(len(names), float(correlation))
    full = np.asarray(correlation, dtype=float)
    if full.shape != (len(all_names), len(all_names)):
        raise CapitalError(
            invalid(
                "correlation",
                full.shape,
                f"must be {len(all_names)}×{len(all_names)} (one row per unit)",
            )
        )
    idx = [all_names.index(n) for n in names]
    return full[np.ix_(idx, idx)]


def icaap_run(
    units: Sequence[UnitData],
    *,
    confidence: float = 0.999,
    dependence: Dependence = "gaussian",
    correlation: float | np.ndarray = 0.2,
    df: float = 4.0,
    n_simulations: int = 1_000_000,
    random_state: int = 2026,
    stress: Stress | None = None,
    family: str = "lognormal",
    min_losses: int = 10,
    beicf_on: Literal["severity", "frequency"] = "severity",
    beicf_bounds: tuple[float, float] = (0.8, 1.2),
    currency: str = "",
    n_workers: int = 1,
    tail_quantile: float = 0.9,
    scenario_severity: Literal["splice", "credibility"] = "splice",
    scenario_mu_sd: float = 0.5,
    engine: Literal["mc", "portfolio"] = "mc",
) -> IcaapResult:
    """VaR and ES per unit and in total for ILD → + external → + scenarios → + BEICF (→ stressed)."""
    if not (isinstance(confidence, float) and 0 < confidence < 1):
        raise CapitalError(invalid("confidence", confidence, "must be in (0, 1)"))
    if not units:
        raise InsufficientDataError(invalid("units", [], "need at least one unit of measure"))
    models = [
        build_unit(
            u,
            family=family,
            min_losses=min_losses,
            beicf_on=beicf_on,
            stress=stress,
            tail_quantile=tail_quantile,
            scenario_severity=scenario_severity,
            scenario_mu_sd=scenario_mu_sd,
        )
        for u in units
    ]
    stages = (*STAGES, "stress") if stress is not None else STAGES
    all_names = [m.name for m in models]
    totals, per_unit = [], []
    for stage in stages:
        present = [(m.name, m.stages[stage]) for m in models if m.stages.get(stage) is not None]
        if not present:
            totals.append({"stage": stage, "var": 0.0, "es": 0.0, "expected_loss": 0.0, "units": 0})
            continue
        names = [n for n, _ in present]
        common: dict[str, Any] = dict(
            copula=dependence,
            correlation=_corr(names, all_names, correlation)
            if dependence in ("gaussian", "t")
            else None,
            df=df if dependence == "t" else None,
            confidence_levels=(confidence,),
            n_simulations=n_simulations,
            random_state=random_state,
            n_workers=n_workers,
        )
        models_now = dict(present)
        if engine == "mc":
            port = aggregate_units(models_now, **common)  # type: ignore[arg-type]
        else:  # each unit once: its lattice distribution where accurate, else Monte Carlo
            port = aggregate_portfolio(models_now, method="auto", **common)  # type: ignore[arg-type]
        totals.append({
            "stage": stage,
            "var": float(port.var[confidence]),
            "es": float(port.es[confidence]),
            "expected_loss": float(port.expected_loss),
            "var_se": float(port.var_se[confidence]),
            "sum_standalone_var": float(port.sum_standalone_var[confidence]),
            "units": len(names),
        })  # fmt: skip
        sa = port.standalone.set_index("unit")
        for n in names:
            per_unit.append({
                "unit": n, "stage": stage,
                "frequency": float(dict(present)[n][0].mean),  # type: ignore[index]
                "expected_loss": float(sa.at[n, "expected_loss"]),
                "var": float(sa.at[n, f"var_{confidence}"]),
                "es": float(sa.at[n, f"es_{confidence}"]),
            })  # fmt: skip
    total = pd.DataFrame(totals)
    total.insert(1, "label", [STAGE_LABELS[s] for s in total.stage])
    total["var_change"] = total["var"].diff().fillna(total["var"])
    total["es_change"] = total["es"].diff().fillna(total["es"])
    return IcaapResult(
        confidence=confidence,
        dependence=dependence,
        correlation=correlation if isinstance(correlation, float | int) else None,
        n_simulations=n_simulations,
        random_state=random_state,
        currency=currency,
        stress=stress,
        beicf_on=beicf_on,
        beicf_bounds=beicf_bounds,
        family=family,
        total=total,
        units=pd.DataFrame(
            per_unit, columns=["unit", "stage", "frequency", "expected_loss", "var", "es"]
        ),
        models=tuple(models),
        notes=tuple(f"{m.name}: {n}" for m in models for n in m.notes),
    )


def unit_table(models: Sequence[UnitModel]) -> pd.DataFrame:
    """Per unit: credibility weight, posterior frequency, scenario tail weight, the BEICF inputs."""
    rows = []
    for m in models:
        c = m.credibility
        rows.append({
            "unit": m.name,
            "credibility": c.credibility if c else math.nan,
            "prior_frequency": c.prior_mean if c else math.nan,
            "posterior_frequency": c.mean if c else math.nan,
            "tail_weight": m.tail_weight if m.tail_weight is not None else math.nan,
        })  # fmt: skip
    return pd.DataFrame(rows)
