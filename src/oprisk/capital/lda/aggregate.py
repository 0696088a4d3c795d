"""The annual aggregate loss S = X_1 + … + X_N of one unit of measure, by four methods.

- ``"mc"``: Monte Carlo (:mod:`.montecarlo`), bit-identical for any ``n_workers``.
- ``"fft"``: FFT of the pgf on a grid (:mod:`.fft`), exponentially tilted against wrap-around.
- ``"panjer"``: the (a, b, 0) recursion (:mod:`.panjer`) on a coarser grid.
- ``"sla"``: the single-loss approximation (:mod:`.sla`), an asymptotic cross-check.

FFT and Panjer share the discretisation and the risk measures (:mod:`.grid`): the severity is
discretised preserving its mean, and ES and the mean include the mass beyond the grid through the
severity's tail integral, with error estimates in ``var_se``, ``es_se`` and ``expected_loss_se``.
A severity with an infinite mean (GPD ξ ≥ 1) gets ``expected_loss`` and ES = inf and a
:class:`ConvergenceWarning` from every method; VaR is still reported.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from oprisk.errors import CapitalError, ConvergenceWarning, invalid

from ._checks import levels
from .discretise import auto_grid
from .frequency import FrequencyFit
from .grid import grid_method
from .montecarlo import chunk_years, monte_carlo, simulate_annual_losses
from .resolve import INFINITE_MEAN, resolve_severity
from .result import AggregateResult
from .sla import single_loss_approximation

__all__ = [
    "AggregateResult",
    "aggregate",
    "auto_grid",
    "chunk_years",
    "compare_methods",
    "resolve_severity",
    "simulate_annual_losses",
]

Method = Literal["mc", "fft", "panjer", "sla"]
SlaCorrection = Literal["mean", "mean_minus_one", "none"]


def _infinite_mean(method: str, out: dict[str, Any], conf: tuple[float, ...]) -> None:
    """MC and SLA: a finite sample mean or λ·E[X] = inf must not pass as a figure."""
    warnings.warn(f"{method}: {INFINITE_MEAN}", ConvergenceWarning, stacklevel=3)
    details = out.setdefault("details", {})
    details["infinite_mean"] = True
    if method == "mc":
        details["sample_mean"] = out["expected_loss"]
        details["sample_es"] = dict(out["es"])
    out["expected_loss"] = math.inf
    out["expected_loss_se"] = math.nan
    out["es"] = dict.fromkeys(conf, math.inf)
    out["es_se"] = dict.fromkeys(conf, math.nan)


def aggregate(
    frequency: FrequencyFit,
    severity: Any,
    method: Method = "mc",
    *,
    confidence_levels: float | Iterable[float] = (0.99, 0.999),
    n_simulations: int = 1_000_000,
    random_state: int | np.random.SeedSequence | None = None,
    n_workers: int = 1,
    n_grid: int | None = None,
    grid_step: float | None = None,
    error_estimate: bool = True,
    sla_correction: SlaCorrection = "mean",
) -> AggregateResult:
    """Aggregate annual loss distribution of one unit of measure and its VaR / ES.

    Parameters
    ----------
    frequency
        A :class:`FrequencyFit` (``fit_frequency``, ``poisson``, ``negative_binomial``).
    severity
        A :class:`SeverityFit`, :class:`SplicedSeverity`, :class:`TruncatedDistribution` or any
        scipy frozen distribution (needs ``sf``, ``isf``, ``mean``).
    method
        ``"mc"``, ``"fft"``, ``"panjer"`` or ``"sla"``.
    confidence_levels
        Levels for VaR / ES (default 99 % and 99.9 % [CRR Art 322(2)(a)]).
    n_simulations, random_state, n_workers
        Monte Carlo years, seed (int or ``SeedSequence``) and threads; the result does not depend
        on ``n_workers``.
    n_grid, grid_step, error_estimate
        FFT / Panjer grid (default 2¹⁷ / 2¹³ points, step from :func:`auto_grid`, widened when the
        VaR lies beyond it); with ``error_estimate`` the grid is rerun at step 2h and the changes
        of VaR and ES reported in ``var_se`` and ``es_se``.
    sla_correction
        ``"mean"`` (+λ·E[X], default), ``"mean_minus_one"`` (+(λ−1)·E[X]) or ``"none"``.

    Warns
    -----
    ConvergenceWarning
        The severity mean is infinite: expected loss and ES are inf, only VaR is a figure.
    """
    if not isinstance(frequency, FrequencyFit):
        raise CapitalError(invalid("frequency", type(frequency).__name__, "must be a FrequencyFit"))
    conf = levels(confidence_levels)
    sev = resolve_severity(severity, frequency)
    if method == "mc":
        out = monte_carlo(frequency, sev, conf, n_simulations, random_state, n_workers)
    elif method in ("fft", "panjer"):
        out = grid_method(method, frequency, sev, conf, n_grid, grid_step, error_estimate)
    elif method == "sla":
        out = single_loss_approximation(frequency, sev, conf, sla_correction)
    else:
        raise CapitalError(invalid("method", method, "must be one of mc, fft, panjer, sla"))
    if sev.mean == math.inf and method in ("mc", "sla"):
        _infinite_mean(method, out, conf)
    return AggregateResult(
        method=method,
        analytic_mean=frequency.mean * sev.mean,
        confidence_levels=conf,
        frequency=frequency,
        severity=sev.label,
        **out,
    )


def compare_methods(
    frequency: FrequencyFit,
    severity: Any,
    methods: Sequence[Method] = ("mc", "fft", "panjer", "sla"),
    **kwargs: Any,
) -> pd.DataFrame:
    """One :func:`aggregate` per method, side by side (a model-risk cross-check)."""
    return pd.concat(
        [aggregate(frequency, severity, m, **kwargs).summary() for m in methods], ignore_index=True
    )
