"""The result of one aggregation: the annual loss distribution of a unit and its risk measures."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from oprisk.errors import CapitalError, invalid

from ._checks import levels
from .frequency import FrequencyFit
from .measures import lattice_cdf, lattice_es, lattice_var, sample_es, sample_var


@dataclass(frozen=True, eq=False)
class AggregateResult:
    """The annual aggregate loss distribution of one unit and its risk measures.

    Attributes
    ----------
    method
        ``"mc"``, ``"fft"``, ``"panjer"`` or ``"sla"``.
    expected_loss
        E[S] estimated by the method: the sample mean (MC); E[N]·E[X_d] of the discretised
        severity including the tail beyond the grid (FFT, Panjer); λ·E[X] (SLA). ``inf`` when the
        severity mean is infinite (with a ``ConvergenceWarning``).
    analytic_mean
        E[N]·E[X] from the severity's own mean (inf if it is infinite).
    confidence_levels, var, es
        VaR and ES at each requested level (``var[0.999]``); any other level via
        :meth:`value_at_risk` / :meth:`expected_shortfall`.
    var_se, es_se
        Monte Carlo standard errors; for FFT/Panjer the grid error estimates (|x(h) − x(2h)|);
        NaN where not available (MC ES with an infinite-variance severity).
    random_state
        The seed (entropy of the root ``SeedSequence``) that reproduces a Monte Carlo run.
    sample
        Sorted simulated annual losses (MC), or ``None``.
    grid_step, pmf
        Grid step h and probabilities of S = k·h (FFT / Panjer), or ``None``.
    details
        Method-specific intermediates (SLA terms, grid size, mass and mean beyond the grid,
        chunking …).
    expected_loss_se
        Standard error of the MC mean; for FFT/Panjer the mean's error estimate (see
        :mod:`oprisk.capital.lda.grid`); NaN where not available.
    """

    method: str
    expected_loss: float
    analytic_mean: float
    confidence_levels: tuple[float, ...]
    var: dict[float, float]
    es: dict[float, float]
    var_se: dict[float, float]
    es_se: dict[float, float]
    frequency: FrequencyFit
    severity: str
    random_state: int | None = None
    n_simulations: int | None = None
    sample: np.ndarray | None = field(default=None, repr=False)
    grid_step: float | None = None
    pmf: np.ndarray | None = field(default=None, repr=False)
    details: dict[str, Any] = field(default_factory=dict)
    expected_loss_se: float = math.nan

    def value_at_risk(self, level: float) -> float:
        a = levels(level, "level")[0]
        if self.sample is not None:
            return sample_var(self.sample, a)
        if self.pmf is not None and self.grid_step is not None:
            return lattice_var(self.pmf, self.grid_step, a)
        if a in self.var:
            return self.var[a]
        raise CapitalError(invalid("level", level, f"not computed by method {self.method!r}"))

    def expected_shortfall(self, level: float) -> float:
        a = levels(level, "level")[0]
        if self.details.get("infinite_mean"):
            return math.inf
        if self.sample is not None:
            return sample_es(self.sample, a)
        if self.pmf is not None and self.grid_step is not None:
            return lattice_es(self.pmf, self.grid_step, a, self.expected_loss)
        return self.es.get(a, math.nan)

    def unexpected_loss(self, level: float = 0.999) -> float:
        """VaR − EL (capital where EL is covered by provisions, CRR Art 322(2)(a))."""
        return self.value_at_risk(level) - self.expected_loss

    def cdf(self, x: Any) -> Any:
        x = np.asarray(x, dtype=float)
        if self.sample is not None:
            return np.searchsorted(self.sample, x, side="right") / self.sample.size
        if self.pmf is not None and self.grid_step is not None:
            return lattice_cdf(self.pmf, self.grid_step, x)
        raise CapitalError(invalid("method", self.method, "has no distribution to evaluate"))

    def summary(self) -> pd.DataFrame:
        rows = [
            {
                "method": self.method,
                "confidence_level": a,
                "expected_loss": self.expected_loss,
                "expected_loss_se": self.expected_loss_se,
                "var": self.var[a],
                "var_se": self.var_se[a],
                "es": self.es[a],
                "es_se": self.es_se[a],
                "unexpected_loss": self.var[a] - self.expected_loss,
            }
            for a in self.confidence_levels
        ]
        return pd.DataFrame(rows)

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "expected_loss": self.expected_loss,
            "expected_loss_se": self.expected_loss_se,
            "analytic_mean": self.analytic_mean,
            "confidence_levels": list(self.confidence_levels),
            "var": {str(k): v for k, v in self.var.items()},
            "es": {str(k): v for k, v in self.es.items()},
            "var_se": {str(k): v for k, v in self.var_se.items()},
            "es_se": {str(k): v for k, v in self.es_se.items()},
            "frequency": {k: v for k, v in self.frequency.to_dict().items() if k != "periods"},
            "severity": self.severity,
            "random_state": self.random_state,
            "n_simulations": self.n_simulations,
            "grid_step": self.grid_step,
            "details": dict(self.details),
        }
