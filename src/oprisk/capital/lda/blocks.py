"""The lattice units' years, block by block: one task draws a block's copula and sums its units.

The years are cut into fixed blocks of ``BLOCK_CHUNKS`` copula chunks (``COPULA_CHUNK`` years
each, the chunks of :func:`.dependence._copula_scores`). A block task draws its chunks' copula
normals from the same chunk seeds (so Z is the same number for number as the scores computed in
one piece), turns them into each lattice unit's years by inverse transform and returns the sum
over the lattice units (in unit order) and the scores of the Monte Carlo units, which are coupled
by rank over all years afterwards. A block therefore ships 8 bytes a year back, whatever the
number of units; the blocks depend on the number of years only, so the sum is the same on any
number of workers. The blocks are dealt round-robin to one task per worker, so each worker
receives the lattices (1 MB per unit) once — on local processes not even that: it maps their cdfs
from the file the grid tasks wrote (:mod:`.shared`).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
from scipy import special

from .dependence import COPULA_CHUNK
from .marginal import GridMarginal, lattice_quantile

#: Copula chunks per block task (131,072 years: 8 tasks for 10⁶ years).
BLOCK_CHUNKS = 4


def block_bounds(n: int) -> list[tuple[int, int]]:
    """The blocks' year ranges, fixed by ``n`` alone."""
    size = COPULA_CHUNK * BLOCK_CHUNKS
    return [(lo, min(n, lo + size)) for lo in range(0, n, size)]


def _scores(lo: int, hi: int, seeds: list[Any], factor: np.ndarray, df: float | None) -> np.ndarray:
    """Z for years [lo, hi) (hi − lo) × d, chunk by chunk exactly as ``_copula_scores`` draws it."""
    d = factor.shape[0]
    z = np.empty((hi - lo, d))
    for c in range(lo // COPULA_CHUNK, -(-hi // COPULA_CHUNK)):
        a, b = c * COPULA_CHUNK, min(hi, (c + 1) * COPULA_CHUNK)
        rng = np.random.default_rng(seeds[c - lo // COPULA_CHUNK])
        g = rng.standard_normal((b - a, d))
        zc = g @ factor.T
        if df is not None:
            zc /= np.sqrt(rng.chisquare(df, b - a) / df)[:, None]
        z[a - lo : b - lo] = zc
    return z


def _block(
    lo: int,
    hi: int,
    payload: Any,
    lattice: list[Any],
    copula: str,
    df: float | None,
    factor: np.ndarray | None,
    mc_columns: list[int],
) -> tuple[np.ndarray, np.ndarray | None]:
    total = np.zeros(hi - lo)
    z = None
    if copula in ("gaussian", "t"):
        assert factor is not None
        z = _scores(lo, hi, payload, factor, df)
    for i, (j, marginal, frequency, severity) in enumerate(lattice):
        if z is not None:
            zj = -z[:, j]  # q = P(Z_j > z): the upper tail stays exact
            q = special.ndtr(zj) if df is None else special.stdtr(df, zj)
        elif copula == "comonotonic":
            q = payload  # levels shared by every unit: their quantiles add up
        else:
            q = 1.0 - np.random.default_rng(payload[i]).random(hi - lo)  # in (0, 1]
        total += lattice_quantile(marginal, q, frequency, severity)
    mc = None if z is None or not mc_columns else np.ascontiguousarray(z[:, mc_columns].T)
    return total, mc


def block_task(args: tuple[Any, ...]) -> list[tuple[np.ndarray, np.ndarray | None]]:
    """Per block given: (Σ of the lattice units' years, the Monte Carlo units' scores or None).

    One task takes several blocks, so the lattices travel to a worker once, not once per block;
    which blocks share a task does not change any block's numbers.
    """
    blocks, lattice, copula, df, factor, mc_columns = args
    lattice = _mapped(lattice)
    return [_block(lo, hi, p, lattice, copula, df, factor, mc_columns) for lo, hi, p in blocks]


def _mapped(
    lattice: list[tuple[int, GridMarginal, Any, Any]],
) -> list[tuple[int, GridMarginal, Any, Any]]:
    """In a block task: the lattice units with their cdfs read from their slots (each file
    mapped once, not copied)."""
    files: dict[str, np.ndarray] = {}
    out = []
    for j, g, frequency, severity in lattice:
        if g.slot is not None:
            rows = files.get(g.slot.path)
            if rows is None:
                rows = files[g.slot.path] = g.slot.array("r")
            g = replace(g, cdf=rows[g.slot.row], slot=None)
        out.append((j, g, frequency, severity))
    return out
