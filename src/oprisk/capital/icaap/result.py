"""The result of an ICAAP run: the attribution table, the figures per unit, the unit models."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd


@dataclass(frozen=True, eq=False)
class IcaapResult:
    """VaR and ES in total and per unit, stage by stage (``summary()``; ``units_table()``)."""

    confidence: float
    dependence: str
    correlation: float | None
    n_simulations: int
    random_state: int
    currency: str
    stress: Any
    beicf_on: str
    beicf_bounds: tuple[float, float]
    family: str
    total: pd.DataFrame = field(repr=False)
    units: pd.DataFrame = field(repr=False)
    models: tuple[Any, ...] = field(repr=False)
    notes: tuple[str, ...] = field(default=(), repr=False)
    cutoff_position: int | None = None
    cutoff_time: datetime | None = None
    inputs: dict[str, Any] = field(default_factory=dict, repr=False)

    def __repr__(self) -> str:
        t = self.total.set_index("stage")
        last = "beicf" if "beicf" in t.index else t.index[-1]
        where = (
            "" if self.cutoff_position is None else f" as known at position {self.cutoff_position}"
        )
        return (
            f"<IcaapResult {len(self.models)} units, {self.dependence}, {self.n_simulations:,} years{where}: "
            f"VaR {self.confidence:.1%} ILD {t.at['ild', 'var']:,.0f} → with all elements "
            f"{t.at[last, 'var']:,.0f} {self.currency}; summary() per stage>"
        )

    def summary(self) -> pd.DataFrame:
        """The attribution table: one row per stage, VaR, ES, their change from the stage before."""
        cols = ["stage", "label", "var", "var_change", "es", "es_change", "expected_loss", "units"]
        return self.total[cols].copy()

    def units_table(self, measure: str = "var") -> pd.DataFrame:
        """One row per unit, one column per stage (VaR by default; ``"es"``, ``"expected_loss"``)."""
        wide = self.units.pivot(index="unit", columns="stage", values=measure)
        return wide[[s for s in self.total.stage if s in wide.columns]].fillna(0.0)

    def to_dict(self) -> dict[str, Any]:
        def clean(df: pd.DataFrame) -> list[dict[str, Any]]:
            return [
                {
                    k: (None if isinstance(v, float) and not np.isfinite(v) else v)
                    for k, v in r.items()
                }
                for r in df.to_dict(orient="records")
            ]

        return {
            "cutoff": {
                "position": self.cutoff_position,
                "time": self.cutoff_time.isoformat() if self.cutoff_time else None,
            },
            "confidence": self.confidence,
            "dependence": self.dependence,
            "correlation": self.correlation,
            "n_simulations": self.n_simulations,
            "random_state": self.random_state,
            "currency": self.currency,
            "stress": None
            if self.stress is None
            else {"frequency": self.stress.frequency, "severity": self.stress.severity},
            "beicf": {"on": self.beicf_on, "bounds": list(self.beicf_bounds)},
            "family": self.family,
            "attribution": clean(self.summary()),
            "units": clean(self.units),
            "inputs": self.inputs,
            "notes": list(self.notes),
        }

    def _repr_html_(self) -> str:
        head = f"<p>ICAAP {self.confidence:.1%} VaR / ES, {self.dependence}, {self.n_simulations:,} years, seed {self.random_state} ({self.currency})</p>"
        return head + self.summary().to_html(index=False, float_format=lambda v: f"{v:,.0f}")
