"""Parameter uncertainty of the portfolio VaR: refits on resampled data (a bootstrap).

Replicate b draws, for every unit, a number of losses N* ~ Poisson(n) (n the unit's losses in the
window, so λ* = N*/T varies as the Poisson estimate does) and N* losses resampled with replacement
from the unit's losses; it refits the unit's severity family (left-truncated at the threshold)
and λ, and recomputes the portfolio VaR with :func:`.portfolio.aggregate_portfolio` under the same
copula. The percentile interval of the replicate VaRs is the confidence interval of the figure.

Replicate b uses child b of ``SeedSequence(random_state, spawn_key=(BOOTSTRAP_KEY,))`` (split into
a resampling and a simulation seed), so the replicates do not depend on where or in which order
they run; they are tasks of a :class:`.parallel.Runner` (local processes or Dask). Each replicate's
own Monte Carlo error is part of the spread; ``mc_se`` (the median replicate SE of VaR) says how
much.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from oprisk.errors import CapitalError, ConvergenceWarning, invalid

from ._checks import positive_int
from .frequency import poisson
from .parallel import Runner
from .portfolio import aggregate_portfolio
from .severity import fit_severity

#: Spawn key of the bootstrap's seeds (apart from the main run's SeedSequence(random_state)).
BOOTSTRAP_KEY = 0xB007


@dataclass(frozen=True)
class UnitData:
    """What a refit needs: the unit's losses, its severity family, the years observed."""

    losses: np.ndarray
    family: str
    years: float
    threshold: float


@dataclass(frozen=True, eq=False)
class BootstrapResult:
    """Replicate portfolio VaRs and their percentile interval."""

    confidence_level: float
    interval: float
    n_replicates: int
    n_simulations: int
    lower: float
    upper: float
    median: float
    mc_se: float
    failed: int
    seconds_per_refit: float
    var: np.ndarray = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "confidence_level": self.confidence_level,
            "interval": self.interval,
            "n_replicates": self.n_replicates,
            "n_simulations": self.n_simulations,
            "lower": self.lower,
            "upper": self.upper,
            "median": self.median,
            "mc_se": self.mc_se,
            "failed": self.failed,
            "seconds_per_refit": self.seconds_per_refit,
        }


def _replicate(args: tuple[Any, ...]) -> tuple[float, float, float]:
    seed, data, kw = args
    t0 = time.perf_counter()
    resample, simulate = seed.spawn(2)
    rng = np.random.default_rng(resample)
    models: dict[str, Any] = {}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            for name, d in data.items():
                n_star = int(rng.poisson(d.losses.size))
                x = d.losses[rng.integers(0, d.losses.size, n_star)]
                sev = fit_severity(x, d.family, threshold=d.threshold)
                models[name] = (poisson(max(n_star, 1) / d.years), sev)
            res = aggregate_portfolio(models, random_state=simulate, n_workers=1, **kw)
    except CapitalError:
        return math.nan, math.nan, time.perf_counter() - t0
    a = kw["confidence_levels"][0]
    return res.var[a], res.var_se[a], time.perf_counter() - t0


def bootstrap_portfolio(
    data: Mapping[str, UnitData],
    *,
    n_replicates: int,
    confidence_level: float = 0.999,
    interval: float = 0.95,
    copula: str = "gaussian",
    correlation: Any = None,
    df: float | None = None,
    n_simulations: int = 100_000,
    random_state: int | None = None,
    method: str = "auto",
    runner: Runner | None = None,
) -> BootstrapResult:
    """Percentile interval of the portfolio VaR over ``n_replicates`` refits on resampled data."""
    b = positive_int(n_replicates, "n_replicates")
    if not 0 < interval < 1:
        raise CapitalError(invalid("interval", interval, "must be in (0, 1)"))
    kw = dict(
        copula=copula,
        correlation=correlation,
        df=df,
        confidence_levels=(confidence_level,),
        n_simulations=positive_int(n_simulations, "n_simulations"),
        method=method,
    )
    seeds = np.random.SeedSequence(random_state, spawn_key=(BOOTSTRAP_KEY,)).spawn(b)
    tasks = [(s, dict(data), kw) for s in seeds]
    own = runner is None
    run = runner if runner is not None else Runner()
    try:
        out = run.map(_replicate, tasks)
    finally:
        if own:
            run.close()
    var = np.array([o[0] for o in out])
    ok = var[np.isfinite(var)]
    if ok.size == 0:
        raise CapitalError(
            invalid("n_replicates", b, "no replicate could be refitted (too few losses per unit)")
        )
    tail = (1 - interval) / 2
    return BootstrapResult(
        confidence_level=confidence_level,
        interval=interval,
        n_replicates=b,
        n_simulations=int(kw["n_simulations"]),
        lower=float(np.quantile(ok, tail)),
        upper=float(np.quantile(ok, 1 - tail)),
        median=float(np.median(ok)),
        mc_se=float(np.nanmedian([o[1] for o in out])),
        failed=int(b - ok.size),
        seconds_per_refit=float(np.median([o[2] for o in out])),
        var=var,
    )
