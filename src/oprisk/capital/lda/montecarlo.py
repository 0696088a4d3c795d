"""Monte Carlo of the annual aggregate loss, vectorised and chunked, bit-identical for any workers.

Chunk *i* always uses child *i* of ``SeedSequence(random_state)``; the chunks are spread over
``n_workers`` threads (numpy's generator releases the GIL), so the sample does not depend on the
number of workers. The standard error of VaR comes from order statistics (a ±1σ binomial band of
ranks), that of ES from its asymptotic variance, that of the mean from the sample variance — the
last two only when the severity has a finite variance (otherwise they are NaN and say why).
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from ._checks import positive_int
from .frequency import FrequencyFit
from .measures import sample_es, sample_es_se, sample_var, sample_var_se
from .resolve import ResolvedSeverity, resolve_severity

#: Severity draws per Monte Carlo chunk: small enough to stay in cache through the in-place
#: normal → exp → reduceat passes, large enough that per-chunk overhead is negligible.
CHUNK_DRAWS = 1 << 18


def chunk_years(mean_count: float, n_simulations: int) -> int:
    """Years per Monte Carlo chunk; depends only on the model, never on the number of workers."""
    return int(max(1, min(n_simulations, CHUNK_DRAWS // max(1, math.ceil(mean_count)))))


def _root(random_state: Any) -> np.random.SeedSequence:
    if isinstance(random_state, np.random.SeedSequence):
        return random_state
    return np.random.SeedSequence(random_state)


def simulate_chunk(
    frequency: FrequencyFit,
    sev: ResolvedSeverity,
    seed: np.random.SeedSequence,
    out: np.ndarray,
    buf: np.ndarray,
) -> np.ndarray:
    """Fill ``out`` with the annual sums of one chunk drawn from ``seed``; returns the draw buffer.

    Chunk *i* of a unit is always this call with child *i* of the unit's ``SeedSequence``, whoever
    runs it (a thread here, a process or a Dask worker in :mod:`.portfolio`).
    """
    rng = np.random.default_rng(seed)
    counts = frequency.rvs(out.size, rng)
    m = int(counts.sum())
    if buf.size < m + 1:
        buf = np.empty(int((m + 1) * 1.1) + 16)
    x = buf[: m + 1]
    sev.fill(rng, x[:m])
    x[m] = 0.0  # reduceat needs a valid index for trailing empty years
    starts = np.cumsum(counts) - counts
    s = np.add.reduceat(x, starts)
    s[counts == 0] = 0.0  # reduceat returns x[start] for an empty segment
    out[:] = s
    return buf


def simulate_annual_losses(
    frequency: FrequencyFit,
    severity: Any,
    n_simulations: int,
    *,
    random_state: int | np.random.SeedSequence | None = None,
    n_workers: int = 1,
) -> np.ndarray:
    """Simulated annual aggregate losses (unsorted, in simulation order), reproducible by seed.

    Chunk *i* draws its counts and severities from child *i* of the root ``SeedSequence``; the
    chunks are spread over ``n_workers`` threads, so the output is identical for any number of
    workers.
    """
    n = positive_int(n_simulations, "n_simulations")
    workers = positive_int(n_workers, "n_workers")
    sev = resolve_severity(severity, frequency)
    per = chunk_years(frequency.mean, n)
    n_chunks = -(-n // per)
    seeds = _root(random_state).spawn(n_chunks)
    out = np.empty(n)

    def work(worker: int) -> None:
        buf = np.empty(0)
        for i in range(worker, n_chunks, workers):
            lo, hi = i * per, min(n, (i + 1) * per)
            buf = simulate_chunk(frequency, sev, seeds[i], out[lo:hi], buf)

    if workers == 1 or n_chunks == 1:
        work(0)
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(work, range(min(workers, n_chunks))))
    return out


def monte_carlo(
    frequency: FrequencyFit,
    sev: ResolvedSeverity,
    conf: tuple[float, ...],
    n_simulations: int,
    random_state: Any,
    n_workers: int,
) -> dict[str, Any]:
    """Fields of an :class:`AggregateResult` from a simulated sample."""
    root = _root(random_state)
    s = simulate_annual_losses(
        frequency, sev, n_simulations, random_state=root, n_workers=n_workers
    )
    s.sort()
    details: dict[str, Any] = {
        "chunk_years": chunk_years(frequency.mean, s.size),
        "n_workers": n_workers,
    }
    mean = float(s.mean())
    es = {a: sample_es(s, a) for a in conf}
    es_se = {a: sample_es_se(s, a) for a in conf}
    mean_se = float(s.std(ddof=1) / math.sqrt(s.size)) if s.size > 1 else math.nan
    if sev.variance_finite is False:
        details["se_note"] = (
            "the severity variance is infinite: the sample standard errors of the mean and of "
            "ES do not apply (NaN); VaR's order-statistics SE does"
        )
        es_se = dict.fromkeys(conf, math.nan)
        mean_se = math.nan
    return {
        "expected_loss": mean,
        "expected_loss_se": mean_se,
        "var": {a: sample_var(s, a) for a in conf},
        "es": es,
        "var_se": {a: sample_var_se(s, a) for a in conf},
        "es_se": es_se,
        "sample": s,
        "random_state": root.entropy if isinstance(root.entropy, int) else None,
        "n_simulations": s.size,
        "details": details,
    }
