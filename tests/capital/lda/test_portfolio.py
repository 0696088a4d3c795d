"""aggregate_portfolio: lattice units sampled into the copula, MC only where needed, any workers.

Tolerances: Z = 4 standard errors (the runs are seeded, so each check is deterministic; 4σ would
fail by chance about once in 16,000 seeds) plus the grid error bound the result states.
"""

import math
import os

import numpy as np
import pytest
from scipy import stats

from oprisk.capital.lda import aggregate, aggregate_units, poisson
from oprisk.capital.lda.marginal import grid_marginal, lattice_quantile, locate
from oprisk.capital.lda.measures import lattice_es, lattice_var
from oprisk.capital.lda.portfolio import aggregate_portfolio
from oprisk.errors import CapitalError, ConvergenceWarning

Z = 4.0
A = 0.999
UNITS = {
    "retail": (poisson(200), stats.lognorm(s=1.2, scale=math.exp(9.5))),
    "trading": (poisson(10), stats.lognorm(s=1.6, scale=math.exp(10))),
    "payments": (poisson(1.5), stats.lognorm(s=1.0, scale=math.exp(11))),
}
RHO = np.array([[1.0, 0.4, 0.2], [0.4, 1.0, 0.3], [0.2, 0.3, 1.0]])
N = 300_000


def both(copula, **kw):
    args = dict(
        copula=copula,
        correlation=RHO if copula in ("gaussian", "t") else None,
        df=4 if copula == "t" else None,
        confidence_levels=(0.99, A),
        n_simulations=N,
        random_state=21,
    )
    return aggregate_units(UNITS, **args), aggregate_portfolio(UNITS, **args, **kw)


@pytest.mark.parametrize("copula", ["independence", "comonotonic", "gaussian", "t"])
def test_mc_method_is_the_monte_carlo_path_bit_for_bit(copula):
    old, new = both(copula, method="mc", n_workers=2)
    assert np.array_equal(old.sample, new.sample)
    assert new.var == old.var and new.es == old.es
    assert set(new.methods.values()) == {"mc"}


@pytest.mark.parametrize("copula", ["independence", "gaussian", "t"])
def test_lattice_path_agrees_with_pure_monte_carlo(copula):
    old, new = both(copula, n_workers=2)
    assert set(new.methods.values()) == {"fft"}
    for a in (0.99, A):
        grid = new.details["grid_error_sum"][a]  # Σ of the units' stated grid VaR errors
        assert grid < 1e-4 * new.var[a]
        tol = Z * math.hypot(old.var_se[a], new.var_se[a]) + grid
        assert abs(new.var[a] - old.var[a]) <= tol, (a, new.var[a], old.var[a], tol)
        tol_es = Z * math.hypot(old.es_se[a], new.es_se[a]) + grid
        assert abs(new.es[a] - old.es[a]) <= tol_es
    # standalone figures are the FFT's, the MC's within its SE
    for _, row in new.standalone.iterrows():
        mc = old.standalone.set_index("unit").loc[row["unit"]]
        assert abs(row[f"var_{A}"] - mc[f"var_{A}"]) <= Z * mc[f"var_se_{A}"] + row[f"var_se_{A}"]
    # the portfolio mean is Σ E[S_j] = Σ λ_j E[X_j] (closed form) to the grid's accuracy
    closed = sum(f.mean * s.mean() for f, s in UNITS.values())
    assert new.expected_loss == pytest.approx(closed, rel=1e-7)


def _standalone_fft(level):
    return [aggregate(f, s, "fft", confidence_levels=level) for f, s in UNITS.values()]


def test_comonotonic_total_is_the_sum_of_the_units_quantiles():
    # VaR and ES are comonotonic-additive. The lattice units share the levels i/(n − 1), so the
    # total's VaR is Σ_j VaR_j(α) up to linear interpolation between adjacent levels (bracketed by
    # the sums at α ∓ 1/(n − 1)); ES is a Riemann sum of Σ_j VaR_j(u) over the top levels, within
    # its asymptotic SE
    new = aggregate_portfolio(
        UNITS, copula="comonotonic", confidence_levels=A, n_simulations=N, random_state=5
    )
    step = 1 / (N - 1)
    lo = sum(r.var[A - step] for r in _standalone_fft(A - step))
    hi = sum(r.var[A + step] for r in _standalone_fft(A + step))
    assert lo <= new.var[A] <= hi
    assert new.diversification_benefit[A] == pytest.approx(0.0, abs=1e-4 * new.var[A])
    es = sum(r.es[A] for r in _standalone_fft(A))
    assert abs(new.es[A] - es) <= Z * new.es_se[A]


def test_independent_total_matches_the_fft_convolution_of_the_units():
    new = aggregate_portfolio(
        UNITS, copula="independence", confidence_levels=(0.99, A), n_simulations=N, random_state=9
    )
    # reference: each unit's lattice on one common grid, multiplied in Fourier space (zero-padded,
    # so no wrap-around): the exact distribution of the independent sum on that lattice
    m = 1 << 18
    h = 2 * sum(aggregate(f, s, "fft", confidence_levels=A).grid_step for f, s in UNITS.values())
    pmfs = [
        aggregate(f, s, "fft", grid_step=h, n_grid=m, confidence_levels=A).pmf
        for f, s in UNITS.values()
    ]
    spec = np.prod([np.fft.rfft(p, 2 * m) for p in pmfs], axis=0)
    total = np.maximum(np.fft.irfft(spec, 2 * m)[:m], 0.0)
    mean = sum(f.mean * s.mean() for f, s in UNITS.values())
    for a in (0.99, A):
        ref_var, ref_es = lattice_var(total, h, a), lattice_es(total, h, a, mean)
        assert abs(new.var[a] - ref_var) <= Z * new.var_se[a] + h, (a, new.var[a], ref_var)
        assert abs(new.es[a] - ref_es) <= Z * new.es_se[a] + h


@pytest.mark.parametrize("copula", ["independence", "comonotonic", "gaussian", "t"])
def test_bit_identical_for_one_and_two_workers(copula):
    units = dict(UNITS)
    # an infinite-mean unit: simulated by Monte Carlo, beside the lattice units
    units["cyber"] = (poisson(0.5), stats.genpareto(c=1.2, scale=50_000.0))
    kw = dict(
        copula=copula,
        correlation=np.eye(4) * 0.7 + 0.3 if copula in ("gaussian", "t") else None,
        df=5 if copula == "t" else None,
        n_simulations=60_000,
        random_state=3,
    )
    with pytest.warns(ConvergenceWarning, match="units cyber"):
        one = aggregate_portfolio(units, n_workers=1, **kw)
    with pytest.warns(ConvergenceWarning):
        two = aggregate_portfolio(units, n_workers=2, **kw)
    assert np.array_equal(one.sample, two.sample)
    assert one.var == two.var
    assert one.methods == {"retail": "fft", "trading": "fft", "payments": "fft", "cyber": "mc"}
    assert "infinite" in one.details["monte_carlo_units"]["cyber"]
    assert one.expected_loss == math.inf


def test_local_workers_share_the_lattices_through_a_file_removed_afterwards(monkeypatch):
    from oprisk.capital.lda import portfolio, shared

    made: list[str] = []

    class Recorded(shared.SharedCdfs):
        def __init__(self, rows: int, points: int) -> None:
            super().__init__(rows, points)
            made.append(self.path)

    monkeypatch.setattr(portfolio, "shared_cdfs", Recorded)
    kw = dict(copula="gaussian", correlation=RHO, n_simulations=50_000, random_state=5)
    one = aggregate_portfolio(UNITS, n_workers=1, **kw)
    two = aggregate_portfolio(UNITS, n_workers=2, **kw)
    assert len(made) == 1  # one worker runs in this process: nothing to share
    assert not os.path.exists(made[0])
    assert np.array_equal(one.sample, two.sample)
    assert one.standalone.equals(two.standalone)


def test_without_a_file_to_share_the_lattices_travel_with_the_tasks(monkeypatch):
    from oprisk.capital.lda import shared

    def refused(*args, **kwargs):
        raise PermissionError("no room")

    kw = dict(copula="t", correlation=RHO, df=4, n_simulations=40_000, random_state=8)
    one = aggregate_portfolio(UNITS, n_workers=1, **kw)
    monkeypatch.setattr(shared.tempfile, "mkstemp", refused)
    assert shared.shared_cdfs(3, 8) is None
    two = aggregate_portfolio(UNITS, n_workers=2, **kw)
    assert np.array_equal(one.sample, two.sample)


def test_a_unit_whose_grid_error_is_above_the_tolerance_is_simulated():
    res = aggregate_portfolio(
        UNITS, n_simulations=20_000, random_state=1, tolerance=1e-12, n_workers=1
    )
    assert set(res.methods.values()) == {"mc"}
    assert "above the tolerance" in res.details["monte_carlo_units"]["retail"]


def test_lattice_quantile_reads_the_lattice_as_lattice_var_does():
    f, s = UNITS["trading"]
    g = grid_marginal(f, s, (A,), 1000)
    ref = aggregate(f, s, "fft", grid_step=g.grid_step, n_grid=g.cdf.size, confidence_levels=A)
    levels = np.array([0.5, 0.9, 0.99, A, 0.9999])
    x = lattice_quantile(g, 1 - levels, f, s)
    assert x == pytest.approx([lattice_var(ref.pmf, ref.grid_step, a) for a in levels], rel=1e-9)
    # beyond the grid: the single-loss approximation, never below the grid end
    far = lattice_quantile(g, np.array([1e-12]), f, s)[0]
    assert far >= (g.cdf.size - 0.5) * g.grid_step
    assert far == pytest.approx(s.isf(1e-12 / f.mean) + f.mean * s.mean(), rel=1e-9)


def test_bad_arguments_are_clear_errors():
    with pytest.raises(CapitalError, match="invalid value 'x' for 'method'"):
        aggregate_portfolio(UNITS, method="x", n_simulations=10)
    with pytest.raises(CapitalError, match="'tolerance'"):
        aggregate_portfolio(UNITS, tolerance=0, n_simulations=10)


def test_the_guided_search_finds_what_a_binary_search_finds():
    f, s = UNITS["retail"]
    cdf = grid_marginal(f, s, (A,), 1000).cdf
    rng = np.random.default_rng(4)
    # uniform draws, draws in the far tail and beyond the grid, cell edges and bucket edges exactly
    u = np.concatenate(
        [rng.random(200_000), 1 - rng.random(1000) * 1e-7, cdf[::97], np.arange(0, 1, 1 / 1024)]
    )
    assert np.array_equal(locate(cdf, u), np.searchsorted(cdf, u, side="left"))
    steep = np.concatenate([np.full(5, 0.5), np.linspace(0.5, 0.999, 10_000)])
    assert np.array_equal(locate(steep, u), np.searchsorted(steep, u, side="left"))
