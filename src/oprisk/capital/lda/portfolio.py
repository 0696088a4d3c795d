"""Several units, each computed the cheapest accurate way, coupled by a copula, on every core.

:func:`aggregate_portfolio` gives the same figures as :func:`.dependence.aggregate_units` (the
pure Monte Carlo path) within the methods' stated errors, but:

- each unit's distribution is computed **once** (standalone figures and the copula use the same
  one), by FFT / Panjer where the grid's own error estimates are within ``tolerance``
  (:mod:`.marginal`; the standalone VaR, ES and mean are then the lattice's, to ~1e-7) and sampled
  into the copula by inverse transform from the lattice cdf; by Monte Carlo only where the grid is
  not accurate enough (or the mean is infinite), or for every unit with ``method="mc"``;
- the copula uses each lattice unit's exact quantile function at the copula's uniform
  (Φ(Z_j), or t_ν for the t copula; evenly spaced levels i/(n − 1) shared by every unit for the
  comonotonic coupling, so Σ_j Q_j(u) is exact year by year, without sampling noise; the unit's
  own uniforms for independence); a
  Monte Carlo unit is placed on the ranks of Z_j as in
  :func:`.dependence.aggregate_units` (Iman–Conover);
- the work runs as tasks on local processes (default: every core) or a Dask cluster
  (:mod:`.parallel`). Seeds come from ``SeedSequence(random_state).spawn``: unit j uses child j and
  the copula the last child, exactly as in ``aggregate_units``; a Monte Carlo unit's chunk i uses
  child i of its seed whichever task runs it. Results are bit-identical for any number of workers,
  and with ``method="mc"`` bit-identical to ``aggregate_units``' VaR and ES.

The portfolio expected loss is Σ E[S_j] of the units (exact for lattice units, the sample mean
for MC ones): it does not depend on the copula.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any, Literal

import numpy as np
import pandas as pd

from oprisk.errors import CapitalError, ConvergenceWarning, invalid

from ._checks import levels, positive_int
from .blocks import block_bounds, block_task
from .dependence import (
    COPULA_CHUNK,
    Copula,
    PortfolioResult,
    Unit,
    _as_units,
    _copula_scores,
    _factor,
    check_dependence,
    sample_figures,
    sampled_unit,
)
from .frequency import FrequencyFit
from .grid import DEFAULT_POINTS
from .marginal import GRID_TOLERANCE, GridMarginal, grid_marginal
from .montecarlo import chunk_years, simulate_chunk
from .parallel import Runner, default_workers
from .resolve import INFINITE_MEAN, resolve_severity
from .shared import Slot, shared_cdfs

PortfolioMethod = Literal["auto", "fft", "panjer", "mc"]

#: Severity draws per Monte Carlo task (chunks are grouped up to this; fixed by the model only).
TASK_DRAWS = 1 << 25


def _grid_task(args: tuple[Any, ...]) -> GridMarginal | str:
    *model, slot = args
    return _stored(grid_marginal(*model), slot)


def _stored(g: GridMarginal | str, slot: Slot | None) -> GridMarginal | str:
    """In a grid task: the marginal with its cdf written to ``slot`` and left out of the result
    (a lattice of another size, or no slot: the marginal as it is)."""
    if slot is None or not isinstance(g, GridMarginal) or g.cdf.size != slot.points:
        return g
    rows = slot.array("r+")
    rows[slot.row] = g.cdf
    del rows
    return replace(g, cdf=np.empty(0), slot=slot)


def _sample_task(args: tuple[Any, ...]) -> np.ndarray:
    """A Monte Carlo task: chunks of one unit, each from its own seed."""
    _, frequency, severity, chunks = args
    sev = resolve_severity(severity, frequency)
    out = np.empty(sum(hi - lo for lo, hi, _ in chunks))
    buf, pos = np.empty(0), 0
    for lo, hi, seed in chunks:
        buf = simulate_chunk(frequency, sev, seed, out[pos : pos + hi - lo], buf)
        pos += hi - lo
    return out


def _mc_tasks(unit: Unit, seed: np.random.SeedSequence, n: int) -> list[tuple[Any, ...]]:
    """The unit's Monte Carlo chunks (as :func:`.montecarlo.simulate_annual_losses` cuts them)."""
    per = chunk_years(unit.frequency.mean, n)
    n_chunks = -(-n // per)
    seeds = seed.spawn(n_chunks)
    chunks = [(i * per, min(n, (i + 1) * per), seeds[i]) for i in range(n_chunks)]
    group = max(1, TASK_DRAWS // max(1, per * math.ceil(unit.frequency.mean)))
    return [
        ("mc", unit.frequency, unit.severity, chunks[i : i + group])
        for i in range(0, n_chunks, group)
    ]


def aggregate_portfolio(
    units: Mapping[str, tuple[FrequencyFit, Any]] | Sequence[Unit | tuple[str, FrequencyFit, Any]],
    *,
    copula: Copula = "independence",
    correlation: Any = None,
    df: float | None = None,
    confidence_levels: float | Iterable[float] = (0.99, 0.999),
    n_simulations: int = 1_000_000,
    random_state: int | np.random.SeedSequence | None = None,
    method: PortfolioMethod = "auto",
    tolerance: float = GRID_TOLERANCE,
    n_workers: int | None = None,
    scheduler: Any = None,
    runner: Runner | None = None,
) -> PortfolioResult:
    """Portfolio annual loss of several units: lattice units where accurate, MC elsewhere.

    Parameters
    ----------
    units, copula, correlation, df, confidence_levels, n_simulations, random_state
        As :func:`oprisk.capital.lda.aggregate_units`.
    method
        ``"auto"`` (= ``"fft"``): FFT per unit where its error estimates are within ``tolerance``,
        Monte Carlo elsewhere; ``"panjer"``: the same with the recursion; ``"mc"``: every unit by
        Monte Carlo (once).
    tolerance
        Largest relative grid error (VaR and ES, step h vs 2h) a lattice unit may have.
    n_workers, scheduler, runner
        Local processes (default: every core), or a Dask scheduler address / ``Client``, or a
        :class:`.parallel.Runner` to reuse; the figures do not depend on them.
    """
    us = _as_units(units)
    conf = levels(confidence_levels)
    n = positive_int(n_simulations, "n_simulations")
    if method not in ("auto", "fft", "panjer", "mc"):
        raise CapitalError(invalid("method", method, "must be one of auto, fft, panjer, mc"))
    if not (isinstance(tolerance, int | float) and 0 < tolerance < 1):
        raise CapitalError(invalid("tolerance", tolerance, "must be in (0, 1)"))
    corr, df = check_dependence(copula, correlation, df, len(us))
    for u in us:
        if not isinstance(u.frequency, FrequencyFit):
            raise CapitalError(
                invalid(
                    f"units[{u.name!r}].frequency",
                    type(u.frequency).__name__,
                    "must be a FrequencyFit",
                )
            )
    sevs = [resolve_severity(u.severity, u.frequency) for u in us]
    heavy = [u.name for u, sv in zip(us, sevs, strict=True) if sv.mean == math.inf]
    if heavy:
        warnings.warn(
            f"units {', '.join(heavy)}: {INFINITE_MEAN}", ConvergenceWarning, stacklevel=2
        )
    root = (
        random_state
        if isinstance(random_state, np.random.SeedSequence)
        else np.random.SeedSequence(random_state)
    )
    seeds = root.spawn(len(us) + 1)
    own = runner is None
    run = runner if runner is not None else Runner(n_workers, scheduler)
    grid = "fft" if method == "auto" else method
    # local worker processes share the lattices through a file instead of pickling them
    shared = (
        shared_cdfs(len(us), DEFAULT_POINTS[grid])
        if run.local_processes and method != "mc"
        else None
    )
    try:
        if method == "mc":
            marginals: list[GridMarginal | str] = ["method='mc'"] * len(us)
        else:
            marginals = run.map(
                _grid_task,
                [
                    (
                        u.frequency,
                        u.severity,
                        conf,
                        n,
                        grid,
                        tolerance,
                        shared.slot(j) if shared else None,
                    )
                    for j, u in enumerate(us)
                ],
            )
        lattice_ix = [j for j, g in enumerate(marginals) if isinstance(g, GridMarginal)]
        mc_ix = [j for j, g in enumerate(marginals) if not isinstance(g, GridMarginal)]
        factor = _factor(corr) if corr is not None else None
        lattice_total = np.zeros(n)
        scores: dict[int, np.ndarray] = {}
        if lattice_ix:
            bounds = block_bounds(n)
            per: list[Any]
            if factor is not None:
                chunk_seeds = seeds[-1].spawn(-(-n // COPULA_CHUNK))
                per = [
                    chunk_seeds[lo // COPULA_CHUNK : -(-hi // COPULA_CHUNK)] for lo, hi in bounds
                ]
            elif copula == "comonotonic":
                # evenly spaced levels u_i = i/(n − 1), shared by every lattice unit: the sample
                # quantile at α is then Σ_j Q_j(α) up to interpolation between adjacent levels,
                # so the total's VaR is the sum of the units' (no sampling noise); the top level
                # takes q = 1/(2n) instead of 0 (an infinite loss)
                q = 1.0 - np.arange(n) / max(n - 1, 1)
                q[-1] = 0.5 / n
                per = [q[lo:hi] for lo, hi in bounds]
            else:
                own_seeds = [seeds[j].spawn(len(bounds)) for j in lattice_ix]
                per = [[s[b] for s in own_seeds] for b in range(len(bounds))]
            lattice_units = [(j, marginals[j], us[j].frequency, us[j].severity) for j in lattice_ix]
            dealt = min(len(bounds), max(1, run.n_workers))
            groups = run.map(
                block_task,
                [
                    (
                        [(*bounds[b], per[b]) for b in range(w, len(bounds), dealt)],
                        lattice_units,
                        copula,
                        df,
                        factor,
                        mc_ix,
                    )
                    for w in range(dealt)
                ],
            )
            blocks = [groups[b % dealt][b // dealt] for b in range(len(bounds))]
            for (lo, hi), (part, _) in zip(bounds, blocks, strict=True):
                lattice_total[lo:hi] = part
            if factor is not None and mc_ix:
                stacked = np.concatenate([z for _, z in blocks if z is not None], axis=1)
                scores = {j: stacked[k] for k, j in enumerate(mc_ix)}
        elif factor is not None:
            z_all = _copula_scores(n, factor, df, seeds[-1], min(run.n_workers, default_workers()))
            scores = {j: z_all[j] for j in mc_ix}
        tasks: list[tuple[Any, ...]] = []
        owner: list[int] = []
        for j in mc_ix:
            for t in _mc_tasks(us[j], seeds[j], n):
                tasks.append(t)
                owner.append(j)
        results = run.map(_sample_task, tasks)
        where, n_workers_used = run.where, run.n_workers
    finally:
        if own:
            run.close()
        if shared is not None:
            shared.close()
    parts: list[list[np.ndarray]] = [[] for _ in us]
    for j, r in zip(owner, results, strict=True):
        parts[j].append(r)
    total = lattice_total  # the lattice units' sum (in unit order), then each MC unit in order
    rows: list[dict[str, Any]] = []
    for j, (u, g) in enumerate(zip(us, marginals, strict=True)):
        finite = sevs[j].mean < math.inf
        if isinstance(g, GridMarginal):
            row: dict[str, Any] = {
                "unit": u.name,
                "method": g.method,
                "expected_loss": g.expected_loss,
            }
            for a in conf:
                row[f"var_{a}"], row[f"es_{a}"], row[f"var_se_{a}"] = (
                    g.var[a],
                    g.es[a],
                    g.var_err[a],
                )
        else:
            s = np.concatenate(parts[j])
            stats, coupled = sampled_unit(s, finite, conf, copula, scores, j)
            row = {"unit": u.name, "method": "mc", **stats}
            total += coupled  # fixed unit order: the sum is bit-reproducible
        rows.append(row)
    total.sort()
    standalone = pd.DataFrame(rows)
    lattice = [g for g in marginals if isinstance(g, GridMarginal)]
    details: dict[str, Any] = {
        "monte_carlo_units": {
            u.name: g for u, g in zip(us, marginals, strict=True) if isinstance(g, str)
        },
        "grid_error_sum": {a: float(sum(g.var_err[a] for g in lattice)) for a in conf},
        "mass_beyond_grids": float(sum(g.mass_beyond_grid for g in lattice)),
        "tolerance": tolerance,
        "n_workers": n_workers_used,
        "where": where,
        "tasks": len(tasks) + (len(marginals) + len(block_bounds(n))) * (method != "mc"),
    }
    return PortfolioResult(
        copula=copula,
        units=tuple(u.name for u in us),
        confidence_levels=conf,
        standalone=standalone,
        expected_loss=math.inf if heavy else float(standalone["expected_loss"].sum()),
        **sample_figures(total, standalone, conf, bool(heavy)),
        random_state=root.entropy if isinstance(root.entropy, int) else None,
        n_simulations=n,
        correlation=corr,
        df=df,
        sample=total,
        methods={str(r["unit"]): str(r["method"]) for r in rows},
        details=details,
    )
