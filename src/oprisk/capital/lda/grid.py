"""FFT and Panjer: VaR, ES and the mean from a lattice, with the mass beyond the grid kept.

1. The severity is discretised by local moment matching (:mod:`.discretise`), which keeps E[X].
2. The compound lattice distribution comes from the FFT (:mod:`.fft`) or the recursion
   (:mod:`.panjer`); the grid must end past the highest VaR requested (it is widened 4× up to
   three times when it does not).
3. The mean of the discretised severity is the sum of the cell integrals plus the integral of the
   survival function beyond the grid end (:func:`._quadrature.tail_integral`), so
   E[S] = E[N]·E[X_d] counts every loss however far out; ES uses it through the identity in
   :mod:`.measures`.

Error estimates: VaR and ES are recomputed on the grid of step 2h (same span, cell integrals added
pairwise) and the difference is reported in ``var_se`` / ``es_se``; the mean's estimate is its
difference to E[N]·E[X] from the severity's own mean plus the tail integral's quadrature error.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

from oprisk.errors import CapitalError, ConvergenceWarning, invalid

from ._checks import positive_int
from ._quadrature import tail_integral
from .discretise import auto_grid, cell_integrals, coarsen, masses
from .fft import TILT, fft_pmf
from .frequency import FrequencyFit
from .measures import lattice_es, lattice_var
from .panjer import panjer_pmf
from .resolve import INFINITE_MEAN, ResolvedSeverity

DEFAULT_POINTS = {"fft": 1 << 17, "panjer": 1 << 13}
#: Times the automatic grid is widened (×4 each) when the highest VaR lies beyond it.
WIDENINGS = 3


def grid_method(
    method: str,
    frequency: FrequencyFit,
    sev: ResolvedSeverity,
    conf: tuple[float, ...],
    n_grid: int | None,
    grid_step: float | None,
    error_estimate: bool,
) -> dict[str, Any]:
    """Fields of an :class:`AggregateResult` for ``method`` ``"fft"`` or ``"panjer"``."""
    m = positive_int(n_grid, "n_grid", 16) if n_grid is not None else DEFAULT_POINTS[method]
    m -= m % 2  # the step-2h rerun adds cells in pairs
    auto = grid_step is None
    if auto:
        h, _ = auto_grid(frequency, sev, max(conf), m)
    else:
        h = float(grid_step)  # type: ignore[arg-type]
        if not (math.isfinite(h) and h > 0):
            raise CapitalError(invalid("grid_step", grid_step, "must be a positive number"))
    compute = fft_pmf if method == "fft" else panjer_pmf
    top = max(conf)
    for widened in range(WIDENINGS + 1):
        cells = cell_integrals(sev, h, m)
        g = compute(frequency, masses(cells, h))
        if math.isfinite(lattice_var(g, h, top)) or not auto or widened == WIDENINGS:
            break
        h *= 4
    var = {a: lattice_var(g, h, a) for a in conf}
    for a in conf:
        if not math.isfinite(var[a]):
            raise CapitalError(
                invalid(
                    "grid_step",
                    h,
                    f"grid of {m} points ends below VaR at {a}; pass a larger grid_step or n_grid",
                )
            )
    details: dict[str, Any] = {
        "n_grid": m,
        "grid_end": m * h,
        "mass_beyond_grid": max(0.0, 1.0 - float(g.sum())),
        "widened": widened,
    }
    if method == "fft":
        details["aliasing_bound"] = math.exp(-TILT) * details["mass_beyond_grid"]
    tail, tail_err = (math.inf, math.inf) if sev.mean == math.inf else tail_integral(sev.sf, m * h)
    mean_x = float(cells.sum()) + tail
    mean_s = frequency.mean * mean_x
    details["mean_beyond_grid"] = frequency.mean * tail  # E[N]·∫_L^∞ S: counted, not dropped
    mean_err = math.nan
    if sev.mean == math.inf:
        warnings.warn(f"{method}: {INFINITE_MEAN}", ConvergenceWarning, stacklevel=3)
        details["infinite_mean"] = True
    elif not math.isfinite(tail):
        mean_s = math.nan
        warnings.warn(
            f"{method}: the integral of the severity tail beyond the grid end {m * h:.4g} does "
            "not converge numerically (a tail close to 1/x); expected loss and expected "
            "shortfall are not computed (NaN)",
            ConvergenceWarning,
            stacklevel=3,
        )
    else:
        mean_err = frequency.mean * (abs(mean_x - sev.mean) + tail_err)
    es = {a: lattice_es(g, h, a, mean_s) for a in conf}
    var_err = dict.fromkeys(conf, math.nan)
    es_err = dict.fromkeys(conf, math.nan)
    if error_estimate:
        g2 = compute(frequency, masses(coarsen(cells), 2 * h))
        var_err = {a: abs(var[a] - lattice_var(g2, 2 * h, a)) for a in conf}
        es_err = {a: abs(es[a] - lattice_es(g2, 2 * h, a, mean_s)) for a in conf}
        es_err = {a: v if math.isfinite(es[a]) else math.nan for a, v in es_err.items()}
    return {
        "expected_loss": mean_s,
        "expected_loss_se": mean_err,
        "var": var,
        "es": es,
        "var_se": var_err,
        "es_se": es_err,
        "pmf": g,
        "grid_step": h,
        "details": details,
    }
