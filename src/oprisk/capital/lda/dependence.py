"""Several units of measure together: independence, comonotonic sum, Gaussian and Student-t copulas.

Each unit's annual losses are simulated by Monte Carlo (its own child of the root
``SeedSequence``); the units are then coupled by *reordering* their simulated years so that the
ranks follow a copula sample (Iman & Conover 1982; the empirical-marginal form of a copula):

- ``"independence"``: years as simulated (independent streams);
- ``"comonotonic"``: every unit sorted, so the worst years coincide — the portfolio VaR is the
  sum of standalone VaRs, the regulatory default without validated dependence [Basel II §669(d)];
- ``"gaussian"`` / ``"t"``: unit j's sorted losses placed on the ranks of column j of
  Z = G·Lᵀ (G iid normals, LLᵀ = R), divided by √(W/ν) for the t copula.

All random streams are chunked with fixed seeds, so the result is bit-identical for any
``n_workers``. The diversification benefit is Σ standalone VaR − portfolio VaR; it can be
*negative*: for very heavy tails (GPD ξ ≥ 1) VaR is not subadditive and the independent sum has
a larger VaR than the comonotonic one.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal, TypedDict

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from oprisk.errors import CapitalError, ConvergenceWarning, CorrelationMatrixError, invalid

from ._checks import levels, positive_int
from .frequency import FrequencyFit
from .measures import sample_es, sample_es_se, sample_var, sample_var_se
from .montecarlo import simulate_annual_losses
from .resolve import INFINITE_MEAN, resolve_severity

Copula = Literal["independence", "comonotonic", "gaussian", "t"]

#: Rows of copula normals per chunk (fixed, so the stream does not depend on the workers).
COPULA_CHUNK = 1 << 15


@dataclass(frozen=True)
class Unit:
    """One unit of measure: a name, its frequency and its severity."""

    name: str
    frequency: FrequencyFit
    severity: Any


def validate_correlation(correlation: Any, n_units: int, *, tol: float = 1e-8) -> np.ndarray:
    """Return the matrix as float64 or raise :class:`CorrelationMatrixError` naming the broken rule."""
    try:
        r = np.array(correlation, dtype=np.float64)
    except (TypeError, ValueError):
        raise CorrelationMatrixError(
            invalid("correlation", correlation, "must be a numeric matrix")
        ) from None
    if r.shape != (n_units, n_units):
        raise CorrelationMatrixError(
            invalid(
                "correlation",
                f"shape {r.shape}",
                f"must be {n_units} × {n_units} (one row per unit)",
            )
        )
    if not np.all(np.isfinite(r)):
        raise CorrelationMatrixError(invalid("correlation", "NaN/inf entries", "must be finite"))
    if not np.allclose(r, r.T, atol=tol, rtol=0):
        i, j = np.unravel_index(np.argmax(np.abs(r - r.T)), r.shape)
        raise CorrelationMatrixError(
            invalid(
                "correlation",
                f"[{i},{j}]={r[i, j]:g} vs [{j},{i}]={r[j, i]:g}",
                "must be symmetric",
            )
        )
    if not np.allclose(np.diag(r), 1.0, atol=tol, rtol=0):
        k = int(np.argmax(np.abs(np.diag(r) - 1)))
        raise CorrelationMatrixError(
            invalid("correlation", f"[{k},{k}]={r[k, k]:g}", "diagonal must be 1")
        )
    if np.any(np.abs(r) > 1 + tol):
        raise CorrelationMatrixError(
            invalid("correlation", float(np.max(np.abs(r))), "entries must be in [-1, 1]")
        )
    w = np.linalg.eigvalsh(r)
    if w[0] < -1e-10 * max(1.0, n_units):
        raise CorrelationMatrixError(
            invalid(
                "correlation",
                f"smallest eigenvalue {w[0]:.4g}",
                "must be positive semi-definite (repair it, e.g. by Higham's nearest correlation matrix)",
            )
        )
    return (r + r.T) / 2


def check_dependence(
    copula: Any, correlation: Any, df: Any, n_units: int
) -> tuple[np.ndarray | None, float | None]:
    """The validated correlation matrix and t degrees of freedom a copula uses (None where unused)."""
    if copula not in ("independence", "comonotonic", "gaussian", "t"):
        raise CapitalError(
            invalid("copula", copula, "must be one of independence, comonotonic, gaussian, t")
        )
    if copula not in ("gaussian", "t"):
        return None, None
    if correlation is None:
        raise CorrelationMatrixError(
            invalid("correlation", None, f"is required for the {copula} copula")
        )
    corr = validate_correlation(correlation, n_units)
    if copula == "t":
        if df is None or not (isinstance(df, int | float) and math.isfinite(df) and df > 0):
            raise CapitalError(invalid("df", df, "must be a positive number for the t copula"))
        return corr, df
    return corr, None


def _factor(r: np.ndarray) -> np.ndarray:
    """L with L·Lᵀ = R (Cholesky, or eigen-factor for a singular PSD matrix)."""
    try:
        return np.linalg.cholesky(r)
    except np.linalg.LinAlgError:
        w, v = np.linalg.eigh(r)
        return v * np.sqrt(np.clip(w, 0.0, None))


def _copula_scores(
    n: int, factor: np.ndarray, df: float | None, seed: np.random.SeedSequence, workers: int
) -> np.ndarray:
    """d × n array whose row j ranks unit j's years (monotone in the copula uniform U_j)."""
    d = factor.shape[0]
    n_chunks = -(-n // COPULA_CHUNK)
    seeds = seed.spawn(n_chunks)
    out = np.empty((d, n))

    def work(w: int) -> None:
        for i in range(w, n_chunks, workers):
            lo, hi = i * COPULA_CHUNK, min(n, (i + 1) * COPULA_CHUNK)
            rng = np.random.default_rng(seeds[i])
            g = rng.standard_normal((hi - lo, d))
            z = g @ factor.T
            if df is not None:
                z /= np.sqrt(rng.chisquare(df, hi - lo) / df)[:, None]
            out[:, lo:hi] = z.T

    with threadpool_limits(1):  # a fixed BLAS thread count keeps the matmul bit-reproducible
        if workers == 1:
            work(0)
        else:
            with ThreadPoolExecutor(workers) as pool:
                list(pool.map(work, range(workers)))
    return out


@dataclass(frozen=True, eq=False)
class PortfolioResult:
    """Aggregate loss of several units under one dependence assumption.

    Attributes
    ----------
    copula, correlation, df
        The dependence structure used.
    standalone
        Per unit: expected loss, VaR and ES at each level, VaR standard error.
    expected_loss, var, es, var_se, es_se
        Portfolio figures per confidence level.
    sum_standalone_var
        Σ of the units' standalone VaR per level (= the comonotonic VaR).
    diversification_benefit
        Σ standalone VaR − portfolio VaR per level (negative: VaR was superadditive).
    sample
        Sorted simulated portfolio annual losses.
    """

    copula: str
    units: tuple[str, ...]
    confidence_levels: tuple[float, ...]
    standalone: pd.DataFrame
    expected_loss: float
    var: dict[float, float]
    es: dict[float, float]
    var_se: dict[float, float]
    es_se: dict[float, float]
    sum_standalone_var: dict[float, float]
    diversification_benefit: dict[float, float]
    random_state: int | None
    n_simulations: int
    correlation: np.ndarray | None = field(default=None, repr=False)
    df: float | None = None
    sample: np.ndarray | None = field(default=None, repr=False)
    #: per unit, how its distribution was computed ("mc", "fft", "panjer"); None: all by MC
    methods: dict[str, str] | None = None
    #: run intermediates: why a unit needed MC, grid error bounds, workers (see .portfolio)
    details: dict[str, Any] = field(default_factory=dict)

    def value_at_risk(self, level: float) -> float:
        if self.sample is None:
            return self.var[level]
        return sample_var(self.sample, levels(level, "level")[0])

    def summary(self) -> pd.DataFrame:
        """Per-unit standalone rows, then the sum of standalone and the portfolio rows."""
        total: dict[str, Any] = {
            "unit": "sum of standalone",
            "expected_loss": self.standalone["expected_loss"].sum(),
        }
        port: dict[str, Any] = {
            "unit": f"portfolio ({self.copula})",
            "expected_loss": self.expected_loss,
        }
        bench: dict[str, Any] = {"unit": "diversification benefit", "expected_loss": math.nan}
        for a in self.confidence_levels:
            total[f"var_{a}"] = self.sum_standalone_var[a]
            total[f"es_{a}"] = self.standalone[f"es_{a}"].sum()
            port[f"var_{a}"], port[f"es_{a}"] = self.var[a], self.es[a]
            port[f"var_se_{a}"] = self.var_se[a]
            bench[f"var_{a}"] = self.diversification_benefit[a]
        return pd.concat([self.standalone, pd.DataFrame([total, port, bench])], ignore_index=True)

    def to_dict(self) -> dict[str, Any]:
        return {
            "copula": self.copula,
            "units": list(self.units),
            "confidence_levels": list(self.confidence_levels),
            "standalone": self.standalone.to_dict("records"),
            "expected_loss": self.expected_loss,
            "var": {str(k): v for k, v in self.var.items()},
            "es": {str(k): v for k, v in self.es.items()},
            "var_se": {str(k): v for k, v in self.var_se.items()},
            "sum_standalone_var": {str(k): v for k, v in self.sum_standalone_var.items()},
            "diversification_benefit": {str(k): v for k, v in self.diversification_benefit.items()},
            "random_state": self.random_state,
            "n_simulations": self.n_simulations,
            "correlation": None if self.correlation is None else self.correlation.tolist(),
            "df": self.df,
        }


def _as_units(units: Any) -> list[Unit]:
    if isinstance(units, Mapping):
        out = [Unit(str(k), *v) if not isinstance(v, Unit) else v for k, v in units.items()]
    else:
        out = [u if isinstance(u, Unit) else Unit(*u) for u in units]
    if not out:
        raise CapitalError(invalid("units", units, "must contain at least one unit"))
    names = [u.name for u in out]
    if len(set(names)) != len(names):
        raise CapitalError(invalid("units", names, "unit names must be unique"))
    return out


def aggregate_units(
    units: Mapping[str, tuple[FrequencyFit, Any]] | Sequence[Unit | tuple[str, FrequencyFit, Any]],
    *,
    copula: Copula = "independence",
    correlation: Any = None,
    df: float | None = None,
    confidence_levels: float | Iterable[float] = (0.99, 0.999),
    n_simulations: int = 1_000_000,
    random_state: int | None = None,
    n_workers: int = 1,
) -> PortfolioResult:
    """Portfolio annual loss of several units under a dependence assumption (Monte Carlo).

    Parameters
    ----------
    units
        ``{name: (frequency, severity)}`` or a sequence of :class:`Unit` / ``(name, frequency,
        severity)``.
    copula
        ``"independence"``, ``"comonotonic"``, ``"gaussian"`` or ``"t"``.
    correlation, df
        Correlation matrix (Gaussian and t; unit order) and degrees of freedom (t).
    n_simulations, random_state, n_workers
        Years, seed and threads; results are identical for any ``n_workers``.

    Raises
    ------
    CorrelationMatrixError
        Correlation not square, symmetric, unit-diagonal, in [−1, 1] and PSD.
    """
    us = _as_units(units)
    conf = levels(confidence_levels)
    n = positive_int(n_simulations, "n_simulations")
    workers = positive_int(n_workers, "n_workers")
    corr, df = check_dependence(copula, correlation, df, len(us))
    sevs = [resolve_severity(u.severity, u.frequency) for u in us]
    root = np.random.SeedSequence(random_state)
    seeds = root.spawn(len(us) + 1)
    scores = _copula_scores(n, _factor(corr), df, seeds[-1], workers) if corr is not None else None

    heavy = [u.name for u, sv in zip(us, sevs, strict=True) if sv.mean == math.inf]
    if heavy:
        warnings.warn(
            f"units {', '.join(heavy)}: {INFINITE_MEAN}",
            ConvergenceWarning,
            stacklevel=2,
        )

    def unit_work(j: int) -> tuple[np.ndarray, dict[str, Any]]:
        s = simulate_annual_losses(us[j].frequency, sevs[j], n, random_state=seeds[j], n_workers=1)
        stats, coupled = sampled_unit(s, sevs[j].mean < math.inf, conf, copula, scores, j)
        return coupled, {"unit": us[j].name, **stats}

    total = np.zeros(n)
    rows: list[dict[str, Any]] = []
    batch = max(1, workers)
    with ThreadPoolExecutor(workers) as pool:
        for b0 in range(0, len(us), batch):
            for coupled, row in pool.map(unit_work, range(b0, min(len(us), b0 + batch))):
                total += coupled  # fixed unit order: the sum is bit-reproducible
                rows.append(row)
    total.sort()
    standalone = pd.DataFrame(rows)
    return PortfolioResult(
        copula=copula,
        units=tuple(u.name for u in us),
        confidence_levels=conf,
        standalone=standalone,
        expected_loss=math.inf if heavy else float(total.mean()),
        **sample_figures(total, standalone, conf, bool(heavy)),
        random_state=root.entropy if isinstance(root.entropy, int) else None,
        n_simulations=n,
        correlation=corr,
        df=df,
        sample=total,
    )


class SampleFigures(TypedDict):
    """The :class:`PortfolioResult` fields read off a portfolio's simulated annual totals."""

    var: dict[float, float]
    es: dict[float, float]
    var_se: dict[float, float]
    es_se: dict[float, float]
    sum_standalone_var: dict[float, float]
    diversification_benefit: dict[float, float]


def sample_figures(
    total: np.ndarray, standalone: pd.DataFrame, conf: tuple[float, ...], heavy: bool
) -> SampleFigures:
    """A portfolio's VaR, ES, their standard errors and the diversification benefit from its
    sorted annual totals and its units' stand-alone VaRs (``var_{a}`` columns); ES is infinite
    and its SE undefined when a unit has an infinite mean (``heavy``)."""
    sum_var = {a: float(standalone[f"var_{a}"].sum()) for a in conf}
    var = {a: sample_var(total, a) for a in conf}
    return SampleFigures(
        var=var,
        es={a: math.inf if heavy else sample_es(total, a) for a in conf},
        var_se={a: sample_var_se(total, a) for a in conf},
        es_se={a: math.nan if heavy else sample_es_se(total, a) for a in conf},
        sum_standalone_var=sum_var,
        diversification_benefit={a: sum_var[a] - var[a] for a in conf},
    )


def sampled_unit(
    s: np.ndarray,
    finite: bool,
    conf: Sequence[float],
    copula: str,
    scores: np.ndarray | Mapping[int, np.ndarray] | None,
    j: int,
) -> tuple[dict[str, float], np.ndarray]:
    """One simulated unit's stand-alone figures (expected loss, VaR, ES, VaR SE per level) and its
    years in the copula's order (as drawn, sorted, or ranked by the unit's scores ``scores[j]``)."""
    srt = np.sort(s)
    row = {"expected_loss": float(srt.mean()) if finite else math.inf}
    for a in conf:
        row[f"var_{a}"] = sample_var(srt, a)
        row[f"es_{a}"] = sample_es(srt, a) if finite else math.inf
        row[f"var_se_{a}"] = sample_var_se(srt, a)
    if copula == "independence":
        return row, s
    if copula == "comonotonic":
        return row, srt
    assert scores is not None
    coupled = np.empty(len(s))
    coupled[np.argsort(scores[j], kind="stable")] = srt
    return row, coupled
