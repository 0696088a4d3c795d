"""VaR and ES of a sorted sample and of a lattice distribution, with their error terms.

Lattice ES uses the identity ES_α = (E[S] − ∫_0^α VaR_u du) / (1 − α): the integral needs the
distribution only up to VaR_α, and E[S] = E[N]·E[X] includes the mass far beyond any grid. Summing
the grid above VaR instead loses every loss beyond the grid end — for Poisson(10) × GPD(ξ = 0.7)
a third of the 99.9 % ES.
"""

from __future__ import annotations

import math

import numpy as np

# --- sample (Monte Carlo) ---------------------------------------------------------------------


def sample_var(s: np.ndarray, a: float) -> float:
    """Quantile of a sorted sample (linear interpolation)."""
    return float(np.quantile(s, a))


def sample_es(s: np.ndarray, a: float) -> float:
    """Mean of the ⌈n(1 − α)⌉ largest values of a sorted sample."""
    k = min(math.floor(s.size * a), s.size - 1)
    return float(s[k:].mean())


def sample_var_se(s: np.ndarray, a: float) -> float:
    """Half the spread of the order statistics a ±1σ binomial band of ranks apart."""
    n = s.size
    sd = math.sqrt(n * a * (1 - a))
    lo = int(np.clip(math.floor(n * a - sd), 0, n - 1))
    hi = int(np.clip(math.ceil(n * a + sd), 0, n - 1))
    return float(s[hi] - s[lo]) / 2


def sample_es_se(s: np.ndarray, a: float) -> float:
    """Asymptotic SE of the sample ES (needs a finite variance of S to mean anything)."""
    k = min(math.floor(s.size * a), s.size - 1)
    tail = s[k:]
    if tail.size < 2:
        return math.nan
    var, es = float(s[k]), float(tail.mean())
    return math.sqrt((float(tail.var(ddof=1)) + a * (es - var) ** 2) / (s.size * (1 - a)))


# --- lattice (FFT, Panjer) ----------------------------------------------------------------------
# Mass g_k of S = k·h is read as spread evenly over the cell ((k − ½)h, (k + ½)h], so the cdf is
# linear between cell edges and quantiles need no rounding to a grid point.


def _locate(c: np.ndarray, a: float) -> int:
    return int(np.searchsorted(c, a, side="left"))


def lattice_var(pmf: np.ndarray, h: float, a: float) -> float:
    """VaR_α of the lattice distribution (inf if the grid ends below it)."""
    c = np.cumsum(pmf)
    k = _locate(c, a)
    if k >= c.size:
        return math.inf
    prev = c[k - 1] if k > 0 else 0.0
    frac = (a - prev) / max(c[k] - prev, 1e-300)
    return float((k - 0.5 + frac) * h) if k > 0 else float(frac * 0.5 * h)


def lattice_es(pmf: np.ndarray, h: float, a: float, mean: float) -> float:
    """ES_α = (E[S] − ∫_0^α VaR_u du) / (1 − α), with E[S] = ``mean`` (the whole distribution's)."""
    if not math.isfinite(mean):
        return mean  # inf (infinite severity mean) or NaN (not computed)
    c = np.cumsum(pmf)
    k = _locate(c, a)
    if k >= c.size:
        return math.inf
    prev = c[k - 1] if k > 0 else 0.0
    var = lattice_var(pmf, h, a)
    # cells below k whole, then the part of cell k up to VaR (uniform: its mean is the midpoint)
    start = (k - 0.5) * h if k > 0 else 0.0
    # math.fsum, not np.dot: BLAS's dot product rounds differently with the array's alignment
    # and threads, so the same lattice gave ES differing in the last digits between processes
    body = math.fsum(np.arange(k) * h * pmf[:k]) + (a - prev) * (start + var) / 2
    return (mean - body) / (1 - a)


def lattice_cdf(pmf: np.ndarray, h: float, x: np.ndarray) -> np.ndarray:
    """P(S ≤ x) of the lattice distribution (cell masses counted once x passes kh − h/2)."""
    c = np.cumsum(pmf)
    k = np.clip(np.floor(x / h + 0.5).astype(np.int64), -1, c.size - 1)
    return np.where(k < 0, 0.0, c[np.maximum(k, 0)])
