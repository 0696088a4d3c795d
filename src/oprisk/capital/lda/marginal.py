"""One unit's annual-loss distribution for the portfolio: a lattice where it is accurate, else MC.

:func:`grid_marginal` computes the unit's aggregate distribution by FFT (or Panjer) on the
automatic grid and accepts it only when the method's own error estimates — the change of VaR and
ES when the step is doubled (:mod:`.grid`) — are within ``tolerance`` (relative) at every
confidence level and the mean is finite. While more than a tenth of a simulated year is expected
beyond the grid end (``mass_beyond_grid × n_simulations > 0.1``), the span is widened (×4, up to
three times) as long as the error estimates stay within the tolerance. A unit that fails is
simulated by Monte Carlo instead (:mod:`.portfolio`).

:func:`lattice_quantile` samples the accepted lattice by inverse transform: the mass g_k of
S = kh is spread evenly over ((k − ½)h, (k + ½)h] — the same reading as :func:`.measures.lattice_var`
— so Q(u) is linear inside a cell. The few years whose uniform falls beyond the grid's total
mass (at most ``mass_beyond_grid`` of them, ≤ 0.1 expected in a run once the grid is wide enough)
get the single-loss approximation F_X⁻¹(1 − q/λ) + λ·E[X] (q = 1 − u), floored at the grid end —
where the sum is dominated by its largest loss.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from oprisk.errors import CapitalError, ConvergenceWarning

from .discretise import auto_grid
from .frequency import FrequencyFit
from .grid import DEFAULT_POINTS, grid_method
from .resolve import resolve_severity

if TYPE_CHECKING:
    from .shared import Slot

#: Default relative tolerance on a unit's grid error estimates (VaR and ES, step h vs 2h).
GRID_TOLERANCE = 1e-3
#: Expected simulated years beyond the grid end the sampler may leave to the tail approximation.
YEARS_BEYOND = 0.1


@dataclass(frozen=True)
class GridMarginal:
    """An accepted lattice distribution of one unit and its figures."""

    method: str
    grid_step: float
    cdf: np.ndarray
    expected_loss: float
    var: dict[float, float]
    es: dict[float, float]
    var_err: dict[float, float]
    es_err: dict[float, float]
    mass_beyond_grid: float
    widened: int
    #: where the cdf lives while it is left out of this object (:mod:`.shared`), else None
    slot: Slot | None = None


def grid_marginal(
    frequency: FrequencyFit,
    severity: Any,
    conf: tuple[float, ...],
    n_simulations: int,
    method: str = "fft",
    tolerance: float = GRID_TOLERANCE,
) -> GridMarginal | str:
    """The unit's lattice distribution, or the reason it is not accurate enough (a string)."""
    sev = resolve_severity(severity, frequency)
    if not math.isfinite(sev.mean):
        return "the severity mean is infinite"
    m = DEFAULT_POINTS[method]
    h0, _ = auto_grid(frequency, sev, max(conf), m)
    best: GridMarginal | None = None
    reason = ""
    for widened in range(4):
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", ConvergenceWarning)
                out = grid_method(method, frequency, sev, conf, m, h0 * 4**widened, True)
            warned = [str(w.message) for w in caught if issubclass(w.category, ConvergenceWarning)]
            if warned:  # a grid result the method itself doubts is not good enough here
                raise CapitalError(warned[0])
        except CapitalError as exc:
            reason = str(exc)
            if best is None:
                continue
            break
        bad = [
            f"{name} error {err[a] / abs(val[a]):.2g} at {a}"
            for a in conf
            for name, val, err in (
                ("VaR", out["var"], out["var_se"]),
                ("ES", out["es"], out["es_se"]),
            )
            if not (math.isfinite(val[a]) and err[a] <= tolerance * abs(val[a]))
        ]
        if bad or not math.isfinite(out["expected_loss"]):
            reason = f"{method} relative " + ", ".join(bad) + f" above the tolerance {tolerance:g}"
            break
        best = GridMarginal(
            method,
            float(out["grid_step"]),
            np.cumsum(out["pmf"]),
            float(out["expected_loss"]),
            out["var"],
            out["es"],
            out["var_se"],
            out["es_se"],
            float(out["details"]["mass_beyond_grid"]),
            widened,
        )
        if best.mass_beyond_grid * n_simulations <= YEARS_BEYOND:
            break
    return best if best is not None else (reason or f"{method} failed")


#: Buckets of the guide table (a power of two, so u·K and i/K are exact in binary).
GUIDE = 1 << 16
#: Steps walked from a bucket's first cell before the remaining draws are binary-searched.
GUIDE_STEPS = 6


def locate(cdf: np.ndarray, u: np.ndarray) -> np.ndarray:
    """``np.searchsorted(cdf, u, side="left")`` for a non-decreasing cdf, several times faster.

    A guide table (Chen & Asau 1974) holds the first cell of each of K equal-probability buckets;
    a draw starts there and walks forward (a few cells at most, except in the far tail, where the
    few draws left after ``GUIDE_STEPS`` are binary-searched). The answer is the same: the first k
    with cdf[k] ≥ u, because that k is never before the first cell with cdf ≥ ⌊uK⌋/K.
    """
    guide = np.searchsorted(cdf, np.arange(GUIDE) / GUIDE, side="left")
    k = guide[np.minimum((u * GUIDE).astype(np.int64), GUIDE - 1)]
    last = cdf.size - 1
    for _ in range(GUIDE_STEPS):
        behind = (k <= last) & (cdf[np.minimum(k, last)] < u)
        if not behind.any():
            return k
        k[behind] += 1
    rest = np.flatnonzero((k <= last) & (cdf[np.minimum(k, last)] < u))
    k[rest] = np.searchsorted(cdf, u[rest], side="left")
    return k


def lattice_quantile(
    g: GridMarginal, q: np.ndarray, frequency: FrequencyFit, severity: Any
) -> np.ndarray:
    """Annual losses for upper-tail probabilities ``q`` (u = 1 − q) from the unit's lattice.

    ``q`` rather than u keeps the far tail exact: 1 − u rounds to 0 for u within 1e-16 of 1.
    """
    cdf, h = g.cdf, g.grid_step
    u = 1.0 - q
    k = locate(cdf, u)
    inside = k < cdf.size
    kk = np.minimum(k, cdf.size - 1)
    prev = np.where(kk > 0, cdf[np.maximum(kk - 1, 0)], 0.0)
    frac = (u - prev) / np.maximum(cdf[kk] - prev, 1e-300)
    x = np.where(kk > 0, (kk - 0.5 + frac) * h, frac * 0.5 * h)
    if not inside.all():
        sev = resolve_severity(severity, frequency)
        lam = frequency.mean
        end = (cdf.size - 0.5) * h
        far = ~inside
        x[far] = np.maximum(end, sev.isf(np.minimum(q[far] / lam, 1.0)) + lam * sev.mean)
    return x
