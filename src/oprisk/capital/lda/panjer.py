"""The (a, b, 0) recursion of Panjer (1981) for Poisson and negative-binomial frequencies.

Exact on the grid (no wrap-around), O(m²): a coarser default grid than the FFT.
"""

from __future__ import annotations

import numpy as np

from oprisk.errors import CapitalError, invalid

from .frequency import FrequencyFit


def panjer_pmf(frequency: FrequencyFit, p: np.ndarray) -> np.ndarray:
    """P(S = kh), k < m, for severity masses ``p`` on the same grid."""
    m = p.size
    lam = frequency.mean
    if frequency.dispersion is None:
        a, b = 0.0, lam
    else:
        beta = lam / frequency.dispersion
        a = beta / (1 + beta)
        b = (frequency.dispersion - 1) * a
    g0 = float(np.real(frequency.pgf(p[0])))
    if g0 < 1e-290:
        raise CapitalError(
            invalid(
                "method",
                "panjer",
                f"P(S = 0) = {g0:.3g} underflows (λ too large for the recursion); use fft",
            )
        )
    g = np.zeros(m)
    g[0] = g0
    # g_s = Σ_{j=1..s} (a + b j/s) p_j g_{s−j} / (1 − a p_0) = Σ_{i<s} g_i (a p_{s−i} + (b/s)(s−i) p_{s−i});
    # reversed contiguous copies keep every dot product on the fast (unit-stride) path.
    p_rev = p[::-1].copy()
    jp_rev = (np.arange(m, dtype=float) * p)[::-1].copy()
    scale = 1.0 / (1.0 - a * p[0])
    for s in range(1, m):
        lo = m - 1 - s
        gs = g[:s]
        acc = (b / s) * np.dot(gs, jp_rev[lo : m - 1])
        if a:
            acc += a * np.dot(gs, p_rev[lo : m - 1])
        g[s] = scale * acc
    return g
